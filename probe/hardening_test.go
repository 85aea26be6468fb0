package probe

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/internal/testcert"
	"github.com/healthprobe/healthprobe/nagios"
)

// Regression tests for the faults the fault suite (cmd/healthprobe) found;
// each names what went wrong before the fix.

// credentialCatcher answers 401 with a basic challenge and records any
// credential a request carried.
type credentialCatcher struct {
	mu   sync.Mutex
	seen []string
}

func (c *credentialCatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for name := range r.Header {
		if SensitiveHeader(name) {
			c.mu.Lock()
			c.seen = append(c.seen, name+": "+r.Header.Get(name))
			c.mu.Unlock()
		}
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="elsewhere"`)
	http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
}

// Before: a redirect to another port took the password (answering the
// other server's basic challenge, or up front with --auth basic), the bearer
// token and an X-Api-Key header along.
func TestCredentialsStayWithTheirOrigin(t *testing.T) {
	catcher := &credentialCatcher{}
	other := plainServer(t, catcher)
	redirect := plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/x", http.StatusFound)
	}))
	configs := map[string]ClientConfig{
		"auto":    {User: "u", Password: "pw-must-stay"},
		"basic":   {User: "u", Password: "pw-must-stay", Auth: "basic"},
		"digest":  {User: "u", Password: "pw-must-stay", Auth: "digest"},
		"bearer":  {Bearer: "bearer-must-stay"},
		"api key": {Headers: http.Header{"X-Api-Key": {"key-must-stay"}}},
	}
	for name, cc := range configs {
		t.Run(name, func(t *testing.T) {
			cc.Follow, cc.MaxRedirects = true, 5
			r := runHTTP(t, HTTPConfig{URL: redirect.URL, Client: cc})
			catcher.mu.Lock()
			seen := catcher.seen
			catcher.seen = nil
			catcher.mu.Unlock()
			if len(seen) > 0 {
				t.Errorf("the other origin got %q", seen)
			}
			want := "authentication failed: 401 Unauthorized from " + strings.TrimPrefix(other.URL, "http://") +
				" after a redirect; credentials go only to " + strings.TrimPrefix(redirect.URL, "http://")
			if r.State != nagios.Critical || !strings.HasPrefix(r.Summary, want) {
				t.Errorf("got %v %q\nwant CRITICAL %q...", r.State, r.Summary, want)
			}
		})
	}
	// within the origin, credentials still follow a redirect
	mux := http.NewServeMux()
	mux.Handle("/go", http.RedirectHandler("/in", http.StatusFound))
	mux.Handle("/in", emulateDigest(serveBody([]byte(`{"in":true}`))))
	same := plainServer(t, mux)
	cc := loginConfig()
	cc.Follow, cc.MaxRedirects = true, 5
	if r := runHTTP(t, HTTPConfig{URL: same.URL + "/go", Client: cc}); r.State != nagios.OK {
		t.Errorf("same origin: %v %q", r.State, r.Summary)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"http://h/x", "http://h:80/y", true},
		{"https://H:443/", "https://h/", true},
		{"http://h/", "https://h/", false},
		{"https://h/", "https://h:8443/", false},
		{"http://h:8077/", "http://h:8078/", false},
		{"http://a.example/", "http://b.example/", false},
	}
	for _, tt := range tests {
		a, b := mustURL(t, tt.a), mustURL(t, tt.b)
		if got := sameOrigin(a, b); got != tt.same {
			t.Errorf("sameOrigin(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
}

// Before: icholy/digest drained a 401's body to its end before answering
// the challenge, so an endless 401 body held the check until the deadline.
// A drained body ends the check in a timeout (the body never ends), so the
// answer says whether it was drained: the check's time, which a busy
// machine stretches past any bound, does not have to.
func TestEndless401BodyIsNotDrained(t *testing.T) {
	srv := plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Digest realm="x", nonce="0a4f113b", qop="auth", algorithm=MD5`)
		w.WriteHeader(http.StatusUnauthorized)
		chunk := []byte(strings.Repeat("x", 32<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	r := runHTTP(t, HTTPConfig{URL: srv.URL, Client: ClientConfig{User: "u", Password: "p", Timeout: 3 * time.Second}})
	if r.State != nagios.Critical || !strings.HasPrefix(r.Summary, "authentication failed (401 Unauthorized); body cut at 1 MiB") {
		t.Errorf("got %v %q", r.State, r.Summary)
	}
}

// Before: a 401 whose digest challenge names an algorithm icholy/digest
// lacks came back with its body closed: "http: read on closed response
// body"; and with a login given, http said "credentials required: use -u".
func TestUnanswerableChallenge(t *testing.T) {
	for _, chal := range []string{`Digest realm="x", nonce="0a4f113b", qop="auth", algorithm=MD4`, `Negotiate`} {
		srv := plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("WWW-Authenticate", chal)
			http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
		}))
		r := runHTTP(t, HTTPConfig{URL: srv.URL, Client: ClientConfig{User: "u", Password: "p"}})
		want := "authentication failed: the server's challenge could not be answered (401 Unauthorized)"
		if r.State != nagios.Critical || r.Summary != want {
			t.Errorf("%s: got %v %q", chal, r.State, r.Summary)
		}
		r = runHTTP(t, HTTPConfig{URL: srv.URL})
		if r.State != nagios.Unknown || r.Summary != "status 401 Unauthorized: the page needs a login: give -u and --password-env (or --bearer-env)" {
			t.Errorf("%s without a login: got %v %q", chal, r.State, r.Summary)
		}
	}
}

// Before: net/http's own words, "request to HOST failed: net/http: HTTP/1.x
// transport connection broken: ...", and Go's "unsupported protocol scheme".
func TestProtocolFaultReasons(t *testing.T) {
	raw := func(answer string) string {
		return hangingListener(t, func(c net.Conn) { _, _ = io.WriteString(c, answer); c.Close() })
	}
	ftp := plainServer(t, http.RedirectHandler("ftp://127.0.0.1:21/file", http.StatusFound))
	corrupt := plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = io.WriteString(w, "this is plain text, not gzip")
	}))
	flood := raw("HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Filler: "+strings.Repeat("a", 1000)+"\r\n", 300))
	tests := []struct{ url, want string }{
		{raw("SSH-2.0-OpenSSH_9.6\r\n"), ` did not answer with valid HTTP: malformed HTTP response "SSH-2.0-OpenSSH_9.6"`},
		{raw("HTTP/1.1 200 OK\r\nX-A: a\x00b\r\n\r\n"), ` did not answer with valid HTTP: malformed MIME header line: "X-A: a\x00b"`},
		{flood, " did not answer with valid HTTP: headers longer than 256 KiB"},
		{ftp.URL, "redirected to ftp://127.0.0.1:21/file: only http and https are followed"},
		{corrupt.URL, "reading body failed after 0 bytes: the body from "},
	}
	for _, tt := range tests {
		r := runHTTP(t, HTTPConfig{URL: tt.url, Client: ClientConfig{Follow: true, MaxRedirects: 5}})
		if r.State != nagios.Critical || !strings.Contains(r.Summary, tt.want) || strings.Contains(r.Summary, "net/http") {
			t.Errorf("got %v %q, want CRITICAL ...%q", r.State, r.Summary, tt.want)
		}
	}
	if got := runHTTP(t, HTTPConfig{URL: corrupt.URL}).Summary; !strings.HasSuffix(got, " is not the gzip its Content-Encoding announces (gzip: invalid header)") {
		t.Errorf("corrupt gzip: %q", got)
	}
}

func TestTLSValidityReasons(t *testing.T) {
	ca, err := testcert.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	expired := tlsServer(t, ca, testcert.Loopback(now.Add(-10*24*time.Hour), now.Add(-24*time.Hour)), nil)
	future := tlsServer(t, ca, testcert.Loopback(now.Add(24*time.Hour), now.Add(10*24*time.Hour)), nil)
	tests := []struct{ url, want string }{
		{expired.URL, " expired on " + now.Add(-24*time.Hour).UTC().Format(time.DateOnly) + " (localhost)"},
		{future.URL, " is not valid before " + now.Add(24*time.Hour).UTC().Format(time.DateOnly) + " (localhost)"},
	}
	for _, tt := range tests {
		r := runHTTP(t, HTTPConfig{URL: tt.url, Client: ClientConfig{CAFile: caFile}})
		want := "TLS certificate of " + strings.TrimPrefix(tt.url, "https://") + tt.want
		if r.State != nagios.Critical || r.Summary != want {
			t.Errorf("got %v %q, want %q", r.State, r.Summary, want)
		}
	}
}

// Before: --insecure was stated only when an answer came; a failed check
// over https with verification off did not say so.
func TestInsecureStatedOnFailure(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	r := runHTTP(t, HTTPConfig{URL: srv.URL, Client: ClientConfig{Insecure: true, Timeout: 200 * time.Millisecond}})
	if r.State != nagios.Critical || len(r.Details) != 2 || r.Details[1].Text != "TLS certificate verification disabled (--insecure)" {
		t.Errorf("got %v %q %+v", r.State, r.Summary, r.Details)
	}
	// not over plain http, where there is nothing to verify
	plain := webServer(t)
	r = runHTTP(t, HTTPConfig{URL: plain.URL + "/ready", Client: ClientConfig{Insecure: true}})
	if len(detailsWith(r, "tls")) != 0 {
		t.Errorf("plain http states --insecure: %+v", r.Details)
	}
}

// Before: itgrix followed a redirect from https to http without a word.
func TestItgrixReportsDowngrade(t *testing.T) {
	plain := plainServer(t, serveBody(fixture(t, "itgrix/status_normal.json")))
	secure := httptest.NewTLSServer(http.RedirectHandler(plain.URL+"/status", http.StatusFound))
	defer secure.Close()
	r := Itgrix(t.Context(), ItgrixConfig{BaseURL: secure.URL, Client: ClientConfig{Insecure: true, Follow: true, MaxRedirects: 5}})
	if got := detailsWith(r, "redirect"); len(got) != 1 || got[0].State != nagios.Warning || got[0].Text != "redirected from https to http" {
		t.Errorf("got %v %q %+v", r.State, r.Summary, r.Details)
	}
}

// Before: pexip called any body starting with "<" an HTML page.
func TestPexipXMLIsNotHTML(t *testing.T) {
	ex := &Exchange{Status: 200, StatusLine: "200 OK", Header: http.Header{"Content-Type": {"text/xml"}}, Body: []byte(`<?xml version="1.0"?><a/>`)}
	if got := readRequestToken(ex, "alias", false, false); strings.Contains(got.text, "HTML") {
		t.Errorf("XML called HTML: %q", got.text)
	}
}

// Before: bidirectional overrides (U+202E) passed into the output, where
// they reorder what an operator reads.
func TestSanitizeLineDropsBidiControls(t *testing.T) {
	if got := SanitizeLine("ok\u202eKO\u2066x\u2069", 40); got != "ok KO x" {
		t.Errorf("got %q", got)
	}
}

// A run ended by a signal says so: os/signal's cause names the signal.
func TestInterruptedSaysWhy(t *testing.T) {
	srv := plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	for cause, want := range map[error]string{
		nil:                                      "interrupted: no answer",
		errors.New("terminated signal received"): "interrupted (terminated signal received): no answer",
	} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(cause)
		r := HTTP(ctx, HTTPConfig{URL: srv.URL})
		if r.State != nagios.Unknown || r.Summary != want {
			t.Errorf("cause %v: got %v %q, want UNKNOWN %q", cause, r.State, r.Summary, want)
		}
	}
}

// A run interrupted while it waits says where the request was.
func TestInterruptedSaysWhere(t *testing.T) {
	arrived := make(chan struct{}, 1)
	srv := plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	}))
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		<-arrived
		cancel(errors.New("terminated signal received"))
	}()
	r := HTTP(ctx, HTTPConfig{URL: srv.URL})
	want := "interrupted (terminated signal received): " + srv.Listener.Addr().String() + " accepted the request but sent no answer"
	if r.State != nagios.Unknown || r.Summary != want {
		t.Errorf("got %v %q, want UNKNOWN %q", r.State, r.Summary, want)
	}
}

// switchingServer answers every request with 101 Switching Protocols and
// then holds the connection, as a WebSocket endpoint does, until the test
// ends.
func switchingServer(t *testing.T) string {
	t.Helper()
	return hangingListener(t, func(c net.Conn) {
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	})
}

// Before: a plain GET answered with 101 held the check until the server
// closed (Go hands the switched connection over as the body, out of reach
// of the context), past -t and past SIGTERM, and then reported OK. A 101 is
// decided at once: CRITICAL when the request asked for no upgrade, the
// status (OK by default) when it did.
func TestSwitchingProtocols(t *testing.T) {
	base := switchingServer(t)
	for _, tt := range []struct {
		name    string
		headers http.Header
		state   nagios.State
		summary string
	}{
		{"a plain request", nil, nagios.Critical, "^127\\.0\\.0\\.1:\\d+ answered 101 Switching Protocols to a request that asked for no upgrade$"},
		{"an upgrade asked for", http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}, nagios.OK, "^101 Switching Protocols, [0-9.]+ s$"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			r := HTTP(ctx, HTTPConfig{Client: ClientConfig{Timeout: 5 * time.Second}, URL: base + "/ws", Headers: tt.headers})
			if took := time.Since(start); took > time.Second {
				t.Errorf("took %v", took)
			}
			if r.State != tt.state || !regexp.MustCompile(tt.summary).MatchString(r.Summary) {
				t.Errorf("got %v %q", r.State, r.Summary)
			}
		})
	}
}
