package notify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
)

// request is what a test receiver got.
type request struct {
	Method string
	URL    string // path and query
	Header http.Header
	Body   string
}

// receiver is an httptest server that records every request and answers
// with the status fail returns (200 when fail is nil or returns 0).
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []request
	fail func(n int) int // n: 1 for the first request
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := len(rc.got) + 1
		rc.got = append(rc.got, request{r.Method, r.URL.RequestURI(), r.Header.Clone(), string(body)})
		fail := rc.fail
		rc.mu.Unlock()
		if fail != nil {
			if code := fail(n); code != 0 {
				w.WriteHeader(code)
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.got...)
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sleeper records the back-off it is asked for and, instead of waiting,
// allows `allow` waits per run before saying the deadline has come.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
	allow int
}

var errNoTime = errors.New("test: no time left")

func (s *sleeper) Sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	if s.allow <= 0 {
		return errNoTime
	}
	s.allow--
	return nil
}

// result builds a probe result with sub-checks; the state is the worst.
func result(details ...probe.Detail) *probe.Result {
	r := &probe.Result{Kind: "HTTP", Target: "https://edge1.example.com:8443/health"}
	for _, d := range details {
		r.Add(d.Name, d.State, d.Text)
	}
	r.SummaryOr("all fine")
	return r
}

func ok(name string) probe.Detail {
	return probe.Detail{Name: name, State: nagios.OK, Text: name + " fine"}
}
func crit(name string) probe.Detail {
	return probe.Detail{Name: name, State: nagios.Critical, Text: name + " broken"}
}
func warn(name string) probe.Detail {
	return probe.Detail{Name: name, State: nagios.Warning, Text: name + " slow"}
}

// jsonSink builds a json-format sink posting to url.
func jsonSink(t *testing.T, name, url string) *Sink {
	t.Helper()
	s, err := SinkConfig{Name: name, URL: url}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func noEnv(string) string { return "" }

// newTracker is a tracker on a fresh directory with an injected clock and
// a sleeper that allows no waiting.
func newTracker(t *testing.T, sinks ...*Sink) (*Tracker, *clock, *sleeper) {
	t.Helper()
	c, s := newClock(), &sleeper{}
	return &Tracker{Dir: t.TempDir(), Sinks: sinks, Version: "test", Now: c.Now, Sleep: s.Sleep}, c, s
}

// process runs Process and fails the test on an error.
func process(t *testing.T, tr *Tracker, identity string, r *probe.Result) *probe.Result {
	t.Helper()
	if err := tr.Process(context.Background(), identity, "", r); err != nil {
		t.Fatalf("Process: %v", err)
	}
	return r
}

// detailTexts lists the lines Process added (names starting with notify).
func notifyLines(r *probe.Result) []string {
	var out []string
	for _, d := range r.Details {
		if len(d.Name) >= 6 && d.Name[:6] == "notify" {
			out = append(out, "["+d.State.String()+"] "+d.Text)
		}
	}
	return out
}

// mkdirs creates directories with mode 0700.
func mkdirs(dirs ...string) error {
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	return nil
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		t.Fatal(err)
	}
}

func removeAll(t *testing.T, path string) {
	t.Helper()
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
}
