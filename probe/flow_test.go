package probe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/redact"
)

// The flow tests run against the login API emulator: what a flow carries
// from step to step, what it skips and cleans up, and what it keeps secret.

func loginAPI(t testing.TB) (*emulate.LoginAPI, string) {
	t.Helper()
	api := emulate.NewLoginAPI()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return api, srv.URL
}

func extractOf(t testing.TB, name, expr string) FlowExtract {
	t.Helper()
	code, err := CompileJQ(expr)
	if err != nil {
		t.Fatal(err)
	}
	return FlowExtract{Name: name, Expr: expr, Code: code}
}

// request is a step's check: method and URL, and a header built from the
// values so far.
func request(method, u string, header func(v map[string]FlowValue) http.Header, body string) func(map[string]FlowValue) (HTTPConfig, error) {
	return func(v map[string]FlowValue) (HTTPConfig, error) {
		cfg := HTTPConfig{URL: u, Method: method, Client: ClientConfig{MaxRedirects: 10, Follow: true}}
		if header != nil {
			cfg.Headers = header(v)
		}
		if body != "" {
			cfg.Body = []byte(body)
			cfg.Headers = cloneHeader(cfg.Headers)
			cfg.Headers.Set("Content-Type", "application/json")
		}
		return cfg, nil
	}
}

func cloneHeader(h http.Header) http.Header {
	if h == nil {
		return http.Header{}
	}
	return h.Clone()
}

func bearer(v map[string]FlowValue) http.Header {
	return http.Header{"Authorization": {"Bearer " + v["token"].Text}}
}

var loginBody = `{"user":"` + emulate.LoginUser + `","password":"` + emulate.LoginPassword + `"}`

// tokenFlow logs in, reads the orders with the token, and logs out
// (always); orders is the URL of its middle step.
func tokenFlow(t testing.TB, base, orders string) []FlowStep {
	return []FlowStep{
		{Name: "login", Check: request("POST", base+"/api/login", nil, loginBody), Extract: []FlowExtract{extractOf(t, "token", ".access_token")}},
		{Name: "orders", Needs: []string{"token"}, Check: request("GET", orders, bearer, "")},
		{Name: "logout", Always: true, Needs: []string{"token"}, Check: request("POST", base+"/api/logout", bearer, "")},
	}
}

func detailTexts(r Result) []string {
	var out []string
	for _, d := range r.Details {
		out = append(out, fmt.Sprintf("%s [%s] %s", d.Name, d.State, d.Text))
	}
	return out
}

func labels(r Result) []string {
	var out []string
	for _, p := range r.Perfdata {
		out = append(out, p.Label)
	}
	return out
}

func TestFlowCarriesAToken(t *testing.T) {
	api, base := loginAPI(t)
	red := redact.New()
	r := Flow(context.Background(), FlowConfig{Name: "orders-api", Steps: tokenFlow(t, base, base+"/api/orders?limit=1"), Redactor: red, Timeout: 10 * time.Second})
	if r.State != nagios.OK || r.Kind != "FLOW" || r.Target != "orders-api" {
		t.Fatalf("%v %s %s: %s\n%s", r.State, r.Kind, r.Target, r.Summary, strings.Join(detailTexts(r), "\n"))
	}
	if !strings.HasPrefix(r.Summary, "3 steps OK, ") {
		t.Errorf("summary %q", r.Summary)
	}
	want := []string{"step:login [OK] step login: 200 OK, ", "step:orders [OK] step orders: 200 OK, ", "step:logout [OK] step logout: 204 No Content, "}
	got := detailTexts(r)
	if len(got) != 3 {
		t.Fatalf("details %q", got)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("detail %d: %q, want it to start %q", i, got[i], w)
		}
	}
	if !strings.HasSuffix(got[0], "; extracted token") {
		t.Errorf("login says %q", got[0])
	}
	if l := labels(r); !slices.Equal(l, []string{"time", "login_time", "login_size", "orders_time", "orders_size", "logout_time", "logout_size"}) {
		t.Errorf("perfdata %q", l)
	}
	if s := api.Stats(); s.Logins != 1 || s.Logouts != 1 || s.Tokens != 0 {
		t.Errorf("the emulator says %+v: the token was not carried, or not released", s)
	}
	if red.Len() == 0 || !strings.Contains(red.String("Bearer "+emulate.LoginTokenPrefix+"x"), emulate.LoginTokenPrefix) {
		// the token itself is in the redactor: check it masks the whole of one
		t.Log("redactor forms:", red.Len())
	}
}

// A server that echoes the token (whoami) never gets it shown: it joins
// the redactor as soon as the login's answer is read, before any verbose
// line or excerpt of a body is made.
func TestFlowTokenIsSecretFromTheStart(t *testing.T) {
	_, base := loginAPI(t)
	red := redact.New()
	var mu sync.Mutex
	var logged []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, red.String(fmt.Sprintf(format, args...)))
	}
	whoami := func(v map[string]FlowValue) (HTTPConfig, error) {
		cfg, _ := request("GET", base+"/api/whoami", bearer, "")(v)
		cfg.Keywords = []string{"no such text"} // fails, quoting the body with the token
		return cfg, nil
	}
	verbose := func(b func(map[string]FlowValue) (HTTPConfig, error)) func(map[string]FlowValue) (HTTPConfig, error) {
		return func(v map[string]FlowValue) (HTTPConfig, error) {
			cfg, err := b(v)
			cfg.Client.Log, cfg.Client.Verbose, cfg.Client.Redactor = logf, 3, red
			return cfg, err
		}
	}
	steps := []FlowStep{
		{Name: "login", Check: verbose(request("POST", base+"/api/login", nil, loginBody)), Extract: []FlowExtract{extractOf(t, "token", ".access_token")}},
		{Name: "whoami", Needs: []string{"token"}, Check: verbose(whoami)},
	}
	r := Flow(context.Background(), FlowConfig{Steps: steps, Redactor: red, Timeout: 10 * time.Second, Log: logf, Verbose: 3})
	if r.State != nagios.Critical {
		t.Fatalf("%v: %s", r.State, r.Summary)
	}
	all := strings.Join(append(logged, red.String(r.Summary), red.String(strings.Join(detailTexts(r), "\n"))), "\n")
	if strings.Contains(all, emulate.LoginTokenPrefix) {
		t.Errorf("the token shows:\n%s", all)
	}
	if !strings.Contains(all, `\"token\":\"`+redact.Mask) && !strings.Contains(all, `"token":"`+redact.Mask) {
		t.Errorf("no masked token in what was shown, so the test proves little:\n%s", all)
	}
}

func TestFlowCookieSession(t *testing.T) {
	api, base := loginAPI(t)
	form := func(method, u, body string) func(map[string]FlowValue) (HTTPConfig, error) {
		return func(map[string]FlowValue) (HTTPConfig, error) {
			cfg := HTTPConfig{URL: u, Method: method, Expect: StatusSet{{200, 299}}}
			if body != "" {
				cfg.Body = []byte(body)
				cfg.Headers = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
			}
			return cfg, nil
		}
	}
	red := redact.New()
	steps := []FlowStep{
		{Name: "login", Check: form("POST", base+"/session/login", "user="+emulate.LoginUser+"&password="+emulate.LoginPassword)},
		{Name: "me", Check: form("GET", base+"/session/me", "")},
		{Name: "logout", Always: true, Check: form("POST", base+"/session/logout", "")},
		{Name: "me-after", Check: form("GET", base+"/session/me", "")},
	}
	r := Flow(context.Background(), FlowConfig{Steps: steps, Redactor: red, Timeout: 10 * time.Second})
	got := detailTexts(r)
	if r.State != nagios.Critical || !strings.HasPrefix(got[1], "step:me [OK]") || !strings.HasPrefix(got[3], "step:me-after [CRITICAL] step me-after: status 401 Unauthorized: credentials refused") {
		t.Fatalf("%v: %s\n%s", r.State, r.Summary, strings.Join(got, "\n"))
	}
	if s := api.Stats(); s.Sessions != 0 || s.Logouts != 1 {
		t.Errorf("the emulator says %+v", s)
	}
	if !strings.Contains(red.String("sid="+emulate.LoginSessionPrefix), emulate.LoginSessionPrefix) {
		t.Error("the redactor masks the prefix alone")
	}
}

// A failed middle step stops the steps after it, which are listed as
// skipped, and the cleanup still runs.
func TestFlowFailedStepStillCleansUp(t *testing.T) {
	api, base := loginAPI(t)
	steps := append(tokenFlow(t, base, base+"/api/orders?fail=1"),
		FlowStep{Name: "report", Needs: []string{"token"}, Check: request("GET", base+"/api/orders", bearer, "")})
	// the cleanup goes last
	steps[2], steps[3] = steps[3], steps[2]
	r := Flow(context.Background(), FlowConfig{Steps: steps, Timeout: 10 * time.Second})
	got := detailTexts(r)
	want := []string{
		"step:login [OK] step login: 200 OK",
		"step:orders [CRITICAL] step orders: status 500 Internal Server Error",
		"step:report [UNKNOWN] step report: skipped, after step orders failed",
		"step:logout [OK] step logout: 204 No Content",
	}
	for i, w := range want {
		if i >= len(got) || !strings.HasPrefix(got[i], w) {
			t.Fatalf("details:\n%s\nwant, in order:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if r.State != nagios.Critical || !strings.HasPrefix(r.Summary, "step orders: status 500 Internal Server Error") || !strings.HasSuffix(r.Summary, "; skipped: report") {
		t.Errorf("%v: %s", r.State, r.Summary)
	}
	if s := api.Stats(); s.Tokens != 0 {
		t.Errorf("the token was not released: %+v", s)
	}
	if l := labels(r); slices.Contains(l, "report_time") {
		t.Errorf("a skipped step has perfdata: %q", l)
	}
}

// What an extract must yield: one string or number, written as the JSON
// wrote it; anything else fails the step with UNKNOWN, and stops the flow.
func TestFlowExtractValues(t *testing.T) {
	srv := plainServer(t, serveBody([]byte(`{"s":"abc","n":12.50,"big":123456789012345678901234567890,"e":1e3,"neg":-0.0,
		"null":null,"t":true,"o":{"a":1},"a":[1,2],"empty":"","many":[1,2]}`)))
	for _, tt := range []struct {
		expr, text, fail string
	}{
		{".s", "abc", ""},
		{".n", "12.50", ""},
		{".big", "123456789012345678901234567890", ""},
		{".e", "1e3", ""},
		{".neg", "-0.0", ""},
		{".n * 2", "25", ""},
		{".a | length", "2", ""},
		{".missing", "", "extract v: jq .missing is null: the element is absent"},
		{".null", "", "extract v: jq .null is null: the element is absent"},
		{".t", "", "extract v: jq .t is true, not a string or number"},
		{".o", "", "extract v: jq .o is an object, not a string or number"},
		{".a", "", "extract v: jq .a is an array, not a string or number"},
		{".empty", "", "extract v: jq .empty is an empty string, not a string or number"},
		{".many[]", "", "extract v: jq .many[] yielded several values, want one"},
		{"empty", "", "extract v: jq empty yielded nothing"},
		{".s | error", "", "extract v: jq '.s ¦ error' failed: error: abc"},
	} {
		t.Run(tt.expr, func(t *testing.T) {
			var seen FlowValue
			steps := []FlowStep{
				{Name: "read", Check: request("GET", srv.URL, nil, ""), Extract: []FlowExtract{extractOf(t, "v", tt.expr)}},
				{Name: "use", Needs: []string{"v"}, Check: func(v map[string]FlowValue) (HTTPConfig, error) {
					seen = v["v"]
					return request("GET", srv.URL, nil, "")(v)
				}},
			}
			r := Flow(context.Background(), FlowConfig{Steps: steps, Show: []string{"v"}, Timeout: 10 * time.Second})
			got := detailTexts(r)
			if tt.fail == "" {
				if r.State != nagios.OK || seen.Text != tt.text {
					t.Errorf("%v, carried %q, want %q\n%s", r.State, seen.Text, tt.text, strings.Join(got, "\n"))
				}
				if want := `; extracted v="` + tt.text + `"`; !strings.HasSuffix(got[0], want) {
					t.Errorf("read says %q, want it to end %q", got[0], want)
				}
				return
			}
			if r.State != nagios.Unknown || !strings.Contains(got[0], tt.fail) || !strings.HasPrefix(got[1], "step:use [UNKNOWN] step use: skipped, after step read failed") {
				t.Errorf("%v:\n%s\nwant %q, then use skipped", r.State, strings.Join(got, "\n"), tt.fail)
			}
		})
	}
}

// An answer that is not JSON, or is cut by --max-body, gives no values.
func TestFlowExtractFromABadBody(t *testing.T) {
	srv := plainServer(t, serveBody([]byte(`<html>not json</html>`)))
	big := plainServer(t, serveBody([]byte(`{"s":"`+strings.Repeat("x", 100)+`"}`)))
	for _, tt := range []struct {
		name, url string
		maxBody   int64
		want      string
	}{
		{"html", srv.URL, 0, "extract v: body is not JSON: invalid character '<' looking for beginning of value at byte 1"},
		{"cut", big.URL, 50, "extract v: body cut at 50 B by --max-body, not read as JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			check := func(v map[string]FlowValue) (HTTPConfig, error) {
				cfg, _ := request("GET", tt.url, nil, "")(v)
				cfg.Client.MaxBody = tt.maxBody
				return cfg, nil
			}
			r := Flow(context.Background(), FlowConfig{Steps: []FlowStep{{Name: "read", Check: check, Extract: []FlowExtract{extractOf(t, "v", ".s")}}}, Timeout: 10 * time.Second})
			if r.State == nagios.OK || !strings.Contains(r.Summary, tt.want) {
				t.Errorf("%v: %s\nwant %q", r.State, r.Summary, tt.want)
			}
		})
	}
}

// A cleanup step that needs a value no step extracted is skipped, and
// says which; a step whose check cannot be built fails with UNKNOWN.
func TestFlowAlwaysStepWithoutItsValue(t *testing.T) {
	api, base := loginAPI(t)
	wrong := strings.Replace(loginBody, emulate.LoginPassword, "wrong", 1)
	steps := tokenFlow(t, base, base+"/api/orders")
	steps[0].Check = request("POST", base+"/api/login", nil, wrong)
	r := Flow(context.Background(), FlowConfig{Steps: steps, Timeout: 10 * time.Second})
	got := detailTexts(r)
	want := []string{
		// a wrong password is refused credentials, as in every kind (probe/auth.go)
		"step:login [CRITICAL] step login: status 401 Unauthorized: credentials refused; extract token: jq .access_token is null: the element is absent",
		"step:orders [UNKNOWN] step orders: skipped, after step login failed",
		"step:logout [UNKNOWN] step logout: skipped, it needs the value token, which no step extracted",
	}
	for i, w := range want {
		if i >= len(got) || !strings.HasPrefix(got[i], w) {
			t.Fatalf("details:\n%s\nwant, in order:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if r.State != nagios.Critical || api.Stats().Logouts != 0 {
		t.Errorf("%v, %+v", r.State, api.Stats())
	}

	steps = tokenFlow(t, base, base+"/api/orders")
	steps[1].Check = func(map[string]FlowValue) (HTTPConfig, error) {
		return HTTPConfig{}, errors.New("the value of token cannot be sent in a header")
	}
	r = Flow(context.Background(), FlowConfig{Steps: steps, Timeout: 10 * time.Second})
	if got := detailTexts(r); r.State != nagios.Unknown || got[1] != "step:orders [UNKNOWN] step orders: the value of token cannot be sent in a header" ||
		!strings.HasPrefix(got[2], "step:logout [OK]") {
		t.Errorf("%v:\n%s", r.State, strings.Join(got, "\n"))
	}
}

// hangingServer answers /hang only when the client goes away, and counts
// every request by path.
type hangingServer struct {
	mu     sync.Mutex
	paths  []string
	hung   chan struct{}
	server *httptest.Server
}

func newHangingServer(t *testing.T) *hangingServer {
	h := &hangingServer{hung: make(chan struct{}, 8)}
	h.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.paths = append(h.paths, r.URL.Path)
		h.mu.Unlock()
		if r.URL.Path == "/hang" {
			h.hung <- struct{}{}
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"token":"tok-hang-123"}`)
	}))
	t.Cleanup(h.server.Close)
	return h
}

func (h *hangingServer) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.paths)
}

// One deadline bounds the whole flow: a step that outlives it takes the
// timeout state, the steps after it are skipped with that state, and the
// cleanup still runs, after the deadline, within its own time.
func TestFlowDeadline(t *testing.T) {
	for _, st := range []nagios.State{nagios.Critical, nagios.Warning} {
		t.Run(st.String(), func(t *testing.T) {
			h := newHangingServer(t)
			get := func(path string) func(map[string]FlowValue) (HTTPConfig, error) {
				return request("GET", h.server.URL+path, nil, "")
			}
			steps := []FlowStep{
				{Name: "login", Check: get("/login"), Extract: []FlowExtract{extractOf(t, "token", ".token")}},
				{Name: "slow", Needs: []string{"token"}, Check: get("/hang")},
				{Name: "next", Check: get("/next")},
				{Name: "logout", Always: true, Needs: []string{"token"}, Check: get("/logout")},
			}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			r := Flow(ctx, FlowConfig{Steps: steps, Timeout: 200 * time.Millisecond, TimeoutState: st})
			got := detailTexts(r)
			want := []string{
				"step:login [OK]",
				"step:slow [" + st.String() + "] step slow: timeout: ",
				"step:next [" + st.String() + "] step next: skipped, the flow's deadline (200ms) had passed",
				"step:logout [OK] step logout: 200 OK",
			}
			for i, w := range want {
				if i >= len(got) || !strings.HasPrefix(got[i], w) {
					t.Fatalf("details:\n%s\nwant, in order:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			}
			if !strings.Contains(got[1], "within 200ms") || r.State != st {
				t.Errorf("%v: %s", r.State, got[1])
			}
			if paths := h.got(); !slices.Equal(paths, []string{"/login", "/hang", "/logout"}) {
				t.Errorf("requests %q", paths)
			}
		})
	}
}

// A step's own timeout bounds it within the flow's deadline; its state is
// the timeout state, and a WARNING does not stop the flow.
func TestFlowStepTimeout(t *testing.T) {
	h := newHangingServer(t)
	steps := []FlowStep{
		{Name: "slow", Timeout: 50 * time.Millisecond, Check: request("GET", h.server.URL+"/hang", nil, "")},
		{Name: "next", Check: request("GET", h.server.URL+"/next", nil, "")},
	}
	r := Flow(context.Background(), FlowConfig{Steps: steps, Timeout: time.Minute, TimeoutState: nagios.Warning})
	got := detailTexts(r)
	if r.State != nagios.Warning || !strings.HasPrefix(got[0], "step:slow [WARNING] step slow: timeout: ") || !strings.Contains(got[0], "within 50ms") ||
		!strings.HasPrefix(got[1], "step:next [OK]") {
		t.Errorf("%v:\n%s", r.State, strings.Join(got, "\n"))
	}
}

// A signal (the context cancelled with a cause) ends the step it cuts
// short with UNKNOWN; the cleanup still runs, and the flow is UNKNOWN.
func TestFlowInterrupted(t *testing.T) {
	h := newHangingServer(t)
	get := func(path string) func(map[string]FlowValue) (HTTPConfig, error) {
		return request("GET", h.server.URL+path, nil, "")
	}
	steps := []FlowStep{
		{Name: "login", Check: get("/login"), Extract: []FlowExtract{extractOf(t, "token", ".token")}},
		{Name: "slow", Check: get("/hang")},
		{Name: "next", Check: get("/next")},
		{Name: "logout", Always: true, Needs: []string{"token"}, Check: get("/logout")},
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		<-h.hung
		cancel(errors.New("terminated signal received"))
	}()
	r := Flow(ctx, FlowConfig{Steps: steps, Timeout: time.Minute, TimeoutState: nagios.Critical})
	got := detailTexts(r)
	want := []string{
		"step:login [OK]",
		"step:slow [UNKNOWN] step slow: interrupted (terminated signal received): ",
		"step:next [UNKNOWN] step next: skipped, after step slow failed",
		"step:logout [OK] step logout: 200 OK",
	}
	for i, w := range want {
		if i >= len(got) || !strings.HasPrefix(got[i], w) {
			t.Fatalf("details:\n%s\nwant, in order:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if r.State != nagios.Unknown || !strings.HasPrefix(r.Summary, "step slow: interrupted (terminated signal received)") {
		t.Errorf("%v: %s", r.State, r.Summary)
	}
}

// A cleanup that a signal reaches gets its own time, and then ends.
func TestFlowAlwaysStepInterrupted(t *testing.T) {
	h := newHangingServer(t)
	steps := []FlowStep{{Name: "cleanup", Always: true, Timeout: 100 * time.Millisecond, Check: request("GET", h.server.URL+"/hang", nil, "")}}
	sig, cancel := context.WithCancelCause(context.Background())
	ctx, stop := context.WithTimeout(sig, time.Minute)
	defer stop()
	go func() {
		<-h.hung
		cancel(errors.New("terminated signal received"))
	}()
	start := time.Now()
	r := Flow(ctx, FlowConfig{Steps: steps, Timeout: time.Minute})
	if got := detailTexts(r); r.State != nagios.Unknown || !strings.HasPrefix(got[0], "step:cleanup [UNKNOWN] step cleanup: interrupted (terminated signal received): ") {
		t.Errorf("%v after %v:\n%s", r.State, time.Since(start), strings.Join(got, "\n"))
	}
}
