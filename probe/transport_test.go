package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/internal/testcert"
	"github.com/healthprobe/healthprobe/nagios"
)

// hostEcho answers with the Host header it was sent and the address it
// was reached on.
func hostEcho(t *testing.T) *httptest.Server {
	return plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s\nvia %s\n", r.Host, r.Context().Value(http.LocalAddrContextKey))
	}))
}

func portOf(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// TestAddress: -I ADDRESS[:PORT] connects there while Host stays the
// URL's (check_curl's virtual host and port cases).
func TestAddress(t *testing.T) {
	srv := hostEcho(t)
	p := portOf(t, srv.URL)
	tests := []struct {
		url, address, host string
	}{
		{"http://www.somefunnyhost.com:" + p + "/virtual_port", "127.0.0.1", "www.somefunnyhost.com:" + p},
		{"http://www.somefunnyhost.com:42/virtual_port", "127.0.0.1:" + p, "www.somefunnyhost.com:42"},
		{"http://www.somefunnyhost.com/virtual_port", "127.0.0.1:" + p, "www.somefunnyhost.com"},
	}
	for _, tt := range tests {
		r := runHTTP(t, HTTPConfig{URL: tt.url, Regexes: []*regexp.Regexp{regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(tt.host) + `$`)},
			Client: ClientConfig{Address: tt.address}})
		if r.State != nagios.OK {
			t.Errorf("%s -I %s: %v %s", tt.url, tt.address, r.State, r.Summary)
		}
	}
	// a refusal names both
	r := runHTTP(t, HTTPConfig{URL: "http://app.invalid.example/", Client: ClientConfig{Address: "127.0.0.1:1"}})
	if want := "connection refused by app.invalid.example (--address 127.0.0.1:1)"; r.State != nagios.Critical || r.Summary != want {
		t.Errorf("got %v %q, want %q", r.State, r.Summary, want)
	}
}

// TestAddressTLS: with -I, SNI and the certificate check stay on the URL's
// host.
func TestAddressTLS(t *testing.T) {
	ca, err := testcert.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	srv := tlsServer(t, ca, testcert.Leaf{CommonName: "app.example", DNSNames: []string{"app.example"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(90 * 24 * time.Hour)}, nil)
	p := portOf(t, srv.URL)
	r := runHTTP(t, HTTPConfig{URL: "https://app.example:" + p + "/ready", Keywords: []string{"service ready"},
		Client: ClientConfig{CAFile: caFile, Address: "127.0.0.1"}})
	if r.State != nagios.OK {
		t.Errorf("%v %s", r.State, r.Summary)
	}
	r = runHTTP(t, HTTPConfig{URL: "https://other.example:" + p + "/ready", Client: ClientConfig{CAFile: caFile, Address: "127.0.0.1"}})
	if r.State != nagios.Critical || !strings.HasPrefix(r.Summary, "TLS certificate is not valid for other.example: it is for app.example") {
		t.Errorf("%v %s", r.State, r.Summary)
	}
}

// TestIPVersion: -4/-6 keep to one IP version, --prefer-ip tries one first
// and falls back to the other (blackbox's preferred_ip_protocol with
// ip_protocol_fallback).
func TestIPVersion(t *testing.T) {
	srv := hostEcho(t) // on 127.0.0.1 only
	p := portOf(t, srv.URL)
	lookup := func(addrs ...string) func(context.Context, string) ([]netip.Addr, error) {
		return func(_ context.Context, host string) ([]netip.Addr, error) {
			var out []netip.Addr
			for _, a := range addrs {
				out = append(out, netip.MustParseAddr(a))
			}
			return out, nil
		}
	}
	tests := []struct {
		name         string
		only, prefer int
		addrs        []string
		want         nagios.State
		summary      string
	}{
		{"-4 of both", 4, 0, []string{"::1", "127.0.0.1"}, nagios.OK, "200 OK"},
		{"prefer 6, falls back to 4", 0, 6, []string{"127.0.0.1", "::1"}, nagios.OK, "200 OK"},
		{"prefer 4", 0, 4, []string{"::1", "127.0.0.1"}, nagios.OK, "200 OK"},
		{"-6 without IPv6", 6, 0, []string{"127.0.0.1"}, nagios.Critical, "dual.test has no IPv6 address (-6)"},
		{"-4 without IPv4", 4, 0, []string{"::1"}, nagios.Critical, "dual.test has no IPv4 address (-4)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runHTTP(t, HTTPConfig{URL: "http://dual.test:" + p + "/",
				Client: ClientConfig{IPVersion: tt.only, PreferIP: tt.prefer, lookup: lookup(tt.addrs...)}})
			if r.State != tt.want || !strings.HasPrefix(r.Summary, tt.summary) {
				t.Fatalf("got %v %q", r.State, r.Summary)
			}
		})
	}
	// a literal address of the other version
	r := runHTTP(t, HTTPConfig{URL: srv.URL, Client: ClientConfig{IPVersion: 6}})
	if r.State != nagios.Critical || r.Summary != "127.0.0.1 has no IPv6 address (-6)" {
		t.Errorf("-6 on 127.0.0.1: %v %q", r.State, r.Summary)
	}
}

// TestSticky translates check_curl's -f sticky / stickyport cases: a
// redirect elsewhere goes to the first connection's address (sticky, on
// the redirect's port) or address and port (stickyport).
func TestSticky(t *testing.T) {
	srv := plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redir_external": // TEST-NET-2: never dialled
			http.Redirect(w, r, "http://198.51.100.1:1/redirect2", http.StatusMovedPermanently)
		case "/redirect2":
			fmt.Fprint(w, "redirected")
		}
	}))
	r := runHTTP(t, HTTPConfig{URL: srv.URL + "/redir_external", Keywords: []string{"redirected"},
		Client: ClientConfig{Follow: true, MaxRedirects: 10, Sticky: StickyPort}})
	if r.State != nagios.OK {
		t.Errorf("stickyport: %v %s", r.State, r.Summary)
	}
	r = runHTTP(t, HTTPConfig{URL: srv.URL + "/redir_external", Keywords: []string{"redirected"},
		Client: ClientConfig{Follow: true, MaxRedirects: 10, Sticky: Sticky}})
	if r.State != nagios.Critical || r.Summary != "connection refused by 198.51.100.1:1 (connected to 127.0.0.1:1: --onredirect sticky)" {
		t.Errorf("sticky: %v %q", r.State, r.Summary)
	}
}

// proxyServer is a forward proxy on 127.0.0.1 that answers every request
// as answer says.
func proxyServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) string {
	srv := plainServer(t, http.HandlerFunc(answer))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	return srv.URL
}

// TestProxyNamed: a failure of, or at, the proxy names the proxy, not the
// target.
func TestProxyNamed(t *testing.T) {
	forbid := proxyServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	})
	gateway := proxyServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	})
	hangup := "http://" + stallServer(t, nil, func(c net.Conn, _ <-chan struct{}) {
		_, _ = http.ReadRequest(bufio.NewReader(c))
		c.Close()
	})
	pf, pg, ph := strings.TrimPrefix(forbid, "http://"), strings.TrimPrefix(gateway, "http://"), strings.TrimPrefix(hangup, "http://")
	tests := []struct {
		url, proxy string
		want       nagios.State
		summary    string
	}{
		{"http://app.invalid.example/", "http://127.0.0.1:1", nagios.Critical, "connection refused by the proxy 127.0.0.1:1"},
		{"https://app.invalid.example/", "http://127.0.0.1:1", nagios.Critical, "connection refused by the proxy 127.0.0.1:1"},
		{"https://app.invalid.example/", forbid, nagios.Critical, "the proxy " + pf + " refused to connect to app.invalid.example:443: 403 Forbidden"},
		{"http://app.invalid.example/", gateway, nagios.Critical, "status 502 Bad Gateway (through the proxy " + pg + ")"},
		{"https://app.invalid.example/", hangup, nagios.Critical, "the proxy " + ph + " failed to connect to app.invalid.example: "},
		{"http://app.invalid.example/", hangup, nagios.Critical, "app.invalid.example closed the connection before the answer was complete (through the proxy " + ph + ")"},
	}
	for _, tt := range tests {
		r := runHTTP(t, HTTPConfig{URL: tt.url, Client: ClientConfig{Proxy: tt.proxy}})
		if r.State != tt.want || !strings.HasPrefix(r.Summary, tt.summary) {
			t.Errorf("%s via %s: got %v %q, want %q…", tt.url, tt.proxy, r.State, r.Summary, tt.summary)
		}
	}
}

// TestNoProxy: --no-proxy is honoured with --proxy too (check_curl's
// --noproxy cases): the request goes directly.
func TestNoProxy(t *testing.T) {
	srv := hostEcho(t)
	for _, list := range []string{"*", "127.0.0.1", "127.0.0.0/8", "10.0.0.0/8,127.0.0.1", "127.0.0.1:" + portOf(t, srv.URL)} {
		r := runHTTP(t, HTTPConfig{URL: srv.URL, Client: ClientConfig{Proxy: "http://127.0.0.1:1", NoProxy: list}})
		if r.State != nagios.OK {
			t.Errorf("--no-proxy %s: %v %s", list, r.State, r.Summary)
		}
	}
	for _, list := range []string{"10.0.0.0/8", "127.0.0.1:1", "localhost"} {
		r := runHTTP(t, HTTPConfig{URL: srv.URL, Client: ClientConfig{Proxy: "http://127.0.0.1:1", NoProxy: list}})
		if r.Summary != "connection refused by the proxy 127.0.0.1:1" {
			t.Errorf("--no-proxy %s: the proxy was not used: %v %s", list, r.State, r.Summary)
		}
	}
}

func TestParseNoProxy(t *testing.T) {
	np, err := ParseNoProxy("internal1.acme.org, .internal2.acme.org,*.x.example, 10.11.12.13, 192.156.0.0/22, 0123::CDEF, [::1], example.net:8080, 10.0.0.0/4")
	if err != nil {
		t.Fatal(err)
	}
	for u, want := range map[string]bool{
		"http://internal1.acme.org/": true, "http://a.internal1.acme.org/": true, "http://xinternal1.acme.org/": false,
		"http://internal2.acme.org/": true, "http://b.internal2.acme.org/": true, "http://y.x.example/": true,
		"http://10.11.12.13/": true, "http://192.156.3.1/": true, "http://192.156.4.1/": false,
		"http://[123::cdef]/": true, "http://[::1]:99/": true, "http://example.net:8080/": true, "http://example.net/": false,
		"http://15.0.0.1/": true, "http://16.0.0.1/": false, "http://acme.org/": false,
	} {
		pu, _ := url.Parse(u)
		if np.Match(pu) != want {
			t.Errorf("%s: match %v, want %v", u, !want, want)
		}
	}
	for _, bad := range []string{"1.1.1.1/64", "::/256", "XYZD:0123::", "1::2::3", "a b", "host:port"} {
		if _, err := ParseNoProxy(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// what check_curl accepts as names, so do we (they never match an address)
	for _, odd := range []string{"300.400.500.600", "1.2.3"} {
		if _, err := ParseNoProxy(odd); err != nil {
			t.Errorf("%q: %v", odd, err)
		}
	}
}

func FuzzParseNoProxy(f *testing.F) {
	f.Add("internal.acme.org,10.0.0.0/8,[::1]:80,*")
	f.Add("0123:4567:89AB:CDEF:0123:4567:89AB:CDEF,0123::CDEF,0123:4567/96")
	f.Fuzz(func(t *testing.T, list string) {
		np, err := ParseNoProxy(list)
		if err != nil {
			return
		}
		np.Match(&url.URL{Scheme: "http", Host: "127.0.0.1:80"})
		np.Match(&url.URL{Scheme: "https", Host: "[::1]"})
	})
}

// TestHTTPVersionForced: --http-version 2 fails where HTTP/2 is not
// granted; 1.1 keeps to HTTP/1.1.
func TestHTTPVersionForced(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.Proto) })
	h1 := httptest.NewUnstartedServer(h)
	h1.Config.ErrorLog = log.New(io.Discard, "", 0)
	h1.StartTLS()
	t.Cleanup(h1.Close)
	h2 := httptest.NewUnstartedServer(h)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	t.Cleanup(h2.Close)
	plain := plainServer(t, h)
	h2c := httptest.NewUnstartedServer(h)
	h2c.Config.Protocols = new(http.Protocols)
	h2c.Config.Protocols.SetHTTP1(true)
	h2c.Config.Protocols.SetUnencryptedHTTP2(true)
	h2c.Start()
	t.Cleanup(h2c.Close)
	tests := []struct {
		url, version string
		want         nagios.State
		summary      string
	}{
		{h2.URL, "2", nagios.OK, "200 OK, keyword \"HTTP/2.0\""},
		{h2.URL, "1.1", nagios.Critical, "keyword \"HTTP/2.0\" not found in \"HTTP/1.1\""},
		{h2.URL, "", nagios.OK, "200 OK, keyword \"HTTP/2.0\""},
		{h1.URL, "2", nagios.Critical, "127.0.0.1:" + portOf(t, h1.URL) + " does not offer HTTP/2 (--http-version 2)"},
		{h2c.URL, "2", nagios.OK, "200 OK, keyword \"HTTP/2.0\""},
		{plain.URL, "2", nagios.Critical, "127.0.0.1:" + portOf(t, plain.URL) + " does not speak HTTP/2 without TLS"},
	}
	for _, tt := range tests {
		r := runHTTP(t, HTTPConfig{URL: tt.url, Keywords: []string{"HTTP/2.0"}, Client: ClientConfig{Insecure: true, HTTPVersion: tt.version}})
		if r.State != tt.want || !strings.HasPrefix(r.Summary, tt.summary) {
			t.Errorf("%s --http-version %q: got %v %q, want %q…", tt.url, tt.version, r.State, r.Summary, tt.summary)
		}
	}
}

func TestTLSVersions(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%x", r.TLS.Version)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{MaxVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	r := runHTTP(t, HTTPConfig{URL: srv.URL, Keywords: []string{"303"}, Client: ClientConfig{Insecure: true, TLSMax: tls.VersionTLS12}})
	if r.State != nagios.OK {
		t.Errorf("--tls-max 1.2: %v %s", r.State, r.Summary)
	}
	r = runHTTP(t, HTTPConfig{URL: srv.URL, Client: ClientConfig{Insecure: true, TLSMin: tls.VersionTLS13}})
	if r.State != nagios.Critical || !strings.Contains(r.Summary, "protocol version") || !strings.HasSuffix(r.Summary, "(check --tls-min and --tls-max)") {
		t.Errorf("--tls-min 1.3 against a TLS 1.2 server: %v %q", r.State, r.Summary)
	}
	if _, err := NewClient(ClientConfig{TLSMin: tls.VersionTLS13, TLSMax: tls.VersionTLS12}); err == nil {
		t.Error("--tls-min above --tls-max accepted")
	}
}

// TestCookiesAcrossRedirects: blackbox_exporter's TestCookieJar, and a
// login redirect to another port of the host (another origin: the
// cookie, which knows no ports, goes on; a -H Cookie does not).
func TestCookiesAcrossRedirects(t *testing.T) {
	var second *httptest.Server
	first := plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			http.SetCookie(w, &http.Cookie{Name: "somecookie", Value: "cookie", Expires: time.Now().Add(365 * 24 * time.Hour)})
			http.Redirect(w, r, "/noredirect", http.StatusFound)
		case "/noredirect":
			if c, err := r.Cookie("somecookie"); err != nil || c.Value != "cookie" {
				w.WriteHeader(http.StatusForbidden)
			}
		case "/login":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3ss10n-value"})
			http.Redirect(w, r, second.URL+"/app", http.StatusFound)
		}
	}))
	second = plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		switch {
		case err != nil:
			w.WriteHeader(http.StatusUnauthorized)
		case r.Header.Get("Cookie") != "session=s3ss10n-value":
			w.WriteHeader(http.StatusBadRequest) // the user's own cookie came too
		default:
			fmt.Fprint(w, "welcome ", c.Value)
		}
	}))
	r := runHTTP(t, HTTPConfig{URL: first.URL + "/", Client: ClientConfig{Follow: true, MaxRedirects: 10}})
	if r.State != nagios.OK {
		t.Errorf("cookie over a redirect: %v %s", r.State, r.Summary)
	}
	jar := NewCookieJar()
	r = runHTTP(t, HTTPConfig{URL: first.URL + "/login", Keywords: []string{"welcome"},
		Client: ClientConfig{Follow: true, MaxRedirects: 10, Jar: jar, Headers: http.Header{"Cookie": {"mine=private"}}}})
	if r.State != nagios.OK {
		t.Errorf("login redirect: %v %s", r.State, r.Summary)
	}
	if jar.Len() != 1 {
		t.Errorf("the shared jar holds %d cookies", jar.Len())
	}
	// a second step with the same jar is logged in
	r = runHTTP(t, HTTPConfig{URL: second.URL + "/app", Keywords: []string{"welcome s3ss10n-value"}, Client: ClientConfig{Jar: jar}})
	if r.State != nagios.OK {
		t.Errorf("second step with the shared jar: %v %s", r.State, r.Summary)
	}
}

func TestCookieJarRules(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	j := NewCookieJar()
	j.now = func() time.Time { return now }
	u := func(s string) *url.URL { x, _ := url.Parse(s); return x }
	j.SetCookies(u("https://www.example.com/app/login"), []*http.Cookie{
		{Name: "host", Value: "1"},                                   // host-only, path /app
		{Name: "dom", Value: "2", Domain: ".example.com", Path: "/"}, // every subdomain
		{Name: "sec", Value: "3", Secure: true, Path: "/", HttpOnly: true},
		{Name: "old", Value: "4", Expires: now.Add(-time.Hour)},
		{Name: "evil", Value: "5", Domain: "other.com"},
		{Name: "short", Value: "6", MaxAge: 60, Path: "/"},
	})
	names := func(s string) string {
		var out []string
		for _, c := range j.Cookies(u(s)) {
			out = append(out, c.Name)
		}
		return strings.Join(out, " ")
	}
	for in, want := range map[string]string{
		"https://www.example.com/app/x": "host dom sec short",
		"http://www.example.com/app/x":  "host dom short",
		"https://api.example.com/":      "dom",
		"https://www.example.com/":      "dom sec short",
		"https://www.example.com/apps":  "dom sec short",
		"https://other.com/":            "",
	} {
		if got := names(in); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
	now = now.Add(2 * time.Minute)
	if got := names("https://www.example.com/"); got != "dom sec" {
		t.Errorf("after Max-Age: %q", got)
	}
	// the file round-trips, session cookies and HttpOnly included
	text := j.Netscape()
	k := NewCookieJar()
	k.now = j.now
	if err := k.LoadNetscape(text); err != nil {
		t.Fatal(err)
	}
	if string(k.Netscape()) != string(text) {
		t.Errorf("round trip:\n%s\nvs\n%s", text, k.Netscape())
	}
	if !strings.Contains(string(text), "#HttpOnly_www.example.com\tFALSE\t/\tTRUE\t0\tsec\t3\n") ||
		!strings.Contains(string(text), ".example.com\tTRUE\t/\tFALSE\t0\tdom\t2\n") {
		t.Errorf("file:\n%s", text)
	}
}

func TestLoadNetscape(t *testing.T) {
	j := NewCookieJar()
	err := j.LoadNetscape([]byte("# Netscape HTTP Cookie File\n\n.example.com\tTRUE\t/\tFALSE\t0\tid\tabc\nwww.example.com\tFALSE\t/\tFALSE\t1\told\tx\n"))
	if err != nil || j.Len() != 1 {
		t.Fatalf("%v, %d cookies", err, j.Len())
	}
	for _, bad := range []string{"a\tb\n", "example.com\tTRUE\tnoslash\tFALSE\t0\tn\tv\n", "example.com\tTRUE\t/\tFALSE\tsoon\tn\tv\n",
		strings.Repeat("x", maxCookieLine+1)} {
		if err := NewCookieJar().LoadNetscape([]byte(bad)); err == nil {
			t.Errorf("%.40q accepted", bad)
		}
	}
}

func FuzzLoadNetscape(f *testing.F) {
	f.Add([]byte(".example.com\tTRUE\t/\tFALSE\t0\tid\tabc\n#HttpOnly_www.example.com\tFALSE\t/a\tTRUE\t99999999999\tn\tv\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		j := NewCookieJar()
		if err := j.LoadNetscape(data); err != nil {
			return
		}
		k := NewCookieJar()
		if err := k.LoadNetscape(j.Netscape()); err != nil {
			t.Fatalf("its own file does not load: %v\n%s", err, j.Netscape())
		}
		if k.Len() != j.Len() {
			t.Fatalf("%d cookies, then %d", j.Len(), k.Len())
		}
	})
}

// TestStickyAfterToken: an OAuth2 token endpoint elsewhere is not where
// sticky redirects keep to: that is the URL's own host.
func TestStickyAfterToken(t *testing.T) {
	api := bearerOnly(t)
	tokens := tokenEndpoint(t, false, nil)
	r := runHTTP(t, HTTPConfig{URL: api, Keywords: []string{"welcome"}, Client: ClientConfig{Follow: true, MaxRedirects: 10, Sticky: StickyPort,
		OAuth2: &OAuth2{TokenURL: tokens, ClientID: "probe", ClientSecret: "s3cret"}}})
	if r.State != nagios.OK {
		t.Errorf("%v %s", r.State, r.Summary)
	}
}
