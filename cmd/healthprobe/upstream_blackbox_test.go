package main

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// blackbox_exporter's prober/http_test.go, case by case. A module's
// defaults are written out: valid_status_codes (2xx) as --expect-status
// 200-299, redirects followed. A probe's success is exit 0, its failure
// any other code.

func bbServer(t *testing.T, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// bb is a blackbox module's command line: the target, 2xx only, and args.
func bb(target string, args ...string) []string {
	return append([]string{"http", target, "--expect-status", "200-299", "-t", "5"}, args...)
}

func compress(t *testing.T, coding string, b []byte) []byte {
	var buf bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "br":
		w = brotli.NewWriter(&buf)
	case "deflate":
		w, _ = flate.NewWriter(&buf, flate.DefaultCompression)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func blackboxCases(t *testing.T, certs *upstreamCerts) []upCase {
	var cs []upCase
	add := func(c upCase) { c.suite = suiteBB; cs = append(cs, c) }
	verdict := func(ok bool) int {
		if ok {
			return 0
		}
		return anyFail
	}

	// TestHTTPStatusCodes
	for _, tt := range []struct {
		code  int
		valid string
		ok    bool
	}{{200, "", true}, {201, "", true}, {299, "", true}, {300, "", false}, {404, "", false}, {404, "200,404", true},
		{200, "200,404", true}, {201, "200,404", false}, {404, "404", true}, {200, "404", false}} {
		u := bbServer(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(tt.code) })
		args := bb(u)
		if tt.valid != "" {
			args = hp(u, "--expect-status", tt.valid)
		}
		add(upCase{ref: fmt.Sprintf("TestHTTPStatusCodes %d %q", tt.code, tt.valid), cmd: "valid_status_codes: [" + tt.valid + "]", args: args, want: verdict(tt.ok)})
	}

	// TestValidHTTPVersion: a case that should fail is not asserted
	// upstream; HTTP/3 is refused by the configuration
	empty := bbServer(t, func(http.ResponseWriter, *http.Request) {})
	for _, tt := range []struct {
		versions string
		ok       bool
	}{{"", true}, {"1.1", true}, {"1.1,2", true}, {"1.1,2,3", false}, {"2", false}, {"3", false}} {
		args := bb(empty)
		if tt.versions != "" {
			args = append(args, "--expect-http-version", tt.versions)
		}
		add(upCase{ref: "TestValidHTTPVersion " + tt.versions, cmd: "valid_http_versions: " + tt.versions, args: args, want: verdict(tt.ok)})
	}

	// TestContentLength: a compressed body without a compression setting
	// is not decoded there; it is here (decoded-always), which leaves the
	// verdict alone
	msg := []byte(strings.Repeat("hello world", 10))
	serveCE := func(ce string, body []byte, code int) string {
		return bbServer(t, func(w http.ResponseWriter, _ *http.Request) {
			if ce != "" {
				w.Header().Add("Content-Encoding", ce)
			}
			w.WriteHeader(code)
			_, _ = w.Write(body)
		})
	}
	for _, tt := range []struct {
		name, ce string
		body     []byte
		code     int
		ok       bool
	}{
		{"identity", "identity", msg, 200, true}, {"no content-encoding", "", msg, 200, true},
		{"unknown content-encoding", "xxx", bytes.Repeat([]byte{'x'}, len(msg)), 200, true}, {"401", "", []byte("not found"), 404, false},
		{"brotli", "br", compress(t, "br", msg), 200, true}, {"deflate", "deflate", compress(t, "deflate", msg), 200, true},
		{"gzip", "gzip", compress(t, "gzip", msg), 200, true},
	} {
		add(upCase{ref: "TestContentLength " + tt.name, cmd: "Content-Encoding: " + tt.ce, args: bb(serveCE(tt.ce, tt.body, tt.code)), want: verdict(tt.ok)})
	}

	// TestHandlingOfCompressionSetting: healthprobe decodes by
	// Content-Encoding, whatever Accept-Encoding asked; compression: has no
	// counterpart
	gz := compress(t, "gzip", msg)
	for _, tt := range []struct {
		name, ce, ae string
		body         []byte
		ok           bool
		differ       string
	}{
		{"gzip", "gzip", "", gz, true, ""}, {"brotli", "br", "", compress(t, "br", msg), true, ""},
		{"deflate", "deflate", "", compress(t, "deflate", msg), true, ""}, {"identity", "identity", "", msg, true, ""},
		{"compression encoding mismatch", "gzip", "", gz, false, "decoded-always"},
		{"accept gzip", "gzip", "gzip", gz, true, ""}, {"accept br, gzip", "gzip", "br, gzip", gz, true, ""},
		{"accept anything", "gzip", "*", gz, true, ""}, {"compressed content without compression setting", "gzip", "", gz, true, ""},
	} {
		args := bb(serveCE(tt.ce, tt.body, 200), "-s", "hello world")
		if tt.ae != "" {
			args = append(args, "-H", "Accept-Encoding: "+tt.ae)
		}
		c := upCase{ref: "TestHandlingOfCompressionSetting " + tt.name, cmd: "Content-Encoding: " + tt.ce + ", Accept-Encoding: " + tt.ae, args: args, want: verdict(tt.ok)}
		if tt.differ != "" {
			c.differ, c.ours = tt.differ, 0
		}
		add(c)
	}

	// TestMaxResponseLength: body_size_limit 128, of the decoded body
	for _, tt := range []struct {
		name string
		body []byte
		ce   string
		ok   bool
	}{
		{"short", bytes.Repeat([]byte{'A'}, 127), "", true}, {"long", bytes.Repeat([]byte{'A'}, 129), "", false},
		{"short compressed", compress(t, "gzip", bytes.Repeat([]byte{'A'}, 127)), "gzip", true},
		{"long compressed", compress(t, "gzip", bytes.Repeat([]byte{'A'}, 129)), "gzip", false},
	} {
		c := upCase{ref: "TestMaxResponseLength " + tt.name, cmd: "body_size_limit: 128", args: bb(serveCE(tt.ce, tt.body, 200), "--max-body", "128"), want: verdict(tt.ok)}
		if !tt.ok {
			c.out = []string{`body cut at 128 B \(--max-body\)`}
		}
		add(c)
	}

	// redirects
	followed := bbServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.Redirect(w, r, "/noredirect", http.StatusFound)
		}
	})
	add(upCase{ref: "TestRedirectFollowed", cmd: "follow_redirects: true", args: bb(followed), want: 0})
	notFollowed := bbServer(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/noredirect", http.StatusFound) })
	add(upCase{ref: "TestRedirectNotFollowed", cmd: "follow_redirects: false, valid_status_codes: [302]", args: hp(notFollowed, "--max-redirects", "0", "--expect-status", "302"), want: 0})
	var tooFar bool
	limit := bbServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/redirect-12":
			tooFar = true
			w.WriteHeader(http.StatusTooManyRequests)
		case strings.HasPrefix(r.URL.Path, "/redirect-"):
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/redirect-"))
			http.Redirect(w, r, fmt.Sprintf("/redirect-%d", n+1), http.StatusFound)
		default:
			http.Redirect(w, r, "/redirect-1", http.StatusFound)
		}
	})
	add(upCase{ref: "TestRedirectionLimit", cmd: "follow_redirects: true (at most 10)", args: bb(limit), want: anyFail,
		out: []string{`more than 10 redirects \(--max-redirects 10\)`},
		before: func(*testing.T) func(*testing.T) {
			return func(t *testing.T) {
				if tooFar {
					t.Error("followed more redirects than 10")
				}
			}
		}})

	post := bbServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	add(upCase{ref: "TestPost", cmd: "method: POST", args: bb(post, "-X", "POST"), want: 0})
	add(upCase{ref: "TestBasicAuth", cmd: "basic_auth: {username, password}", args: bb(empty, "-u", "username", "--password", "password", "--auth", "basic"), want: 0})
	add(upCase{ref: "TestBearerToken", cmd: "bearer_token: mysecret", args: bb(empty, "--bearer-env", "BB_TOKEN"), vars: map[string]string{"BB_TOKEN": "mysecret"}, want: 0})
	add(upCase{ref: "TestFailIfNotSSL", cmd: "fail_if_not_ssl: true", args: bb(empty, "--require-tls"), want: anyFail})
	closer := rawListener(t, "tcp", "127.0.0.1:0", nil, func(net.Conn, <-chan struct{}) {})
	for _, tt := range []struct {
		name, url string
		require   bool
		ok        bool
		message   bool
	}{{"SSL expected, message", empty, true, false, true}, {"No SSL expected, no message", empty, false, true, false},
		{"SSL expected, no message", "http://" + closer.Addr().String() + "/", true, false, false}} {
		args := bb(tt.url)
		if tt.require {
			args = append(args, "--require-tls")
		}
		c := upCase{ref: "TestFailIfNotSSLLogMsg " + tt.name, cmd: "fail_if_not_ssl: " + strconv.FormatBool(tt.require), args: args, want: verdict(tt.ok)}
		if tt.message {
			c.out = []string{`the final answer came over plain HTTP`}
		} else {
			c.notOut = []string{`the final answer came over plain HTTP`}
		}
		add(c)
	}

	// CEL on the JSON body, as jq: the expression must yield exactly
	// false (fail_if_body_json_matches_cel) or true (..._not_matches_cel);
	// a body that is not JSON, or an expression that fails (CEL's missing
	// key: jq's values drops the null) is a failure either way
	type celCase struct {
		name, body, cel, jq string
		ok                  bool
	}
	const fooBar = `(.foo.bar | values)`
	for _, set := range []struct {
		test, equals string
		cases        []celCase
	}{
		{"TestFailIfBodyMatchesCEL", "false", []celCase{
			{"celExpression matches", `{"foo": {"bar": "baz"}}`, "body.foo.bar == 'baz'", fooBar + ` == "baz"`, false},
			{"celExpression does not match", `{"foo": {"bar": "baz"}}`, "body.foo.bar == 'qux'", fooBar + ` == "qux"`, true},
			{"celExpression does not match with empty body", `{}`, "body.foo.bar == 'qux'", fooBar + ` == "qux"`, false},
			{"celExpression result not boolean", `{"foo": {"bar": "baz"}}`, "body.foo.bar", fooBar, false},
			{"body is not json", "hello world", "body.foo.bar == 'baz'", fooBar + ` == "baz"`, false},
			{"body is empty json object", "{}", "body.foo.bar == 'baz'", fooBar + ` == "baz"`, false},
			{"body is json string", `"foo"`, "body == 'foo'", `. == "foo"`, false},
			{"body is json list", `["foo","bar","baz"]`, "body[2] == 'baz'", `.[2] == "baz"`, false},
			{"body is json boolean", `true`, "body", `.`, false},
			{"body is empty", "", "body.foo.bar == 'baz'", fooBar + ` == "baz"`, false},
			{"body returns emoji", "🤠🤠🤠", "body.foo.bar == 'baz'", fooBar + ` == "baz"`, false},
			{"body returns json with emojis", `{"foo": {"bar": "🤠🤠🤠"}}`, "body.foo.bar == '😿😿😿'", fooBar + ` == "😿😿😿"`, true},
		}},
		{"TestFailIfBodyNotMatchesCEL", "true", []celCase{
			{"cel matches", `{"foo": {"bar": "baz"}}`, "body.foo.bar == 'baz'", fooBar + ` == "baz"`, true},
			{"cel does not match", `{"foo": {"bar": "baz"}}`, "body.foo.bar == 'qux'", fooBar + ` == "qux"`, false},
			{"cel does not match with empty body", `{}`, "body.foo.bar == 'qux'", fooBar + ` == "qux"`, false},
			{"cel result not boolean", `{"foo": {"bar": "baz"}}`, "body.foo.bar", fooBar, false},
			{"body is not json", "hello world", "body.foo.bar == 'baz'", fooBar + ` == "baz"`, false},
			{"body is empty json object", "{}", "!has(body.foo)", `has("foo") | not`, true},
			{"body is json string", `"foo"`, "body == 'foo'", `. == "foo"`, true},
			{"body is json list", `["foo","bar","baz"]`, "body[2] == 'baz'", `.[2] == "baz"`, true},
			{"body is json boolean", `true`, "body", `.`, true},
			{"body is empty", "", "body.foo.bar == 'baz'", fooBar + ` == "baz"`, false},
			{"body returns emoji", "🤠🤠🤠", "body.foo.bar == 'baz'", fooBar + ` == "baz"`, false},
			{"body returns json with emojis", `{"foo": {"bar": "🤠🤠🤠"}}`, "body.foo.bar == '🤠🤠🤠'", fooBar + ` == "🤠🤠🤠"`, true},
		}},
	} {
		for _, c := range set.cases {
			u := bbServer(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, c.body) })
			add(upCase{ref: set.test + " " + c.name, cmd: "CEL " + c.cel, args: bb(u, "--jq", c.jq, "--jq-equals", set.equals), want: verdict(c.ok)})
		}
	}

	// regular expressions on the body
	for _, tt := range []struct {
		name, body string
		res        []string
		ok         bool
	}{
		{"one regex, match", "Bad news: could not connect to database server", []string{"could not connect to database"}, false},
		{"one regex, no match", "Download the latest version here", []string{"could not connect to database"}, true},
		{"multiple regexes, match", "internal error", []string{"could not connect to database", "internal error"}, false},
		{"multiple regexes, no match", "hello world", []string{"could not connect to database", "internal error"}, true},
	} {
		u := bbServer(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, tt.body) })
		args := bb(u, "--invert-regex")
		for _, re := range tt.res {
			args = append(args, "-r", re)
		}
		add(upCase{ref: "TestFailIfBodyMatchesRegexp " + tt.name, cmd: "fail_if_body_matches_regexp", args: args, want: verdict(tt.ok)})
	}
	for i, tt := range []struct {
		body string
		res  []string
		ok   bool
	}{
		{"Bad news: could not connect to database server", []string{"Download the latest version here"}, false},
		{"Download the latest version here", []string{"Download the latest version here"}, true},
		{"Download the latest version here", []string{"Download the latest version here", "Copyright 2015"}, false},
		{"Download the latest version here. Copyright 2015 Test Inc.", []string{"Download the latest version here", "Copyright 2015"}, true},
	} {
		u := bbServer(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, tt.body) })
		args := bb(u)
		for _, re := range tt.res {
			args = append(args, "-r", re)
		}
		add(upCase{ref: fmt.Sprintf("TestFailIfBodyNotMatchesRegexp %d", i), cmd: "fail_if_body_not_matches_regexp", args: args, want: verdict(tt.ok)})
	}

	// header matches, each value of a repeated header on its own
	c1 := "zz=4; expires=Mon, 01-Jan-1990 00:00:00 GMT; Domain=www.example.com; Path=/"
	c2 := "gid=1; Expires=Tue, 19-Mar-2019 20:08:29 GMT; Domain=.example.com; Path=/"
	for _, set := range []struct {
		test, flag string
		cases      []struct {
			header, re string
			missing    bool
			values     []string
			ok         bool
		}
	}{
		{"TestFailIfHeaderMatchesRegexp", "--header-not-match", []struct {
			header, re string
			missing    bool
			values     []string
			ok         bool
		}{
			{"Content-Type", "text/javascript", false, []string{"text/javascript"}, false},
			{"Content-Type", "text/javascript", false, []string{"application/octet-stream"}, true},
			{"content-type", "text/javascript", false, []string{"application/octet-stream"}, true},
			{"Content-Type", ".*", false, []string{""}, false},
			{"Content-Type", ".*", false, nil, false},
			{"Content-Type", ".*", true, []string{""}, false},
			{"Content-Type", ".*", true, nil, true},
			{"Set-Cookie", `.*Domain=\.example\.com.*`, false, []string{c2}, false},
			{"Set-Cookie", `.*Domain=\.example\.com.*`, false, []string{c1, c2}, false},
		}},
		{"TestFailIfHeaderNotMatchesRegexp", "--header-match", []struct {
			header, re string
			missing    bool
			values     []string
			ok         bool
		}{
			{"Content-Type", "text/javascript", false, []string{"text/javascript"}, true},
			{"content-type", "text/javascript", false, []string{"text/javascript"}, true},
			{"Content-Type", "text/javascript", false, []string{"application/octet-stream"}, false},
			{"Content-Type", ".*", false, []string{""}, true},
			{"Content-Type", ".*", false, nil, false},
			{"Content-Type", ".*", true, nil, true},
			{"Set-Cookie", `.*Domain=\.example\.com.*`, false, []string{c1}, false},
			{"Set-Cookie", `.*Domain=\.example\.com.*`, false, []string{c1, c2}, true},
		}},
	} {
		for i, tt := range set.cases {
			u := bbServer(t, func(w http.ResponseWriter, _ *http.Request) {
				for _, v := range tt.values {
					w.Header().Add(tt.header, v)
				}
			})
			args := bb(u, set.flag, tt.header+": "+tt.re)
			if tt.missing {
				args = append(args, "--header-allow-missing", tt.header)
			}
			add(upCase{ref: fmt.Sprintf("%s %d", set.test, i), cmd: fmt.Sprintf("{header: %s, regexp: %s, allow_missing: %v} on %q", tt.header, tt.re, tt.missing, tt.values),
				args: args, want: verdict(tt.ok)})
		}
	}

	headers := bbServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "my-secret-vhost.com" || r.Header.Get("User-Agent") != "unsuspicious-user" || r.Header.Get("Accept-Language") != "en-US" {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	add(upCase{ref: "TestHTTPHeaders", cmd: "headers: {Host, User-Agent, Accept-Language}",
		args: bb(headers, "-H", "Host: my-secret-vhost.com", "-H", "User-Agent: unsuspicious-user", "-H", "Accept-Language: en-US"), want: 0})

	tlsEmpty := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tlsEmpty.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	tlsEmpty.StartTLS()
	t.Cleanup(tlsEmpty.Close)
	add(upCase{ref: "TestFailIfSelfSignedCA", cmd: "insecure_skip_verify: false", args: bb(tlsEmpty.URL), want: anyFail,
		out: []string{`signed by an unknown authority`}})
	add(upCase{ref: "TestSucceedIfSelfSignedCA", cmd: "insecure_skip_verify: true", args: bb(tlsEmpty.URL, "-k"), want: 0})
	add(upCase{ref: "TestTLSConfigIsIgnoredForPlainHTTP", cmd: "insecure_skip_verify: false on http://", args: bb(empty), want: 0})

	// a certificate valid for one day more: its last day here
	oneDay := certServer(t, certs.ca, time.Now().Add(24*time.Hour))
	add(upCase{ref: "TestHTTPUsesTargetAsTLSServerName", cmd: "ca_file, target https://localhost:PORT, certificate valid 1 day",
		args: bb(strings.Replace(oneDay, "127.0.0.1", "localhost", 1), "--ca-file", certs.file("ca.pem"), "-4"), want: 0, differ: "last-day", ours: 2,
		out: []string{`certificate localhost expires in 2[0-3] hours`}})
	secure := certServer(t, certs.ca, time.Now().Add(90*24*time.Hour))
	toTLS := bbServer(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, secure, http.StatusFound) })
	add(upCase{ref: "TestRedirectToTLSHostWorks", cmd: "a redirect to https://prometheus.io (here: to a TLS server on 127.0.0.1)",
		args: bb(toTLS, "--ca-file", certs.file("ca.pem")), want: 0})
	add(upCase{ref: "TestHTTPPhases", cmd: "insecure_skip_verify: true; the phases resolve, connect, tls, processing, transfer",
		args: bb(tlsEmpty.URL, "-k", "-E"), want: 0,
		out: []string{` time_dns=`, ` time_connect=`, ` time_tls=`, ` time_firstbyte=`, ` time_transfer=`}})

	jar := bbServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			http.SetCookie(w, &http.Cookie{Name: "somecookie", Value: "cookie", Expires: time.Now().Add(365 * 24 * time.Hour)})
			http.Redirect(w, r, "/noredirect", http.StatusFound)
		case "/noredirect":
			if c, err := r.Cookie("somecookie"); err != nil || c.String() != "somecookie=cookie" {
				w.WriteHeader(http.StatusBadRequest)
			}
		}
	})
	add(upCase{ref: "TestCookieJar", cmd: "a cookie set on a redirect", args: bb(jar), want: 0})

	for _, name := range []string{"Without Proxy with skipping resolve", "Without Proxy without skipping resolve",
		"With Proxy config without skipping resolve", "With Proxy config with skipping resolve",
		"With Proxy env without skipping resolve", "With Proxy env with skipping resolve"} {
		add(upCase{ref: "TestSkipResolvePhase " + name, cmd: "skip_resolve_phase_with_proxy",
			cannot: "blackbox resolves the target itself before its request, and the option skips that; healthprobe never does, and never resolves a proxied target"})
	}

	body := bbServer(t, func(w http.ResponseWriter, r *http.Request) {
		if b, _ := io.ReadAll(r.Body); string(b) != "Test Body" {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	bodyFile := filepath.Join(t.TempDir(), "body.txt")
	if err := os.WriteFile(bodyFile, []byte("Test Body"), 0o600); err != nil {
		t.Fatal(err)
	}
	add(upCase{ref: "TestBody body", cmd: "body: Test Body", args: bb(body, "-d", "Test Body"), want: 0})
	add(upCase{ref: "TestBody body_file", cmd: "body_file: body.txt", args: bb(body, "--data-file", bodyFile), want: 0})

	plain200 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(plain200.Close)
	tls200 := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(tls200.Close)
	ph, th := plain200.Listener.Addr().String(), tls200.Listener.Addr().String()
	for _, tt := range []struct {
		name, target string
		insecure, ok bool
	}{
		{"lowercase http scheme", "http://" + ph, false, true}, {"lowercase https scheme", "https://" + th, true, true},
		{"uppercase http scheme", "HTTP://" + ph, false, true}, {"mixed case https scheme", "HtTpS://" + th, true, true},
		{"missing scheme", ph, false, true}, {"invalid scheme", "invalid://" + ph, false, false},
	} {
		args := bb(tt.target)
		if tt.insecure {
			args = append(args, "-k")
		}
		add(upCase{ref: "TestHTTPParsingScheme " + tt.name, cmd: "target " + tt.target, args: args, want: verdict(tt.ok)})
	}
	for _, name := range []string{"TestValidHTTPVersionsQUIC 0", "TestValidHTTPVersionsQUIC 1", "TestValidHTTPVersionsQUIC 2",
		"TestValidHTTPVersionsQUIC 3", "TestValidHTTPVersionsQUIC 4", "TestValidHTTPVersionsQUIC 5", "TestHTTP3ProbeQUIC",
		"TestHTTP3ProbeQUICMixedCaseHTTPScheme"} {
		add(upCase{ref: name, cmd: "enable_http3: true", cannot: "HTTP/3 (QUIC) is out of scope"})
	}
	return cs
}
