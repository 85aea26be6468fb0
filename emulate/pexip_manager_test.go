package emulate

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var updateFleetFixtures = flag.Bool("update", false, "rewrite testdata/pexip-fleet/ from the Management Node emulator")

func startManager(t *testing.T, fleet string) (*PexipManager, string) {
	t.Helper()
	m, err := NewPexipManager(fleet)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Serve(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return m, srv.URL
}

// get asks the emulator with the monitoring login (or another).
func get(t *testing.T, rawURL string, login ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case len(login) == 2:
		req.SetBasicAuth(login[0], login[1])
	case len(login) == 0:
		req.SetBasicAuth(PexipManagerUser, PexipManagerPassword)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// The fixtures in testdata/pexip-fleet/ are what the emulator answers, at
// the time they were taken: each names the fleet and list it stands for.
// go test ./emulate -run TestPexipManagerFixtures -update rewrites them.
func TestPexipManagerFixtures(t *testing.T) {
	const (
		status = "/api/admin/status/v1/worker_vm/"
		config = "/api/admin/configuration/v1/worker_vm/"
		alarm  = "/api/admin/status/v1/alarm/"
		lic    = "/api/admin/status/v1/licensing/"
	)
	tests := []struct{ fleet, path, fixture string }{
		{FleetHealthy, status, "status_worker_vm_healthy.json"},
		{FleetHealthy, config, "configuration_worker_vm.json"},
		{FleetHealthy, alarm, "alarm_none.json"},
		{FleetHealthy, lic, "licensing_healthy.json"},
		{FleetNodeOutOfSync, status, "status_worker_vm_node_out_of_sync.json"},
		{FleetNodeStale, status, "status_worker_vm_node_stale.json"},
		{FleetNodeInMaintenance, status, "status_worker_vm_node_in_maintenance.json"},
		{FleetNodesLoaded, status, "status_worker_vm_nodes_loaded.json"},
		{FleetAlarmsEachLevel, alarm, "alarm_each_level.json"},
		{FleetLicencesNearLimit, lic, "licensing_near_limit.json"},
		{FleetTroubled, status, "status_worker_vm_troubled.json"},
		{FleetTroubled, alarm, "alarm_troubled.json"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			m, base := startManager(t, tt.fleet)
			m.SetClock(func() time.Time { return PexipFleetFixtureTime })
			code, got := get(t, base+tt.path+"?limit=1000")
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, got)
			}
			file := filepath.Join("..", "testdata", "pexip-fleet", tt.fixture)
			if *updateFleetFixtures {
				var pretty bytes.Buffer
				if err := json.Indent(&pretty, got, "", "  "); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(want, &w); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("the emulator's answer differs from %s (go test ./emulate -run TestPexipManagerFixtures -update rewrites it):\n%s", tt.fixture, got)
			}
		})
	}
}

// The fixtures hold each of the API's three time forms.
func TestPexipManagerTimeForms(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "pexip-fleet", "status_worker_vm_healthy.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"last_updated": "2025-06-02T08:59:47.895271"`, `"last_updated": "2025-06-02T08:59:28.790542+00:00"`,
		`"last_updated": "2025-06-02T08:59:55"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("no %s", want)
		}
	}
}

// Pages follow Tastypie: limit and offset, meta.next relative (or
// absolute, or absent), a limit capped at max_limit.
func TestPexipManagerPaging(t *testing.T) {
	m, base := startManager(t, FleetHealthy)
	m.SetMaxLimit(4)
	type page struct {
		Meta struct {
			Limit      int     `json:"limit"`
			Next       *string `json:"next"`
			Offset     int     `json:"offset"`
			Previous   *string `json:"previous"`
			TotalCount int     `json:"total_count"`
		} `json:"meta"`
		Objects []struct {
			Name string `json:"name"`
		} `json:"objects"`
	}
	read := func(u string) page {
		t.Helper()
		code, b := get(t, u)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", u, code)
		}
		var p page
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := read(base + "/api/admin/status/v1/worker_vm/?limit=1000")
	if p.Meta.Limit != 4 || p.Meta.TotalCount != 6 || len(p.Objects) != 4 || p.Meta.Previous != nil ||
		p.Meta.Next == nil || *p.Meta.Next != "/api/admin/status/v1/worker_vm/?limit=4&offset=4" {
		t.Errorf("first page %+v", p.Meta)
	}
	p = read(base + *p.Meta.Next)
	if len(p.Objects) != 2 || p.Meta.Next != nil || p.Meta.Offset != 4 || p.Objects[1].Name != "edge-lon-01" {
		t.Errorf("last page %+v %v", p.Meta, p.Objects)
	}
	if p := read(base + "/api/admin/status/v1/worker_vm/"); p.Meta.Limit != 4 {
		t.Errorf("no limit: %+v", p.Meta)
	}
	m.SetNextStyle(NextAbsolute)
	if p := read(base + "/api/admin/status/v1/worker_vm/?limit=2"); p.Meta.Next == nil || !strings.HasPrefix(*p.Meta.Next, base+"/api/") {
		t.Errorf("absolute next: %+v", p.Meta)
	}
	m.SetNextStyle(NextNone)
	if p := read(base + "/api/admin/status/v1/worker_vm/?limit=2"); p.Meta.Next != nil || p.Meta.TotalCount != 6 {
		t.Errorf("no next: %+v", p.Meta)
	}
	m.AddNodes("Oslo", 3)
	if p := read(base + "/api/admin/status/v1/worker_vm/?limit=2&offset=8"); p.Meta.TotalCount != 9 || len(p.Objects) != 1 {
		t.Errorf("after AddNodes: %+v", p.Meta)
	}
}

func TestPexipManagerAuth(t *testing.T) {
	m, base := startManager(t, FleetHealthy)
	u := base + "/api/admin/status/v1/alarm/"
	if code, _ := get(t, u, "nobody"); code != http.StatusUnauthorized {
		t.Errorf("no login: %d", code)
	}
	if code, _ := get(t, u, PexipManagerUser, "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", code)
	}
	if code, _ := get(t, u); code != http.StatusOK {
		t.Errorf("right login: %d", code)
	}
	if code, _ := get(t, base+"/api/admin/status/v1/nothing/"); code != http.StatusNotFound {
		t.Errorf("unknown list: %d", code)
	}
	reqs := m.Requests()
	if len(reqs) != 4 || reqs[0].AuthSent || !reqs[1].AuthSent || reqs[1].Authorized || !reqs[2].Authorized {
		t.Errorf("requests %+v", reqs)
	}
}

// The nodes are Pexip node emulators under /nodes/NAME/; a request to one
// that carries a login is refused and counted.
func TestPexipManagerNodes(t *testing.T) {
	m, base := startManager(t, FleetNodeInMaintenance)
	post := func(u string, h http.Header) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(requestBody))
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	conf := "/api/client/v2/conferences/" + PexipTestCall + "/request_token"
	if code := post(base+"/nodes/conf-lon-01"+conf, http.Header{}); code != http.StatusOK {
		t.Errorf("conf-lon-01: %d", code)
	}
	if n := len(m.Node("conf-lon-01").Issued()); n != 1 {
		t.Errorf("conf-lon-01 issued %d tokens", n)
	}
	if code := post(base+"/nodes/conf-lon-02"+conf, http.Header{}); code != http.StatusServiceUnavailable {
		t.Errorf("conf-lon-02 is in maintenance, got %d", code)
	}
	if code := post(base+"/nodes/conf-lon-01"+conf, http.Header{"Authorization": {"Basic eDp5"}}); code != http.StatusBadRequest {
		t.Errorf("a login sent to a node: %d", code)
	}
	if m.LoginsSentToNodes() != 1 {
		t.Errorf("LoginsSentToNodes %d", m.LoginsSentToNodes())
	}
	if code, _ := get(t, base+"/nodes/no-such-node/api/client/v2/status", "x"); code != http.StatusNotFound {
		t.Errorf("unknown node: %d", code)
	}
	if len(m.Outstanding()) != 1 {
		t.Errorf("outstanding %v", m.Outstanding())
	}
	if _, err := NewPexipManager("no-such-fleet"); err == nil {
		t.Errorf("unknown fleet accepted")
	}
}
