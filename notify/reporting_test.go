package notify

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/internal/testcert"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
)

// reportResult is a check result with long output and perfdata.
func reportResult(state nagios.State) *probe.Result {
	w, _ := nagios.ParseRange("0.5")
	r := &probe.Result{Kind: "HTTP", Target: "https://web1.example.com:8443/health", Duration: 42 * time.Millisecond}
	r.Add("status", state, "status 200 OK")
	r.Add("keyword", nagios.OK, `keyword "ready" found`)
	r.AddPerf(nagios.Perfdata{Label: "time", Value: 0.042, UOM: "s", Warn: &w, Min: nagios.Float(0)},
		nagios.Perfdata{Label: "size", Value: 96, UOM: "B", Min: nagios.Float(0)})
	r.SummaryOr("200 OK, 0.042 s")
	return r
}

// withDuration is res with another duration.
func withDuration(res *probe.Result, d time.Duration) *probe.Result {
	r := *res
	r.Duration = d
	return &r
}

// reportEvent is the result event Process would queue for res.
func reportEvent(res *probe.Result, check string, end time.Time) Event {
	ev := Event{Event: EventResult, Time: eventTime(end), Seq: 3, Name: "web", Kind: res.Kind, Target: res.Target,
		State: res.State.String(), Previous: "OK", Since: eventTime(end), Summary: res.Summary, Changed: []Change{}, Version: "test"}
	ev.Report = newReport(res, check, end)
	return ev
}

// sendTo builds a sink on a fresh receiver and sends ev.
func sendTo(t *testing.T, c SinkConfig, path string, ev Event) (request, error) {
	t.Helper()
	rc := newReceiver(t)
	c.URL = rc.URL + path
	s, err := c.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(context.Background(), ev)
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests", len(got))
	}
	return got[0], err
}

var end = time.Date(2026, 11, 21, 0, 59, 41, 810_000_000, time.UTC)

func TestIcinga2Wire(t *testing.T) {
	ev := reportEvent(reportResult(nagios.Warning), "web", end)
	got, err := sendTo(t, SinkConfig{Format: "icinga2", Username: "healthprobe", Password: "s3cret-pw", Host: "web1", Service: "health",
		CheckSource: "probe1", TTL: Duration(5 * time.Minute)}, "", ev)
	if err == nil || !strings.HasPrefix(err.Error(), "Icinga 2 did not take the result for web1!health (204 No Content") {
		t.Errorf("a 2xx without a result: %v", err)
	}
	if got.Method != "POST" || got.URL != "/v1/actions/process-check-result?verbose=1" {
		t.Errorf("%s %s", got.Method, got.URL)
	}
	if got.Header.Get("Accept") != "application/json" || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", got.Header)
	}
	if user, pass, ok := (&http.Request{Header: got.Header}).BasicAuth(); !ok || user != "healthprobe" || pass != "s3cret-pw" {
		t.Errorf("basic auth %q %q", user, pass)
	}
	want := `{"type":"Service","service":"web1!health","exit_status":1,` +
		`"plugin_output":"HTTP WARNING - status 200 OK\n\\_ [WARNING] status 200 OK\n\\_ [OK] keyword \"ready\" found",` +
		`"performance_data":["time=0.042s;0.5;;0","size=96B;;;0"],"check_source":"probe1",` +
		`"execution_start":1795222781.768,"execution_end":1795222781.81,"ttl":300}`
	if got.Body != want {
		t.Errorf("body\n%s\nwant\n%s", got.Body, want)
	}

	// the defaults: the target's host, the check's name, then its kind;
	// the check's own host and service win over the sink's
	for _, c := range []struct {
		cfg         SinkConfig
		check, h, s string
		want        string
	}{
		{SinkConfig{}, "web", "", "", "web1.example.com!web"},
		{SinkConfig{}, "", "", "", "web1.example.com!http"},
		{SinkConfig{Host: "h", Service: "s"}, "web", "", "", "h!s"},
		{SinkConfig{Host: "h", Service: "s"}, "web", "web9", "disk", "web9!disk"},
	} {
		ev := reportEvent(reportResult(nagios.OK), c.check, end)
		ev.Report.Host, ev.Report.Service = c.h, c.s
		c.cfg.Format, c.cfg.Username, c.cfg.Password, c.cfg.URL = "icinga2", "u", "p", "https://icinga.example.com:5665/"
		s, err := c.cfg.Build(noEnv)
		if err != nil {
			t.Fatal(err)
		}
		_, rawURL, body, _, err := s.request(ev)
		if err != nil {
			t.Fatal(err)
		}
		var b icingaResult
		if err := json.Unmarshal(body, &b); err != nil || b.Service != c.want || rawURL != "https://icinga.example.com:5665/v1/actions/process-check-result?verbose=1" {
			t.Errorf("%+v: service %q url %s, want %q", c, b.Service, rawURL, c.want)
		}
		if b.TTL != 0 || strings.Contains(string(body), `"ttl"`) || b.CheckSource == "" {
			t.Errorf("no ttl key without ttl, and a check source by default: %s", body)
		}
	}
}

func TestIcinga2Answers(t *testing.T) {
	const missing = `{"diagnostic_information":"Error: Object does not exist.\n\nStacktrace:\n 0# __cxa_throw\n","error":404,"status":"No objects found."}`
	for _, c := range []struct {
		name      string
		code      int
		body      string
		want      string // "" accepted
		permanent bool
	}{
		{"accepted", 200, `{"results":[{"code":200,"status":"Successfully processed check result for object 'web1!health'."}]}`, "", false},
		{"200 without a result", 200, `{"results":[]}`, "Icinga 2 did not take the result for web1!health (200 OK: )", false},
		{"credentials", 401, `{"error":401,"status":"Unauthorized. Please check your user credentials."}`,
			`Icinga 2 refused the credentials of API user "healthprobe" (401 Unauthorized): check username and password`, true},
		{"no such service", 404, missing,
			"Icinga 2 has no service web1!health (404 Not Found): define it (a passive service: check_command dummy), or set host and service", true},
		{"no permission", 404, `{"diagnostic_information":"Error: Missing permission: actions/process-check-result\n","error":404,"status":"No objects found."}`,
			`the Icinga 2 API user "healthprobe" lacks the permission actions/process-check-result (404 Not Found)`, true},
		{"passive checks disabled", 403, `{"results":[{"code":403,"status":"Passive checks are disabled for object 'web1!health'."}]}`,
			"passive checks are disabled for the Icinga 2 service web1!health (403 Forbidden): set enable_passive_checks = true", true},
		{"busy", 503, `{"error":503,"status":"Icinga is reloading."}`, "Icinga 2 answered 503 Service Unavailable: Icinga is reloading.", false},
		{"not Icinga", 502, "<html>bad gateway</html>", "answered 502 Bad Gateway", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(c.code)
				fmt.Fprint(w, c.body)
			}))
			defer srv.Close()
			s, err := SinkConfig{Format: "icinga2", URL: srv.URL, Username: "healthprobe", Password: "pw", Host: "web1", Service: "health"}.Build(noEnv)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Send(context.Background(), reportEvent(reportResult(nagios.OK), "web", end))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || err.Error() != c.want):
				t.Fatalf("got %v\nwant %s", err, c.want)
			}
			var ref *refusal
			if c.want != "" && (!errorsAs(err, &ref) || ref.permanent != c.permanent) {
				t.Errorf("permanent: %+v, want %v", ref, c.permanent)
			}
		})
	}
}

func errorsAs(err error, target **refusal) bool {
	r, ok := err.(*refusal) //nolint:errorlint // Send returns it unwrapped
	*target = r
	return ok
}

func TestUptimeKumaWire(t *testing.T) {
	const token = "Abc123XyZ"
	ok, warn, crit := reportResult(nagios.OK), reportResult(nagios.Warning), reportResult(nagios.Critical)
	for _, c := range []struct {
		cfg  SinkConfig
		res  *probe.Result
		want string
	}{
		{SinkConfig{}, ok, "status=up&msg=HTTP+OK+-+200+OK%2C+0.042+s&ping=42"},
		{SinkConfig{}, warn, "status=up&msg=HTTP+WARNING+-+status+200+OK&ping=42"},
		{SinkConfig{DownOn: "warning"}, warn, "status=down&msg=HTTP+WARNING+-+status+200+OK&ping=42"},
		{SinkConfig{}, crit, "status=down&msg=HTTP+CRITICAL+-+status+200+OK&ping=42"},
		// milliseconds to the microsecond, without float noise
		{SinkConfig{}, withDuration(ok, 6650*time.Microsecond), "status=up&msg=HTTP+OK+-+200+OK%2C+0.042+s&ping=6.65"},
	} {
		// the push URL as Uptime Kuma shows it, with its own query
		c.cfg.Format = "uptime-kuma"
		got, err := sendTo(t, c.cfg, "/api/push/"+token+"?status=up&msg=OK&ping=", reportEvent(c.res, "web", end))
		if err == nil { // the receiver answers 204, not {"ok":true}
			t.Error("an answer without {\"ok\":true} was taken")
		}
		if got.Method != "GET" || got.Body != "" {
			t.Errorf("%s with body %q", got.Method, got.Body)
		}
		path, query, _ := strings.Cut(got.URL, "?")
		if path != "/api/push/"+token || !sameQuery(query, c.want) {
			t.Errorf("%+v: %s, want query %s", c.cfg, got.URL, c.want)
		}
	}

	// against the emulator: accepted, stored; an unknown token is refused for good
	kuma := emulate.NewUptimeKuma()
	srv := httptest.NewServer(kuma)
	defer srv.Close()
	s, err := SinkConfig{Format: "uptime-kuma", URL: srv.URL + "/api/push/" + emulate.KumaToken}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), reportEvent(crit, "web", end)); err != nil {
		t.Fatal(err)
	}
	beats := kuma.Heartbeats(emulate.KumaToken)
	if len(beats) != 1 || beats[0].Status != "down" || beats[0].Msg != "HTTP CRITICAL - status 200 OK" || beats[0].Ping == nil || *beats[0].Ping != 42 {
		t.Errorf("heartbeats %+v", beats)
	}
	for _, c := range []struct{ path, want string }{
		{"/api/push/nope", "Uptime Kuma has no active push monitor with this token (404 Not Found: Monitor not found or not active.)"},
		{"/dashboard/12", `Uptime Kuma answered 200 OK without {"ok":true}: not a push URL?`},
	} {
		s, _ := SinkConfig{Format: "uptime-kuma", URL: srv.URL + c.path}.Build(noEnv)
		if _, err := s.Send(context.Background(), reportEvent(ok, "web", end)); err == nil || err.Error() != c.want {
			t.Errorf("%s: %v", c.path, err)
		}
	}
}

func sameQuery(a, b string) bool {
	split := func(s string) []string {
		parts := strings.Split(s, "&")
		slices.Sort(parts)
		return parts
	}
	return slices.Equal(split(a), split(b))
}

func TestHealthchecksWire(t *testing.T) {
	const uuid = "0c5e2b3a-4bd5-4f6d-9b0c-2d9c1d3e4f5a"
	res := reportResult(nagios.Critical)
	got, err := sendTo(t, SinkConfig{Format: "healthchecks"}, "/"+uuid, reportEvent(res, "web", end))
	if err != nil {
		t.Fatal(err)
	}
	want := "HTTP CRITICAL - status 200 OK | time=0.042s;0.5;;0 size=96B;;;0\n\\_ [CRITICAL] status 200 OK\n\\_ [OK] keyword \"ready\" found"
	if got.Method != "POST" || got.URL != "/"+uuid+"/2" || got.Body != want || got.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("%s %s %q\n%q", got.Method, got.URL, got.Header.Get("Content-Type"), got.Body)
	}

	// the body is cut to 10,000 bytes, at a character boundary
	long := reportResult(nagios.OK)
	for i := range 40 {
		long.Add(fmt.Sprint("x", i), nagios.OK, strings.Repeat("é", 390))
	}
	got, _ = sendTo(t, SinkConfig{Format: "healthchecks"}, "/ping/"+uuid, reportEvent(long, "", end))
	if got.URL != "/ping/"+uuid+"/0" || len(got.Body) > 10000 || len(got.Body) < 9990 || !strings.HasSuffix(got.Body, "é") {
		t.Errorf("%s: %d bytes, ends %q", got.URL, len(got.Body), got.Body[len(got.Body)-4:])
	}

	// against the emulator, with measure: /start, then the result, paired by rid
	hc := emulate.NewHealthchecks()
	srv := httptest.NewServer(hc)
	defer srv.Close()
	s, err := SinkConfig{Format: "healthchecks", URL: srv.URL + "/" + emulate.HealthchecksPingKey + "/" + emulate.HealthchecksSlug, Measure: true}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	tr, _, _ := newTracker(t, s)
	tr.Begin(context.Background())
	r := process(t, tr, "web", reportResult(nagios.Warning))
	pings := hc.Pings(emulate.HealthchecksUUID)
	if len(pings) != 2 || pings[0].Kind != "start" || pings[1].Kind != "exitstatus" || pings[1].ExitStatus != 1 ||
		pings[0].RunID == "" || pings[0].RunID != pings[1].RunID || !strings.HasPrefix(string(pings[1].Body), "HTTP WARNING - ") {
		t.Fatalf("pings %+v", pings)
	}
	if lines := notifyLines(r); len(lines) != 1 || !strings.HasPrefix(lines[0], "[OK] notify healthchecks 127.0.0.1:") || !strings.HasSuffix(lines[0], ": delivered the result (seq 1)") {
		t.Errorf("lines %q", lines)
	}
	if got := s.Secrets(); !slices.Equal(got, []string{emulate.HealthchecksPingKey}) {
		t.Errorf("secrets %q: the ping key, not the slug", got)
	}

	// a check Healthchecks does not know
	s, _ = SinkConfig{Format: "healthchecks", URL: srv.URL + "/" + uuid}.Build(noEnv)
	if _, err := s.Send(context.Background(), reportEvent(res, "web", end)); err == nil || err.Error() != "Healthchecks has no check with this ping URL (404 Not Found)" {
		t.Errorf("unknown check: %v", err)
	}
	if got := s.Secrets(); !slices.Equal(got, []string{uuid}) {
		t.Errorf("secrets %q", got)
	}
}

func TestPushgatewayWire(t *testing.T) {
	res := reportResult(nagios.Warning)
	ev := reportEvent(res, "web", end)
	got, err := sendTo(t, SinkConfig{Format: "pushgateway"}, "", ev)
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != "PUT" || got.URL != "/metrics/job/healthprobe/instance/web" || got.Header.Get("Content-Type") != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("%s %s %v", got.Method, got.URL, got.Header)
	}
	for _, want := range []string{
		"# TYPE healthprobe_state gauge", `healthprobe_state{check="web",kind="http"} 1`,
		`healthprobe_up{check="web",kind="http"} 1`, `healthprobe_duration_seconds{check="web",kind="http"} 0.042`,
		`healthprobe_perfdata{check="web",kind="http",label="size",uom="B"} 96`,
		`healthprobe_perfdata{check="web",kind="http",label="time",uom="s"} 0.042`,
	} {
		if !strings.Contains(got.Body, "\n"+want+"\n") && !strings.HasPrefix(got.Body, want+"\n") {
			t.Errorf("no line %q in\n%s", want, got.Body)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(got.Body), "\n") {
		if !strings.HasPrefix(l, "#") && len(strings.Fields(l)) != 2 {
			t.Errorf("sample with a timestamp (or worse): %q", l)
		}
	}

	// a name with / or none: the base64 path form; a job of the sink's own
	for _, c := range []struct{ name, job, want string }{
		{"http https://web1/health", "", "/metrics/job/healthprobe/instance@base64/" + base64.URLEncoding.EncodeToString([]byte("http https://web1/health"))},
		{"", "probes", "/metrics/job/probes/instance@base64/="},
		{"a b", "ops/x", "/metrics/job@base64/b3BzL3g=/instance/a%20b"},
	} {
		ev.Name = c.name
		got, _ := sendTo(t, SinkConfig{Format: "pushgateway", Job: c.job}, "/prefix/", ev)
		if got.URL != "/prefix"+c.want {
			t.Errorf("%q: %s, want %s", c.name, got.URL, c.want)
		}
	}
}

// An every-run sink is sent a result each run; what one run could not
// deliver is kept, and replaced by the next run's result: only the newest
// is ever delivered, and never an older one after a newer one.
func TestEveryRunSupersedes(t *testing.T) {
	rc := newReceiver(t)
	var mu sync.Mutex
	down := true
	rc.fail = func(int) int {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return http.StatusServiceUnavailable
		}
		return 0
	}
	s, err := SinkConfig{Name: "every", URL: rc.URL, Send: "every-run"}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	tr, clk, sl := newTracker(t, s)
	_, _, outbox := tr.paths(IdentityHash("web"))
	for run := 1; run <= 3; run++ {
		r := process(t, tr, "web", reportResult(nagios.OK))
		want := "[WARNING] notify every: the result was not delivered (answered 503 Service Unavailable); it is kept, and the next run's result replaces it"
		if run > 1 {
			want += "; it replaced an older result that was not delivered"
		}
		if lines := notifyLines(r); len(lines) != 1 || lines[0] != want {
			t.Fatalf("run %d: lines %q", run, lines)
		}
		if r.State != nagios.Warning || !strings.HasPrefix(r.Summary, "notify: result not delivered; ") {
			t.Errorf("run %d: %s %s", run, r.State, r.Summary)
		}
		if files, _ := filepath.Glob(filepath.Join(outbox, "*.json")); len(files) != 1 {
			t.Fatalf("run %d: outbox %v", run, files)
		}
		clk.Add(time.Minute)
	}
	if len(sl.waits) != 3 {
		t.Errorf("one retry per run: the window allows none here: %v", sl.waits)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	r := process(t, tr, "web", reportResult(nagios.Critical))
	if lines := notifyLines(r); len(lines) != 1 || lines[0] != "[OK] notify every: delivered the result (seq 4); it replaced an older result that was not delivered" {
		t.Fatalf("lines %q", lines)
	}
	var seqs []uint64
	for _, q := range rc.requests() {
		var ev Event
		if err := json.Unmarshal([]byte(q.Body), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Event != EventResult || ev.Report == nil || !strings.HasPrefix(ev.Report.Output, "HTTP ") {
			t.Errorf("event %s", q.Body)
		}
		seqs = append(seqs, ev.Seq)
	}
	if !slices.IsSorted(seqs) || seqs[len(seqs)-1] != 4 {
		t.Errorf("seqs sent %v: an older result after a newer one", seqs)
	}
	if files, _ := filepath.Glob(filepath.Join(outbox, "*.json")); len(files) != 0 {
		t.Errorf("outbox %v", files)
	}
}

// Sinks sent changes and sinks sent every run, side by side: the json
// sink keeps its change events (without a report), the icinga2 sink gets
// every run, an uptime-kuma sink set to send: changes gets the change only.
func TestSendModes(t *testing.T) {
	rc := newReceiver(t)
	var icingaRuns int
	var mu sync.Mutex
	icinga := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		icingaRuns++
		mu.Unlock()
		fmt.Fprint(w, `{"results":[{"code":200,"status":"ok"}]}`)
	}))
	defer icinga.Close()
	kuma := emulate.NewUptimeKuma()
	kumaSrv := httptest.NewServer(kuma)
	defer kumaSrv.Close()
	changes := jsonSink(t, "changes", rc.URL)
	ic, err := SinkConfig{Name: "icinga", URL: icinga.URL, Format: "icinga2", Username: "u", Password: "p"}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	onChange, err := SinkConfig{Name: "kuma", URL: kumaSrv.URL + "/api/push/" + emulate.KumaToken, Format: "uptime-kuma", Send: "changes"}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if changes.EveryRun || !ic.EveryRun || onChange.EveryRun {
		t.Fatalf("modes %v %v %v", changes.EveryRun, ic.EveryRun, onChange.EveryRun)
	}
	tr, _, _ := newTracker(t, changes, ic, onChange)
	for i, st := range []nagios.State{nagios.OK, nagios.OK, nagios.Critical} {
		r := process(t, tr, "web", reportResult(st))
		want := []string{fmt.Sprintf("[OK] notify icinga: delivered the result (seq %d)", i+1)}
		if st == nagios.Critical {
			want = []string{"[OK] notify changes: delivered 1 event (seq 1)", want[0], "[OK] notify kuma: delivered 1 event (seq 1)"}
		}
		if got := notifyLines(r); !slices.Equal(got, want) {
			t.Errorf("run %d: lines %q\nwant %q", i+1, got, want)
		}
	}
	reqs := rc.requests()
	if len(reqs) != 1 || strings.Contains(reqs[0].Body, `"report"`) || !strings.Contains(reqs[0].Body, `"event":"state_change"`) {
		t.Errorf("the json sink got %v", reqs)
	}
	if beats := kuma.Heartbeats(emulate.KumaToken); len(beats) != 1 || beats[0].Status != "down" || beats[0].Ping == nil {
		t.Errorf("kuma got %+v", beats)
	}
	if icingaRuns != 3 {
		t.Errorf("icinga got %d results", icingaRuns)
	}
}

// A refusal no retry changes (a 4xx but 408, 425, 429) is not retried
// within the run; a 5xx is.
func TestPermanentRefusalWaitsForNextRun(t *testing.T) {
	for _, c := range []struct {
		code  int
		waits int
	}{{404, 0}, {401, 0}, {429, 1}, {503, 1}} {
		rc := newReceiver(t)
		rc.fail = func(int) int { return c.code }
		tr, _, sl := newTracker(t, jsonSink(t, "s", rc.URL))
		sl.allow = 0
		tr.Sinks[0].EveryRun = true
		process(t, tr, "web", reportResult(nagios.OK))
		if len(sl.waits) != c.waits {
			t.Errorf("%d: waited %v", c.code, sl.waits)
		}
	}
}

// The batch path: many checks (each with its tracker) report at once
// through one shared sink, over a few reused connections.
func TestBatchSharesSink(t *testing.T) {
	var mu sync.Mutex
	conns := map[string]bool{}
	var services []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b icingaResult
		_ = json.NewDecoder(r.Body).Decode(&b)
		mu.Lock()
		conns[r.RemoteAddr] = true
		services = append(services, b.Service)
		mu.Unlock()
		fmt.Fprint(w, `{"results":[{"code":200,"status":"ok"}]}`)
	}))
	defer srv.Close()
	s, err := SinkConfig{Name: "icinga", URL: srv.URL, Format: "icinga2", Username: "u", Password: "p", Host: "probes"}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := &Tracker{Dir: dir, Sinks: []*Sink{s}, Version: "test", Service: fmt.Sprintf("svc-%03d", i)}
			r := reportResult(nagios.OK)
			if err := tr.Process(context.Background(), fmt.Sprintf("check-%d", i), fmt.Sprintf("check-%d", i), r); err != nil {
				errs <- err
			}
			if lines := notifyLines(r); len(lines) != 1 || !strings.HasSuffix(lines[0], "delivered the result (seq 1)") {
				errs <- fmt.Errorf("check %d: %q", i, lines)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(services)
	if len(services) != n || services[0] != "probes!svc-000" || services[n-1] != fmt.Sprintf("probes!svc-%03d", n-1) {
		t.Errorf("%d services: %v ...", len(services), services[:3])
	}
	if len(conns) > sinkConns {
		t.Errorf("%d connections for %d results: want at most %d, reused", len(conns), n, sinkConns)
	}
}

// A sink's TLS problems name the sink's own keys, never the flags.
func TestSinkTLSNamesItsKeys(t *testing.T) {
	ca, err := testcert.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, _, _, err := ca.Issue(testcert.Leaf{CommonName: "icinga-master", DNSNames: []string{"icinga-master"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"results":[{"code":200,"status":"ok"}]}`)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "https://")
	for _, c := range []struct {
		cfg  SinkConfig
		want string
	}{
		{SinkConfig{TLSServerName: "icinga-master"}, "TLS certificate of " + host + " is signed by an unknown authority (use ca_file, or verify_tls: false)"},
		{SinkConfig{CAFile: caFile}, "TLS certificate is not valid for 127.0.0.1: it is for icinga-master (put one of its names in the URL, or in tls_server_name)"},
		{SinkConfig{CAFile: caFile, TLSServerName: "icinga-master"}, ""},
		{SinkConfig{VerifyTLS: new(bool)}, ""},
		{SinkConfig{CAFile: filepath.Join(t.TempDir(), "none.crt")}, "reading ca_file: open "},
	} {
		c.cfg.Format, c.cfg.URL, c.cfg.Username, c.cfg.Password = "icinga2", srv.URL, "u", "p"
		s, err := c.cfg.Build(noEnv)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Send(context.Background(), reportEvent(reportResult(nagios.OK), "web", end))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.cfg, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("%+v:\n got %v\nwant %s", c.cfg, err, c.want)
		}
	}
}

// Push URLs hold secrets: the sink knows them (for the run's redaction),
// its label has none, and neither outbox nor state files hold one.
func TestPushURLSecrets(t *testing.T) {
	kuma := emulate.NewUptimeKuma()
	srv := httptest.NewServer(kuma)
	defer srv.Close()
	s, err := SinkConfig{Format: "uptime-kuma", URL: srv.URL + "/api/push/" + emulate.KumaToken + "?status=up"}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Secrets(), []string{emulate.KumaToken}) || strings.Contains(s.Label, emulate.KumaToken) || s.Label != "uptime-kuma "+strings.TrimPrefix(srv.URL, "http://") {
		t.Fatalf("secrets %q label %q", s.Secrets(), s.Label)
	}
	down, _ := SinkConfig{Name: "down", Format: "healthchecks", URL: "http://127.0.0.1:1/" + emulate.HealthchecksUUID}.Build(noEnv)
	tr, _, _ := newTracker(t, s, down)
	r := process(t, tr, "web", reportResult(nagios.OK))
	for _, d := range r.Details {
		if strings.Contains(d.Text, emulate.KumaToken) || strings.Contains(d.Text, emulate.HealthchecksUUID) {
			t.Errorf("line shows a secret: %s", d.Text)
		}
	}
	err = filepath.Walk(tr.Dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if strings.Contains(string(b), emulate.KumaToken) || strings.Contains(string(b), emulate.HealthchecksUUID) {
			t.Errorf("%s holds a push URL's secret", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
