package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// itgrixToday is the probe's "today" in these tests; the fixtures' licence
// is valid till 2026-06-30, 29 days later.
var itgrixToday = time.Date(2026, 6, 1, 15, 4, 5, 0, time.Local)

func itgrixConfig(base string) ItgrixConfig {
	return ItgrixConfig{
		Client: loginConfig(), BaseURL: base,
		LicenseWarnDays: ItgrixLicenseWarnDays, LicenseCritDays: ItgrixLicenseCritDays,
		Now: func() time.Time { return itgrixToday },
	}
}

// statusDoc builds a status answer in the published nesting, with changes.
func statusDoc(t *testing.T, change func(app, lic map[string]any)) []byte {
	t.Helper()
	lic := map[string]any{"type": "Professional", "valid_till": "2026-06-30"}
	app := map[string]any{"app_state": "", "app_status": "Ok", "app_err": "", "crm_type": "bitrix", "license": lic,
		"calls_queue": map[string]any{"calls": 0}}
	if change != nil {
		change(app, lic)
	}
	b, err := json.Marshal(map[string]any{"app": app})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestItgrixRules(t *testing.T) {
	normalDetails := []Detail{
		{"app_state", nagios.OK, "running"},
		{"app_status", nagios.OK, "status Ok"},
		{"license.type", nagios.OK, "licence Professional"},
		{"license.valid_till", nagios.OK, "licence valid till 2026-06-30 (29 days left)"},
	}
	tests := []struct {
		name    string
		body    []byte
		change  func(app, lic map[string]any)
		cfg     func(*ItgrixConfig)
		state   nagios.State
		summary string
		details []Detail // nil: not compared
		perf    []string // without time; nil: not compared
	}{
		{name: "normal, published nesting", body: fixture(t, "itgrix/status_normal.json"), state: nagios.OK,
			summary: "running, status Ok, licence Professional valid till 2026-06-30 (29 days left)",
			details: normalDetails, perf: []string{"license_days=29;14:;3:"}},
		{name: "normal, every element at the top", body: fixture(t, "itgrix/status_flat.json"), state: nagios.OK,
			summary: "running, status Ok, licence Professional valid till 2026-06-30 (29 days left)", details: normalDetails},
		{name: "stopped with an error text and a Free licence", body: fixture(t, "itgrix/status_stopped_free.json"), state: nagios.Critical,
			summary: "stopped: AMI connection lost; licence Free, not Professional or Subscription",
			details: []Detail{
				{"app_state", nagios.Critical, "stopped: AMI connection lost"},
				{"app_status", nagios.Critical, "status Error"},
				{"license.type", nagios.Warning, "licence Free, not Professional or Subscription"},
				{"license.valid_till", nagios.OK, "licence valid till 2026-06-30 (29 days left)"},
			}},
		{name: "restarting", change: func(app, _ map[string]any) {
			app["app_state"], app["app_status"], app["app_err"] = "restarting", "Warning", "reconnecting to AMI"
		}, state: nagios.Warning, summary: "restarting: reconnecting to AMI"},
		{name: "restarting with status Error puts the error text on the status", change: func(app, _ map[string]any) {
			app["app_state"], app["app_status"], app["app_err"] = "restarting", "Error", "license server unreachable"
		}, state: nagios.Critical, summary: "status Error: license server unreachable; restarting"},
		{name: "status Warning while running", change: func(app, _ map[string]any) {
			app["app_status"], app["app_err"] = "Warning", "CRM token expired"
		}, state: nagios.Warning, summary: "status Warning: CRM token expired"},
		{name: "an error text while all is well is still quoted", change: func(app, _ map[string]any) {
			app["app_err"] = "last sync slow"
		}, state: nagios.OK, summary: "running, status Ok, last error: last sync slow, licence Professional valid till 2026-06-30 (29 days left)"},
		{name: "an unknown app_state", change: func(app, _ map[string]any) { app["app_state"] = "paused" },
			state: nagios.Unknown, summary: `app_state "paused" is not one this check knows ("", restarting, stopped)`},
		{name: "app_state is not text", change: func(app, _ map[string]any) { app["app_state"] = 5 },
			state: nagios.Unknown, summary: "app_state is 5, not text"},
		{name: "app_state and app_status in another case", change: func(app, _ map[string]any) {
			app["app_state"], app["app_status"] = "STOPPED", "error"
		}, state: nagios.Critical, summary: "stopped"},
		{name: "an unknown app_status", change: func(app, _ map[string]any) { app["app_status"] = "Degraded" },
			state: nagios.Unknown, summary: `app_status "Degraded" is not one this check knows (Ok, Warning, Error)`},
		{name: "an unknown app_state does not hide a worse status", change: func(app, _ map[string]any) {
			app["app_state"], app["app_status"] = "paused", "Warning"
		}, state: nagios.Warning, summary: `status Warning; app_state "paused" is not one this check knows ("", restarting, stopped)`},
		{name: "licence Subscription is accepted by default", change: func(_, lic map[string]any) { lic["type"] = "Subscription" },
			state: nagios.OK, summary: "running, status Ok, licence Subscription valid till 2026-06-30 (29 days left)"},
		{name: "a drop to Subscription when only Professional is accepted", change: func(_, lic map[string]any) { lic["type"] = "Subscription" },
			cfg: func(c *ItgrixConfig) { c.LicenseTypes = []string{"Professional"} }, state: nagios.Warning, summary: "licence Subscription, not Professional"},
		{name: "licence types compare without case and LicenseType_ prefix", change: func(_, lic map[string]any) { lic["type"] = "LicenseType_professional" },
			state: nagios.OK, summary: "running, status Ok, licence LicenseType_professional valid till 2026-06-30 (29 days left)"},
		{name: "an empty licence type", change: func(_, lic map[string]any) { lic["type"] = "" },
			state: nagios.Warning, summary: `licence "", not Professional or Subscription`},
		{name: "licence: 14 days left is OK", change: func(_, lic map[string]any) { lic["valid_till"] = "2026-06-15" },
			state: nagios.OK, perf: []string{"license_days=14;14:;3:"}},
		{name: "licence: 13 days left is WARNING", change: func(_, lic map[string]any) { lic["valid_till"] = "2026-06-14" },
			state: nagios.Warning, summary: "licence valid till 2026-06-14 (13 days left)"},
		{name: "licence: 3 days left is WARNING", change: func(_, lic map[string]any) { lic["valid_till"] = "2026-06-04" },
			state: nagios.Warning, summary: "licence valid till 2026-06-04 (3 days left)"},
		{name: "licence: 2 days left is CRITICAL", change: func(_, lic map[string]any) { lic["valid_till"] = "2026-06-03" },
			state: nagios.Critical, summary: "licence valid till 2026-06-03 (2 days left)"},
		{name: "licence: 1 day left", change: func(_, lic map[string]any) { lic["valid_till"] = "2026-06-02" },
			state: nagios.Critical, summary: "licence valid till 2026-06-02 (1 day left)"},
		{name: "licence: today is its last day, still valid", change: func(_, lic map[string]any) { lic["valid_till"] = "2026-06-01" },
			cfg:   func(c *ItgrixConfig) { c.LicenseCritDays, c.LicenseWarnDays = 0, 0 },
			state: nagios.OK, summary: "running, status Ok, licence Professional ends today (2026-06-01 is its last valid day)",
			perf: []string{"license_days=0;0:;0:"}},
		{name: "licence: today is its last day, CRITICAL by default", change: func(_, lic map[string]any) { lic["valid_till"] = "2026-06-01" },
			state: nagios.Critical, summary: "licence ends today (2026-06-01 is its last valid day)"},
		{name: "licence: expired yesterday", change: func(_, lic map[string]any) { lic["valid_till"] = "2026-05-31" },
			cfg:   func(c *ItgrixConfig) { c.LicenseCritDays, c.LicenseWarnDays = 0, 0 },
			state: nagios.Critical, summary: "licence expired: its last valid day was 2026-05-31 (1 day ago)",
			perf: []string{"license_days=-1;0:;0:"}},
		{name: "licence: expired long ago", change: func(_, lic map[string]any) { lic["valid_till"] = "2025-06-01" },
			state: nagios.Critical, summary: "licence expired: its last valid day was 2025-06-01 (365 days ago)"},
		{name: "licence date with a time of day", change: func(_, lic map[string]any) { lic["valid_till"] = "2026-06-30T23:59:59+05:00" },
			state: nagios.OK, perf: []string{"license_days=29;14:;3:"}},
		{name: "licence date that is not a date", change: func(_, lic map[string]any) { lic["valid_till"] = "30.06.2026" },
			state: nagios.Unknown, summary: `license.valid_till "30.06.2026" is not a date (YYYY-MM-DD)`, perf: []string{}},
		{name: "licence date that is a number", change: func(_, lic map[string]any) { lic["valid_till"] = 20260630 },
			state: nagios.Unknown, summary: "license.valid_till is 20260630, not a date"},
		{name: "licence as a flat dotted key", body: []byte(`{"app_state":"","app_status":"Ok","license.type":"Professional","license.valid_till":"2026-06-30"}`),
			state: nagios.OK, details: normalDetails},
		{name: "missing elements are reported, one line each", body: fixture(t, "itgrix/status_missing_elements.json"), state: nagios.Unknown,
			summary: "app_state absent from the status answer; license.type absent from the status answer; license.valid_till absent from the status answer",
			details: []Detail{
				{"app_state", nagios.Unknown, "app_state absent from the status answer"},
				{"app_status", nagios.OK, "status Ok"},
				{"license.type", nagios.Unknown, "license.type absent from the status answer"},
				{"license.valid_till", nagios.Unknown, "license.valid_till absent from the status answer"},
			}, perf: []string{}},
		{name: "null counts as absent", change: func(app, _ map[string]any) { app["app_state"] = nil },
			state: nagios.Unknown, summary: "app_state absent from the status answer"},
		{name: "an answer with none of the elements", body: []byte(`{"version":"3.6.0","crm":{"on":true}}`), state: nagios.Unknown,
			summary: "none of app_state, app_status, license in the status answer (it has crm, version): not an Itgrix status?"},
		{name: "an empty object", body: []byte(`{}`), state: nagios.Unknown,
			summary: "none of app_state, app_status, license in the status answer (it has no keys): not an Itgrix status?"},
		{name: "a JSON array", body: []byte(`[{"app_state":""}]`), state: nagios.Unknown,
			summary: "status answer is a JSON array, not an object"},
		{name: "malformed JSON", body: fixture(t, "itgrix/status_malformed.json"), state: nagios.Unknown,
			summary: `status answer is not JSON: it ends in the middle of a value: {"app":{"app_state":"","app_status":"Ok","c2c":{"connected":…`,
			details: []Detail{{"check", nagios.Unknown, `status answer is not JSON: it ends in the middle of a value: {"app":{"app_state":"","app_status":"Ok","c2c":{"connected":…`}}},
		{name: "an HTML page", body: fixture(t, "itgrix/login_page.html"), state: nagios.Unknown,
			summary: "status answer is not JSON: invalid character '<' looking for beginning of value at byte 1: <html><head><title>Itgrix</title></head><body>Log in to the…"},
		{name: "an empty answer", body: []byte{}, state: nagios.Unknown, summary: "status answer is empty, not JSON"},
		{name: "a huge answer is cut, not read whole", body: []byte(`{"app_state":"","pad":"` + strings.Repeat("x", 2<<20) + `"}`), state: nagios.Unknown,
			summary: "status answer larger than 1 MiB (--max-body): not checked"},
		{name: "control characters and pipes in app_err stay on one line", change: func(app, _ map[string]any) {
			app["app_state"], app["app_err"] = "stopped", "line one\nline|two\x00"
		}, state: nagios.Critical, summary: "stopped: line one line¦two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == nil {
				body = statusDoc(t, tt.change)
			}
			srv := digestServer(t, "", serveBody(body))
			cfg := itgrixConfig(srv.URL)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			r := Itgrix(context.Background(), cfg)
			if r.State != tt.state {
				t.Errorf("state %v, want %v (summary %q)", r.State, tt.state, r.Summary)
			}
			if tt.summary != "" && r.Summary != tt.summary {
				t.Errorf("summary:\n got %q\nwant %q", r.Summary, tt.summary)
			}
			if tt.details != nil && !slices.Equal(r.Details, tt.details) {
				t.Errorf("details:\n got %q\nwant %q", r.Details, tt.details)
			}
			if perf := perfStrings(r, "time"); tt.perf != nil && !slices.Equal(perf, tt.perf) && (len(perf) > 0 || len(tt.perf) > 0) {
				t.Errorf("perfdata: got %q, want %q", perf, tt.perf)
			}
			if strings.ContainsAny(r.Summary, "\n\r|") {
				t.Errorf("the summary is not one plugin line: %q", r.Summary)
			}
		})
	}
}

func TestItgrixHTTPAndAuth(t *testing.T) {
	normal := fixture(t, "itgrix/status_normal.json")
	tests := []struct {
		name      string
		algorithm string
		handler   http.Handler
		noDigest  bool
		client    func(*ClientConfig)
		state     nagios.State
		summary   string
	}{
		{name: "MD5 digest", state: nagios.OK, summary: "running, status Ok, licence Professional valid till 2026-06-30 (29 days left)"},
		{name: "SHA-256 digest", algorithm: "SHA-256", state: nagios.OK, summary: "running, status Ok, licence Professional valid till 2026-06-30 (29 days left)"},
		{name: "a wrong password", client: func(c *ClientConfig) { c.Password = "wrong-password-1" },
			state: nagios.Critical, summary: "authentication failed (401 Unauthorized)"},
		{name: "a wrong user", client: func(c *ClientConfig) { c.User = "nobody" },
			state: nagios.Critical, summary: "authentication failed (401 Unauthorized)"},
		{name: "no login given", client: func(c *ClientConfig) { c.User, c.Password = "", "" }, state: nagios.Unknown,
			summary: "the status page needs the admin-panel login: give -u and --password-env (401 Unauthorized)"},
		{name: "a digest challenge that cannot be answered", noDigest: true, handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Digest realm="x", nonce="abc", algorithm=NOPE`)
			w.WriteHeader(http.StatusUnauthorized)
		}), state: nagios.Critical, summary: "authentication failed: the server's challenge could not be answered (401 Unauthorized)"},
		{name: "no status page", handler: http.NotFoundHandler(), state: nagios.Critical,
			summary: "no status page here (404 Not Found): it needs Itgrix bx 3.6.0 or Kommo 2.13.0 or later"},
		{name: "a server error", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "database is locked", http.StatusInternalServerError)
		}), state: nagios.Critical, summary: `status page answered 500 Internal Server Error: "database is locked"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.handler
			if h == nil {
				h = serveBody(normal)
			}
			var base string
			if tt.noDigest {
				base = plainServer(t, h).URL
			} else {
				base = digestServer(t, tt.algorithm, h).URL
			}
			cfg := itgrixConfig(base)
			if tt.client != nil {
				tt.client(&cfg.Client)
			}
			logged := &logCapture{}
			cfg.Client.Verbose, cfg.Client.Log = 3, logged.logf
			r := Itgrix(context.Background(), cfg)
			if r.State != tt.state || r.Summary != tt.summary {
				t.Errorf("got %v %q\nwant %v %q", r.State, r.Summary, tt.state, tt.summary)
			}
			all := fmt.Sprintf("%+v", r) + logged.text()
			for _, secret := range []string{testPassword, "wrong-password-1"} {
				if strings.Contains(all, secret) {
					t.Errorf("the password %q shows in the result or the verbose log", secret)
				}
			}
		})
	}
}

func TestItgrixConnectionRefused(t *testing.T) {
	srv := digestServer(t, "", serveBody(nil))
	base := srv.URL
	srv.Close()
	r := Itgrix(context.Background(), itgrixConfig(base))
	if r.State != nagios.Critical || !strings.HasPrefix(r.Summary, "connection refused by 127.0.0.1:") {
		t.Errorf("got %v %q", r.State, r.Summary)
	}
}

// TestItgrixPath asks for one element through the path parameter; the
// server answers in each shape a server might use.
func TestItgrixPath(t *testing.T) {
	full := fixture(t, "itgrix/status_normal.json")
	tests := []struct {
		path    string
		answer  string
		state   nagios.State
		summary string
		details []Detail
	}{
		{"app_state", `"stopped"`, nagios.Critical, "stopped", []Detail{{"app_state", nagios.Critical, "stopped"}}},
		{"app_state", `""`, nagios.OK, "running", nil},
		{"app_state", `{"app_state":"restarting"}`, nagios.Warning, "restarting", nil},
		{".app_state", `"restarting"`, nagios.Warning, "restarting", nil},
		{"app_state", string(full), nagios.OK, "running", []Detail{{"app_state", nagios.OK, "running"}}},
		{"app_state", `null`, nagios.Unknown, "app_state absent from the status answer", nil},
		{"app_state", `not json`, nagios.Unknown, "status answer is not JSON: invalid character 'o' in literal null (expecting 'u') at byte 2: not json", nil},
		{"app_status", `"Error"`, nagios.Critical, "status Error", nil},
		{"app_err", `"AMI connection lost"`, nagios.OK, "last error: AMI connection lost", nil},
		{"app_err", `""`, nagios.OK, "no error text", nil},
		{"license", `{"type":"Free","valid_till":"2026-06-03"}`, nagios.Critical, "licence valid till 2026-06-03 (2 days left); licence Free, not Professional or Subscription",
			[]Detail{{"license.type", nagios.Warning, "licence Free, not Professional or Subscription"}, {"license.valid_till", nagios.Critical, "licence valid till 2026-06-03 (2 days left)"}}},
		{"license", `{"license":{"type":"Professional","valid_till":"2026-06-30"}}`, nagios.OK, "licence Professional valid till 2026-06-30 (29 days left)", nil},
		{"license.type", `"Free"`, nagios.Warning, "licence Free, not Professional or Subscription", nil},
		{"license.type", `{"license":{"type":"Subscription"}}`, nagios.OK, "licence Subscription", nil},
		{"license.type", `{"type":"Professional"}`, nagios.OK, "licence Professional", nil},
		{"license.type", `{"license.type":"Professional"}`, nagios.OK, "licence Professional", nil},
		{"license.valid_till", `"2026-05-01"`, nagios.Critical, "licence expired: its last valid day was 2026-05-01 (31 days ago)", nil},
		{"crm_type", `"bitrix"`, nagios.OK, `crm_type = "bitrix"`, []Detail{{"crm_type", nagios.OK, `crm_type = "bitrix"`}}},
		{"calls_queue", `{"calls":3}`, nagios.OK, `calls_queue = {"calls":3}`, nil},
		{"crm.on", `null`, nagios.Unknown, "crm.on absent from the status answer", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.answer[:min(len(tt.answer), 20)], func(t *testing.T) {
			var asked atomic.Value
			srv := digestServer(t, "SHA-256", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				asked.Store(r.URL.RawQuery)
				serveBody([]byte(tt.answer)).ServeHTTP(w, r)
			}))
			cfg := itgrixConfig(srv.URL)
			cfg.Path = tt.path
			r := Itgrix(context.Background(), cfg)
			if r.State != tt.state || r.Summary != tt.summary {
				t.Errorf("got %v %q\nwant %v %q", r.State, r.Summary, tt.state, tt.summary)
			}
			if tt.details != nil && !slices.Equal(r.Details, tt.details) {
				t.Errorf("details:\n got %q\nwant %q", r.Details, tt.details)
			}
			want := "path=" + strings.TrimPrefix(tt.path, ".")
			if got, _ := asked.Load().(string); got != want {
				t.Errorf("server was asked %q, want %q", got, want)
			}
			if !strings.HasSuffix(r.Target, "/status?"+want) {
				t.Errorf("target %q", r.Target)
			}
		})
	}
}

func TestItgrixWithJQ(t *testing.T) {
	a, err := NewJQAssertion([]JQSpec{
		{Expr: ".app.calls_queue.calls", Label: "queued_calls", Thresholds: nagios.Thresholds{Warn: rng(t, "10")}},
		{Expr: ".app.crm.on"},
	}, nagios.Unknown, nagios.Unknown)
	if err != nil {
		t.Fatal(err)
	}
	srv := digestServer(t, "", serveBody(statusDoc(t, func(app, _ map[string]any) {
		app["calls_queue"] = map[string]any{"calls": 12}
	})))
	cfg := itgrixConfig(srv.URL)
	cfg.Assertions = []BodyAssertion{a}
	r := Itgrix(context.Background(), cfg)
	wantDetails := []Detail{
		{"jq:.app.calls_queue.calls", nagios.Warning, "jq .app.calls_queue.calls = 12, above the warning threshold 10"},
		{"jq:.app.crm.on", nagios.Unknown, "jq .app.crm.on is null: the element is absent"},
	}
	if got := detailsWith(r, "jq"); !slices.Equal(got, wantDetails) {
		t.Errorf("jq details:\n got %q\nwant %q", got, wantDetails)
	}
	if r.State != nagios.Warning || r.Summary != "jq .app.calls_queue.calls = 12, above the warning threshold 10; jq .app.crm.on is null: the element is absent" {
		t.Errorf("got %v %q", r.State, r.Summary)
	}
	if perf := perfStrings(r, "time"); !slices.Equal(perf, []string{"license_days=29;14:;3:", "queued_calls=12;10"}) {
		t.Errorf("perfdata %q", perf)
	}

	// a body that is not JSON is said once, by the Itgrix check
	srv2 := digestServer(t, "", serveBody([]byte("<html>")))
	cfg.BaseURL = srv2.URL
	r = Itgrix(context.Background(), cfg)
	if len(r.Details) != 1 || r.State != nagios.Unknown {
		t.Errorf("got %v %q", r.State, r.Details)
	}
}

func TestItgrixStatusURL(t *testing.T) {
	for _, tt := range []struct{ base, path, want string }{
		{"http://pbx:8077", "", "http://pbx:8077/status"},
		{"http://pbx:8077/", "", "http://pbx:8077/status"},
		{"https://pbx/itgrix", "license.type", "https://pbx/itgrix/status?path=license.type"},
		{"http://pbx:8077", " .app_state ", "http://pbx:8077/status?path=app_state"},
		{"http://pbx:8077", "a&b=c", "http://pbx:8077/status?path=a%26b%3Dc"},
	} {
		if got := (ItgrixConfig{BaseURL: tt.base, Path: tt.path}).StatusURL(); got != tt.want {
			t.Errorf("StatusURL(%q, %q) = %q, want %q", tt.base, tt.path, got, tt.want)
		}
	}
}

// FuzzItgrixStatus feeds random answers (and --path elements) to the
// parser and rules: no panic, plugin states only, one-line texts.
func FuzzItgrixStatus(f *testing.F) {
	for _, name := range []string{"status_normal.json", "status_flat.json", "status_stopped_free.json", "status_missing_elements.json", "status_malformed.json"} {
		b, err := readFixture(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	f.Add([]byte(`"stopped"`), "app_state")
	f.Add([]byte(`{"type":"Free","valid_till":"2026-01-01"}`), "license")
	f.Add([]byte(`{"license":{"valid_till":"9999-12-31"}}`), "license.valid_till")
	f.Add([]byte(`{"app":{"license":{"valid_till":"0001-01-01"}}}`), "")
	f.Add([]byte(`[]`), "a.b.")
	f.Add([]byte(`{"app_state":{"x":1},"app_err":[1,2]}`), "")
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		var r Result
		cfg := ItgrixConfig{Path: path, LicenseWarnDays: 14, LicenseCritDays: 3}
		okText, _ := checkItgrixBody(&r, cfg, &Exchange{Status: 200, Body: body}, itgrixToday)
		summary := itgrixSummary(&r, okText)
		if r.State < nagios.OK || r.State > nagios.Unknown {
			t.Fatalf("state %d", r.State)
		}
		if len(r.Details) == 0 {
			t.Fatal("no detail")
		}
		for _, d := range r.Details {
			if d.State < nagios.OK || d.State > nagios.Unknown {
				t.Fatalf("detail state %d", d.State)
			}
		}
		if strings.ContainsAny(summary, "\n\r|") {
			t.Fatalf("summary %q", summary)
		}
		for _, d := range r.Details {
			if strings.ContainsAny(d.Text, "\n\r|") {
				t.Fatalf("detail %q", d.Text)
			}
		}
	})
}

func TestItgrixOverTLS(t *testing.T) {
	h := emulateDigest(serveBody(fixture(t, "itgrix/status_normal.json")))
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	cfg := itgrixConfig(srv.URL)
	cfg.Client.Insecure = true
	warn := 1000000 // days: the test certificate expires well before
	cfg.Client.CertWarnDays = &warn
	r := Itgrix(context.Background(), cfg)
	if r.State != nagios.Warning || !strings.HasPrefix(r.Summary, "certificate ") || !strings.Contains(r.Summary, " expires in ") {
		t.Errorf("got %v %q", r.State, r.Summary)
	}
	if got := detailsWith(r, "tls"); len(got) != 1 || got[0].Text != "TLS certificate verification disabled (--insecure)" {
		t.Errorf("tls detail %q", got)
	}
	if perf := perfStrings(r, "time", "license"); len(perf) != 1 || !strings.HasPrefix(perf[0], "cert_days=") || !strings.HasSuffix(perf[0], ";1000000:") {
		t.Errorf("perfdata %q", perf)
	}
}
