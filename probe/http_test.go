package probe

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/internal/testcert"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/redact"
)

func runHTTP(t *testing.T, cfg HTTPConfig) Result {
	t.Helper()
	if cfg.Client.Timeout == 0 {
		cfg.Client.Timeout = 5 * time.Second
	}
	if cfg.Client.TimeoutState == 0 {
		cfg.Client.TimeoutState = nagios.Critical
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Client.Timeout)
	defer cancel()
	return HTTP(ctx, cfg)
}

func webServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(emulate.Web())
	t.Cleanup(srv.Close)
	return srv
}

func mustRange(t *testing.T, s string) *nagios.Range {
	t.Helper()
	r, err := nagios.ParseRange(s)
	if err != nil {
		t.Fatal(err)
	}
	return &r
}

func perf(r Result, label string) (nagios.Perfdata, bool) {
	for _, p := range r.Perfdata {
		if p.Label == label {
			return p, true
		}
	}
	return nagios.Perfdata{}, false
}

func TestHTTPStatusRules(t *testing.T) {
	srv := webServer(t)
	set := func(s string) StatusSet {
		ss, err := ParseStatusSet(s)
		if err != nil {
			t.Fatal(err)
		}
		return ss
	}
	warn := nagios.Warning
	tests := []struct {
		path     string
		expect   StatusSet
		redirect *nagios.State
		follow   bool
		want     nagios.State
		summary  string
	}{
		{"/status/200", nil, nil, false, nagios.OK, "200 OK, "},
		{"/status/204", nil, nil, false, nagios.OK, "204 No Content, "},
		{"/status/301", nil, nil, false, nagios.OK, "301 Moved Permanently, "},
		// a problem line ends with the problem: the time is in the perfdata
		// (it ended in "; 0.000 s", which read as one more problem)
		{"/status/404", nil, nil, false, nagios.Warning, "status 404 Not Found$"},
		{"/status/418", nil, nil, false, nagios.Warning, "status 418 I'm a teapot$"},
		{"/status/500", nil, nil, false, nagios.Critical, "status 500 Internal Server Error$"},
		{"/status/599", nil, nil, false, nagios.Critical, "status 599$"},
		{"/status/404", set("404"), nil, false, nagios.OK, "404 Not Found, "},
		{"/status/200", set("201-204,301"), nil, false, nagios.Critical, "status 200 OK, expected 201-204,301$"},
		{"/redirect/2", nil, nil, true, nagios.OK, "200 OK, "},
		{"/redirect/1", nil, &warn, true, nagios.Warning, "302 Found, redirect to /ready$"},
		// a 401 without credentials: the check lacks them (UNKNOWN)
		{"/secure", nil, nil, false, nagios.Unknown, "status 401 Unauthorized: the page needs a login: give -u and --password-env (or --bearer-env)$"},
		{"/secure", set("401"), nil, false, nagios.OK, "401 Unauthorized, "},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := runHTTP(t, HTTPConfig{URL: srv.URL + tt.path, Expect: tt.expect, OnRedirect: tt.redirect,
				Client: ClientConfig{Follow: tt.follow && tt.redirect == nil, MaxRedirects: 10}})
			want, exact := strings.CutSuffix(tt.summary, "$")
			if r.State != tt.want || !strings.HasPrefix(r.Summary, want) || (exact && r.Summary != want) {
				t.Errorf("got %v %q, want %v %q...", r.State, r.Summary, tt.want, tt.summary)
			}
		})
	}
}

func TestHTTPContentChecks(t *testing.T) {
	srv := webServer(t)
	re := func(s string) *regexp.Regexp { return regexp.MustCompile(s) }
	tests := []struct {
		name string
		cfg  HTTPConfig
		want nagios.State
		text string // expected text of the first non-status detail
	}{
		{"keyword found", HTTPConfig{Keywords: []string{"service ready"}}, nagios.OK, `keyword "service ready" found`},
		{"all keywords needed", HTTPConfig{Keywords: []string{"service ready", "nope"}}, nagios.Critical, `keyword "service ready" found`},
		{"case matters", HTTPConfig{Keywords: []string{"SERVICE READY"}}, nagios.Critical, `keyword "SERVICE READY" not found in "<html><head><title>Status</title></head><body><h1>Status</h1…"`},
		{"ignore case", HTTPConfig{Keywords: []string{"SERVICE READY"}, IgnoreCase: true}, nagios.OK, `keyword "SERVICE READY" found`},
		{"invert absent", HTTPConfig{Keywords: []string{"error"}, Invert: true}, nagios.OK, `keyword "error" absent`},
		{"invert present", HTTPConfig{Keywords: []string{"ready"}, Invert: true}, nagios.Critical, `keyword "ready" found, must be absent`},
		{"regex", HTTPConfig{Regexes: []*regexp.Regexp{re(`<h1>\w+</h1>`)}}, nagios.OK, `regex "<h1>\w+</h1>" matched`},
		{"regex miss", HTTPConfig{Regexes: []*regexp.Regexp{re(`^ok$`)}}, nagios.Critical, `regex "^ok$" not matched in "<html><head><title>Status</title></head><body><h1>Status</h1…"`},
		{"regex inverted", HTTPConfig{Regexes: []*regexp.Regexp{re(`(?i)ERROR`)}, Invert: true}, nagios.OK, `regex "ERROR" not matched`},
		{"header matches", HTTPConfig{HeaderMatch: []HeaderMatch{{Name: "content-type", Re: re(`^text/html`)}}}, nagios.OK, `header content-type "text/html; charset=utf-8" matches`},
		{"header missing", HTTPConfig{HeaderMatch: []HeaderMatch{{Name: "X-Version", Re: re(`.`)}}}, nagios.Critical, `header X-Version missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.URL = srv.URL + "/ready"
			r := runHTTP(t, tt.cfg)
			if r.State != tt.want {
				t.Errorf("state %v, want %v (%s)", r.State, tt.want, r.Summary)
			}
			if len(r.Details) < 2 || r.Details[1].Text != tt.text {
				t.Errorf("details %+v, want second %q", r.Details, tt.text)
			}
		})
	}
	r := runHTTP(t, HTTPConfig{URL: srv.URL + "/status/204", Keywords: []string{"x"}})
	if r.Details[1].Text != `keyword "x" not found in empty body` {
		t.Errorf("empty body: %q", r.Details[1].Text)
	}
}

// recorder answers 200 and keeps the last request it saw.
type recorder struct {
	mu   sync.Mutex
	req  *http.Request
	body string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.req, rec.body = r, string(b)
	rec.mu.Unlock()
	fmt.Fprint(w, "ok")
}

func TestHTTPRequestShape(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	h := http.Header{}
	h.Set("X-Probe", "1")
	h.Set("Host", "virtual.example")
	r := runHTTP(t, HTTPConfig{URL: srv.URL + "/api?q=1", Body: []byte(`{"a":1}`), Headers: h,
		Client: ClientConfig{UserAgent: "hp-test/1", Bearer: "tok-123456", Headers: http.Header{"Content-Type": {"application/json"}}}})
	if r.State != nagios.OK {
		t.Fatalf("%v %s", r.State, r.Summary)
	}
	req := rec.req
	checks := map[string][2]string{
		"method":        {req.Method, "POST"},
		"path":          {req.URL.RequestURI(), "/api?q=1"},
		"body":          {rec.body, `{"a":1}`},
		"content-type":  {req.Header.Get("Content-Type"), "application/json"},
		"user-agent":    {req.Header.Get("User-Agent"), "hp-test/1"},
		"authorization": {req.Header.Get("Authorization"), "Bearer tok-123456"},
		"custom":        {req.Header.Get("X-Probe"), "1"},
		"host":          {req.Host, "virtual.example"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	r = runHTTP(t, HTTPConfig{URL: srv.URL, Method: "HEAD"})
	if rec.req.Method != "HEAD" || r.State != nagios.OK {
		t.Errorf("HEAD: %s %v", rec.req.Method, r.State)
	}
}

func TestHTTPAuth(t *testing.T) {
	srv := webServer(t)
	tests := []struct {
		path, mode, pass string
		want             nagios.State
		summary          string
	}{
		{"/secure", "auto", emulate.WebPassword, nagios.OK, "200 OK"},
		{"/secure", "digest", emulate.WebPassword, nagios.OK, "200 OK"},
		{"/secure-sha256", "auto", emulate.WebPassword, nagios.OK, "200 OK"},
		{"/basic", "auto", emulate.WebPassword, nagios.OK, "200 OK"},
		{"/basic", "basic", emulate.WebPassword, nagios.OK, "200 OK"},
		{"/secure", "auto", "wrong", nagios.Critical, "authentication failed (401 Unauthorized)"},
		{"/basic", "auto", "wrong", nagios.Critical, "authentication failed (401 Unauthorized)"},
		{"/secure", "basic", emulate.WebPassword, nagios.Critical, "authentication failed (401 Unauthorized)"},
		// --auth digest cannot answer a basic challenge: a login was given, so
		// this is no "credentials required" but a failure to authenticate
		{"/basic", "digest", emulate.WebPassword, nagios.Critical, "authentication failed: the server's challenge could not be answered (401 Unauthorized)"},
	}
	for _, tt := range tests {
		t.Run(tt.path+"/"+tt.mode+"/"+tt.pass, func(t *testing.T) {
			r := runHTTP(t, HTTPConfig{URL: srv.URL + tt.path, Client: ClientConfig{User: emulate.WebUser, Password: tt.pass, Auth: tt.mode}})
			if r.State != tt.want || !strings.HasPrefix(r.Summary, tt.summary) {
				t.Errorf("got %v %q, want %v %q", r.State, r.Summary, tt.want, tt.summary)
			}
		})
	}
	// a POST body survives the digest round trip
	rec := &recorder{}
	protected := httptest.NewServer(emulate.DigestAuth{Realm: "r", User: "u", Password: "p4ss"}.Wrap(rec))
	defer protected.Close()
	r := runHTTP(t, HTTPConfig{URL: protected.URL, Body: []byte("payload"), Client: ClientConfig{User: "u", Password: "p4ss"}})
	if r.State != nagios.OK || rec.body != "payload" {
		t.Errorf("digest POST: %v %q body %q", r.State, r.Summary, rec.body)
	}
}

// tlsServer serves the web emulator with a certificate from leaf.
func tlsServer(t *testing.T, ca *testcert.CA, leaf testcert.Leaf, clientCAs *x509.CertPool) *httptest.Server {
	t.Helper()
	pair, _, _, err := ca.Issue(leaf)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(emulate.Web())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	if clientCAs != nil {
		srv.TLS.ClientCAs = clientCAs
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPTLS(t *testing.T) {
	ca, err := testcert.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	day := 24 * time.Hour
	days := func(n int) *int { return &n }
	wrongHost := testcert.Leaf{CommonName: "other.example", DNSNames: []string{"other.example"}, NotBefore: now.Add(-day), NotAfter: now.Add(90 * day)}
	tests := []struct {
		name     string
		leaf     testcert.Leaf
		insecure bool
		warn     *int
		crit     *int
		want     nagios.State
		summary  string
	}{
		{"valid", testcert.Loopback(now.Add(-day), now.Add(90*day+time.Hour)), false, days(30), days(7), nagios.OK, "200 OK, "},
		{"expires soon warning", testcert.Loopback(now.Add(-day), now.Add(20*day+time.Hour)), false, days(30), days(7), nagios.Warning, "certificate localhost expires in 20 days ("},
		{"expires soon critical", testcert.Loopback(now.Add(-day), now.Add(5*day+time.Hour)), false, days(30), days(7), nagios.Critical, "certificate localhost expires in 5 days ("},
		{"expired", testcert.Loopback(now.Add(-10*day), now.Add(-day)), false, nil, nil, nagios.Critical, "TLS certificate of 127.0.0.1:"},
		{"expired insecure", testcert.Loopback(now.Add(-10*day), now.Add(-day)), true, nil, nil, nagios.Critical, "certificate localhost expired on "},
		{"not yet valid", testcert.Loopback(now.Add(day), now.Add(10*day)), false, nil, nil, nagios.Critical, "TLS certificate of 127.0.0.1:"},
		{"wrong host", wrongHost, false, nil, nil, nagios.Critical, "TLS certificate is not valid for 127.0.0.1: it is for other.example"},
		{"wrong host insecure", wrongHost, true, nil, nil, nagios.OK, "200 OK, "},
		// the last day is CRITICAL, as check_curl's -C says, unless
		// --cert-critical says otherwise
		{"last day, warning only", testcert.Loopback(now.Add(-day), now.Add(5*time.Hour+time.Minute)), false, days(30), nil, nagios.Critical, "certificate localhost expires in 5 hours ("},
		{"last minutes", testcert.Loopback(now.Add(-day), now.Add(2*time.Minute+30*time.Second)), false, nil, nil, nagios.Critical, "certificate localhost expires in 2 minutes ("},
		{"last day, critical 0", testcert.Loopback(now.Add(-day), now.Add(5*time.Hour+time.Minute)), false, days(30), days(0), nagios.Warning, "certificate localhost expires in 5 hours ("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := tlsServer(t, ca, tt.leaf, nil)
			r := runHTTP(t, HTTPConfig{URL: srv.URL + "/ready",
				Client: ClientConfig{CAFile: caFile, Insecure: tt.insecure, CertWarnDays: tt.warn, CertCritDays: tt.crit, ExtendedPerf: true}})
			if r.State != tt.want || !strings.HasPrefix(r.Summary, tt.summary) {
				t.Fatalf("got %v %q, want %v %q", r.State, r.Summary, tt.want, tt.summary)
			}
			if tt.insecure && r.State == nagios.OK {
				if r.Details[len(r.Details)-1].Text != "TLS certificate verification disabled (--insecure)" {
					t.Errorf("--insecure not stated: %+v", r.Details)
				}
			}
			if r.State == nagios.OK || strings.HasPrefix(tt.summary, "certificate") {
				p, ok := perf(r, "cert_days")
				if !ok {
					t.Fatalf("no cert_days perfdata: %v", r.Perfdata)
				}
				if tt.warn != nil && tt.crit != nil && *tt.crit == 7 && p.String() != fmt.Sprintf("cert_days=%s;30:;7:", nagios.FormatFloat(p.Value)) {
					t.Errorf("cert_days perfdata %q", p.String())
				}
				if _, ok := perf(r, "time_tls"); !ok {
					t.Error("no time_tls perfdata")
				}
			}
		})
	}

	t.Run("unknown authority", func(t *testing.T) {
		srv := tlsServer(t, ca, testcert.Loopback(now.Add(-day), now.Add(day)), nil)
		r := runHTTP(t, HTTPConfig{URL: srv.URL})
		want := "TLS certificate of " + srv.Listener.Addr().String() + " is signed by an unknown authority (use --ca-file, or --insecure)"
		if r.State != nagios.Critical || r.Summary != want {
			t.Errorf("got %v %q", r.State, r.Summary)
		}
	})
	t.Run("sni", func(t *testing.T) {
		srv := tlsServer(t, ca, wrongHost, nil)
		r := runHTTP(t, HTTPConfig{URL: srv.URL + "/ready", Client: ClientConfig{CAFile: caFile, SNI: "other.example"}})
		if r.State != nagios.OK {
			t.Errorf("with --sni: %v %q", r.State, r.Summary)
		}
	})
	t.Run("client certificate", func(t *testing.T) {
		pool := x509.NewCertPool()
		pool.AddCert(ca.Cert)
		srv := tlsServer(t, ca, testcert.Loopback(now.Add(-day), now.Add(30*day)), pool)
		_, certPEM, keyPEM, err := ca.Issue(testcert.Leaf{CommonName: "probe", NotBefore: now.Add(-day), NotAfter: now.Add(30 * day), Client: true})
		if err != nil {
			t.Fatal(err)
		}
		certFile, keyFile := filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
		if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		r := runHTTP(t, HTTPConfig{URL: srv.URL + "/ready", Client: ClientConfig{CAFile: caFile, CertFile: certFile, KeyFile: keyFile}})
		if r.State != nagios.OK {
			t.Errorf("with client cert: %v %q", r.State, r.Summary)
		}
		r = runHTTP(t, HTTPConfig{URL: srv.URL + "/ready", Client: ClientConfig{CAFile: caFile}})
		want := "TLS with " + srv.Listener.Addr().String() + ` failed: the server sent the alert "certificate required" (check --cert and --key)`
		if r.State != nagios.Critical || r.Summary != want {
			t.Errorf("without client cert: %v %q", r.State, r.Summary)
		}
	})
	t.Run("plain HTTP on a TLS URL", func(t *testing.T) {
		srv := webServer(t)
		r := runHTTP(t, HTTPConfig{URL: strings.Replace(srv.URL, "http://", "https://", 1)})
		if r.State != nagios.Critical || !strings.HasSuffix(r.Summary, "failed: the server does not speak TLS") {
			t.Errorf("got %v %q", r.State, r.Summary)
		}
	})
	t.Run("bad CA file is UNKNOWN", func(t *testing.T) {
		r := runHTTP(t, HTTPConfig{URL: "https://127.0.0.1:1", Client: ClientConfig{CAFile: filepath.Join(dir, "missing.pem")}})
		if r.State != nagios.Unknown || !strings.HasPrefix(r.Summary, "reading --ca-file: open ") {
			t.Errorf("got %v %q", r.State, r.Summary)
		}
	})
}

func TestHTTPDowngradeRedirect(t *testing.T) {
	plain := webServer(t)
	secure := httptest.NewTLSServer(http.RedirectHandler(plain.URL+"/ready", http.StatusFound))
	defer secure.Close()
	r := runHTTP(t, HTTPConfig{URL: secure.URL, Client: ClientConfig{Insecure: true, Follow: true, MaxRedirects: 5}})
	if r.State != nagios.Warning || !strings.HasPrefix(r.Summary, "redirected from https to http; 200 OK") {
		t.Errorf("got %v %q", r.State, r.Summary)
	}
}

func TestHTTPMaxBody(t *testing.T) {
	srv := webServer(t)
	r := runHTTP(t, HTTPConfig{URL: srv.URL + "/big?size=3000000", Client: ClientConfig{MaxBody: 1 << 20}})
	if r.State != nagios.Warning || !strings.HasPrefix(r.Summary, "body cut at 1 MiB (--max-body): checks saw only the start; 200 OK") {
		t.Errorf("got %v %q", r.State, r.Summary)
	}
	if p, _ := perf(r, "size"); p.Value != 1<<20 {
		t.Errorf("size %v", p.Value)
	}
	r = runHTTP(t, HTTPConfig{URL: srv.URL + "/big?size=1048576"})
	if r.State != nagios.OK {
		t.Errorf("exactly the cap: %v %q", r.State, r.Summary)
	}
	// a gzip bomb is cut at the cap after decompression. The bomb, 64 MiB
	// of zeros as 64 gzip members of 1 MiB each (a gzip stream may hold
	// several), is made before the check starts: compressing it while the
	// probe waits took longer than the probe's deadline on a busy machine
	var member bytes.Buffer
	zw := gzip.NewWriter(&member)
	if _, err := zw.Write(make([]byte, 1<<20)); err != nil || zw.Close() != nil {
		t.Fatal(err)
	}
	gz := bytes.Repeat(member.Bytes(), 64)
	bomb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(gz)
	}))
	defer bomb.Close()
	r = runHTTP(t, HTTPConfig{URL: bomb.URL, Client: ClientConfig{MaxBody: 64 << 10}})
	if r.State != nagios.Warning || !strings.HasPrefix(r.Summary, "body cut at 64 KiB") {
		t.Errorf("gzip bomb: %v %q", r.State, r.Summary)
	}
}

// hangingListener accepts connections and never answers until the test ends.
func hangingListener(t *testing.T, greet func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				if greet != nil {
					// answer only once the request is in, as a server would
					if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
						go greet(c)
					}
				}
				<-done
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// A server that never answers, trickles or whose headers never end, and one
// that closes mid-body, are in the fault suite (cmd/healthprobe/faults_test.go),
// which runs them against every probe through the command line.

func TestHTTPTimingsAndPerfdata(t *testing.T) {
	srv := webServer(t)
	r := runHTTP(t, HTTPConfig{URL: srv.URL + "/slow?delay=50ms", Time: nagios.Thresholds{Warn: mustRange(t, "0.01"), Crit: mustRange(t, "5")},
		Client: ClientConfig{ExtendedPerf: true}})
	// the time is at least the delay, plus whatever a busy machine adds
	m := regexp.MustCompile(`^response time (\d+\.\d{3}) s above the warning threshold 0\.01 s; 200 OK$`).FindStringSubmatch(r.Summary)
	if r.State != nagios.Warning || m == nil {
		t.Errorf("got %v %q", r.State, r.Summary)
	} else if s, _ := strconv.ParseFloat(m[1], 64); s < 0.05 {
		t.Errorf("response time %s s, less than the server's 50 ms delay", m[1])
	}
	var labels []string
	for _, p := range r.Perfdata {
		labels = append(labels, p.Label)
		if err := p.Validate(); err != nil {
			t.Error(err)
		}
	}
	if got := strings.Join(labels, " "); got != "time size time_dns time_connect time_firstbyte time_transfer" {
		t.Errorf("perfdata labels %q", got)
	}
	total, _ := perf(r, "time")
	fb, _ := perf(r, "time_firstbyte")
	if fb.Value < 0.05 || total.Value < fb.Value {
		t.Errorf("time_firstbyte %v should cover the 50ms delay and be within time %v", fb.Value, total.Value)
	}
	if total.String() != fmt.Sprintf("time=%ss;0.01;5;0", nagios.FormatFloat(total.Value)) {
		t.Errorf("time perfdata %q", total.String())
	}
}

func TestHTTPProxy(t *testing.T) {
	rec := &recorder{}
	proxy := httptest.NewServer(rec)
	defer proxy.Close()
	r := runHTTP(t, HTTPConfig{URL: "http://service.invalid/health", Client: ClientConfig{Proxy: proxy.URL}})
	if r.State != nagios.OK || rec.req.URL.String() != "http://service.invalid/health" {
		t.Errorf("got %v %q via proxy %q", r.State, r.Summary, rec.req.URL)
	}
}

func TestHTTPConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := runHTTP(t, HTTPConfig{URL: "http://" + addr})
	if r.State != nagios.Critical || r.Summary != "connection refused by "+addr {
		t.Errorf("got %v %q", r.State, r.Summary)
	}
}

func TestParseStatusSet(t *testing.T) {
	s, err := ParseStatusSet(" 200-299, 301 ,404")
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[int]bool{200: true, 250: true, 299: true, 300: false, 301: true, 404: true, 500: false} {
		if s.Contains(code) != want {
			t.Errorf("Contains(%d) = %v", code, !want)
		}
	}
	if s.String() != "200-299,301,404" {
		t.Errorf("String() = %q", s.String())
	}
	for _, bad := range []string{"", "2xx", "200-", "-200", "299-200", "20", "2000", "099", "200,,201", "abc"} {
		if _, err := ParseStatusSet(bad); err == nil {
			t.Errorf("ParseStatusSet(%q) should fail", bad)
		}
	}
}

func FuzzParseStatusSet(f *testing.F) {
	for _, s := range []string{"200", "200-299,301", "", "1-2", "999", "200 - 300"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseStatusSet(s)
		if err != nil {
			return
		}
		again, err := ParseStatusSet(set.String())
		if err != nil || again.String() != set.String() {
			t.Fatalf("%q: round trip %q -> %v", s, set.String(), err)
		}
		for code := 100; code < 1000; code++ {
			if set.Contains(code) != again.Contains(code) {
				t.Fatalf("%q: round trip changes %d", s, code)
			}
		}
	})
}

func TestSanitizeLine(t *testing.T) {
	tests := map[string]string{
		"a\nb\tc":            "a b c",
		"  lead":             "lead",
		"pipe|here":          "pipe¦here",
		"nul\x00byte":        "nul byte",
		"bad\xffutf8":        "bad\uFFFDutf8",
		"0123456789abcdefgh": "0123456789…",
	}
	for in, want := range tests {
		if got := SanitizeLine(in, 10); got != want {
			t.Errorf("SanitizeLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	tests := map[string]string{
		"https://u:p4ss@host/x":                       "https://u:xxxxx@host/x",
		"https://host/v1/?api_key=abc&method=monitor": "https://host/v1/?api_key=xxxxx&method=monitor",
		"http://host/?token=t&x=1":                    "http://host/?token=xxxxx&x=1",
		"http://host/plain":                           "http://host/plain",
		// does not parse: redacted by its text
		"http://u:p4ss@host:port?token=t\n": "http://xxxxx@host:port?token=xxxxx",
	}
	for in, want := range tests {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// RedactURLText redacts a URL template by its text: its placeholders stay
// as written.
func TestRedactURLText(t *testing.T) {
	for in, want := range map[string]string{
		"https://u:pw@x/{name}?token=abc&data={response}": "https://xxxxx@x/{name}?token=xxxxx&data={response}",
		"http://x/?api_key=k#frag":                        "http://x/?api_key=xxxxx#frag",
		"http://x/?data={response}":                       "http://x/?data={response}",
	} {
		if got := RedactURLText(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestVerboseLogNeverShowsCredentials(t *testing.T) {
	srv := webServer(t)
	logs := &logCapture{}
	cfg := ClientConfig{User: emulate.WebUser, Password: emulate.WebPassword, Verbose: 3,
		Headers: http.Header{"Cookie": {"session=cookie-secret-3"}}, Log: logs.logf}
	runHTTP(t, HTTPConfig{URL: srv.URL + "/basic?token=query-secret-2", Client: cfg})
	out := logs.text()
	for _, secret := range []string{emulate.WebPassword, "cookie-secret-3", "query-secret-2", "ZGVtbzpkZW1v"} {
		if strings.Contains(out, secret) {
			t.Errorf("verbose log shows %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "> Authorization: [redacted]") || !strings.Contains(out, "< HTTP/1.1 200 OK") {
		t.Errorf("verbose log lacks the exchange:\n%s", out)
	}
}

// A secret that a server echoes where the -vvv body excerpt is cut is
// masked before the cut by the run's redactor: no prefix of it shows.
func TestBodyExcerptMasksBeforeTheCut(t *testing.T) {
	const secret = "s3cr3t-echoed-by-the-server"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, strings.Repeat("x", 395)+secret+strings.Repeat("y", 100))
	}))
	t.Cleanup(srv.Close)
	known := redact.New()
	known.Add(secret)
	for name, cc := range map[string]ClientConfig{
		"unmasked": {},
		"Redactor": {Redactor: known},
	} {
		logs := &logCapture{}
		cc.Verbose, cc.Log = 3, logs.logf
		runHTTP(t, HTTPConfig{URL: srv.URL, Client: cc})
		if shown := strings.Contains(logs.text(), secret[:5]); shown != (name == "unmasked") {
			t.Errorf("%s: a prefix of the secret shown: %v\n%s", name, shown, logs.text())
		}
	}
}

// TestQuotesReadAsGiven: a keyword or a body with double quotes (JSON) is
// quoted in single quotes, nothing escaped; it came out as
// "\"db\":\"down\"" not found in "{\"status\":...".
func TestQuotesReadAsGiven(t *testing.T) {
	srv := webServer(t)
	r := runHTTP(t, HTTPConfig{URL: srv.URL + "/json", Keywords: []string{`"db":"down"`}})
	want := `keyword '"db":"down"' not found in '{"status":"up","checks":{"db":{"ok":true,"latency_ms":12},"q…'`
	if r.State != nagios.Critical || r.Summary != want+"; 200 OK" {
		t.Errorf("got %v %q\nwant %q", r.State, r.Summary, want+"; 200 OK")
	}
	for s, want := range map[string]string{
		`plain`:     `"plain"`,
		`say "hi"`:  `'say "hi"'`,
		`it's`:      `"it's"`,
		`"it's"`:    `""it's""`,
		"a\nb\x00c": `"a b c"`,
	} {
		if got := Quote(s, 60); got != want {
			t.Errorf("Quote(%q) = %s, want %s", s, got, want)
		}
	}
}
