package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/healthprobe/healthprobe/internal/testcert"
	"github.com/healthprobe/healthprobe/nagios"
)

// The fault suite runs every probe against servers that misbehave on
// purpose (faults_list_test.go) and proves, for each pair: the expected
// state and one-line reason (faults_want_test.go), an answer within the
// deadline plus 200 ms, memory bounded, and no goroutine left behind.
// It writes docs/faults.md when run with -update:
//
//	go test ./cmd/healthprobe -run TestFaultSuite -update
//
// and otherwise checks that the committed table still says what the suite
// finds (faults, probes and states; times vary and are not compared).

var updateFaults = flag.Bool("update", false, "rewrite docs/faults.md from the fault suite's results")

const (
	// waitTimeout is -t of a fault that makes a probe wait (a server that
	// stalls, trickles or never ends its headers): the answer is a timeout,
	// and must come within -t plus deadlineSlop.
	waitTimeout = 500 * time.Millisecond
	// faultTimeout is -t of every other fault, whose answer is not a
	// timeout: it must not depend on how fast a busy machine does the work
	// (beside a busy CPU, a TLS handshake or moving 1 MiB through the race
	// detector took longer than 0.5 s, and the probe then rightly reported
	// a timeout instead of the fault's own answer).
	faultTimeout = 5 * time.Second
	deadlineSlop = 200 * time.Millisecond // how late an answer may be
	// maxAlloc bounds what one run may allocate in all (the servers'
	// share included), against bodies of 1 GiB and more.
	maxAlloc   = 32 << 20
	faultsFile = "../../docs/faults.md"
)

type expect struct {
	state  nagios.State
	reason string // regular expression for the whole summary of line 1
}

type fault struct {
	name  string
	json  bool     // kaleyra asks for --format json
	tls   bool     // the probe trusts the suite's CA (--ca-file)
	waits bool     // the fault makes a probe wait: it runs with waitTimeout
	extra []string // more flags for every probe
	// serve starts the server(s) of the fault and returns the base URL
	// (scheme://host:port) the probe is pointed at.
	serve func(fx *faultEnv) string
}

// faultEnv is what a fault's server is built from, and what the run
// cleans up before it counts goroutines.
type faultEnv struct {
	t       *testing.T
	probe   string
	healthy http.Handler // the probe's emulator, for faults that bend a good answer
	odd     http.Handler // the probe's answer with hostile texts
	ca      *testcert.CA
	servers []*hostile
	checks  []func() error
}

func (fx *faultEnv) raw(tlsCfg *tls.Config, readFirst bool, f rawFunc) string {
	h := serveRaw(fx.t, tlsCfg, readFirst, f)
	fx.servers = append(fx.servers, h)
	return h.URL
}

func (fx *faultEnv) handler(tlsCfg *tls.Config, handler http.Handler) string {
	h := serveHandler(fx.t, tlsCfg, handler)
	fx.servers = append(fx.servers, h)
	return h.URL
}

func (fx *faultEnv) selfSigned() string {
	pair, err := testcert.SelfSigned(testcert.Loopback(time.Now().Add(-day), time.Now().Add(90*day)))
	if err != nil {
		fx.t.Fatal(err)
	}
	return fx.handler(&tls.Config{Certificates: []tls.Certificate{pair}}, fx.healthy)
}

// after adds a check run once the probe has answered.
func (fx *faultEnv) after(f func() error) { fx.checks = append(fx.checks, f) }

func (fx *faultEnv) close() {
	for _, s := range fx.servers {
		s.Close()
	}
}

// faultResult is one row of docs/faults.md.
type faultResult struct {
	fault, probe string
	state        nagios.State
	summary      string
	took         time.Duration
	alloc        uint64
}

// line 1 of any kind: KIND STATE - summary | perfdata
var lineOne = regexp.MustCompile(`^([A-Z][A-Z0-9-]*) (OK|WARNING|CRITICAL|UNKNOWN) - (.*?)(?: \| (.*))?$`)

func TestFaultSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault suite takes about 10 s")
	}
	ca, err := testcert.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	var results []faultResult
	for _, f := range faults {
		for _, p := range faultProbes {
			want, applies := faultWant[f.name][p.name]
			if !applies {
				continue
			}
			t.Run(f.name+"/"+p.name, func(t *testing.T) {
				// A late answer, or a timeout where the fault has another
				// answer (or stalls at a later point), is tried again,
				// twice: on a loaded machine a run may be starved of CPU
				// before it gets as far as the fault; a deadline not kept
				// is late every time, and a wrong answer is wrong every time.
				var res faultResult
				deadline := f.timeout()
				for attempt := 1; attempt <= 3; attempt++ {
					res = runFault(t, f, p, ca, caFile)
					late := res.took > deadline+deadlineSlop
					starved := late || !want.matches(res) && strings.HasPrefix(res.summary, "timeout: ")
					if !starved {
						break
					}
					t.Logf("attempt %d answered %s %q after %v, the deadline is %v", attempt, res.state, res.summary, res.took, deadline)
				}
				if res.took > deadline+deadlineSlop {
					t.Errorf("answered after %v: the deadline is %v", res.took, deadline)
				}
				if !want.matches(res) {
					t.Errorf("got %s %q\nwant %s %s", res.state, res.summary, want.state, want.reason)
				}
				results = append(results, res)
			})
		}
	}
	for name, byProbe := range faultWant {
		if !hasFault(name) {
			t.Errorf("faultWant names a fault that does not exist: %q", name)
		}
		for probe := range byProbe {
			if !hasProbe(probe) {
				t.Errorf("faultWant[%q] names a probe that does not exist: %q", name, probe)
			}
		}
	}
	if t.Failed() {
		return
	}
	pairs := 0
	for _, byProbe := range faultWant {
		pairs += len(byProbe)
	}
	if len(results) != pairs {
		t.Logf("%d of %d fault and probe pairs ran (-run): docs/faults.md is neither compared nor written", len(results), pairs)
		return
	}
	doc := faultsDoc(results)
	if *updateFaults {
		if err := os.WriteFile(faultsFile, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	committed, err := os.ReadFile(faultsFile)
	if err != nil {
		t.Fatalf("%v: run go test ./cmd/healthprobe -run TestFaultSuite -update", err)
	}
	if got, want := stableDoc(string(committed)), stableDoc(doc); got != want {
		t.Errorf("docs/faults.md is out of date: run go test ./cmd/healthprobe -run TestFaultSuite -update\n%s", firstDiff([]byte(got), []byte(want)))
	}
}

// timeout is the -t a fault runs with.
func (f fault) timeout() time.Duration {
	if f.waits {
		return waitTimeout
	}
	return faultTimeout
}

// matches says whether a run gave the expected state and reason.
func (want expect) matches(res faultResult) bool {
	return res.state == want.state && regexp.MustCompile(want.reason).MatchString(res.summary)
}

func hasFault(name string) bool {
	for _, f := range faults {
		if f.name == name {
			return true
		}
	}
	return false
}

func hasProbe(name string) bool {
	for _, p := range faultProbes {
		if p.name == name {
			return true
		}
	}
	return false
}

// runFault runs one probe against one fault and checks everything the
// suite promises about it.
func runFault(t *testing.T, f fault, p faultProbe, ca *testcert.CA, caFile string) faultResult {
	before := goroutines()
	fx := &faultEnv{t: t, probe: p.name, healthy: p.healthy(), odd: p.odd(), ca: ca}
	base := f.serve(fx)
	args := append(p.args(base, f), "-t", fmt.Sprint(f.timeout().Seconds()), "-vvv")
	if f.tls {
		args = append(args, "--ca-file", caFile)
	}
	args = append(args, f.extra...)

	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start := time.Now()
	code, out, errOut := runArgs(t, faultVars, args...)
	took := time.Since(start)
	runtime.ReadMemStats(&m1)
	alloc := m1.TotalAlloc - m0.TotalAlloc

	fx.close()
	for _, check := range fx.checks {
		if err := check(); err != nil {
			t.Error(err)
		}
	}
	if left := newGoroutinesLeft(before, 2*time.Second); len(left) > 0 {
		t.Errorf("%d goroutines left behind:\n%s", len(left), strings.Join(left, "\n\n"))
	}

	line1, _, _ := strings.Cut(out, "\n")
	m := lineOne.FindStringSubmatch(line1)
	if m == nil {
		t.Fatalf("line 1 is not a plugin line: %q\nstderr:\n%s", line1, errOut)
	}
	state, _ := nagios.ParseState(m[2])
	summary := m[3]
	res := faultResult{fault: f.name, probe: p.name, state: state, summary: summary, took: took, alloc: alloc}
	t.Logf("%s\t%s\t%s\t%s\t(%.3f s, %.1f MiB)", f.name, p.name, state, summary, took.Seconds(), float64(alloc)/(1<<20))
	if code != state.ExitCode() {
		t.Errorf("exit code %d, line 1 says %s", code, state)
	}
	if alloc > maxAlloc {
		t.Errorf("allocated %d MiB during the run, more than %d MiB", alloc>>20, maxAlloc>>20)
	}
	checkClean(t, "stdout", out)
	checkClean(t, "stderr", errOut)
	checkNoSecret(t, "stdout", out, faultSecretForms())
	checkNoSecret(t, "stderr", errOut, faultSecretForms())
	if strings.Contains(strings.Join(args, " "), "--insecure") && !strings.Contains(out, "\\_ [OK] TLS certificate verification disabled (--insecure)\n") {
		t.Errorf("--insecure is not stated:\n%s", out)
	}
	return res
}

// checkClean fails when text is not valid UTF-8, holds a control or
// bidirectional formatting character other than a line end, or a Go
// panic or stack trace.
func checkClean(t *testing.T, name, text string) {
	t.Helper()
	if !utf8.ValidString(text) {
		t.Errorf("%s is not valid UTF-8: %q", name, text)
	}
	for _, r := range text {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)) {
			t.Errorf("%s holds the character %U: %q", name, r, text)
			break
		}
	}
	for _, bad := range []string{"panic:", "goroutine ", ".go:"} {
		if strings.Contains(text, bad) {
			t.Errorf("%s shows %q:\n%s", name, bad, text)
		}
	}
}
