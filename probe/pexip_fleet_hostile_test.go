package probe

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/redact"
)

// oneNode is a status object of a healthy node that reported just now.
func oneNode(name string) string {
	return fmt.Sprintf(`{"name":%q,"node_type":"CONFERENCING","system_location":"London","sync_status":"SYNCED",`+
		`"maintenance_mode":false,"media_load":10,"last_updated":%q}`, name, time.Now().UTC().Format("2006-01-02T15:04:05.000000"))
}

func page(next string, total int, objects ...string) string {
	n := "null"
	if next != "" {
		n = fmt.Sprintf("%q", next)
	}
	return fmt.Sprintf(`{"meta":{"limit":1000,"next":%s,"offset":0,"previous":null,"total_count":%d},"objects":[%s]}`,
		n, total, strings.Join(objects, ","))
}

// managerAnswering serves the node list with h, and empty alarm and
// licensing lists.
func managerAnswering(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	return plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case PexipStatusNodesPath:
			h(w, r)
		case PexipLicensingPath:
			fmt.Fprint(w, page("", 1, `{"port_count":1,"port_total":10}`))
		default:
			fmt.Fprint(w, page("", 0))
		}
	}))
}

// A hostile or broken Management Node gets a clear one-line reason: it can
// neither loop the probe, nor fill its memory, nor draw the login
// elsewhere.
func TestPexipFleetHostileManager(t *testing.T) {
	var elsewhere atomic.Int32
	other := plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		fmt.Fprint(w, page("", 1, oneNode("evil")))
	}))
	tests := []struct {
		name    string
		h       http.HandlerFunc
		setup   func(cfg *PexipFleetConfig)
		state   nagios.State
		summary string // regexp
	}{
		{
			name: "meta.next loops", state: nagios.Unknown,
			h: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, page(PexipStatusNodesPath+"?limit=1000&offset=1", 9, oneNode("a")))
			},
			summary: `^node status list: page 3 links back to a page already read \(meta\.next loops\)$`,
		},
		{
			name: "pages without end", state: nagios.Unknown,
			h: func(w http.ResponseWriter, r *http.Request) {
				var off int
				fmt.Sscan(r.URL.Query().Get("offset"), &off)
				fmt.Fprint(w, page(fmt.Sprintf("%s?limit=1&offset=%d", PexipStatusNodesPath, off+1), 1<<30, oneNode(fmt.Sprint("n", off))))
			},
			summary: `^node status list: more than 50 pages \(a list that never ends\): not read further$`,
		},
		{
			name: "too many objects", state: nagios.Unknown,
			setup: func(cfg *PexipFleetConfig) { cfg.MaxObjects = 3 },
			h: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, page("", 4, oneNode("a"), oneNode("b"), oneNode("c"), oneNode("d")))
			},
			summary: `^node status list: more than 3 objects: not read further$`,
		},
		{
			name: "a page larger than --max-body", state: nagios.Unknown,
			setup: func(cfg *PexipFleetConfig) { cfg.Client.MaxBody = 100 },
			h: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, page("", 2, oneNode("a"), oneNode("b")))
			},
			summary: `^node status list: a page is larger than 100 B \(--max-body\): not read$`,
		},
		{
			name: "meta.next to another server", state: nagios.Unknown,
			h: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, page(other.URL+PexipStatusNodesPath+"?offset=1", 2, oneNode("a")))
			},
			summary: `^node status list: meta\.next points to another server \(127\.0\.0\.1:\d+\): not followed, the login goes only to 127\.0\.0\.1:\d+$`,
		},
		{
			name: "meta.next to another list", state: nagios.Unknown,
			h: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, page("/api/admin/configuration/v1/end_user/?offset=1", 2, oneNode("a")))
			},
			summary: `^node status list: meta\.next points to another list \(/api/admin/configuration/v1/end_user/\): not followed$`,
		},
		{
			name: "not JSON", state: nagios.Unknown,
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, "<html>Pexip Infinity Management</html>")
			},
			summary: `^node status list: the answer is not JSON: invalid character '<' looking for beginning of value at byte 1: <html>Pexip Infinity Management</html>$`,
		},
		{
			name: "JSON, not a list", state: nagios.Unknown,
			h:       func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"objects":null}`) },
			summary: `^node status list: the answer is JSON but not a list of the management API \(no meta and objects\): '\{"objects":null\}'$`,
		},
		{
			name: "objects that are not nodes", state: nagios.Unknown,
			h:       func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, page("", 2, "1", `"x"`)) },
			summary: `^node status list: none of its 2 objects is a node object$`,
		},
		{
			name: "no nodes at all", state: nagios.Critical,
			h:       func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, page("", 0)) },
			summary: `^the Management Node lists no Conferencing Nodes$`,
		},
		{
			name: "a 404 page: not a Management Node", state: nagios.Critical,
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, "<html><body>Not Found</body></html>")
			},
			summary: `^node status list: not a Pexip Management Node: 404 Not Found to the management API, an HTML page$`,
		},
		{
			name: "wrong login", state: nagios.Critical,
			h: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusUnauthorized)
			},
			summary: `^node status list: authentication failed \(401 Unauthorized\)$`,
		},
		{
			name: "no login given", state: nagios.Unknown,
			setup: func(cfg *PexipFleetConfig) { cfg.Client.User, cfg.Client.Password = "", "" },
			h: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusUnauthorized)
			},
			summary: `^node status list: the management API needs a login: give -u and --password-env \(401 Unauthorized\)$`,
		},
		{
			name: "odd types, read leniently", state: nagios.Warning,
			h: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, page("", 1, `{"name":"a","system_location":7,"sync_status":"SYNCED","maintenance_mode":"true",`+
					`"maintenance_mode_reason":null,"media_load":"12.5","last_updated":"`+time.Now().UTC().Format(time.RFC3339)+`"}`))
			},
			summary: `^a in maintenance \(no reason given\); 1 of 1 node not OK$`,
		},
		{
			name: "last_updated missing or not a time", state: nagios.Warning,
			h: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, page("", 2, `{"name":"a","sync_status":"SYNCED"}`, `{"name":"b","sync_status":"SYNCED","last_updated":"yesterday"}`))
			},
			summary: `^a reports no last_updated time, b last_updated "yesterday" is not a time; 2 of 2 nodes not OK$`,
		},
		{
			name: "nodes sharing a name, and one without", state: nagios.OK,
			h: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, page("", 3, strings.Replace(oneNode("a"), `{`, `{"id":1,`, 1),
					strings.Replace(oneNode("a"), `{`, `{"id":2,`, 1), strings.Replace(oneNode(""), `{`, `{"id":3,`, 1)))
			},
			summary: `^3 nodes OK in 1 location, no alarms, port licences 1 of 10 \(10%\)$`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := managerAnswering(t, tt.h)
			cfg := fleetConfig(t, srv.URL)
			if tt.setup != nil {
				tt.setup(&cfg)
			}
			r := runFleet(t, cfg)
			if r.State != tt.state || !regexp.MustCompile(tt.summary).MatchString(r.Summary) {
				t.Errorf("got %s %q\nwant %s %s", r.State, r.Summary, tt.state, tt.summary)
			}
		})
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("%d requests followed meta.next to another server", n)
	}
	t.Run("connection refused", func(t *testing.T) {
		r := runFleet(t, fleetConfig(t, "http://127.0.0.1:1"))
		if r.State != nagios.Critical || r.Summary != "connection refused by 127.0.0.1:1" {
			t.Errorf("got %s %q", r.State, r.Summary)
		}
	})
	t.Run("nodes with same names get labels apart", func(t *testing.T) {
		srv := managerAnswering(t, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, page("", 3, strings.Replace(oneNode("a"), `{`, `{"id":1,`, 1),
				strings.Replace(oneNode("a"), `{`, `{"id":2,`, 1), strings.Replace(oneNode(""), `{`, `{"id":3,`, 1)))
		})
		r := runFleet(t, fleetConfig(t, srv.URL))
		var names []string
		for _, d := range detailsWith(r, "node:") {
			names = append(names, d.Name)
		}
		if strings.Join(names, "|") != "node:id 3|node:a (id 1)|node:a (id 2)" {
			t.Errorf("names %q", names)
		}
	})
}

// The alarm and licensing lists are not the fleet: when one cannot be
// read, the check says so and goes on with the nodes.
func TestPexipFleetPartialLists(t *testing.T) {
	srv := plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case PexipStatusNodesPath:
			fmt.Fprint(w, page("", 1, oneNode("a")))
		case PexipAlarmsPath:
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "oops")
		case PexipLicensingPath:
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	r := runFleet(t, fleetConfig(t, srv.URL))
	want := `alarm list: answered 500 Internal Server Error, answer "oops"; licensing: the account may not read it (403 Forbidden): give it read access to the status API; 1 node OK`
	if r.State != nagios.Critical || r.Summary != want {
		t.Errorf("got %s %q", r.State, r.Summary)
	}
	for _, p := range r.Perfdata {
		if p.Label == "alarms" {
			t.Errorf("alarm perfdata without an alarm list: %v", p)
		}
	}
}

func TestParsePexipTime(t *testing.T) {
	want := time.Date(2025, 6, 2, 8, 59, 47, 895271000, time.UTC)
	for _, s := range []string{
		"2025-06-02T08:59:47.895271",        // UTC, no zone
		"2025-06-02T08:59:47.895271+00:00",  // with a zone
		"2025-06-02T10:59:47.895271+02:00",  // another zone
		"2025-06-02T08:59:47.895271Z",       // Z
		"2025-06-02T08:59:47.895271+0000",   // zone without a colon
		" 2025-06-02 08:59:47.895271 ",      // a space, blanks around
		"2025-06-02T08:59:47.8952710000000", // a long fraction
	} {
		got, err := ParsePexipTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v", s, got, err)
		}
	}
	if got, err := ParsePexipTime("2025-06-02T08:59:47"); err != nil || !got.Equal(want.Truncate(time.Second)) {
		t.Errorf("no fraction: %v %v", got, err)
	}
	for _, s := range []string{"", "yesterday", "2025-06-02", "1748854787", "2025-13-02T08:59:47"} {
		if _, err := ParsePexipTime(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestFormatAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second: "45s", 20*time.Minute + 4*time.Second: "20m", 2 * time.Hour: "2h",
		2*time.Hour + 5*time.Minute: "2h5m", 3*24*time.Hour + 4*time.Hour + 9*time.Minute: "3d4h", 48 * time.Hour: "2d",
	} {
		if got := FormatAge(d); got != want {
			t.Errorf("%s: %q, want %q", d, got, want)
		}
	}
}

func TestExpandNodeURL(t *testing.T) {
	node := func(name, host, domain, addr string) *fleetNode {
		return &fleetNode{status: fleetNodeStatus{Name: jsonText(name)},
			config: &fleetNodeConfig{Hostname: jsonText(host), Domain: jsonText(domain), Address: jsonText(addr)}}
	}
	std := node("conf-lon-01", "conf-lon-01", "pexip.example.com", "10.44.1.11")
	tests := []struct {
		tmpl string
		n    *fleetNode
		want string // or an error's text
	}{
		{DefaultNodeURL, std, "https://conf-lon-01.pexip.example.com"},
		{"https://{address}:8443/pexip/", std, "https://10.44.1.11:8443/pexip"},
		{"https://proxy.example.com/{name}", node("London Conf 1", "", "", ""), "https://proxy.example.com/London%20Conf%201"},
		{"https://{address}", node("a", "a", "d", "2001:db8::11"), "https://[2001:db8::11]"},
		{"https://{name}.example.com", node("London Conf 1", "", "", ""), `error: name "London Conf 1" is not a host name or address`},
		{DefaultNodeURL, node("a", "evil.example/x?", "d", ""), `error: hostname "evil.example/x?" is not a host name or address`},
		{DefaultNodeURL, node("a", "a", "", ""), "error: the management API gives this node no domain (see --node-url)"},
		{DefaultNodeURL, &fleetNode{status: fleetNodeStatus{Name: "a"}}, "error: the management API gives this node no hostname and no domain (see --node-url)"},
		{"ftp://{hostname}", std, "error: the scheme must be http or https"},
		{"https://{hostname}/x?y=1", std, "error: no query or fragment allowed"},
		{"https://user@{hostname}", std, "error: no user name allowed in the URL"},
		{"{hostname}", std, "error: not a URL (give scheme://host...)"},
	}
	for _, tt := range tests {
		got, err := expandNodeURL(tt.tmpl, tt.n)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.tmpl, got, tt.want)
		}
	}
	for tmpl, want := range map[string]string{
		DefaultNodeURL:              "",
		"https://{address}:8443":    "",
		"https://{fqdn}":            `invalid --node-url "https://{fqdn}": unknown placeholder {fqdn} (use {name}, {hostname}, {domain}, {address})`,
		"conf.example.com":          `invalid --node-url "conf.example.com": not a URL (give scheme://host...)`,
		"https://{hostname}:99999x": `invalid --node-url "https://{hostname}:99999x": "https://conf-01:99999x" is not a URL`,
	} {
		err := ValidateNodeURL(tmpl)
		if got := fmt.Sprint(err); (want == "" && err != nil) || (want != "" && got != want) {
			t.Errorf("ValidateNodeURL(%q) = %v, want %q", tmpl, err, want)
		}
	}
}

// The Management Node's login and the secrets of the node configuration
// (SNMP community, passwords) never show: not in the result, not at -vvv,
// not in what --jq sees; and the login never goes to a node.
func TestPexipFleetSecrets(t *testing.T) {
	m, base := startFleet(t, emulate.FleetAlarmsEachLevel)
	logs := &logCapture{}
	spy := &bodySpy{}
	cfg := withCalls(fleetConfig(t, base), base)
	cfg.TestCall.NodeURL = base + "/nodes/{hostname}" // the configuration list is read
	cfg.Client.Verbose, cfg.Client.Log = 3, logs.logf
	cfg.Client.Headers = http.Header{"X-Api-Key": {"hdr-secret-5521"}, "X-Probe": {"fleet"}}
	cfg.Client.SNI = "mgr.pexip.example.com" // the Management Node's name: not the nodes'
	cfg.Client.Bearer = "bearer-secret-7730"
	cfg.Assertions = []BodyAssertion{spy}
	r := runFleet(t, cfg)
	out, _ := json.Marshal(r)
	all := logs.text() + "\n" + string(out) + "\n" + string(spy.body)
	for _, secret := range []string{emulate.PexipManagerPassword, emulate.PexipFleetSNMPCommunity, emulate.PexipFleetNodePassword,
		emulate.PexipTokenPrefix, "hdr-secret-5521", "bearer-secret-7730", "bW9uaXRvcj"} { // base64 of the login's start
		if strings.Contains(all, secret) {
			t.Errorf("%q shows", secret)
		}
	}
	if !strings.Contains(logs.text(), "< body (") {
		t.Errorf("no body in the -vvv log")
	}
	if m.LoginsSentToNodes() != 0 {
		t.Errorf("the login went to %d node requests", m.LoginsSentToNodes())
	}
	var nodeReqs []emulate.PexipRequest
	for _, n := range m.Nodes() {
		nodeReqs = append(nodeReqs, m.Node(n.Name).Requests()...)
	}
	if len(nodeReqs) != 18 { // status, request_token, release_token on 6 nodes
		t.Errorf("%d node requests", len(nodeReqs))
	}
}

// --jq sees the fleet's JSON: the selected nodes' status objects with their
// configuration and healthprobe's verdict, the alarms, the licensing.
func TestPexipFleetJQ(t *testing.T) {
	_, base := startFleet(t, emulate.FleetAlarmsEachLevel)
	cfg := withCalls(fleetConfig(t, base), base)
	cfg.TestCall.NodeURL = base + "/nodes/{hostname}"
	cfg.Locations = []string{"London"}
	specs := []JQSpec{
		{Expr: `.nodes | length`},
		{Expr: `[.nodes[] | select(.healthprobe.state != "OK") | .name]`},
		{Expr: `.nodes[0].configuration | keys`},
		{Expr: `.nodes[0].healthprobe.test_call.text`},
		{Expr: `[.alarms[] | select(.acknowledged)] | length`},
		{Expr: `.licensing.vmr_count`, Thresholds: nagios.Thresholds{Warn: mustRange(t, "100")}},
	}
	a, err := NewJQAssertion(specs, nagios.Unknown, nagios.Unknown)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Assertions = []BodyAssertion{a}
	r := runFleet(t, cfg)
	want := []string{
		"OK jq:.nodes | length: jq '.nodes ¦ length' = 3",
		`OK jq:[.nodes[] | select(.healthprobe.state != "OK") | .name]: jq '[.nodes[] ¦ select(.healthprobe.state != "OK") ¦ .name]' = ["conf-lon-01"]`,
		`OK jq:.nodes[0].configuration | keys: jq '.nodes[0].configuration ¦ keys' = ["address","domain","hostname","id","name","node_type","reso…`,
		`OK jq:.nodes[0].healthprobe.test_call.text: jq .nodes[0].healthprobe.test_call.text = "test call accepted as HOST"`,
		"OK jq:[.alarms[] | select(.acknowledged)] | length: jq '[.alarms[] ¦ select(.acknowledged)] ¦ length' = 1",
		"WARNING jq:.licensing.vmr_count: jq .licensing.vmr_count = 118, above the warning threshold 100",
	}
	for _, w := range want {
		if !hasDetail(r, w) {
			t.Errorf("no %q in\n%s", w, strings.Join(details(r), "\n"))
		}
	}
	if !strings.Contains(r.Summary, "jq .licensing.vmr_count = 118, above the warning threshold 100") {
		t.Errorf("summary %q", r.Summary)
	}
}

// managerShown is a body as a line of the log shows it, whole, through a
// redactor that has what managerIssued found in it.
func managerShown(body []byte) string {
	red := redact.New()
	for _, s := range managerIssued(&Exchange{Body: body}) {
		red.Add(s)
	}
	return (&Exchange{Body: body, red: red}).Line(string(body), -1)
}

// The -vvv log shows a management API answer with its secrets masked, at
// any depth; a body that is not JSON only when it names no secret.
func TestManagerIssued(t *testing.T) {
	config := fixture(t, "pexip-fleet/configuration_worker_vm.json")
	got := managerShown(config)
	for _, secret := range []string{emulate.PexipFleetSNMPCommunity, emulate.PexipFleetNodePassword} {
		if strings.Contains(got, secret) {
			t.Errorf("%q left", secret)
		}
	}
	for _, masked := range []string{`"snmp_community": "[redacted]"`, `"password": "[redacted]"`, `"hostname": "conf-lon-01"`, `"signaling_count"`} {
		if !strings.Contains(got+managerShown(fixture(t, "pexip-fleet/status_worker_vm_healthy.json")), masked) {
			t.Errorf("no %s in %s", masked, got)
		}
	}
	if got := managerShown([]byte(`<p>password=hunter2</p>`)); got != "[redacted]" {
		t.Errorf("HTML with a secret: %q", got)
	}
	if got := managerShown([]byte(`<p>Not Found</p>`)); got != "<p>Not Found</p>" {
		t.Errorf("HTML: %q", got)
	}
}

func TestManagerIssuedShapes(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, tt := range []struct{ body, want string }{
		{`{"a":1,"password":"p1x","b":[1,{"snmp_community":{"x":["p2x"]},"c":null}],"d":true}`,
			`{"a":1,"password":"[redacted]","b":[1,{"snmp_community":{"x":["[redacted]"]},"c":null}],"d":true}`},
		{`[{"ssh_authorized_keys":["k1x","k2x"]},{"name":"a"}]`, `[{"ssh_authorized_keys":["[redacted]","[redacted]"]},{"name":"a"}]`},
		{`{"meta":{},"objects":[]}`, `{"meta":{},"objects":[]}`},
		{`"just a string"`, `"just a string"`},
		{`{"a":1,"password":"p1x"` + "\x00", `{"a":1,"password":"[redacted]"`}, // read up to where it breaks
		{`{"a":1} {"password":"p1x"}`, `{"a":1} {"password":"[redacted]"}`},
		{`{"a":{"password":"` + long + `"}}`, `{"a":{"password":"[redacted]"}}`},
	} {
		if got := managerShown([]byte(tt.body)); got != tt.want {
			t.Errorf("%.60q:\n got %.200q\nwant %.200q", tt.body, got, tt.want)
		}
	}
}
