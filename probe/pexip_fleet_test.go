package probe

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

// startFleet starts a Management Node emulator with the named fleet.
func startFleet(t *testing.T, fleet string) (*emulate.PexipManager, string) {
	t.Helper()
	m, err := emulate.NewPexipManager(fleet)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emulate.Serve(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return m, srv.URL
}

// fleetConfig is the check with the command's defaults and the emulator's login.
func fleetConfig(t *testing.T, base string) PexipFleetConfig {
	return PexipFleetConfig{
		Client:  ClientConfig{User: emulate.PexipManagerUser, Password: emulate.PexipManagerPassword, TimeoutState: nagios.Critical},
		BaseURL: base, MaintenanceState: nagios.Warning,
		Load:    nagios.Thresholds{Warn: mustRange(t, "80"), Crit: mustRange(t, "95")},
		Licence: nagios.Thresholds{Warn: mustRange(t, "85"), Crit: mustRange(t, "95")},
	}
}

// withCalls adds test calls on the emulator's nodes (reached by name).
func withCalls(cfg PexipFleetConfig, base string) PexipFleetConfig {
	cfg.TestCall = &FleetTestCall{Alias: emulate.PexipTestCall, DisplayName: "healthprobe", CallTag: "healthprobe",
		NodeURL: base + emulate.PexipFleetNodeURL}
	return cfg
}

func runFleet(t *testing.T, cfg PexipFleetConfig) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return PexipFleet(ctx, cfg)
}

// detailLine renders a sub-check as "STATE name: text".
func detailLine(d Detail) string { return fmt.Sprintf("%s %s: %s", d.State, d.Name, d.Text) }

func hasDetail(r Result, want string) bool {
	return slices.ContainsFunc(r.Details, func(d Detail) bool { return detailLine(d) == want })
}

// Every rule, on the fleet that stands for it.
func TestPexipFleetRules(t *testing.T) {
	healthyPerf := "nodes=6;;;0 nodes_ok=6;;;0;6 alarms=0;;;0 licence_ports=42;;;0;200 licence_ports_pct=21%;85;95;0;100 " +
		"licence_audio=3;;;0;50 licence_audio_pct=6%;85;95;0;100 load_conf-lon-01=23%;80;95;0;100 load_conf-lon-02=18%;80;95;0;100 " +
		"load_conf-osl-01=7%;80;95;0;100 load_conf-syd-01=41%;80;95;0;100 load_conf-syd-02=35%;80;95;0;100 load_edge-lon-01=0%;80;95;0;100"
	tests := []struct {
		name, fleet string
		setup       func(cfg *PexipFleetConfig)
		state       nagios.State
		summary     string
		details     []string // among the sub-checks
		perf        string   // the whole perfdata, when given
		requests    int      // to the management API
	}{
		{
			name: "healthy", fleet: emulate.FleetHealthy, state: nagios.OK,
			summary: "6 nodes OK in 3 locations, no alarms, port licences 42 of 200 (21%), audio licences 3 of 50 (6%)",
			details: []string{
				"OK node:conf-lon-01: conf-lon-01 (London): media load 23%",
				"OK node:edge-lon-01: edge-lon-01 (London, PROXYING): media load 0%",
				"OK licence:port: port licences: 42 of 200 in use (21%)",
				"OK licence:audio: audio licences: 3 of 50 in use (6%)",
			},
			perf: healthyPerf, requests: 3,
		},
		{
			name: "a node out of sync", fleet: emulate.FleetNodeOutOfSync, state: nagios.Warning,
			summary:  "conf-lon-02 not in sync (sync_status SYNCING); 1 of 6 nodes not OK",
			details:  []string{"WARNING node:conf-lon-02: conf-lon-02 (London): not in sync (sync_status SYNCING); media load 18%"},
			requests: 3,
		},
		{
			name: "a stale node", fleet: emulate.FleetNodeStale, state: nagios.Critical,
			summary:  "conf-syd-02 stopped reporting 20m ago; 1 of 6 nodes not OK",
			details:  []string{"CRITICAL node:conf-syd-02: conf-syd-02 (Sydney): stopped reporting 20m ago; media load 35%"},
			requests: 3,
		},
		{
			name: "a stale node, --stale-after 30m", fleet: emulate.FleetNodeStale, state: nagios.OK,
			setup:   func(cfg *PexipFleetConfig) { cfg.StaleAfter = 30 * time.Minute },
			summary: "6 nodes OK in 3 locations, no alarms, port licences 42 of 200 (21%), audio licences 3 of 50 (6%)",
		},
		{
			name: "a node in maintenance", fleet: emulate.FleetNodeInMaintenance, state: nagios.Warning,
			summary: "conf-lon-02 in maintenance (upgrade); 1 of 6 nodes not OK",
			details: []string{"WARNING node:conf-lon-02: conf-lon-02 (London): in maintenance (upgrade); media load 0%"},
		},
		{
			name: "a node in maintenance, --maintenance-state ok", fleet: emulate.FleetNodeInMaintenance, state: nagios.OK,
			setup:   func(cfg *PexipFleetConfig) { cfg.MaintenanceState = nagios.OK },
			summary: "6 nodes OK in 3 locations, no alarms, port licences 42 of 200 (21%), audio licences 3 of 50 (6%)",
			details: []string{"OK node:conf-lon-02: conf-lon-02 (London): in maintenance (upgrade), media load 0%"},
		},
		{
			name: "media load over both thresholds", fleet: emulate.FleetNodesLoaded, state: nagios.Critical,
			summary: "conf-osl-01 media load 97% (above 95%), conf-lon-01 media load 86% (above 80%); 2 of 6 nodes not OK",
			details: []string{
				"WARNING node:conf-lon-01: conf-lon-01 (London): media load 86% (above 80%)",
				"CRITICAL node:conf-osl-01: conf-osl-01 (Oslo): media load 97% (above 95%)",
			},
		},
		{
			name: "media load against ranges", fleet: emulate.FleetNodesLoaded, state: nagios.Warning,
			setup: func(cfg *PexipFleetConfig) {
				cfg.Load = nagios.Thresholds{Warn: mustRange(t, "@90:100"), Crit: mustRange(t, "99")}
			},
			summary: "conf-osl-01 media load 97% (inside the warning range @90:100); 1 of 6 nodes not OK",
		},
		{
			name: "alarms of each level", fleet: emulate.FleetAlarmsEachLevel, state: nagios.Critical,
			summary: `conf-osl-01 alarm major "Hardware IO errors", conf-syd-01 alarm critical "Connectivity lost between nodes", ` +
				`conf-lon-01 alarm warning "Call capacity limit reached", 1 more; platform alarm error "Failed to connect to syslog server"; 4 of 6 nodes not OK`,
			details: []string{
				`WARNING node:conf-lon-01: conf-lon-01 (London): alarm warning "Call capacity limit reached": London location is at capacity; media load 23%`,
				`CRITICAL node:conf-osl-01: conf-osl-01 (Oslo): alarm major "Hardware IO errors": disk /dev/sdb reports read errors; media load 7%`,
				`CRITICAL node:conf-syd-01: conf-syd-01 (Sydney): alarm critical "Connectivity lost between nodes": conf-syd-01 cannot reach conf-lon-01; media load 41%`,
				// named by its address, placed through the configuration API
				`WARNING node:conf-syd-02: conf-syd-02 (Sydney): alarm minor "Excessive CPU steal": hypervisor steals 12% of CPU time; media load 35%`,
				`CRITICAL platform:Failed to connect to syslog server: platform alarm error "Failed to connect to syslog server": syslog.example.com:514 refused`,
				`OK platform:Software upgrade available: platform alarm info "Software upgrade available": version 37 is available`,
				"OK alarms: 1 acknowledged alarm not counted (--include-acknowledged counts them)",
			},
			requests: 4, // the configuration list, for the alarm on 10.44.2.12
		},
		{
			name: "alarms, --include-acknowledged", fleet: emulate.FleetAlarmsEachLevel, state: nagios.Critical,
			setup: func(cfg *PexipFleetConfig) { cfg.IncludeAcknowledged = true },
			details: []string{
				`CRITICAL node:conf-syd-01: conf-syd-01 (Sydney): alarm critical "Connectivity lost between nodes": conf-syd-01 cannot reach conf-lon-01; ` +
					`alarm warning "Call capacity limit reached": Sydney location is at capacity; media load 41%`,
			},
		},
		{
			name: "licences near their limit", fleet: emulate.FleetLicencesNearLimit, state: nagios.Critical,
			summary: "audio licences: 48 of 50 in use (96%, above 95%); port licences: 180 of 200 in use (90%, above 85%); 6 nodes OK",
			details: []string{
				"WARNING licence:port: port licences: 180 of 200 in use (90%, above 85%)",
				"CRITICAL licence:audio: audio licences: 48 of 50 in use (96%, above 95%)",
			},
		},
		{
			name: "a troubled fleet", fleet: emulate.FleetTroubled, state: nagios.Critical,
			summary: `conf-syd-01 alarm critical "Connectivity lost between nodes", conf-syd-02 stopped reporting 20m ago, ` +
				"conf-lon-02 in maintenance (upgrade), 1 more; 4 of 6 nodes not OK",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, base := startFleet(t, tt.fleet)
			cfg := fleetConfig(t, base)
			if tt.setup != nil {
				tt.setup(&cfg)
			}
			r := runFleet(t, cfg)
			if r.State != tt.state || (tt.summary != "" && r.Summary != tt.summary) {
				t.Errorf("got %s %q\nwant %s %q", r.State, r.Summary, tt.state, tt.summary)
			}
			for _, want := range tt.details {
				if !hasDetail(r, want) {
					t.Errorf("no sub-check %q in\n%s", want, strings.Join(details(r), "\n"))
				}
			}
			if got := strings.Join(perfStrings(r), " "); tt.perf != "" && got != tt.perf {
				t.Errorf("perfdata\n got %s\nwant %s", got, tt.perf)
			}
			reqs := m.Requests()
			if tt.requests != 0 && len(reqs) != tt.requests {
				t.Errorf("%d requests to the management API, want %d: %+v", len(reqs), tt.requests, reqs)
			}
			for _, q := range reqs {
				if !q.Authorized || q.Query != "limit=1000" {
					t.Errorf("request %+v: want the login on every request, and limit=1000", q)
				}
			}
			if r.Kind != "PEXIP-FLEET" || r.Target != base {
				t.Errorf("kind %q target %q", r.Kind, r.Target)
			}
		})
	}
}

func TestPexipFleetFilters(t *testing.T) {
	tests := []struct {
		name, fleet string
		setup       func(cfg *PexipFleetConfig)
		state       nagios.State
		summary     string
		nodes       []string // the node sub-checks, in order
		detail      string   // among the sub-checks
	}{
		{
			name: "a location", fleet: emulate.FleetHealthy, state: nagios.OK,
			setup:   func(cfg *PexipFleetConfig) { cfg.Locations = []string{"london"} },
			summary: "3 nodes OK in 1 location, no alarms, port licences 42 of 200 (21%), audio licences 3 of 50 (6%)",
			nodes:   []string{"node:conf-lon-01", "node:conf-lon-02", "node:edge-lon-01"},
		},
		{
			name: "node globs", fleet: emulate.FleetHealthy, state: nagios.OK,
			setup: func(cfg *PexipFleetConfig) { cfg.Nodes = []string{"conf-syd-*", "CONF-OSL-0?"} },
			nodes: []string{"node:conf-osl-01", "node:conf-syd-01", "node:conf-syd-02"},
		},
		{
			name: "a node type, in any case", fleet: emulate.FleetHealthy, state: nagios.OK,
			setup: func(cfg *PexipFleetConfig) { cfg.NodeTypes = []string{"proxying"} },
			nodes: []string{"node:edge-lon-01"},
		},
		{
			name: "filters combine", fleet: emulate.FleetHealthy, state: nagios.OK,
			setup: func(cfg *PexipFleetConfig) {
				cfg.Locations, cfg.NodeTypes = []string{"London", "Sydney"}, []string{"Conferencing"}
			},
			nodes: []string{"node:conf-lon-01", "node:conf-lon-02", "node:conf-syd-01", "node:conf-syd-02"},
		},
		{
			// conf-syd-01's critical alarm and conf-syd-02's minor one are on
			// nodes left out: not counted; the platform's always are
			name: "an alarm on a node left out is not counted", fleet: emulate.FleetAlarmsEachLevel, state: nagios.Critical,
			setup: func(cfg *PexipFleetConfig) { cfg.Locations = []string{"London"} },
			summary: `platform alarm error "Failed to connect to syslog server"; ` +
				`conf-lon-01 alarm warning "Call capacity limit reached"; 1 of 3 nodes not OK`,
			nodes:  []string{"node:conf-lon-01", "node:conf-lon-02", "node:edge-lon-01"},
			detail: "OK alarms: 1 acknowledged alarm not counted (--include-acknowledged counts them); 3 alarms on nodes the filters leave out, not counted",
		},
		{
			name: "no node matches", fleet: emulate.FleetHealthy, state: nagios.Unknown,
			setup: func(cfg *PexipFleetConfig) {
				cfg.Locations = []string{"Londn"}
				cfg.NodeTypes = []string{"conferencing"}
			},
			summary: `no node matches --location "Londn" --node-type "conferencing": the Management Node lists 6 nodes in London, Oslo, Sydney (CONFERENCING, PROXYING)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := startFleet(t, tt.fleet)
			cfg := fleetConfig(t, base)
			tt.setup(&cfg)
			r := runFleet(t, cfg)
			if r.State != tt.state || (tt.summary != "" && r.Summary != tt.summary) {
				t.Errorf("got %s %q\nwant %s %q", r.State, r.Summary, tt.state, tt.summary)
			}
			var nodes []string
			for _, d := range r.Details {
				if strings.HasPrefix(d.Name, "node:") {
					nodes = append(nodes, d.Name)
				}
			}
			if tt.nodes != nil && !slices.Equal(nodes, tt.nodes) {
				t.Errorf("nodes %v, want %v", nodes, tt.nodes)
			}
			if tt.detail != "" && !hasDetail(r, tt.detail) {
				t.Errorf("no %q in %v", tt.detail, details(r))
			}
		})
	}
}

func TestPexipFleetMinNodes(t *testing.T) {
	_, base := startFleet(t, emulate.FleetHealthy)
	cfg := fleetConfig(t, base)
	cfg.MinNodes = []MinNodes{{"", 6}, {"oslo", 2}, {"Sydney", 2}, {"Tokyo", 1}}
	r := runFleet(t, cfg)
	want := "only 1 node in oslo, want at least 2 (--min-nodes); only 0 nodes in Tokyo, want at least 1 (--min-nodes); 6 nodes OK"
	if r.State != nagios.Critical || r.Summary != want {
		t.Errorf("got %s %q", r.State, r.Summary)
	}
	for _, d := range []string{"OK nodes: 6 nodes (at least 6)", "CRITICAL nodes:oslo: only 1 node in oslo, want at least 2 (--min-nodes)",
		"OK nodes:Sydney: 2 nodes in Sydney (at least 2)"} {
		if !hasDetail(r, d) {
			t.Errorf("no %q in %v", d, details(r))
		}
	}
}

// Test calls run end to end on every node but the one in maintenance, each
// token released, the Management Node's login never sent to a node.
func TestPexipFleetTestCalls(t *testing.T) {
	t.Run("every node, reached by name", func(t *testing.T) {
		m, base := startFleet(t, emulate.FleetNodeInMaintenance)
		cfg := withCalls(fleetConfig(t, base), base)
		cfg.TestCall.Concurrency = 2
		r := runFleet(t, cfg)
		want := "conf-lon-02 in maintenance (upgrade); 1 of 6 nodes not OK"
		if r.State != nagios.Warning || r.Summary != want {
			t.Errorf("got %s %q", r.State, r.Summary)
		}
		for _, d := range []string{
			"OK node:conf-lon-01: conf-lon-01 (London): media load 23%, test call accepted as HOST",
			"WARNING node:conf-lon-02: conf-lon-02 (London): in maintenance (upgrade); media load 0%, no test call",
		} {
			if !hasDetail(r, d) {
				t.Errorf("no %q in\n%s", d, strings.Join(details(r), "\n"))
			}
		}
		for _, n := range m.Nodes() {
			issued := len(m.Node(n.Name).Issued())
			if want := map[bool]int{true: 0, false: 1}[n.Maintenance]; issued != want {
				t.Errorf("%s issued %d tokens, want %d", n.Name, issued, want)
			}
		}
		var calls []string
		for _, p := range r.Perfdata {
			if strings.HasPrefix(p.Label, "call_") {
				calls = append(calls, p.Label)
			}
		}
		if !slices.Equal(calls, []string{"call_conf-lon-01", "call_conf-osl-01", "call_conf-syd-01", "call_conf-syd-02", "call_edge-lon-01"}) {
			t.Errorf("call perfdata %v", calls)
		}
		if len(m.Outstanding()) != 0 || m.LoginsSentToNodes() != 0 || len(m.Requests()) != 3 {
			t.Errorf("outstanding %d, logins sent to nodes %d, %d management requests (want 0, 0, 3)",
				len(m.Outstanding()), m.LoginsSentToNodes(), len(m.Requests()))
		}
	})
	t.Run("reached by hostname: the configuration API is read", func(t *testing.T) {
		m, base := startFleet(t, emulate.FleetHealthy)
		cfg := withCalls(fleetConfig(t, base), base)
		cfg.TestCall.NodeURL = base + "/nodes/{hostname}"
		r := runFleet(t, cfg)
		want := "6 nodes OK in 3 locations, 6 test calls accepted, no alarms, port licences 42 of 200 (21%), audio licences 3 of 50 (6%)"
		if r.State != nagios.OK || r.Summary != want {
			t.Errorf("got %s %q", r.State, r.Summary)
		}
		if reqs := m.Requests(); len(reqs) != 4 || reqs[3].Path != PexipConfigNodesPath {
			t.Errorf("requests %+v", reqs)
		}
	})
	t.Run("PIN and guest", func(t *testing.T) {
		_, base := startFleet(t, emulate.FleetHealthy)
		cfg := withCalls(fleetConfig(t, base), base)
		cfg.Nodes = []string{"conf-lon-01"}
		cfg.TestCall.Alias, cfg.TestCall.PIN = emulate.PexipPINRoom, emulate.PexipHostPIN
		if r := runFleet(t, cfg); !hasDetail(r, "OK node:conf-lon-01: conf-lon-01 (London): media load 23%, test call accepted as HOST") {
			t.Errorf("host PIN: %v", details(r))
		}
		cfg.TestCall.Alias, cfg.TestCall.PIN = emulate.PexipHostPINRoom, "none"
		if r := runFleet(t, cfg); !hasDetail(r, "OK node:conf-lon-01: conf-lon-01 (London): media load 23%, test call accepted as GUEST") {
			t.Errorf("guest: %v", details(r))
		}
		cfg.TestCall.PIN = ""
		r := runFleet(t, cfg)
		want := "conf-lon-01 test call: alias meet.hostpin needs a host PIN and none was given; guests join without one (--guest joins as a guest); 1 of 1 node not OK"
		if r.State != nagios.Unknown || r.Summary != want {
			t.Errorf("no PIN: %s %q", r.State, r.Summary)
		}
	})
	t.Run("a node refuses calls, another leaks its token", func(t *testing.T) {
		m, base := startFleet(t, emulate.FleetHealthy)
		m.Node("conf-syd-01").FailRequestToken(http.StatusServiceUnavailable)
		m.Node("conf-osl-01").FailRelease(http.StatusInternalServerError)
		r := runFleet(t, withCalls(fleetConfig(t, base), base))
		want := `conf-syd-01 test call: node refuses new calls (503 Service Unavailable): overloaded or in maintenance mode: "Service Unavailable", ` +
			`conf-osl-01 test call: token not released (500 Internal Server Error: "Internal Server Error"): the call stays in the Live View for up to 120 s; ` +
			`alias edge.kuma: call accepted as HOST; 2 of 6 nodes not OK`
		if r.State != nagios.Critical || r.Summary != want {
			t.Errorf("got %s %q", r.State, r.Summary)
		}
	})
	// The calls run at once, but their -vvv lines reach the log one at a
	// time: the command's writes to stderr without a lock of its own (the
	// race detector fails this when they do not).
	t.Run("verbose lines of calls at once", func(t *testing.T) {
		_, base := startFleet(t, emulate.FleetHealthy)
		cfg := withCalls(fleetConfig(t, base), base)
		var log strings.Builder // not safe for concurrent use, as stderr's writer need not be
		cfg.Client.Verbose, cfg.Client.Log = 3, func(format string, args ...any) { fmt.Fprintf(&log, format+"\n", args...) }
		if r := runFleet(t, cfg); r.State != nagios.OK {
			t.Errorf("got %s %q", r.State, r.Summary)
		}
		if n := strings.Count(log.String(), "/request_token\n"); n != 6 {
			t.Errorf("%d request_token lines in the log", n)
		}
	})
	t.Run("a node without a domain", func(t *testing.T) {
		_, base := startFleet(t, emulate.FleetHealthy)
		cfg := withCalls(fleetConfig(t, base), base)
		cfg.TestCall.NodeURL = base + "/nodes/{name}.{nodomain}"
		if err := ValidateNodeURL(cfg.TestCall.NodeURL); err == nil || !strings.Contains(err.Error(), "unknown placeholder {nodomain}") {
			t.Errorf("ValidateNodeURL: %v", err)
		}
	})
}

// Calls run at most Concurrency at once; once the run ends, no call starts,
// and every call started is waited for.
func TestPexipFleetTestCallConcurrency(t *testing.T) {
	for _, conc := range []int{1, 3} {
		t.Run(fmt.Sprint(conc), func(t *testing.T) {
			var nodes []*fleetNode
			for i := range 7 {
				nodes = append(nodes, &fleetNode{status: fleetNodeStatus{Name: jsonText(fmt.Sprintf("n%d", i))}, label: fmt.Sprintf("n%d", i)})
			}
			f := &fleet{cfg: PexipFleetConfig{TestCall: &FleetTestCall{NodeURL: "http://{name}", Concurrency: conc}}, selected: nodes}
			arrived := make(chan string)
			release := make(chan struct{})
			var (
				mu             sync.Mutex
				inflight, most int
			)
			f.call = func(ctx context.Context, _ ClientConfig, base string) *fleetCall {
				mu.Lock()
				inflight++
				most = max(most, inflight)
				mu.Unlock()
				arrived <- base
				<-release
				mu.Lock()
				inflight--
				mu.Unlock()
				return &fleetCall{made: true, state: nagios.OK, text: "test call accepted"}
			}
			done := make(chan struct{})
			go func() { f.testCalls(context.Background()); close(done) }()
			var got []string
			for range conc {
				got = append(got, <-arrived)
			}
			close(release)
			for len(got) < len(nodes) {
				got = append(got, <-arrived)
			}
			<-done
			if most != conc {
				t.Errorf("at most %d calls at once, want %d", most, conc)
			}
			for _, n := range nodes {
				if n.call == nil || !n.call.made {
					t.Errorf("%s not called", n.label)
				}
			}
		})
	}
	t.Run("the run ends: calls not started are not made", func(t *testing.T) {
		var nodes []*fleetNode
		for i := range 4 {
			nodes = append(nodes, &fleetNode{status: fleetNodeStatus{Name: jsonText(fmt.Sprintf("n%d", i))}, label: fmt.Sprintf("n%d", i)})
		}
		ctx, cancel := context.WithCancel(context.Background())
		f := &fleet{cfg: PexipFleetConfig{TestCall: &FleetTestCall{NodeURL: "http://{name}", Concurrency: 1}}, selected: nodes}
		f.call = func(context.Context, ClientConfig, string) *fleetCall {
			cancel() // the signal comes during the first call, which still ends normally
			return &fleetCall{made: true, state: nagios.OK, text: "test call accepted"}
		}
		f.testCalls(ctx)
		if !nodes[0].call.made {
			t.Errorf("first call %+v", nodes[0].call)
		}
		for _, n := range nodes[1:] {
			if n.call == nil || n.call.made || n.call.state != nagios.Unknown ||
				n.call.text != "no test call: the run was interrupted before this node's turn" {
				t.Errorf("%s: %+v", n.label, n.call)
			}
		}
	})
}

// A signal during the calls: the call whose release is on the wire still
// hands its token back (within the grace), the calls not started are not
// made, and the check says so.
func TestPexipFleetInterrupted(t *testing.T) {
	m, err := emulate.NewPexipManager(emulate.FleetHealthy)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	srv, err := emulate.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/release_token") {
			cancel(fmt.Errorf("terminated signal received")) // SIGTERM, with the release on the wire
		}
		m.ServeHTTP(w, r)
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := withCalls(fleetConfig(t, srv.URL), srv.URL)
	cfg.TestCall.Concurrency = 1
	r := PexipFleet(ctx, cfg)
	if !hasDetail(r, "OK node:conf-lon-01: conf-lon-01 (London): media load 23%, test call accepted as HOST") {
		t.Errorf("first node: %v", details(r))
	}
	if !hasDetail(r, "UNKNOWN node:conf-lon-02: conf-lon-02 (London): no test call: the run was interrupted before this node's turn; media load 18%") {
		t.Errorf("second node: %v", details(r))
	}
	if n := len(m.Node("conf-lon-01").Released()); n != 1 || len(m.Outstanding()) != 0 {
		t.Errorf("released %d, outstanding %v", n, m.Outstanding())
	}
	if r.State != nagios.Unknown {
		t.Errorf("state %s", r.State)
	}
}

// manualDeadline is a context whose deadline passes when the test says,
// so that what happens at a deadline is tested without racing a clock.
type manualDeadline struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newManualDeadline() *manualDeadline {
	return &manualDeadline{Context: context.Background(), done: make(chan struct{})}
}

func (m *manualDeadline) Deadline() (time.Time, bool) { return time.Now().Add(time.Hour), true }
func (m *manualDeadline) Done() <-chan struct{}       { return m.done }
func (m *manualDeadline) expire()                     { m.once.Do(func() { close(m.done) }) }
func (m *manualDeadline) Err() error {
	select {
	case <-m.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// At the deadline: a hanging node's call times out, the nodes after it
// are not called, and say why.
func TestPexipFleetDeadline(t *testing.T) {
	m, err := emulate.NewPexipManager(emulate.FleetHealthy)
	if err != nil {
		t.Fatal(err)
	}
	m.Node("conf-lon-01").FailRequestToken(emulate.Hang)
	ctx := newManualDeadline()
	srv, err := emulate.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/request_token") {
			ctx.expire() // the deadline passes while the first node hangs
		}
		m.ServeHTTP(w, r)
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := withCalls(fleetConfig(t, srv.URL), srv.URL)
	cfg.TestCall.Concurrency = 1
	r := PexipFleet(ctx, cfg)
	if r.State != nagios.Critical {
		t.Errorf("state %s", r.State)
	}
	first := detailsWith(r, "node:conf-lon-01")
	if len(first) != 1 || !strings.Contains(first[0].Text, "test call: timeout: ") {
		t.Errorf("first node %v", first)
	}
	if !hasDetail(r, "CRITICAL node:conf-lon-02: conf-lon-02 (London): no test call: the run's deadline (-t) came before this node's turn; media load 18%") {
		t.Errorf("second node: %v", details(r))
	}
	if len(m.Outstanding()) != 0 {
		t.Errorf("outstanding %v", m.Outstanding())
	}
}

// Lists longer than a page are read page by page, however the
// Management Node links them.
func TestPexipFleetPaging(t *testing.T) {
	for _, style := range []string{emulate.NextRelative, emulate.NextAbsolute, emulate.NextNone} {
		t.Run(style, func(t *testing.T) {
			m, base := startFleet(t, emulate.FleetHealthy)
			m.SetMaxLimit(10)
			m.SetNextStyle(style)
			m.AddNodes("Tokyo", 39) // 45 nodes: 5 pages
			cfg := withCalls(fleetConfig(t, base), base)
			cfg.MinNodes = []MinNodes{{"Tokyo", 39}}
			r := runFleet(t, cfg)
			if r.State != nagios.OK || !strings.HasPrefix(r.Summary, "45 nodes OK in 4 locations, 45 test calls accepted, ") {
				t.Errorf("got %s %q", r.State, r.Summary)
			}
			var pages []string
			for _, q := range m.Requests() {
				if q.Path == PexipStatusNodesPath {
					pages = append(pages, q.Query)
				}
			}
			want := []string{"limit=1000", "limit=10&offset=10", "limit=10&offset=20", "limit=10&offset=30", "limit=10&offset=40"}
			if style == emulate.NextNone {
				want = []string{"limit=1000", "limit=1000&offset=10", "limit=1000&offset=20", "limit=1000&offset=30", "limit=1000&offset=40"}
			}
			if !slices.Equal(pages, want) {
				t.Errorf("pages %q, want %q", pages, want)
			}
			if len(m.Outstanding()) != 0 {
				t.Errorf("outstanding %d", len(m.Outstanding()))
			}
		})
	}
}

// BenchmarkPexipFleet: a run over 45 nodes (5 pages of 10), without and
// with a test call on each.
func BenchmarkPexipFleet(b *testing.B) {
	for _, calls := range []bool{false, true} {
		b.Run(fmt.Sprintf("calls=%v", calls), func(b *testing.B) {
			m, err := emulate.NewPexipManager(emulate.FleetHealthy)
			if err != nil {
				b.Fatal(err)
			}
			m.SetMaxLimit(10)
			m.AddNodes("Tokyo", 39)
			srv, err := emulate.Serve(m)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			cfg := PexipFleetConfig{Client: ClientConfig{User: emulate.PexipManagerUser, Password: emulate.PexipManagerPassword},
				BaseURL: srv.URL, MaintenanceState: nagios.Warning}
			if calls {
				cfg = withCalls(cfg, srv.URL)
			}
			b.ResetTimer()
			for range b.N {
				if r := PexipFleet(context.Background(), cfg); r.State != nagios.OK {
					b.Fatalf("%s %s", r.State, r.Summary)
				}
			}
		})
	}
}

// What is the Management Node's own never reaches a node's client.
func TestNodeClientConfig(t *testing.T) {
	var logged []string
	mc := ClientConfig{Insecure: true, CAFile: "ca.pem", CertFile: "c.pem", KeyFile: "k.pem", Proxy: "http://proxy:3128",
		UserAgent: "ua", TLSMin: 0x0303, HTTPVersion: "1.1", IPVersion: 4, MaxBody: 4 << 20,
		User: "monitor", Password: "pw", Auth: "basic", Bearer: "tok", OAuth2: &OAuth2{},
		Headers: http.Header{"Host": {"mgr"}}, SNI: "mgr.example.com", Address: "10.0.0.1", Sticky: "sticky", Jar: &CookieJar{},
		Issued: managerIssued, Log: func(f string, a ...any) { logged = append(logged, f) }}
	nc := nodeClientConfig(mc)
	if nc.User != "" || nc.Password != "" || nc.Auth != "" || nc.Bearer != "" || nc.OAuth2 != nil || nc.Headers != nil ||
		nc.SNI != "" || nc.Address != "" || nc.Sticky != "" || nc.Jar != nil || nc.Issued != nil || nc.MaxBody != 0 {
		t.Errorf("the Management Node's own settings reach the nodes: %+v", nc)
	}
	if !nc.Insecure || nc.CAFile != "ca.pem" || nc.CertFile != "c.pem" || nc.KeyFile != "k.pem" || nc.Proxy != "http://proxy:3128" ||
		nc.UserAgent != "ua" || nc.TLSMin != 0x0303 || nc.HTTPVersion != "1.1" || nc.IPVersion != 4 {
		t.Errorf("the connection settings do not: %+v", nc)
	}
	nc.Log("x")
	if len(logged) != 1 {
		t.Errorf("log %v", logged)
	}
}
