package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

func decodeEvent(t *testing.T, body string) Event {
	t.Helper()
	var ev Event
	if err := json.Unmarshal([]byte(body), &ev); err != nil {
		t.Fatalf("event %q: %v", body, err)
	}
	return ev
}

func TestFlipNotifiesOncePerSink(t *testing.T) {
	a, b := newReceiver(t), newReceiver(t)
	tr, clk, _ := newTracker(t, jsonSink(t, "a", a.URL+"/hook"), jsonSink(t, "b", b.URL+"/hook"))
	id := "http https://edge1.example.com:8443/health"

	for range 3 { // steady OK: nothing
		r := process(t, tr, id, result(ok("status")))
		clk.Add(time.Minute)
		if lines := notifyLines(r); lines != nil {
			t.Fatalf("steady OK added %q", lines)
		}
	}
	r := process(t, tr, id, result(crit("status")))
	if got, want := notifyLines(r), []string{"[OK] notify a: delivered 1 event (seq 1)", "[OK] notify b: delivered 1 event (seq 1)"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("lines %q, want %q", got, want)
	}
	for range 3 { // steady CRITICAL: nothing more
		clk.Add(time.Minute)
		process(t, tr, id, result(crit("status")))
	}
	clk.Add(time.Minute)
	process(t, tr, id, result(ok("status")))

	for _, rc := range []*receiver{a, b} {
		got := rc.requests()
		if len(got) != 2 {
			t.Fatalf("receiver got %d events, want 2 (flip and recovery)", len(got))
		}
		ev := decodeEvent(t, got[0].Body)
		want := Event{Event: EventChange, Time: time.Date(2024, 5, 1, 12, 3, 0, 0, time.UTC), Seq: 1,
			Name: "http https://edge1.example.com:8443/health", Kind: "HTTP", Target: "https://edge1.example.com:8443/health",
			State: "CRITICAL", Previous: "OK", Since: time.Date(2024, 5, 1, 12, 3, 0, 0, time.UTC), Summary: "status broken",
			Changed: []Change{{Name: "status", Old: "OK", New: "CRITICAL", Text: "status broken"}}, Version: "test"}
		if !reflect.DeepEqual(ev, want) {
			t.Errorf("event\n%+v, want\n%+v", ev, want)
		}
		if got[0].Method != http.MethodPost || got[0].URL != "/hook" || got[0].Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s %q", got[0].Method, got[0].URL, got[0].Header.Get("Content-Type"))
		}
		rec := decodeEvent(t, got[1].Body)
		if rec.Seq != 2 || rec.State != "OK" || rec.Previous != "CRITICAL" {
			t.Errorf("recovery event seq %d %s from %s", rec.Seq, rec.State, rec.Previous)
		}
	}
}

func TestSoftWindowNotifiesWhenHard(t *testing.T) {
	rc := newReceiver(t)
	tr, clk, _ := newTracker(t, jsonSink(t, "a", rc.URL))
	tr.Policy = Policy{FailAfter: 20 * time.Minute}
	id := "wms"
	process(t, tr, id, result(ok("status")))
	for i, want := range []string{
		"[CRITICAL] soft CRITICAL, attempt 1, for 0s of 20m0s (notified once it is hard)",
		"[CRITICAL] soft CRITICAL, attempt 2, for 10m0s of 20m0s (notified once it is hard)",
	} {
		clk.Add(10 * time.Minute * time.Duration(min(i, 1)))
		r := process(t, tr, id, result(crit("status")))
		if got := notifyLines(r); !reflect.DeepEqual(got, []string{want}) {
			t.Fatalf("run %d: %q, want %q", i+1, got, want)
		}
		if r.State != nagios.Critical {
			t.Fatalf("a soft state reports the real state, got %s", r.State)
		}
	}
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("%d events inside the soft window", n)
	}
	clk.Add(10 * time.Minute)
	process(t, tr, id, result(crit("status")))
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("%d events once hard, want 1", len(got))
	}
	if ev := decodeEvent(t, got[0].Body); !ev.Since.Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("since %s, want the first failing run", ev.Since)
	}
}

func TestDownReceiverKeepsEventForNextRun(t *testing.T) {
	rc := newReceiver(t)
	down := true
	rc.fail = func(int) int {
		if down {
			return http.StatusServiceUnavailable
		}
		return 0
	}
	tr, clk, sl := newTracker(t, jsonSink(t, "ops", rc.URL))
	id := "check"
	process(t, tr, id, result(ok("status")))
	r := process(t, tr, id, result(crit("status")))
	want := []string{"[WARNING] notify ops: 1 event not delivered (answered 503 Service Unavailable); kept in the outbox for the next run"}
	if got := notifyLines(r); !reflect.DeepEqual(got, want) {
		t.Fatalf("%q, want %q", got, want)
	}
	if !reflect.DeepEqual(sl.waits, []time.Duration{time.Second}) {
		t.Errorf("back-off asked %v, want [1s]", sl.waits)
	}
	files, _ := filepath.Glob(filepath.Join(tr.Dir, "outbox", IdentityHash(id), "*.json"))
	if len(files) != 1 {
		t.Fatalf("outbox holds %d files, want 1", len(files))
	}
	var e entry
	data, _ := os.ReadFile(files[0])
	if err := json.Unmarshal(data, &e); err != nil || e.Attempts != 1 || e.LastError != "answered 503 Service Unavailable" {
		t.Fatalf("entry %s: %v", data, err)
	}

	rc.mu.Lock()
	down = false
	rc.mu.Unlock()
	clk.Add(time.Minute)
	r = process(t, tr, id, result(crit("status"))) // steady: no new event, the queued one goes
	if got := notifyLines(r); !reflect.DeepEqual(got, []string{"[OK] notify ops: delivered 1 event (seq 1)"}) {
		t.Fatalf("%q", got)
	}
	clk.Add(time.Minute)
	process(t, tr, id, result(crit("status")))
	got := rc.requests()
	if len(got) != 2 || got[0].Body != got[1].Body {
		t.Fatalf("receiver got %d requests, want the refused one and the same event once more", len(got))
	}
	if files, _ := filepath.Glob(filepath.Join(tr.Dir, "outbox", "*", "*")); len(files) != 0 {
		t.Fatalf("outbox not empty: %v", files)
	}
}

func TestBackoffDoublesWithinRun(t *testing.T) {
	rc := newReceiver(t)
	rc.fail = func(n int) int {
		if n <= 3 {
			return http.StatusBadGateway
		}
		return 0
	}
	tr, _, sl := newTracker(t, jsonSink(t, "ops", rc.URL))
	sl.allow = 10
	r := process(t, tr, "c", result(crit("x")))
	if got := notifyLines(r); !reflect.DeepEqual(got, []string{"[OK] notify ops: delivered 1 event (seq 1)"}) {
		t.Fatalf("%q", got)
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}; !reflect.DeepEqual(sl.waits, want) {
		t.Fatalf("waits %v, want %v", sl.waits, want)
	}
	if n := len(rc.requests()); n != 4 {
		t.Fatalf("%d attempts, want 4", n)
	}
}

func TestOlderEventsGoFirst(t *testing.T) {
	rc := newReceiver(t)
	down := true
	rc.fail = func(int) int {
		if down {
			return http.StatusServiceUnavailable
		}
		return 0
	}
	tr, clk, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
	process(t, tr, "c", result(crit("x")))
	clk.Add(time.Minute)
	process(t, tr, "c", result(ok("x")))
	down = false
	clk.Add(time.Minute)
	process(t, tr, "c", result(crit("x")))
	var seqs []uint64
	for _, q := range rc.requests()[2:] {
		seqs = append(seqs, decodeEvent(t, q.Body).Seq)
	}
	if !reflect.DeepEqual(seqs, []uint64{1, 2, 3}) {
		t.Fatalf("delivered seq %v, want 1, 2, 3", seqs)
	}
}

func TestConcurrentRunsNotifyOnce(t *testing.T) {
	rc := newReceiver(t)
	tr, _, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
	process(t, tr, "c", result(ok("x")))
	for round := range 20 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := result(crit("x"))
				if round%2 == 1 {
					r = result(ok("x"))
				}
				errs[i] = tr.Process(context.Background(), "c", "", r)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := len(rc.requests()); n != round+1 {
			t.Fatalf("round %d: %d events, want %d: two concurrent runs must notify once", round, n, round+1)
		}
	}
}

func TestLockWaitEndsWithContext(t *testing.T) {
	tr, _, _ := newTracker(t)
	_, lockPath, _ := tr.paths(IdentityHash("c"))
	if err := mkdirs(filepath.Dir(lockPath)); err != nil {
		t.Fatal(err)
	}
	held, err := lockFile(context.Background(), lockPath)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = tr.Process(ctx, "c", "", result(ok("x")))
	if err == nil || !strings.Contains(err.Error(), "another run holds the lock: this result was not recorded") {
		t.Fatalf("err = %v", err)
	}
}

func TestFilesArePrivate(t *testing.T) {
	rc := newReceiver(t)
	rc.fail = func(int) int { return http.StatusInternalServerError }
	tr, _, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
	process(t, tr, "c", result(crit("x")))
	n := 0
	err := filepath.Walk(tr.Dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if fi.IsDir() {
			want = 0o700
			if p == tr.Dir {
				return nil
			}
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
		n++
		return nil
	})
	if err != nil || n != 7 { // checks/ outbox/ outbox/ID/ ID.json ID.lock ID.seq entry
		t.Fatalf("walked %d paths (%v), want 7", n, err)
	}
}

func TestSecretsStayOutOfFiles(t *testing.T) {
	rc := newReceiver(t)
	rc.fail = func(int) int { return http.StatusInternalServerError }
	cfg := []SinkConfig{
		{Name: "basic", URL: rc.URL, Username: "hp", Password: "s3cret-password", Headers: map[string]string{"X-Api-Key": "s3cret-header"}},
		{Name: "wms", URL: rc.URL, Format: "wmspanel", TokenEnv: "TOKEN"},
	}
	sinks, err := BuildSinks(cfg, func(string) string { return "s3cret-token" })
	if err != nil {
		t.Fatal(err)
	}
	if got := sinks[0].Secrets(); !reflect.DeepEqual(got, []string{"s3cret-header", "s3cret-password", "aHA6czNjcmV0LXBhc3N3b3Jk"}) { // and the Basic value of hp:s3cret-password
		t.Errorf("secrets %q", got)
	}
	tr, _, _ := newTracker(t, sinks...)
	r := process(t, tr, "c", result(crit("x")))
	if len(rc.requests()) != 2 {
		t.Fatalf("%d requests", len(rc.requests()))
	}
	_ = filepath.Walk(tr.Dir, func(p string, fi os.FileInfo, _ error) error {
		if fi.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(p)
		if strings.Contains(string(data), "s3cret") {
			t.Errorf("%s holds a secret:\n%s", p, data)
		}
		return nil
	})
	for _, d := range r.Details {
		if strings.Contains(d.Text, "s3cret") {
			t.Errorf("output holds a secret: %s", d.Text)
		}
	}
}

func TestOutboxWarnings(t *testing.T) {
	rc := newReceiver(t)
	rc.fail = func(int) int { return http.StatusServiceUnavailable }
	tr, clk, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
	tr.OutboxCap = 2
	tr.Policy.RemindRuns = 1
	process(t, tr, "c", result(crit("x")))
	clk.Add(10 * time.Minute)
	process(t, tr, "c", result(crit("x")))
	clk.Add(21 * time.Minute)
	r := process(t, tr, "c", result(crit("x")))
	want := []string{
		"[WARNING] notify ops: 3 events not delivered (answered 503 Service Unavailable); kept in the outbox for the next run",
		"[WARNING] notify ops: an event has waited 31m0s to be delivered, more than 30m0s",
		"[WARNING] notify: the outbox holds 3 undelivered events, more than 2",
	}
	if got := notifyLines(r); !reflect.DeepEqual(got, want) {
		t.Fatalf("%q\nwant %q", got, want)
	}
	// a sink removed from the config: its events stay, and say so
	tr.Sinks = []*Sink{jsonSink(t, "other", rc.URL)}
	r = process(t, tr, "c", result(crit("x")))
	lines := notifyLines(r)
	if len(lines) == 0 || !strings.HasPrefix(lines[0], `[WARNING] notify: 3 events queued for sink "ops", which is not configured or not active: restore it, or delete them from `) {
		t.Fatalf("%q", lines)
	}
	if r.State != nagios.Critical {
		t.Fatalf("state %s", r.State)
	}
	ok := result(ok("x"))
	process(t, tr, "c", ok)
	if ok.State != nagios.Warning || ok.Summary != "notify: events for an unknown sink, undelivered events, event not delivered, outbox full; all fine" {
		t.Fatalf("an OK check with a stuck outbox is %s: %q, want WARNING saying why", ok.State, ok.Summary)
	}
}

func TestCorruptStateIsReportedAndReplaced(t *testing.T) {
	rc := newReceiver(t)
	tr, _, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
	process(t, tr, "c", result(ok("x")))
	statePath, _, _ := tr.paths(IdentityHash("c"))
	if err := os.WriteFile(statePath, []byte(`{"version":1,"hard":"SIDEWAYS"`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := process(t, tr, "c", result(ok("x")))
	want := []string{"[WARNING] notify: the state file was unreadable (unexpected EOF) and is replaced"}
	if got := notifyLines(r); !reflect.DeepEqual(got, want) {
		t.Fatalf("%q, want %q", got, want)
	}
	if r.State != nagios.Warning || r.Summary != "notify: state file replaced; all fine" {
		t.Fatalf("state %s: %q", r.State, r.Summary)
	}
	r = process(t, tr, "c", result(ok("x")))
	if got := notifyLines(r); got != nil {
		t.Fatalf("the replaced state is still reported: %q", got)
	}
	// a directory where the state file should be: reported, the check goes
	// on; the change cannot be recorded, so its event is not sent either
	if err := os.Remove(statePath); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(statePath, 0o700); err != nil {
		t.Fatal(err)
	}
	r = result(crit("x"))
	err := tr.Process(context.Background(), "c", "", r)
	if err == nil || !strings.HasPrefix(err.Error(), "saving the state: ") ||
		!strings.HasSuffix(err.Error(), "; the event was taken back out of the outbox, to be made again by the next run") {
		t.Fatalf("err = %v", err)
	}
	want = []string{"[WARNING] notify: the state file was unreadable (" + statePath + " is a directory, not a regular file) and is replaced"}
	if got := notifyLines(r); !reflect.DeepEqual(got, want) {
		t.Fatalf("%q, want %q", got, want)
	}
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("%d events sent for a change that could not be recorded", n)
	}
}

func TestInactiveSinkGetsNothing(t *testing.T) {
	rc := newReceiver(t)
	off := false
	s, err := SinkConfig{Name: "off", URL: rc.URL, Active: &off}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	tr, _, _ := newTracker(t, s)
	process(t, tr, "c", result(crit("x")))
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("%d requests to an inactive sink", n)
	}
}

func TestUnqueuedEventIsTriedAgain(t *testing.T) {
	rc := newReceiver(t)
	tr, _, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
	process(t, tr, "c", result(ok("x")))
	_, _, outbox := tr.paths(IdentityHash("c"))
	if err := mkdirs(filepath.Dir(outbox)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outbox, nil, 0o600); err != nil { // a file where the outbox directory goes
		t.Fatal(err)
	}
	r := process(t, tr, "c", result(crit("x")))
	lines := notifyLines(r)
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "[WARNING] notify ops: the CRITICAL event could not be queued (") ||
		!strings.HasSuffix(lines[0], "); the state is left as it was, so the next run tries again") {
		t.Fatalf("%q", lines)
	}
	if err := os.Remove(outbox); err != nil {
		t.Fatal(err)
	}
	r = process(t, tr, "c", result(crit("x")))
	if got := notifyLines(r); !reflect.DeepEqual(got, []string{"[OK] notify ops: delivered 1 event (seq 1)"}) {
		t.Fatalf("%q", got)
	}
	if n := len(rc.requests()); n != 1 {
		t.Fatalf("%d events", n)
	}
}
