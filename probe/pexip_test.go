package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

// startPexip starts a Pexip emulator for one test.
func startPexip(t *testing.T) (*emulate.Pexip, string) {
	t.Helper()
	p := emulate.NewPexip()
	srv, err := emulate.Serve(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func pexipConfig(base, alias string) PexipConfig {
	return PexipConfig{
		Client:  ClientConfig{Timeout: 5 * time.Second, TimeoutState: nagios.Critical},
		BaseURL: base, Alias: alias, DisplayName: "healthprobe", CallTag: "healthprobe",
		Release: true, CheckStatus: true, MaintenanceState: nagios.Warning,
	}
}

func runPexip(t *testing.T, cfg PexipConfig) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return Pexip(ctx, cfg)
}

// details renders a result's sub-checks as "STATE name: text" lines.
func details(r Result) []string {
	out := make([]string, len(r.Details))
	for i, d := range r.Details {
		out[i] = fmt.Sprintf("%s %s: %s", d.State, d.Name, d.Text)
	}
	return out
}

// wantRequest is a request the probe must have sent, in order.
type wantRequest struct {
	method, path string
	pin          *string // nil: no pin header
	release      bool    // a release_token carrying the token issued just before
	body         string  // JSON body, compared semantically; "" for none
}

const (
	statusPath  = "/api/client/v2/status"
	tokenBody   = `{"display_name":"healthprobe","call_tag":"healthprobe"}`
	acceptedFmt = `^alias %s: call accepted as %s, Infinity 36 \(pseudo 79050\.0\.0\), %s, \d+\.\d{3} s$`
)

func confPath(alias, op string) string { return "/api/client/v2/conferences/" + alias + "/" + op }

func strPtr(s string) *string { return &s }

func TestPexipAgainstEmulator(t *testing.T) {
	statusOK := "OK status: node in service (status 200 OK)"
	version := "OK version: Infinity 36 (pseudo 79050.0.0)"
	released := "OK release: token released: the call left the Live View"
	status := wantRequest{method: "GET", path: statusPath}
	request := func(alias string, pin *string) wantRequest {
		return wantRequest{method: "POST", path: confPath(alias, "request_token"), pin: pin, body: tokenBody}
	}
	release := func(alias string) wantRequest {
		return wantRequest{method: "POST", path: confPath(alias, "release_token"), release: true}
	}
	tests := []struct {
		name        string
		alias       string
		setup       func(p *emulate.Pexip, cfg *PexipConfig)
		state       nagios.State
		summary     string // regexp
		details     []string
		requests    []wantRequest
		outstanding int
	}{
		{
			name: "test call accepted and released", alias: emulate.PexipTestCall, state: nagios.OK,
			summary:  fmt.Sprintf(acceptedFmt, `edge\.kuma`, "HOST", "token released"),
			details:  []string{statusOK, `OK call: alias edge.kuma: call accepted as HOST by service test_call "Edge test call"`, version, released},
			requests: []wantRequest{status, request("edge.kuma", nil), release("edge.kuma")},
		},
		{
			name: "host PIN", alias: emulate.PexipPINRoom, state: nagios.OK,
			setup:    func(_ *emulate.Pexip, c *PexipConfig) { c.PIN = emulate.PexipHostPIN },
			summary:  fmt.Sprintf(acceptedFmt, `meet\.pin`, "HOST", "token released"),
			details:  []string{statusOK, `OK call: alias meet.pin: call accepted as HOST by service conference "Team room"`, version, released},
			requests: []wantRequest{status, request("meet.pin", strPtr(emulate.PexipHostPIN)), release("meet.pin")},
		},
		{
			name: "guest PIN", alias: emulate.PexipPINRoom, state: nagios.OK,
			setup:    func(_ *emulate.Pexip, c *PexipConfig) { c.PIN = emulate.PexipGuestPIN },
			summary:  fmt.Sprintf(acceptedFmt, `meet\.pin`, "GUEST", "token released"),
			details:  []string{statusOK, `OK call: alias meet.pin: call accepted as GUEST by service conference "Team room"`, version, released},
			requests: []wantRequest{status, request("meet.pin", strPtr(emulate.PexipGuestPIN)), release("meet.pin")},
		},
		{
			// the credentials rule: a PIN the check lacks is UNKNOWN, one
			// the node refuses CRITICAL (both were WARNING)
			name: "PIN required, none given", alias: emulate.PexipPINRoom, state: nagios.Unknown,
			summary:  `^alias meet\.pin needs a PIN and none was given \(use --pin-env or --pin-file\)$`,
			details:  []string{statusOK, "UNKNOWN call: alias meet.pin needs a PIN and none was given (use --pin-env or --pin-file)"},
			requests: []wantRequest{status, request("meet.pin", nil)},
		},
		{
			name: "invalid PIN", alias: emulate.PexipPINRoom, state: nagios.Critical,
			setup:    func(_ *emulate.Pexip, c *PexipConfig) { c.PIN = "0000000" },
			summary:  `^alias meet\.pin: PIN refused \(403: "Invalid PIN"\)$`,
			details:  []string{statusOK, `CRITICAL call: alias meet.pin: PIN refused (403: "Invalid PIN")`},
			requests: []wantRequest{status, request("meet.pin", strPtr("0000000"))},
		},
		{
			name: "host PIN required, guests free", alias: emulate.PexipHostPINRoom, state: nagios.Unknown,
			summary:  `^alias meet\.hostpin needs a host PIN and none was given; guests join without one \(--guest joins as a guest\)$`,
			details:  []string{statusOK, "UNKNOWN call: alias meet.hostpin needs a host PIN and none was given; guests join without one (--guest joins as a guest)"},
			requests: []wantRequest{status, request("meet.hostpin", nil)},
		},
		{
			name: "guest joins with the PIN none", alias: emulate.PexipHostPINRoom, state: nagios.OK,
			setup:    func(_ *emulate.Pexip, c *PexipConfig) { c.PIN = "none" },
			summary:  fmt.Sprintf(acceptedFmt, `meet\.hostpin`, "GUEST", "token released"),
			details:  []string{statusOK, `OK call: alias meet.hostpin: call accepted as GUEST by service conference "Team room"`, version, released},
			requests: []wantRequest{status, request("meet.hostpin", strPtr("none")), release("meet.hostpin")},
		},
		{
			name: "virtual reception", alias: emulate.PexipReception, state: nagios.Warning,
			summary:  `^alias reception is a Virtual Reception: it asks for the number of a conference to join; point --alias at a conference or test call service$`,
			details:  []string{statusOK, "WARNING call: alias reception is a Virtual Reception: it asks for the number of a conference to join; point --alias at a conference or test call service"},
			requests: []wantRequest{status, request("reception", nil)},
		},
		{
			name: "SSO required", alias: emulate.PexipSSORoom, state: nagios.Warning,
			summary:  `^alias meet\.sso needs single sign-on \(identity providers "Example Entra ID", "Example Okta"\): the probe cannot sign in; point --alias at a service without SSO$`,
			details:  []string{statusOK, `WARNING call: alias meet.sso needs single sign-on (identity providers "Example Entra ID", "Example Okta"): the probe cannot sign in; point --alias at a service without SSO`},
			requests: []wantRequest{status, request("meet.sso", nil)},
		},
		{
			name: "unknown alias", alias: "nobody.here", state: nagios.Critical,
			summary:  `^no service matches alias nobody\.here on this node \(404: "Neither conference nor gateway found"\)$`,
			details:  []string{statusOK, `CRITICAL call: no service matches alias nobody.here on this node (404: "Neither conference nor gateway found")`},
			requests: []wantRequest{status, request("nobody.here", nil)},
		},
		{
			name: "alias path-escaped", alias: "meet room/1", state: nagios.Critical,
			summary:  `^no service matches alias meet room/1 on this node \(404: `,
			details:  []string{statusOK, `CRITICAL call: no service matches alias meet room/1 on this node (404: "Neither conference nor gateway found")`},
			requests: []wantRequest{status, request("meet%20room%2F1", nil)},
		},
		{
			name: "maintenance mode: no call", alias: emulate.PexipTestCall, state: nagios.Warning,
			setup:    func(p *emulate.Pexip, _ *PexipConfig) { p.SetMaintenance(true) },
			summary:  `^node in maintenance mode \(status 503 Service Unavailable\): no call attempted$`,
			details:  []string{"WARNING status: node in maintenance mode (status 503 Service Unavailable): no call attempted"},
			requests: []wantRequest{status},
		},
		{
			name: "maintenance mode as CRITICAL", alias: emulate.PexipTestCall, state: nagios.Critical,
			setup: func(p *emulate.Pexip, c *PexipConfig) {
				p.SetMaintenance(true)
				c.MaintenanceState = nagios.Critical
			},
			summary:  `^node in maintenance mode `,
			details:  []string{"CRITICAL status: node in maintenance mode (status 503 Service Unavailable): no call attempted"},
			requests: []wantRequest{status},
		},
		{
			name: "maintenance mode without the status check", alias: emulate.PexipTestCall, state: nagios.Critical,
			setup: func(p *emulate.Pexip, c *PexipConfig) {
				p.SetMaintenance(true)
				c.CheckStatus = false
			},
			summary:  `^node refuses new calls \(503 Service Unavailable\): overloaded or in maintenance mode: "Maintenance mode"$`,
			details:  []string{`CRITICAL call: node refuses new calls (503 Service Unavailable): overloaded or in maintenance mode: "Maintenance mode"`},
			requests: []wantRequest{request("edge.kuma", nil)},
		},
		{
			name: "overloaded node", alias: emulate.PexipTestCall, state: nagios.Critical,
			setup:    func(p *emulate.Pexip, _ *PexipConfig) { p.FailRequestToken(http.StatusServiceUnavailable) },
			summary:  `^node refuses new calls \(503 Service Unavailable\): overloaded or in maintenance mode: "Service Unavailable"$`,
			details:  []string{statusOK, `CRITICAL call: node refuses new calls (503 Service Unavailable): overloaded or in maintenance mode: "Service Unavailable"`},
			requests: []wantRequest{status, request("edge.kuma", nil)},
		},
		{
			name: "bad gateway", alias: emulate.PexipTestCall, state: nagios.Critical,
			setup:    func(p *emulate.Pexip, _ *PexipConfig) { p.FailRequestToken(http.StatusBadGateway) },
			summary:  `^node unavailable: 502 Bad Gateway from a proxy or load balancer in front of it$`,
			details:  []string{statusOK, "CRITICAL call: node unavailable: 502 Bad Gateway from a proxy or load balancer in front of it"},
			requests: []wantRequest{status, request("edge.kuma", nil)},
		},
		{
			name: "internal error", alias: emulate.PexipTestCall, state: nagios.Critical,
			setup:    func(p *emulate.Pexip, _ *PexipConfig) { p.FailRequestToken(http.StatusInternalServerError) },
			summary:  `^node failed to take the call \(500 Internal Server Error\): "Internal Server Error"$`,
			details:  []string{statusOK, `CRITICAL call: node failed to take the call (500 Internal Server Error): "Internal Server Error"`},
			requests: []wantRequest{status, request("edge.kuma", nil)},
		},
		{
			name: "release fails", alias: emulate.PexipTestCall, state: nagios.Warning, outstanding: 1,
			setup:   func(p *emulate.Pexip, _ *PexipConfig) { p.FailRelease(http.StatusInternalServerError) },
			summary: `^token not released \(500 Internal Server Error: "Internal Server Error"\): the call stays in the Live View for up to 120 s; alias edge\.kuma: call accepted as HOST$`,
			details: []string{statusOK, `OK call: alias edge.kuma: call accepted as HOST by service test_call "Edge test call"`, version,
				`WARNING release: token not released (500 Internal Server Error: "Internal Server Error"): the call stays in the Live View for up to 120 s`},
			requests: []wantRequest{status, request("edge.kuma", nil), release("edge.kuma")},
		},
		{
			name: "no release", alias: emulate.PexipTestCall, state: nagios.OK, outstanding: 1,
			setup:   func(_ *emulate.Pexip, c *PexipConfig) { c.Release = false },
			summary: fmt.Sprintf(acceptedFmt, `edge\.kuma`, "HOST", "token left to expire in 120 s"),
			details: []string{statusOK, `OK call: alias edge.kuma: call accepted as HOST by service test_call "Edge test call"`, version,
				"OK release: token not released (--no-release): the call stays in the Live View until the token expires in 120 s; probe less often than that"},
			requests: []wantRequest{status, request("edge.kuma", nil)},
		},
		{
			name: "slow call: released all the same", alias: emulate.PexipTestCall, state: nagios.Warning,
			setup: func(_ *emulate.Pexip, c *PexipConfig) {
				inside, _ := nagios.ParseRange("@0:1000") // any time is "slow"
				c.Time.Warn = &inside
			},
			// @0:1000 alerts inside: the text said "outside" before
			summary:  `^request_token took \d+\.\d{3} s, inside the warning range @0:1000; alias edge\.kuma: call accepted as HOST$`,
			requests: []wantRequest{status, request("edge.kuma", nil), release("edge.kuma")},
		},
		{
			name: "display name and call tag sent as given", alias: emulate.PexipTestCall, state: nagios.OK,
			setup: func(_ *emulate.Pexip, c *PexipConfig) {
				c.DisplayName, c.CallTag, c.CheckStatus = `Probe "edge" ü`, "nagios-edge", false
			},
			summary: fmt.Sprintf(acceptedFmt, `edge\.kuma`, "HOST", "token released"),
			requests: []wantRequest{
				{method: "POST", path: confPath("edge.kuma", "request_token"), body: `{"display_name":"Probe \"edge\" ü","call_tag":"nagios-edge"}`},
				release("edge.kuma"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, base := startPexip(t)
			cfg := pexipConfig(base, tt.alias)
			if tt.setup != nil {
				tt.setup(p, &cfg)
			}
			r := runPexip(t, cfg)
			if r.Duration <= 0 {
				t.Errorf("duration %s", r.Duration)
			}
			if r.State != tt.state {
				t.Errorf("state %s, want %s (%s)", r.State, tt.state, r.Summary)
			}
			if !regexp.MustCompile(tt.summary).MatchString(r.Summary) {
				t.Errorf("summary %q does not match %q", r.Summary, tt.summary)
			}
			if tt.details != nil && !slices.Equal(details(r), tt.details) {
				t.Errorf("details:\n%s\nwant:\n%s", strings.Join(details(r), "\n"), strings.Join(tt.details, "\n"))
			}
			checkRequests(t, p, tt.requests)
			if got := len(p.Outstanding()); got != tt.outstanding {
				t.Errorf("%d tokens outstanding, want %d", got, tt.outstanding)
			}
			for _, d := range r.Details {
				for _, tok := range p.Issued() {
					if strings.Contains(d.Text, tok.Token) || strings.Contains(r.Summary, tok.Token) {
						t.Errorf("token in the output: %q", d.Text)
					}
				}
			}
		})
	}
}

// checkRequests asserts the exact requests the emulator saw: method, path,
// pin and token headers, and JSON body.
func checkRequests(t *testing.T, p *emulate.Pexip, want []wantRequest) {
	t.Helper()
	got := p.Requests()
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d: %+v", len(got), len(want), got)
	}
	issued := p.Issued()
	for i, w := range want {
		g := got[i]
		if g.Method != w.method || g.Path != w.path {
			t.Errorf("request %d: %s %s, want %s %s", i, g.Method, g.Path, w.method, w.path)
		}
		switch {
		case w.pin == nil && g.HasPIN:
			t.Errorf("request %d: pin header sent, want none", i)
		case w.pin != nil && (!g.HasPIN || g.PIN != *w.pin):
			t.Errorf("request %d: pin header %q (sent %v), want %q", i, g.PIN, g.HasPIN, *w.pin)
		}
		switch {
		case w.release:
			if len(issued) == 0 || !g.HasToken || g.Token != issued[len(issued)-1].Token {
				t.Errorf("request %d: release without the issued token (sent %v)", i, g.HasToken)
			}
		case g.HasToken:
			t.Errorf("request %d: token header sent, want none", i)
		}
		if w.body == "" {
			if len(g.Body) != 0 {
				t.Errorf("request %d: body %q, want none", i, g.Body)
			}
			continue
		}
		if g.ContentType != "application/json" {
			t.Errorf("request %d: Content-Type %q", i, g.ContentType)
		}
		var gotBody, wantBody any
		if err := json.Unmarshal(g.Body, &gotBody); err != nil {
			t.Errorf("request %d: body %q is not JSON: %v", i, g.Body, err)
		}
		_ = json.Unmarshal([]byte(w.body), &wantBody)
		if fmt.Sprint(gotBody) != fmt.Sprint(wantBody) {
			t.Errorf("request %d: body %s, want %s", i, g.Body, w.body)
		}
	}
}

// TestPexipRelease checks that every token issued was released, in a run of
// several checks against one node.
func TestPexipEveryTokenReleased(t *testing.T) {
	p, base := startPexip(t)
	for _, alias := range []string{emulate.PexipTestCall, emulate.PexipPINRoom, emulate.PexipTestCall} {
		cfg := pexipConfig(base, alias)
		cfg.PIN = emulate.PexipHostPIN
		if r := runPexip(t, cfg); r.State != nagios.OK {
			t.Fatalf("%s: %s %s", alias, r.State, r.Summary)
		}
	}
	issued, released := p.Issued(), p.Released()
	if len(issued) != 3 || len(released) != 3 {
		t.Fatalf("issued %d, released %d, want 3 and 3", len(issued), len(released))
	}
	for i := range issued {
		if issued[i].Token != released[i] {
			t.Errorf("token %d released out of order or not at all", i)
		}
		if issued[i].DisplayName != "healthprobe" || issued[i].CallTag != "healthprobe" {
			t.Errorf("token %d issued to %q/%q", i, issued[i].DisplayName, issued[i].CallTag)
		}
	}
	if out := p.Outstanding(); len(out) != 0 {
		t.Errorf("outstanding: %d", len(out))
	}
}
