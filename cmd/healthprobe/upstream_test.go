package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/internal/testcert"
)

// The upstream suites, case by case: monitoring-plugins'
// plugins/tests/check_curl.t, plugins/tests/check_http.t and
// plugins/t/check_curl.t, and prometheus/blackbox_exporter's
// prober/http_test.go, each case translated into a healthprobe command line
// and run against a loopback rebuild of the server it ran against
// (upstream_servers_test.go). A case either gives upstream's verdict, or
// differs on purpose (a difference docs/migrating.md names, by its id), or
// has no healthprobe form (the reason is given). The tally is the table
// in docs/migrating.md; -update rewrites it:
//
//	go test ./cmd/healthprobe -run TestUpstreamSuites -update

// The exit code a case wants, beyond 0-3.
const (
	anyFail = -1 // blackbox_exporter's failure: anything but 0
	anyExit = -2 // the suite asserts only that the plugin returns in time
)

// upCase is one upstream case.
type upCase struct {
	suite string
	ref   string   // upstream's line, or test and case
	cmd   string   // upstream's command or configuration, for the record
	args  []string // healthprobe's command line
	want  int      // upstream's exit code (blackbox: 0 success, anyFail)
	// differ names a deliberate difference (an id in docs/migrating.md);
	// ours is then healthprobe's exit code, which differs from want.
	differ string
	ours   int
	cannot string   // why the case has no healthprobe form
	out    []string // regular expressions stdout must match
	notOut []string // ... and must not
	vars   map[string]string
	within time.Duration                         // upstream's bound on the run's time
	least  time.Duration                         // the run must take at least this
	before func(t *testing.T) func(t *testing.T) // set up, returning a check run after the command
}

const (
	suiteCurl  = "monitoring-plugins plugins/tests/check_curl.t"
	suiteHTTP  = "monitoring-plugins plugins/tests/check_http.t"
	suiteTCurl = "monitoring-plugins plugins/t/check_curl.t"
	suiteBB    = "blackbox_exporter prober/http_test.go"
)

var upstreamSuites = []string{suiteCurl, suiteHTTP, suiteTCurl, suiteBB}

// upstreamCerts are the certificates the suites' servers serve.
type upstreamCerts struct {
	server, expired tls.Certificate // self-signed "Monitoring Plugins", valid about 4 years / expired
	clientCAs       *x509.CertPool
	dir             string // client.pem, client.key, chain.pem, chain.key, ca.pem (the loopback CA)
	ca              *testcert.CA
}

func makeUpstreamCerts(t *testing.T) *upstreamCerts {
	t.Helper()
	now := time.Now()
	day := 24 * time.Hour
	c := &upstreamCerts{dir: t.TempDir()}
	var err error
	mp := testcert.Leaf{CommonName: "Monitoring Plugins", DNSNames: []string{"localhost"}, IPs: []net.IP{net.ParseIP("127.0.0.1")}}
	mp.NotBefore, mp.NotAfter = now.Add(-day), now.Add(1500*day)
	if c.server, err = testcert.SelfSigned(mp); err != nil {
		t.Fatal(err)
	}
	mp.NotBefore, mp.NotAfter = now.Add(-20*day), now.Add(-10*day)
	if c.expired, err = testcert.SelfSigned(mp); err != nil {
		t.Fatal(err)
	}
	if c.ca, err = testcert.NewCA(); err != nil {
		t.Fatal(err)
	}
	clientCA, err := testcert.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	c.clientCAs = x509.NewCertPool()
	c.clientCAs.AddCert(clientCA.Cert)
	leaf := testcert.Leaf{CommonName: "client", NotBefore: now.Add(-day), NotAfter: now.Add(100 * day), Client: true}
	_, cert, key, err := clientCA.Issue(leaf)
	if err != nil {
		t.Fatal(err)
	}
	// a client certificate from an intermediate, the file holding the chain
	inter, err := clientCA.Intermediate("intermediate")
	if err != nil {
		t.Fatal(err)
	}
	_, chainCert, chainKey, err := inter.Issue(leaf)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"client.pem": cert, "client.key": key, "chain.pem": append(chainCert, inter.PEM...),
		"chain.key": chainKey, "ca.pem": c.ca.PEM} {
		if err := os.WriteFile(filepath.Join(c.dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func (c *upstreamCerts) file(name string) string { return filepath.Join(c.dir, name) }

// TestUpstreamSuites runs every case and keeps the tally.
func TestUpstreamSuites(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the upstream suites (about 15 s)")
	}
	certs := makeUpstreamCerts(t)
	var cases []upCase
	cases = append(cases, checkCurlCases(t, certs)...)
	cases = append(cases, checkHTTPCases(t, certs)...)
	cases = append(cases, tCheckCurlCases(t, certs)...)
	cases = append(cases, blackboxCases(t, certs)...)
	doc, err := os.ReadFile(migratingFile)
	if err != nil {
		t.Fatal(err)
	}
	tally := map[string]*upTally{}
	for _, s := range upstreamSuites {
		tally[s] = &upTally{}
	}
	for i, c := range cases {
		ty := tally[c.suite]
		ty.cases++
		if c.cannot != "" {
			ty.cannot++
			continue
		}
		if c.differ != "" && !strings.Contains(string(doc), `id="`+c.differ+`"`) {
			t.Errorf("%s %s: the difference %q is not in %s", c.suite, c.ref, c.differ, migratingFile)
		}
		t.Run(fmt.Sprintf("%03d %s %s", i, strings.ReplaceAll(c.suite, "/", "_"), c.ref), func(t *testing.T) {
			var after func(*testing.T)
			if c.before != nil {
				after = c.before(t)
			}
			start := time.Now()
			code, out, errOut := runArgs(t, c.vars, c.args...)
			took := time.Since(start)
			show := func() string { return fmt.Sprintf("%q\nupstream: %s\n%s%s", c.args, c.cmd, out, errOut) }
			want := c.want
			if c.differ != "" {
				if c.ours == c.want {
					t.Errorf("a difference (%s) that gives upstream's verdict", c.differ)
				}
				want = c.ours
			}
			switch {
			case want == anyExit:
			case want == anyFail:
				if code == 0 {
					t.Errorf("exit 0, upstream's verdict is a failure: %s", show())
				}
			case code != want:
				t.Errorf("exit %d, want %d: %s", code, want, show())
			}
			for _, re := range c.out {
				if !regexp.MustCompile(re).MatchString(out) {
					t.Errorf("stdout does not match %q: %s", re, show())
				}
			}
			for _, re := range c.notOut {
				if regexp.MustCompile(re).MatchString(out) {
					t.Errorf("stdout matches %q: %s", re, show())
				}
			}
			if c.within > 0 && took > c.within {
				t.Errorf("took %v, upstream allows %v: %s", took, c.within, show())
			}
			if took < c.least {
				t.Errorf("took %v, less than %v: %s", took, c.least, show())
			}
			if after != nil {
				after(t)
			}
			if !t.Failed() {
				if c.differ != "" {
					ty.differ++
				} else {
					ty.agree++
				}
			}
		})
	}
	checkUpstreamTally(t, tally)
}

type upTally struct{ cases, agree, differ, cannot int }

const migratingFile = "../../docs/migrating.md"

// checkUpstreamTally compares the tally with the table in
// docs/migrating.md, or writes it there with -update.
func checkUpstreamTally(t *testing.T, tally map[string]*upTally) {
	var b strings.Builder
	b.WriteString("| suite | cases | same verdict | differ on purpose | no healthprobe form |\n|---|---|---|---|---|\n")
	for _, s := range upstreamSuites {
		ty := tally[s]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d |\n", s, ty.cases, ty.agree, ty.differ, ty.cannot)
		t.Logf("%-46s %3d cases: %3d agree, %2d differ on purpose, %2d cannot be expressed", s, ty.cases, ty.agree, ty.differ, ty.cannot)
	}
	if t.Failed() {
		return // a failed case is in no column
	}
	doc, err := os.ReadFile(migratingFile)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- upstream-tally -->\n", "<!-- /upstream-tally -->"
	i, j := strings.Index(string(doc), begin), strings.Index(string(doc), end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q markers", migratingFile, begin, end)
	}
	got := string(doc[:i+len(begin)]) + b.String() + string(doc[j:])
	if got == string(doc) {
		return
	}
	if *updateFaults {
		if err := os.WriteFile(migratingFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s's tally is out of date: run go test ./cmd/healthprobe -run TestUpstreamSuites -update\nnow:\n%s", migratingFile, b.String())
}

// hp builds a healthprobe http command line.
func hp(url string, args ...string) []string { return append([]string{"http", url}, args...) }

// perlCommon is run_common_tests of check_curl.t and check_http.t, for
// one of the daemons (http, or https with --ssl).
func perlCommon(suite string, d *perlDaemon, curl bool) []upCase {
	base := strings.TrimSuffix(d.base, "/")
	https := strings.HasPrefix(base, "https")
	ssl := ""
	var k []string
	if https {
		ssl, k = " --ssl", []string{"-k"} // check_curl verifies no certificate unless -D
	}
	u := func(path string, args ...string) []string { return hp(base+path, append(slices.Clone(k), args...)...) }
	cmd := func(s string) string { return "check -H 127.0.0.1 -p PORT" + ssl + " " + s }
	port := d.port()
	cs := []upCase{
		{ref: "/file/root", cmd: cmd("-u /file/root"), args: u("/file/root"), want: 0},
		{ref: "-s Root", cmd: cmd("-u /file/root -s Root"), args: u("/file/root", "-s", "Root"), want: 0},
		{ref: "-s NonRoot", cmd: cmd("-u /file/root -s NonRoot"), args: u("/file/root", "-s", "NonRoot"), want: 2,
			out: []string{`keyword "NonRoot" not found in`}},
		{ref: "-s NonRootWith…", cmd: cmd("-u /file/root -s NonRootWithOver30charsAndMoreFunThanAWetFish"),
			args: u("/file/root", "-s", "NonRootWithOver30charsAndMoreFunThanAWetFish"), want: 2},
		{ref: "-d foo", cmd: cmd("-u /header_check -d foo"), args: u("/header_check", "--header-match", "foo:"), want: 0},
		{ref: "-d bar", cmd: cmd("-u /header_check -d bar"), args: u("/header_check", "--header-match", "bar:"), want: 2,
			out: []string{`header bar missing`}},
	}
	if curl {
		cs = append(cs, upCase{ref: "/header_broken_check", cmd: cmd("-u /header_broken_check"), args: u("/header_broken_check"), want: 0})
	}
	cs = append(cs, []upCase{
		{ref: "/slow", cmd: cmd("-u /slow"), args: u("/slow"), want: 0, least: d.delay},
		{ref: "/statuscode/200", cmd: cmd("-u /statuscode/200"), args: u("/statuscode/200"), want: 0},
		{ref: "200 -e 200", cmd: cmd("-u /statuscode/200 -e 200"), args: u("/statuscode/200", "--expect-status", "200"), want: 0},
		{ref: "/statuscode/201", cmd: cmd("-u /statuscode/201"), args: u("/statuscode/201"), want: 0},
		{ref: "201 -e 201", cmd: cmd("-u /statuscode/201 -e 201"), args: u("/statuscode/201", "--expect-status", "201"), want: 0},
		{ref: "201 -e 200", cmd: cmd("-u /statuscode/201 -e 200"), args: u("/statuscode/201", "--expect-status", "200"), want: 2,
			out: []string{`status 201 Created, expected 200`}},
		{ref: "200 -e 200,201,202", cmd: cmd("-u /statuscode/200 -e 200,201,202"), args: u("/statuscode/200", "--expect-status", "200,201,202"), want: 0},
		{ref: "201 -e 200,201,202", cmd: cmd("-u /statuscode/201 -e 200,201,202"), args: u("/statuscode/201", "--expect-status", "200,201,202"), want: 0},
		{ref: "203 -e 200,201,202", cmd: cmd("-u /statuscode/203 -e 200,201,202"), args: u("/statuscode/203", "--expect-status", "200,201,202"), want: 2},
		// /method answers GET, HEAD and POST with a status line, then closes
		{ref: "-j HEAD", cmd: cmd("-j HEAD -u /method"), args: u("/method", "-X", "HEAD"), want: 0, differ: "status-line-only", ours: 2,
			out: []string{`closed the connection before the answer was complete`}},
		{ref: "-j POST", cmd: cmd("-j POST -u /method"), args: u("/method", "-X", "POST"), want: 0, differ: "status-line-only", ours: 2},
		{ref: "-j GET", cmd: cmd("-j GET -u /method"), args: u("/method", "-X", "GET"), want: 0, differ: "status-line-only", ours: 2},
		{ref: "/method", cmd: cmd("-u /method"), args: u("/method"), want: 0, differ: "status-line-only", ours: 2},
		{ref: "-P foo", cmd: cmd("-P foo -u /method"), args: u("/method", "-d", "foo"), want: 0, differ: "status-line-only", ours: 2},
		{ref: "-j DELETE", cmd: cmd("-j DELETE -u /method"), args: u("/method", "-X", "DELETE"), want: 1,
			out: []string{`status 405 Method Not Allowed`}},
		// the method goes as given: the server tells "foo" from "FOO"
		{ref: "-j foo", cmd: cmd("-j foo -u /method"), args: u("/method", "-X", "foo"), want: 2, out: []string{`status 501 Not Implemented`}},
		{ref: "-P … -s POST:…", cmd: cmd("-P stufftoinclude -u /postdata -s POST:stufftoinclude"),
			args: u("/postdata", "-d", "stufftoinclude", "-s", "POST:stufftoinclude"), want: 0},
		{ref: "-j PUT -P …", cmd: cmd("-j PUT -P stufftoinclude -u /postdata -s PUT:stufftoinclude"),
			args: u("/postdata", "-X", "PUT", "-d", "stufftoinclude", "-s", "PUT:stufftoinclude"), want: 0},
		{ref: "-P … -j PUT", cmd: cmd("-P stufftoinclude -j PUT -u /postdata -s PUT:stufftoinclude"),
			args: u("/postdata", "-d", "stufftoinclude", "-X", "PUT", "-s", "PUT:stufftoinclude"), want: 0},
		// check_curl's default -f is ok: the 3xx is the answer
		{ref: "/redirect", cmd: cmd("-u /redirect"), args: u("/redirect", "--onredirect", "ok"), want: 0, out: []string{`^HTTP OK - 301 Moved Permanently`}},
		{ref: "-f follow /redirect", cmd: cmd("-f follow -u /redirect"), args: u("/redirect"), want: 0, out: []string{`^HTTP OK - 200 OK`}},
		{ref: "/redirect -k", cmd: cmd("-u /redirect -k 'follow: me'"), args: u("/redirect", "-H", "follow: me", "--onredirect", "ok"), want: 0},
		{ref: "-f follow -k", cmd: cmd("-f follow -u /redirect -k 'follow: me'"), args: u("/redirect", "-H", "follow: me"), want: 0},
		{ref: "-f sticky -k", cmd: cmd("-f sticky -u /redirect -k 'follow: me'"), args: u("/redirect", "-H", "follow: me", "--onredirect", "sticky"), want: 0},
		{ref: "-f stickyport -k", cmd: cmd("-f stickyport -u /redirect -k 'follow: me'"),
			args: u("/redirect", "-H", "follow: me", "--onredirect", "stickyport"), want: 0},
		{ref: "-f follow /redirect_rel", cmd: cmd("-f follow -u /redirect_rel -s redirected"), args: u("/redirect_rel", "-s", "redirected"), want: 0},
	}...)
	if curl {
		inc := "/redirect_with_increment"
		cs = append(cs, []upCase{
			{ref: "increment, no parameters", cmd: cmd("-u '" + inc + "/path1/path2/path3/path4' --onredirect=follow"),
				args: u(inc + "/path1/path2/path3/path4"), want: 1, out: []string{`status 403 Forbidden`}},
			{ref: "increment redirect_count", cmd: cmd("-u '" + inc + "/path1/path2;redirect_count=0;p1=1;p2=ab?qp1=10&qp2=kl#f1=test' --onredirect=follow"),
				args: u(inc + "/path1/path2;redirect_count=0;p1=1;p2=ab?qp1=10&qp2=kl#f1=test"), want: 0},
			{ref: "increment location_redirect_count", cmd: cmd("-u '" + inc + "/path1/path2;location_redirect_count=0;p1=1;p2=ab?qp1=10&qp2=kl#f1=test' --onredirect=follow"),
				args: u(inc + "/path1/path2;location_redirect_count=0;p1=1;p2=ab?qp1=10&qp2=kl#f1=test"), want: 0},
			{ref: "increment fail_count", cmd: cmd("-u '" + inc + "/path1/path2;redirect_count=0;fail_count=2' --onredirect=follow"),
				args: u(inc + "/path1/path2;redirect_count=0;fail_count=2"), want: 1, out: []string{`status 403 Forbidden`}},
			{ref: "increment path parameters", cmd: cmd("-u '" + inc + "/path1/path2;redirect_count=0;p1=1;p2=ab?qp1=10&qp2=kl#f1=test' -vvv"),
				args: u(inc+"/path1/path2;redirect_count=0;p1=1;p2=ab?qp1=10&qp2=kl#f1=test", "-s", "redirect_count=3;p1=4;p2=de?"), want: 0},
			{ref: "increment query parameters", cmd: cmd("-u '" + inc + "/path1/path2;redirect_count=0;p1=1;p2=ab?qp1=10&qp2=kl#f1=test' -vvv"),
				args: u(inc+"/path1/path2;redirect_count=0;p1=1;p2=ab?qp1=10&qp2=kl#f1=test", "-s", "?qp1=13&qp2=no"), want: 0},
			{ref: "increment query order", cmd: cmd("-u '" + inc + ";redirect_count=0;?qp0=0&qp1=1&qp2=2&qp3=3&qp4=4&qp5=5' -vvv"),
				args: u(inc+";redirect_count=0;?qp0=0&qp1=1&qp2=2&qp3=3&qp4=4&qp5=5", "-s", "?qp0=3&qp1=4&qp2=5&qp3=6&qp4=7&qp5=8"), want: 0},
			{ref: "increment fragment", cmd: cmd("-u '" + inc + "/path1/path2;redirect_count=0;fragment=ebiil?qp1=0' -vvv"),
				args: u(inc+"/path1/path2;redirect_count=0;fragment=ebiil?qp1=0", "-s", "redirect_count=3;fragment=hello?qp1=3#hello"), want: 0},
		}...)
	}
	cs = append(cs, []upCase{
		// 169.254.169.254 is never dialled: sticky keeps to 127.0.0.1
		{ref: "-f stickyport /redir_external", cmd: cmd("-f stickyport -u /redir_external -t 5 -s redirected"),
			args: u("/redir_external", "--onredirect", "stickyport", "-t", "5", "-s", "redirected"), want: 0, within: 2 * time.Second},
		{ref: "-f sticky /redir_external", cmd: cmd("-f sticky -u /redir_external -t 5 -s redirected"),
			args: u("/redir_external", "--onredirect", "sticky", "-t", "5", "-s", "redirected"), want: anyFail, within: 2 * time.Second},
		{ref: "-f follow /redir_external", cmd: cmd("-f follow -u /redir_external -t 5"),
			cannot: "it connects to 169.254.169.254, off this host (upstream runs it only with HTTP_EXTERNAL set)"},
		// upstream: the plugin is still waiting when its 2 s harness gives up (-t 5)
		{ref: "/timeout -t 5", cmd: cmd("-u /timeout -t 5"), args: u("/timeout", "-t", "0.5"), want: 2, least: 500 * time.Millisecond,
			out: []string{`^HTTP CRITICAL - timeout: 127\.0\.0\.1:` + port + ` accepted the request but sent no answer within 500ms`}},
		{ref: "-f follow /redir_timeout -t 2", cmd: cmd("-f follow -u /redir_timeout -t 2"), args: u("/redir_timeout", "-t", "0.5"), want: 2,
			within: 5 * time.Second, out: []string{`\(after 1 redirect\)`}},
		{ref: "/chunked -d 'Transfer-Encoding: chunked'", cmd: cmd("-u /chunked -s 'chunkedencodingtest' -d 'Transfer-Encoding: chunked'"),
			args: u("/chunked", "-s", "chunkedencodingtest", "--header-match", "Transfer-Encoding: chunked"), want: 0, within: 5 * time.Second},
	}...)
	if curl {
		const proxy = "http://proxy.example.com:8080"
		cs = append(cs, []upCase{
			{ref: "no_proxy env, -v", cmd: "no_proxy=internal.acme.org " + cmd("-u /statuscode/200 -v"),
				cannot: "it asserts curl's own log line (CURLOPT_NOPROXY); NO_PROXY is read by Go's net/http"},
			{ref: "no_proxy over NO_PROXY, -v", cmd: "no_proxy=taken.acme.org NO_PROXY=discarded.acme.org " + cmd("-u /statuscode/200 -v"),
				cannot: "it asserts curl's own log line (CURLOPT_NOPROXY), on curl's precedence of no_proxy over NO_PROXY"},
			{ref: "--noproxy over env", cmd: cmd("-u /statuscode/200 --noproxy 'taken.acme.org' -v"),
				args: u("/statuscode/200", "--no-proxy", "taken.acme.org"), want: 0},
			{ref: "--noproxy names", cmd: cmd("-u /statuscode/200 --noproxy 'internal1.acme.org,internal2.acme.org,internal3.acme.org' -v"),
				args: u("/statuscode/200", "--no-proxy", "internal1.acme.org,internal2.acme.org,internal3.acme.org"), want: 0},
			{ref: "--noproxy IPv4 and CIDR", cmd: cmd("-u /statuscode/200 --noproxy '10.11.12.13,256.256.256.256,0.0.0.0,192.156.0.0/22,10.0.0.0/4' -v"),
				args: u("/statuscode/200", "--no-proxy", "10.11.12.13,256.256.256.256,0.0.0.0,192.156.0.0/22,10.0.0.0/4"), want: 0},
			{ref: "--noproxy IPv6", cmd: cmd("-u /statuscode/200 --noproxy '0123:4567:89AB:CDEF:0123:4567:89AB:CDEF,0123::CDEF,0123:4567/96,[::1],::1,[1234::5678:ABCD/4]' -v"),
				args: u("/statuscode/200", "--no-proxy", "0123:4567:89AB:CDEF:0123:4567:89AB:CDEF,0123::CDEF,0123:4567/96,[::1],::1,[1234::5678:ABCD/4]"),
				want: 0, differ: "no-proxy-entries", ours: 3, out: []string{`invalid --no-proxy entry "0123:4567/96"`}},
			{ref: "--noproxy invalid entries", cmd: cmd("-u /statuscode/200 --noproxy '300.400.500.600,1.2.3,XYZD:0123::,1:2:3:4:5:6:7,1::2::3,1.1.1.1/64,::/256' -v"),
				args: u("/statuscode/200", "--no-proxy", "300.400.500.600,1.2.3,XYZD:0123::,1:2:3:4:5:6:7,1::2::3,1.1.1.1/64,::/256"),
				want: 0, differ: "no-proxy-entries", ours: 3},
			{ref: "--proxy --noproxy '*'", cmd: cmd("-u /statuscode/200 --proxy " + proxy + " --noproxy '*' -v"),
				args: u("/statuscode/200", "--proxy", proxy, "--no-proxy", "*"), want: 0},
			{ref: "--proxy --noproxy 127.0.0.1", cmd: cmd("-u /statuscode/200 --proxy " + proxy + " --noproxy '127.0.0.1' -v"),
				args: u("/statuscode/200", "--proxy", proxy, "--no-proxy", "127.0.0.1"), want: 0},
		}...)
	}
	for i := range cs {
		cs[i].suite = suite
		cs[i].ref = d.base[:strings.Index(d.base, ":")] + " " + cs[i].ref // the scheme
	}
	return cs
}

// certCases are the -C cases both .t files run against their https daemon
// and the expired one.
func certCases(suite string, d, expired *perlDaemon) []upCase {
	base := strings.TrimSuffix(d.base, "/")
	cs := []upCase{
		{ref: "-S -C 14", cmd: "check -H 127.0.0.1 -p PORT -S -C 14", args: hp(base, "-k", "--cert-only", "--cert-warning", "14"), want: 0,
			out: []string{`^HTTP OK - certificate Monitoring Plugins expires in 1[45]\d\d days \(`}},
		{ref: "-S -C 14000", cmd: "check -H 127.0.0.1 -p PORT -S -C 14000", args: hp(base, "-k", "--cert-only", "--cert-warning", "14000"), want: 1},
		{ref: "-S -C 13960,14000", cmd: "check -H 127.0.0.1 -p PORT -S -C 13960,14000",
			args: hp(base, "-k", "--cert-only", "--cert-warning", "13960", "--cert-critical", "14000"), want: 2},
		{ref: "expired -S -C 7", cmd: "check -H 127.0.0.1 -p EXPIRED -S -C 7", args: hp(strings.TrimSuffix(expired.base, "/"), "-k", "--cert-only", "--cert-warning", "7"),
			want: 2, out: []string{`^HTTP CRITICAL - certificate Monitoring Plugins expired on `}},
	}
	for i := range cs {
		cs[i].suite = suite
	}
	return cs
}

func checkCurlCases(t *testing.T, certs *upstreamCerts) []upCase {
	plain, secure := newPerlDaemon(t, nil, nil), newPerlDaemon(t, &certs.server, nil)
	expired := newPerlDaemon(t, &certs.expired, nil)
	cs := perlCommon(suiteCurl, plain, true)
	cs = append(cs, perlCommon(suiteCurl, secure, true)...)
	cs = append(cs, certCases(suiteCurl, secure, expired)...)
	const vh = "www.somefunnyhost.com"
	for _, d := range []*perlDaemon{plain, secure} {
		scheme, ssl, p := "http", "", d.port()
		var k []string
		dflt := "80"
		if d == secure {
			scheme, ssl, k, dflt = "https", " --ssl", []string{"-k"}, "443"
		}
		add := func(ref, cmd string, args []string) {
			cs = append(cs, upCase{suite: suiteCurl, ref: scheme + " " + ref, cmd: cmd, args: append(args, k...), want: 0})
		}
		add("virtual host", "check -H "+vh+" -I 127.0.0.1 -p PORT"+ssl+" -u /virtual_port -r ^"+vh+":PORT$",
			hp(scheme+"://"+vh+":"+p+"/virtual_port", "-I", "127.0.0.1", "-r", "^"+vh+":"+p+"$"))
		add("virtual port 42", "check -H "+vh+":42 -I 127.0.0.1 -p PORT"+ssl+" -u /virtual_port -r ^"+vh+":42$",
			hp(scheme+"://"+vh+":42/virtual_port", "-I", "127.0.0.1:"+p, "-r", "^"+vh+":42$"))
		add("virtual port "+dflt, "check -H "+vh+":"+dflt+" -I 127.0.0.1 -p PORT"+ssl+" -u /virtual_port -r ^"+vh+"$",
			hp(scheme+"://"+vh+"/virtual_port", "-I", "127.0.0.1:"+p, "-r", "^"+vh+"$"))
		for _, env := range []string{scheme + "_proxy", scheme + "_proxy over " + strings.ToUpper(scheme) + "_PROXY", "-x over the environment", "--proxy over the environment"} {
			cs = append(cs, upCase{suite: suiteCurl, ref: scheme + " " + env, cmd: "check -H 127.0.0.1 -u /statuscode/200" + ssl + " -v (" + env + ")",
				cannot: "it asserts curl's own log line (CURLOPT_PROXY): which proxy was chosen, never used; see environment-proxies"})
		}
	}
	return cs
}

func checkHTTPCases(t *testing.T, certs *upstreamCerts) []upCase {
	plain, secure := newPerlDaemon(t, nil, nil), newPerlDaemon(t, &certs.server, nil)
	expired := newPerlDaemon(t, &certs.expired, nil)
	clientCert := newPerlDaemon(t, &certs.server, certs.clientCAs)
	cs := []upCase{{suite: suiteHTTP, ref: "chunked special", cmd: "check -H 127.0.0.1 -p HACKED -u / -s 'ChunkedEncodingSpecialTest'",
		args: hp(hackedChunked(t)+"/", "-s", "ChunkedEncodingSpecialTest"), want: anyExit, within: 5 * time.Second}}
	cs = append(cs, perlCommon(suiteHTTP, plain, false)...)
	cs = append(cs, perlCommon(suiteHTTP, secure, false)...)
	cs = append(cs, certCases(suiteHTTP, secure, expired)...)
	cc := strings.TrimSuffix(clientCert.base, "/") + "/statuscode/200"
	cs = append(cs,
		upCase{suite: suiteHTTP, ref: "client certificate", cmd: "check -H 127.0.0.1 -p CLIENTCERT -J client-cert.pem -K client-key.pem -u /statuscode/200",
			args: hp(cc, "-k", "--cert", certs.file("client.pem"), "--key", certs.file("client.key")), want: 0},
		upCase{suite: suiteHTTP, ref: "client certificate chain", cmd: "check -H 127.0.0.1 -p CLIENTCERT -J clientchain-cert.pem -K clientchain-key.pem -u /statuscode/200",
			args: hp(cc, "-k", "--cert", certs.file("chain.pem"), "--key", certs.file("chain.key")), want: 0},
	)
	pp, ps := plain.port(), secure.port()
	cs = append(cs,
		upCase{suite: suiteHTTP, ref: "virtual port", cmd: "check -H 127.0.0.1 -p PORT -u /virtual_port -r ^127.0.0.1:PORT$",
			args: hp("http://127.0.0.1:"+pp+"/virtual_port", "-r", "^127.0.0.1:"+pp+"$"), want: 0},
		upCase{suite: suiteHTTP, ref: "virtual port 80", cmd: "check -H 127.0.0.1:80 -p PORT -u /virtual_port -r ^127.0.0.1$",
			args: hp("http://127.0.0.1/virtual_port", "-I", "127.0.0.1:"+pp, "-r", "^127.0.0.1$"), want: 0},
		upCase{suite: suiteHTTP, ref: "https virtual port", cmd: "check -H 127.0.0.1 -p PORT --ssl -u /virtual_port -r ^127.0.0.1:PORT$",
			args: hp("https://127.0.0.1:"+ps+"/virtual_port", "-k", "-r", "^127.0.0.1:"+ps+"$"), want: 0},
		upCase{suite: suiteHTTP, ref: "https virtual port 443", cmd: "check -H 127.0.0.1:443 -p PORT --ssl -u /virtual_port -r ^127.0.0.1$",
			args: hp("https://127.0.0.1/virtual_port", "-k", "-I", "127.0.0.1:"+ps, "-r", "^127.0.0.1$"), want: 0},
	)
	return cs
}

// monitoringPage is what plugins/t/check_curl.t finds on its hosts: a page
// that says "monitoring", the request's Host and headers.
func monitoringPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/download.html":
			http.Redirect(w, r, "/download/", http.StatusMovedPermanently)
			return
		case "/silent":
			<-r.Context().Done()
			return
		}
		fmt.Fprintf(w, "<html><body>monitoring plugins\nHost: %s\n", r.Host)
		for _, h := range []string{"Bob", "Carl"} {
			if v := r.Header.Get(h); v != "" {
				fmt.Fprintf(w, "%s: %s\n", h, v)
			}
		}
	})
}

// certServer serves monitoringPage over TLS with a certificate for
// localhost and 127.0.0.1 from ca, valid until notAfter.
func certServer(t *testing.T, ca *testcert.CA, notAfter time.Time) string {
	pair, _, _, err := ca.Issue(testcert.Leaf{CommonName: "localhost", DNSNames: []string{"localhost"}, IPs: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: notAfter})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(monitoringPage())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

func tCheckCurlCases(t *testing.T, certs *upstreamCerts) []upCase {
	web := httptest.NewServer(monitoringPage())
	t.Cleanup(web.Close)
	wp := strings.TrimPrefix(web.URL, "http://127.0.0.1:")
	localhost := "http://localhost:" + wp
	secure := certServer(t, certs.ca, time.Now().Add(1500*24*time.Hour))
	sp := strings.TrimPrefix(secure, "https://127.0.0.1:")
	ca := certs.file("ca.pem")
	var v6 string // the page on [::1], when this host has IPv6
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		srv := httptest.NewUnstartedServer(monitoringPage())
		srv.Listener.Close()
		srv.Listener = ln
		srv.Start()
		t.Cleanup(srv.Close)
		v6 = srv.URL
	}
	proxy := newForwardProxy(t, web.Listener.Addr().String())
	viaProxy := func(t *testing.T) func(*testing.T) {
		n := proxy.count()
		return func(t *testing.T) {
			if proxy.count() == n {
				t.Error("the request did not go through the proxy")
			}
		}
	}
	direct := func(t *testing.T) func(*testing.T) {
		n := proxy.count()
		return func(t *testing.T) {
			if proxy.count() != n {
				t.Error("the request went through the proxy")
			}
		}
	}
	const pr = "--proxy http://PROXY:3128"
	cs := []upCase{
		{ref: "-wt 300 -ct 600", cmd: "check localhost -wt 300 -ct 600", args: hp(localhost+"/", "-w", "300", "-c", "600"), want: 0},
		{ref: "IPv6 -I ::1", cmd: "check -I ::1 -wt 300 -ct 600", args: hp(v6+"/", "-w", "300", "-c", "600"), want: 0},
		{ref: "-k -k", cmd: "check localhost -wt 300 -ct 600 -v -v -v -k 'bob:there' -k 'carl:frown'",
			args: hp(localhost+"/", "-H", "bob:there", "-H", "carl:frown", "-s", "Bob: there\nCarl: frown"), want: 0},
		// the nonresponsive host: a server that accepts and never answers
		{ref: "nonresponsive -t 3", cmd: "check 10.0.0.1 -wt 1 -ct 2 -t 3", args: hp(web.URL+"/silent", "-w", "1", "-c", "2", "-t", "0.3"), want: 2,
			out: []string{`^HTTP CRITICAL - timeout: `}},
		{ref: "--timeout-result ok", cmd: "check 10.0.0.1 -wt 1 -ct 2 -t 3 --timeout-result ok", args: hp(web.URL+"/silent", "-t", "0.3", "--timeout-state", "ok"), want: 0,
			out: []string{`^HTTP OK - timeout: `}},
		{ref: "--timeout-result warning", cmd: "check 10.0.0.1 -wt 1 -ct 2 -t 3 --timeout-result warning", args: hp(web.URL+"/silent", "-t", "0.3", "--timeout-state", "warning"), want: 1},
		{ref: "--timeout-result 2", cmd: "check 10.0.0.1 -wt 1 -ct 2 -t 3 --timeout-result 2", args: hp(web.URL+"/silent", "-t", "0.3", "--timeout-state", "2"), want: 2},
		{ref: "--timeout-result 3", cmd: "check 10.0.0.1 -wt 1 -ct 2 -t 3 --timeout-result 3", args: hp(web.URL+"/silent", "-t", "0.3", "--timeout-state", "3"), want: 3},
		{ref: "invalid hostname", cmd: "check nosuchhost -wt 1 -ct 2", cannot: "a name unknown to DNS needs a DNS server, off this host"},
		// Host header checks: the page says which Host it was sent
		{ref: "Host: -H", cmd: "check -v -H localhost", args: hp(localhost+"/", "-r", "^Host: localhost:"+wp+"$"), want: 0},
		{ref: "Host: -H -p 80", cmd: "check -v -H localhost -p 80", args: hp("http://localhost/", "-I", "127.0.0.1:"+wp, "-r", "^Host: localhost$"), want: 0},
		{ref: "Host: -H :8080 -p 80", cmd: "check -v -H localhost:8080 -p 80", args: hp("http://localhost:8080/", "-I", "127.0.0.1:"+wp, "-r", "^Host: localhost:8080$"), want: 0},
		{ref: "Host: -H :8080 -p 80 (again)", cmd: "check -v -H localhost:8080 -p 80", args: hp("http://localhost:8080/", "-I", "127.0.0.1:"+wp, "-r", "^Host: localhost:8080$"), want: 0},
		{ref: "Host: -k Host:", cmd: "check -v -H localhost:8080 -p 80 -k 'Host: testhost:8001'",
			args: hp("http://localhost:8080/", "-I", "127.0.0.1:"+wp, "-H", "Host: testhost:8001", "-r", "^Host: testhost:8001$"), want: 0},
		{ref: "Host: -I -k Host:", cmd: "check -v -I localhost -p 80 -k 'Host: testhost:8001'",
			args: hp("http://localhost/", "-I", "127.0.0.1:"+wp, "-H", "Host: testhost:8001", "-r", "^Host: testhost:8001$"), want: 0},
		{ref: "TLS Host: -H -S", cmd: "check -v -H localhost -S", args: hp("https://localhost:"+sp+"/", "-k", "-r", "^Host: localhost:"+sp+"$"), want: 0},
		{ref: "TLS Host: :8080 -S -p 443", cmd: "check -v -H localhost:8080 -S -p 443",
			args: hp("https://localhost:8080/", "-k", "-I", "127.0.0.1:"+sp, "-r", "^Host: localhost:8080$"), want: 0},
		{ref: "TLS Host: :443 -S -p 443", cmd: "check -v -H localhost:443 -S -p 443",
			args: hp("https://localhost/", "-k", "-I", "127.0.0.1:"+sp, "-r", "^Host: localhost$"), want: 0},
		{ref: "TLS Host: -D -S", cmd: "check -v -H localhost -D -S -p 443",
			args: hp("https://localhost/", "--ca-file", ca, "-I", "127.0.0.1:"+sp, "-r", "^Host: localhost$"), want: 0},
		// -r, -R, --invert-regex on a page that says "monitoring"
		{ref: "-r monitoring", cmd: "check -H HOST2 -r 'monitoring'", args: hp(web.URL+"/", "-r", "monitoring"), want: 0},
		{ref: "-r mONiTORing", cmd: "check -H HOST2 -r 'mONiTORing'", args: hp(web.URL+"/", "-r", "mONiTORing"), want: 2, out: []string{`regex "mONiTORing" not matched`}},
		{ref: "-R mONiTORing", cmd: "check -H HOST2 -R 'mONiTORing'", args: hp(web.URL+"/", "--ignore-case", "-r", "mONiTORing"), want: 0},
		{ref: "-r monitoring --invert-regex", cmd: "check -H HOST2 -r 'monitoring' --invert-regex", args: hp(web.URL+"/", "-r", "monitoring", "--invert-regex"), want: 2,
			out: []string{`regex "monitoring" matched, must not match`}},
		{ref: "-r mONiTORing --invert-regex", cmd: "check -H HOST2 -r 'mONiTORing' --invert-regex", args: hp(web.URL+"/", "-r", "mONiTORing", "--invert-regex"), want: 0},
		{ref: "--ssl", cmd: "check --ssl HOST_TLS", args: hp(secure+"/", "-k"), want: 0},
		{ref: "-C 1 --ssl", cmd: "check -C 1 --ssl HOST_TLS", args: hp(secure+"/", "-k", "--cert-only", "--cert-warning", "1"), want: 0,
			out: []string{`^HTTP OK - certificate localhost expires in \d+ days`}},
		{ref: "-C 8000,1 --ssl", cmd: "check -C 8000,1 --ssl HOST_TLS", args: hp(secure+"/", "-k", "--cert-only", "--cert-warning", "8000", "--cert-critical", "1"), want: 1,
			out: []string{`^HTTP WARNING - certificate localhost expires in \d+ days`}},
		{ref: "HOST_TLS -C 1", cmd: "check HOST_TLS -C 1", args: hp(secure+"/", "-k", "--cert-only", "--cert-warning", "1"), want: 0},
		{ref: "-H HOST_TLS -C 1", cmd: "check -H HOST_TLS -C 1", args: hp(secure+"/", "-k", "--cert-only", "--cert-warning", "1"), want: 0},
	}
	// faketime: upstream moves the clock to the certificate's end; here
	// certificates end that far from now
	for _, f := range []struct {
		ref   string
		left  time.Duration
		want  int
		match string
	}{
		{"faketime: now", 1500 * 24 * time.Hour, 0, `^HTTP OK - certificate localhost expires in \d+ days`},
		{"faketime: at the expiry", -time.Second, 2, `^HTTP CRITICAL - certificate localhost expired on `},
		{"faketime: 1 s before", 20 * time.Second, 2, `^HTTP CRITICAL - certificate localhost expires in 0 minutes`},
		{"faketime: 120 s before", 2*time.Minute + 30*time.Second, 2, `^HTTP CRITICAL - certificate localhost expires in 2 minutes`},
		{"faketime: 7200 s before", 2*time.Hour + 30*time.Minute, 2, `^HTTP CRITICAL - certificate localhost expires in 2 hours`},
		{"faketime: 1 s after", -time.Minute, 2, `^HTTP CRITICAL - certificate localhost expired on `},
	} {
		srv := certServer(t, certs.ca, time.Now().Add(f.left))
		cs = append(cs, upCase{ref: f.ref, cmd: "faketime … check -C 1 HOST_TLS", args: hp(srv+"/", "-k", "--cert-only", "--cert-warning", "1"),
			want: f.want, out: []string{f.match}})
	}
	cs = append(cs, []upCase{
		{ref: "-E", cmd: "check --ssl HOST_TLS -E", args: hp(secure+"/", "-k", "-E"), want: anyExit, out: []string{` time_connect=[\d.]+s`, ` time_tls=[\d.]+s`}},
		{ref: "-f follow /download.html", cmd: "check -H monitoring-plugins.org -u /download.html -f follow", args: hp(web.URL + "/download.html"), want: 0},
		{ref: "--extended-perfdata", cmd: "check -H monitoring-plugins.org --extended-perfdata", args: hp(web.URL+"/", "--extended-perfdata"), want: anyExit,
			out: []string{` time_connect=[\d.]+s`}},
		// through a proxy: the proxy here sends everything to the page
		{ref: "proxy: -H", cmd: "check -H localhost " + pr + " -v", args: hp(localhost+"/", "--proxy", proxy.url), want: 0, before: viaProxy},
		{ref: "proxy: -I IPv4", cmd: "check -I 127.0.0.1 " + pr + " -v", args: hp(web.URL+"/", "--proxy", proxy.url), want: 0, before: viaProxy},
		{ref: "proxy: -I IPv6", cmd: "check -I ::1 " + pr + " -v", args: hp("http://[::1]:"+wp+"/", "--proxy", proxy.url), want: 0, before: viaProxy},
		{ref: "proxy: -H HOST2", cmd: "check -H test.monitoring-plugins.org " + pr + " -v", args: hp("http://test.monitoring-plugins.org/", "--proxy", proxy.url), want: 0, before: viaProxy},
		{ref: "proxy: -H subdomain", cmd: "check -H subdomain1.localhost.com " + pr + " -v", args: hp("http://subdomain1.localhost.com/", "--proxy", proxy.url), want: 0, before: viaProxy},
		{ref: "proxy: -H HOST_TLS", cmd: "check -H localhost " + pr + " -v", args: hp("http://localhost/", "--proxy", proxy.url), want: 0, before: viaProxy},
		{ref: "proxy: --noproxy '*' -H subdomain", cmd: "check -H subdomain1.localhost.com " + pr + " --noproxy '*' -v",
			args: hp(localhost+"/", "--proxy", proxy.url, "--no-proxy", "*"), want: 0, before: direct},
		{ref: "proxy: --noproxy '*' -I IPv4", cmd: "check -I 127.0.0.1 " + pr + " --noproxy '*' -v", args: hp(web.URL+"/", "--proxy", proxy.url, "--no-proxy", "*"), want: 0, before: direct},
		{ref: "proxy: --noproxy '*' -I IPv6", cmd: "check -I ::1 " + pr + " --noproxy '*' -v", args: hp(v6+"/", "--proxy", proxy.url, "--no-proxy", "*"), want: 0, before: direct},
		{ref: "proxy: --noproxy domain for a subdomain", cmd: "check -H subdomain1.localhost.com " + pr + " --noproxy localhost -v",
			cannot: "reaching subdomain1.localhost.com directly needs DNS, off this host (the matching itself is probe's TestParseNoProxy)"},
		{ref: "proxy: --noproxy IPv4", cmd: "check -I 127.0.0.1 " + pr + " --noproxy 127.0.0.1 -v", args: hp(web.URL+"/", "--proxy", proxy.url, "--no-proxy", "127.0.0.1"), want: 0, before: direct},
		{ref: "proxy: --noproxy IPv6", cmd: "check -I ::1 " + pr + " --noproxy ::1 -v", args: hp(v6+"/", "--proxy", proxy.url, "--no-proxy", "::1"), want: 0, before: direct},
		{ref: "proxy: --noproxy IPv4 CIDR 1", cmd: "check -I 127.0.0.1 " + pr + " --noproxy CIDR_1 -v", args: hp(web.URL+"/", "--proxy", proxy.url, "--no-proxy", "127.0.0.0/8"), want: 0, before: direct},
		{ref: "proxy: --noproxy IPv4 CIDR 2", cmd: "check -I 127.0.0.1 " + pr + " --noproxy CIDR_2 -v", args: hp(web.URL+"/", "--proxy", proxy.url, "--no-proxy", "127.0.0.1/32"), want: 0, before: direct},
		{ref: "proxy: --noproxy IPv6 CIDR 1", cmd: "check -I ::1 " + pr + " --noproxy CIDR_1 -v", args: hp(v6+"/", "--proxy", proxy.url, "--no-proxy", "::/64"), want: 0, before: direct},
		{ref: "proxy: --noproxy IPv6 CIDR 2", cmd: "check -I ::1 " + pr + " --noproxy CIDR_2 -v", args: hp(v6+"/", "--proxy", proxy.url, "--no-proxy", "::1/128"), want: 0, before: direct},
		{ref: "proxy: http scheme", cmd: "check -H localhost " + pr + " -v", args: hp(localhost+"/", "--proxy", proxy.url), want: 0, before: viaProxy},
	}...)
	for _, scheme := range []string{"https", "socks4", "socks4a", "socks5", "socks5h"} {
		cs = append(cs, upCase{ref: "proxy: " + scheme + " scheme", cmd: "check -H localhost --proxy " + scheme + "://PROXY:3128 -v",
			cannot: "it asserts only curl's own log line (whether curl resolves the name itself); no return code"})
	}
	for i := range cs {
		cs[i].suite = suiteTCurl
		if v6 == "" && strings.Contains(cs[i].ref, "IPv6") && cs[i].cannot == "" {
			cs[i].cannot = "this host has no IPv6 loopback"
		}
	}
	return cs
}
