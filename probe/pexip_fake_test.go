package probe

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

// fakeNode answers request_token with a fixed answer and records releases.
type fakeNode struct {
	status      int    // of request_token
	contentType string // of request_token
	body        string // of request_token
	header      http.Header

	releaseStatus int
	releaseBody   string

	mu       sync.Mutex
	released []string
}

func (f *fakeNode) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/status"):
		fmt.Fprint(w, `{"status":"success","result":"OK"}`)
	case strings.HasSuffix(r.URL.Path, "/release_token"):
		f.mu.Lock()
		f.released = append(f.released, r.Header.Get("Token"))
		f.mu.Unlock()
		if f.releaseStatus != 0 {
			w.WriteHeader(f.releaseStatus)
		}
		if f.releaseBody == "" {
			f.releaseBody = `{"status":"success","result":true}`
		}
		fmt.Fprint(w, f.releaseBody)
	default:
		for k, v := range f.header {
			w.Header()[k] = v
		}
		if f.contentType == "" {
			f.contentType = "application/json"
		}
		w.Header().Set("Content-Type", f.contentType)
		w.WriteHeader(f.status)
		fmt.Fprint(w, f.body)
	}
}

func (f *fakeNode) releases() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.released...)
}

const fakeToken = "FAKE-TOKEN-sensitive-1234567890"

func TestPexipAnswers(t *testing.T) {
	grant := func(status, extra string) string {
		return `{"status":"` + status + `","result":{"token":"` + fakeToken + `","expires":"90","role":"GUEST"` + extra + `}}`
	}
	tests := []struct {
		name    string
		node    *fakeNode
		cfg     func(*PexipConfig)
		state   nagios.State
		summary string // regexp
		release string // the token released, "" for none
	}{
		{"401 without credentials", &fakeNode{status: 401, body: "Unauthorized"}, nil, nagios.Unknown,
			`^HTTP authentication required \(401 Unauthorized\): the node or a proxy in front of it asks for a login \(give -u and --password-env\)$`, ""},
		{"401 with credentials", &fakeNode{status: 401, body: "no", header: http.Header{"Www-Authenticate": {`Basic realm="x"`}}},
			func(c *PexipConfig) { c.Client.User, c.Client.Password, c.Client.Auth = "probe", "wrong-pass", "basic" },
			nagios.Critical, `^authentication failed \(401 Unauthorized\)$`, ""},
		{"404 HTML: not a node", &fakeNode{status: 404, contentType: "text/html", body: "<html><body>Not Found</body></html>"}, nil, nagios.Critical,
			`^not a Pexip Infinity node: 404 Not Found to the client API, an HTML page$`, ""},
		{"404 plain text: not a node", &fakeNode{status: 404, contentType: "text/plain", body: "404 page not found"}, nil, nagios.Critical,
			`^not a Pexip Infinity node: 404 Not Found to the client API, answer "404 page not found"$`, ""},
		{"404 bare JSON string: unknown alias", &fakeNode{status: 404, body: `"Neither conference nor gateway found"`}, nil, nagios.Critical,
			`^no service matches alias edge\.kuma on this node \(404: "Neither conference nor gateway found"\)$`, ""},
		{"200 HTML", &fakeNode{status: 200, contentType: "text/html", body: "<html>welcome</html>"}, nil, nagios.Critical,
			`^request_token answered 200 OK with an HTML page, not Pexip JSON: not a Pexip Infinity node\?$`, ""},
		{"200 empty", &fakeNode{status: 200}, nil, nagios.Critical,
			`^request_token answered 200 OK with an empty body, not Pexip JSON$`, ""},
		{"200 broken JSON", &fakeNode{status: 200, body: `{"status":"success","result":{"token":"` + fakeToken}, nil, nagios.Critical,
			`^request_token answered 200 OK but not with Pexip JSON \(the JSON ends early, at byte 70\)$`, ""},
		{"200 array", &fakeNode{status: 200, body: `[1,2]`}, nil, nagios.Critical,
			`^request_token answered 200 OK but not with Pexip JSON \(a JSON array where an object was expected\)$`, ""},
		{"200 truncated", &fakeNode{status: 200, body: grant("success", `,"padding":"`+strings.Repeat("x", 200)+`"`)},
			func(c *PexipConfig) { c.Client.MaxBody = 60 }, nagios.Critical,
			`^request_token answer cut at 60 B \(--max-body\): no token could be read, so the call stays in the Live View until it expires$`, ""},
		{"200 without token", &fakeNode{status: 200, body: `{"status":"success","result":{"role":"HOST"}}`}, nil, nagios.Critical,
			`^request_token answered 200 OK without a token$`, ""},
		{"200 with a message", &fakeNode{status: 200, body: `{"status":"failed","result":"Conference locked"}`}, nil, nagios.Critical,
			`^request_token answered 200 OK without a token: "Conference locked"$`, ""},
		{"200 status failed with a token: still released", &fakeNode{status: 200, body: grant("failed", "")}, nil, nagios.Critical,
			`^alias edge\.kuma: request_token answered status "failed", not "success"$`, fakeToken},
		{"200 with odd decoration", &fakeNode{status: 200, body: `{"status":"success","result":{"token":"` + fakeToken + `","role":7,"version":"36","expires":null}}`},
			nil, nagios.OK, `^alias edge\.kuma: call accepted as 7, Infinity version not reported, token released, \d+\.\d{3} s$`, fakeToken},
		{"upper-case keys", &fakeNode{status: 200, body: `{"Status":"success","RESULT":{"Token":"` + fakeToken + `","Role":"host"}}`},
			nil, nagios.OK, `^alias edge\.kuma: call accepted as HOST, `, fakeToken},
		{"token that cannot be a header", &fakeNode{status: 200, body: `{"status":"success","result":{"token":"bad\ntoken","role":"HOST"}}`},
			nil, nagios.Warning, `^token not released: the node issued a token that cannot be sent back in a header; the call stays in the Live View for up to 120 s; alias edge\.kuma: call accepted as HOST$`, ""},
		{"release: invalid token", &fakeNode{status: 200, body: grant("success", ""), releaseStatus: 403, releaseBody: `{"status":"success","result":"Invalid token"}`},
			nil, nagios.Warning, `^token not released \(403 Forbidden: "Invalid token"\): the call stays in the Live View for up to 90 s; alias edge\.kuma: call accepted as GUEST$`, fakeToken},
		{"release: result false", &fakeNode{status: 200, body: grant("success", ""), releaseBody: `{"status":"success","result":false}`},
			nil, nagios.Warning, `^token not released \(200 OK, but not \{"result": true\}\): the call stays in the Live View for up to 90 s; `, fakeToken},
		{"403 other refusal", &fakeNode{status: 403, body: `{"status":"success","result":"Conference locked"}`}, nil, nagios.Critical,
			`^alias edge\.kuma: call refused \(403: "Conference locked"\)$`, ""},
		{"403 other refusal with a PIN given", &fakeNode{status: 403, body: `{"status":"success","result":"Conference locked"}`},
			func(c *PexipConfig) { c.PIN = "1234567" }, nagios.Critical, `^alias edge\.kuma: call refused \(403: "Conference locked"\)$`, ""},
		{"403 unknown object", &fakeNode{status: 403, body: `{"status":"success","result":{"reason":"quota"}}`}, nil, nagios.Critical,
			`^alias edge\.kuma: call refused \(403 Forbidden\), answer '\{"status":"success","result":\{"reason":"quota"\}\}'$`, ""},
		{"403 HTML", &fakeNode{status: 403, contentType: "text/html", body: "<h1>Forbidden</h1>"}, nil, nagios.Critical,
			`^alias edge\.kuma: call refused \(403 Forbidden\), an HTML page$`, ""},
		{"403 SSO redirect", &fakeNode{status: 403, body: `{"status":"success","result":{"redirect_url":"https://idp.example.com/x","redirect_idp":{"name":"Corp IdP","uuid":"1"}}}`},
			nil, nagios.Warning, `^alias edge\.kuma needs single sign-on via "Corp IdP": the probe cannot sign in; point --alias at a service without SSO$`, ""},
		{"403 PIN required but one given", &fakeNode{status: 403, body: `{"status":"success","result":{"pin":"required","guest_pin":"required"}}`},
			func(c *PexipConfig) { c.PIN = "1234567" }, nagios.Critical, `^alias edge\.kuma: the PIN given was not accepted \(a PIN is required\)$`, ""},
		{"504", &fakeNode{status: 504, body: "gateway timeout"}, nil, nagios.Critical,
			`^node unavailable: 504 Gateway Timeout from a proxy or load balancer in front of it$`, ""},
		{"redirect", &fakeNode{status: 301, header: http.Header{"Location": {"https://conf.example.com/api/client/v2/conferences/edge.kuma/request_token"}}},
			nil, nagios.Critical, `^request_token was redirected \(301 Moved Permanently to https://conf\.example\.com/api/client/v2/conferences/edge\.kuma/request_token\): give the node's own address as NODE$`, ""},
		{"400", &fakeNode{status: 400, body: `{"status":"failed","result":"display_name missing"}`}, nil, nagios.Critical,
			`^unexpected answer to request_token: 400 Bad Request, answer '\{"status":"failed","result":"display_name missing"\}'$`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := tt.node
			srv := httptest.NewServer(node)
			defer srv.Close()
			cfg := pexipConfig(srv.URL, "edge.kuma")
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			r := runPexip(t, cfg)
			if r.State != tt.state || !regexp.MustCompile(tt.summary).MatchString(r.Summary) {
				t.Errorf("got %s %q\nwant %s %q", r.State, r.Summary, tt.state, tt.summary)
			}
			rel := node.releases()
			switch {
			case tt.release == "" && len(rel) != 0:
				t.Errorf("released %q, want no release", rel)
			case tt.release != "" && (len(rel) != 1 || rel[0] != tt.release):
				t.Errorf("released %q, want %q", rel, tt.release)
			}
			for _, d := range r.Details {
				if strings.Contains(d.Text, fakeToken) || strings.Contains(r.Summary, fakeToken) {
					t.Errorf("token in the output: %q", d.Text)
				}
			}
		})
	}
}

func TestPexipStatusEndpoint(t *testing.T) {
	t.Run("missing status endpoint: the call decides", func(t *testing.T) {
		p := emulate.NewPexip()
		mux := http.NewServeMux()
		mux.Handle("/api/client/v2/status", http.NotFoundHandler())
		mux.Handle("/", p)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		r := runPexip(t, pexipConfig(srv.URL, emulate.PexipTestCall))
		want := `^status endpoint answered 404 Not Found, not 200 or 503; alias edge\.kuma: call accepted as HOST$`
		if r.State != nagios.Warning || !regexp.MustCompile(want).MatchString(r.Summary) {
			t.Errorf("got %s %q", r.State, r.Summary)
		}
		if len(p.Outstanding()) != 0 || len(p.Released()) != 1 {
			t.Errorf("token not released")
		}
	})
	t.Run("connection refused: no call", func(t *testing.T) {
		r := runPexip(t, pexipConfig("http://127.0.0.1:1", emulate.PexipTestCall))
		if r.State != nagios.Critical || r.Summary != "connection refused by 127.0.0.1:1" {
			t.Errorf("got %s %q", r.State, r.Summary)
		}
		if len(r.Perfdata) != 0 {
			t.Errorf("perfdata without an answer: %v", r.Perfdata)
		}
	})
	t.Run("connection refused without the status check", func(t *testing.T) {
		cfg := pexipConfig("http://127.0.0.1:1", emulate.PexipTestCall)
		cfg.CheckStatus = false
		r := runPexip(t, cfg)
		if r.State != nagios.Critical || r.Summary != "connection refused by 127.0.0.1:1" {
			t.Errorf("got %s %q", r.State, r.Summary)
		}
	})
}

func TestPexipTimeout(t *testing.T) {
	p, base := startPexip(t)
	p.FailRequestToken(emulate.Hang)
	cfg := pexipConfig(base, emulate.PexipTestCall)
	cfg.Client.Timeout = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	r := Pexip(ctx, cfg)
	// request_token is the second request (after the status call, which
	// was answered): the reason is about it
	want := `^timeout: 127\.0\.0\.1:\d+ accepted the request but sent no answer within 200ms$`
	if r.State != nagios.Critical || !regexp.MustCompile(want).MatchString(r.Summary) {
		t.Errorf("got %s %q", r.State, r.Summary)
	}
	if len(p.Issued()) != 0 {
		t.Errorf("a token was issued")
	}
	if reqs := p.Requests(); len(reqs) != 2 || !strings.HasSuffix(reqs[0].Path, "/status") {
		t.Errorf("requests %+v, want the status call, then request_token", reqs)
	}
	cfg.Client.TimeoutState = nagios.Unknown
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if r := Pexip(ctx2, cfg); r.State != nagios.Unknown {
		t.Errorf("--timeout-state unknown: got %s", r.State)
	}
}

// A release that hangs gives up after the grace period once the run's own
// deadline is nearly spent, and says so.
func TestPexipReleaseHangs(t *testing.T) {
	p, base := startPexip(t)
	p.FailRelease(emulate.Hang)
	cfg := pexipConfig(base, emulate.PexipTestCall)
	cfg.ReleaseGrace = 600 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	r := Pexip(ctx, cfg)
	// the release's own budget (the grace), not the run's deadline, ended
	// it; where the release stood is TestTimeoutNamesThePhase's business (a
	// busy machine may not even connect within 600 ms)
	want := `^token not released \(.*127\.0\.0\.1:\d+.* within 600ms\): the call stays in the Live View for up to 120 s; alias edge\.kuma: call accepted as HOST$`
	if r.State != nagios.Warning || !regexp.MustCompile(want).MatchString(r.Summary) {
		t.Errorf("got %s %q", r.State, r.Summary)
	}
}

func TestReleaseContext(t *testing.T) {
	grace := 2 * time.Second
	t.Run("enough time left: the run's deadline, and grace more", func(t *testing.T) {
		parent, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ctx, stop, budget := releaseContext(parent, grace)
		defer stop()
		pd, _ := parent.Deadline()
		if d, _ := ctx.Deadline(); !d.Equal(pd.Add(grace)) || budget < 11*time.Second {
			t.Errorf("deadline %v (budget %s), want the parent's %v and %s", d, budget, pd, grace)
		}
		stop()
		if ctx.Err() == nil {
			t.Errorf("not cancelled by its own stop")
		}
	})
	// A release on the wire when a signal comes has grace more, and is then
	// ended with the signal as its cause.
	t.Run("interrupted while on the wire: grace more", func(t *testing.T) {
		signal := errors.New("terminated signal received")
		parent, cancel := context.WithCancelCause(context.Background())
		ctx, stop, _ := releaseContext(parent, 50*time.Millisecond)
		defer stop()
		cancel(signal)
		if ctx.Err() != nil {
			t.Errorf("ended with the run, not grace later: %v", ctx.Err())
		}
		<-ctx.Done()
		if context.Cause(ctx) != signal { //nolint:errorlint // identity wanted
			t.Errorf("cause %v", context.Cause(ctx))
		}
	})
	t.Run("stopped before the run ends: nothing left running", func(t *testing.T) {
		parent, cancel := context.WithCancel(context.Background())
		ctx, stop, _ := releaseContext(parent, time.Hour)
		stop()
		cancel()
		if !errors.Is(ctx.Err(), context.Canceled) {
			t.Errorf("err %v", ctx.Err())
		}
	})
	t.Run("nearly spent: detached grace", func(t *testing.T) {
		parent, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		ctx, stop, budget := releaseContext(parent, grace)
		defer stop()
		d, ok := ctx.Deadline()
		if !ok || time.Until(d) < time.Second || budget != grace {
			t.Errorf("deadline in %s (budget %s), want about %s", time.Until(d), budget, grace)
		}
		cancel()
		if ctx.Err() != nil {
			t.Errorf("cancelled with the run: %v", ctx.Err())
		}
	})
	t.Run("interrupted: detached grace", func(t *testing.T) {
		parent, cancel := context.WithCancel(context.Background())
		cancel()
		ctx, stop, _ := releaseContext(parent, grace)
		defer stop()
		if ctx.Err() != nil {
			t.Errorf("released under a cancelled context")
		}
	})
	t.Run("expired: detached grace", func(t *testing.T) {
		parent, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		ctx, stop, _ := releaseContext(parent, grace)
		defer stop()
		if !errors.Is(parent.Err(), context.DeadlineExceeded) || ctx.Err() != nil {
			t.Errorf("parent %v, release %v", parent.Err(), ctx.Err())
		}
	})
}

func TestPexipTLS(t *testing.T) {
	p := emulate.NewPexip()
	srv := httptest.NewUnstartedServer(p)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.EnableHTTP2 = true                           // as a node behind a modern proxy; the scripts cover HTTP/1.1
	srv.StartTLS()
	defer srv.Close()
	t.Run("unknown CA", func(t *testing.T) {
		r := runPexip(t, pexipConfig(srv.URL, emulate.PexipTestCall))
		want := `^TLS certificate of 127\.0\.0\.1:\d+ is signed by an unknown authority \(use --ca-file, or --insecure\)$`
		if r.State != nagios.Critical || !regexp.MustCompile(want).MatchString(r.Summary) {
			t.Errorf("got %s %q", r.State, r.Summary)
		}
	})
	t.Run("CA file", func(t *testing.T) {
		ca := filepath.Join(t.TempDir(), "ca.pem")
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := pexipConfig(srv.URL, emulate.PexipTestCall)
		cfg.Client.CAFile = ca
		cfg.Client.ExtendedPerf = true
		warn := 100000
		cfg.Client.CertWarnDays = &warn
		r := runPexip(t, cfg)
		if r.State != nagios.Warning || !strings.HasPrefix(r.Summary, "certificate ") {
			t.Errorf("got %s %q", r.State, r.Summary)
		}
		var tls bool
		for _, pd := range r.Perfdata {
			// the status pre-check's connection is not reused: the call's
			// own handshake is timed
			tls = tls || (pd.Label == "time_tls" && pd.Value > 0)
		}
		if !tls {
			t.Errorf("no time_tls perfdata for the call: %v", r.Perfdata)
		}
	})
	t.Run("insecure", func(t *testing.T) {
		cfg := pexipConfig(srv.URL, emulate.PexipTestCall)
		cfg.Client.Insecure = true
		r := runPexip(t, cfg)
		last := r.Details[len(r.Details)-1]
		if r.State != nagios.OK || last.Text != "TLS certificate verification disabled (--insecure)" {
			t.Errorf("got %s %q, last detail %q", r.State, r.Summary, last.Text)
		}
	})
	if len(p.Outstanding()) != 0 {
		t.Errorf("%d tokens outstanding", len(p.Outstanding()))
	}
}

func TestPexipURLs(t *testing.T) {
	s, req, rel := PexipURLs("https://conf.example.com/", "meet room/1@example.com")
	if s != "https://conf.example.com/api/client/v2/status" ||
		req != "https://conf.example.com/api/client/v2/conferences/meet%20room%2F1@example.com/request_token" ||
		rel != "https://conf.example.com/api/client/v2/conferences/meet%20room%2F1@example.com/release_token" {
		t.Errorf("%s %s %s", s, req, rel)
	}
}
