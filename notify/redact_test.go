package notify

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
	"github.com/healthprobe/healthprobe/redact"
)

// allFiles returns the text of every file under dir.
func allFiles(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		b.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The tracker's redactor masks the run's secrets in the state file, the
// outbox entries (their last error too) and the events sent, in every
// text: summary, target, sub-check names and texts, the identity and the
// name. A sub-check whose name holds a secret keeps one state from run to
// run: no change is seen where there is none.
func TestTrackerRedacts(t *testing.T) {
	const secret = `s3cret|"value`
	rc := newReceiver(t)
	calls := 0
	rc.fail = func(int) int {
		calls++
		if calls == 1 {
			return http.StatusTeapot
		}
		return 0
	}
	red := redact.New()
	red.Add(secret)
	tr, _, _ := newTracker(t, jsonSink(t, "hook", rc.URL))
	tr.Redactor = red
	res := func() *probe.Result {
		r := &probe.Result{Kind: "HTTP", Target: "https://h/?q=" + secret}
		r.Add("keyword:"+secret, nagios.Critical, "keyword "+secret+" not found")
		r.SummaryOr("", "keyword "+secret+" not found")
		return r
	}
	identity := "http https://h/ --keyword=" + secret
	r1 := process(t, tr, identity, res())
	if got := allFiles(t, tr.Dir); strings.Contains(got, "s3cret") || !strings.Contains(got, "[redacted]") {
		t.Errorf("the files hold the secret, or no mask:\n%s", got)
	}
	if lines := notifyLines(r1); len(lines) == 0 || !strings.Contains(strings.Join(lines, "\n"), "kept in the outbox") {
		t.Errorf("the first delivery should fail: %q", lines)
	}
	r2 := process(t, tr, identity, res())
	for _, rq := range rc.requests() {
		if strings.Contains(rq.Body, "s3cret") {
			t.Errorf("an event holds the secret: %s", rq.Body)
		}
	}
	if n := len(rc.requests()); n != 2 {
		t.Errorf("%d requests: the same state twice must not be a new event (%q)", n, notifyLines(r2))
	}
}

// A state an earlier version kept under an identity that held a secret (a
// URL without a scheme and its password) is moved to the identity without
// it: its state file is rewritten redacted and the old one removed, its
// outbox entries move over.
func TestAdoptLegacyState(t *testing.T) {
	rc := newReceiver(t)
	rc.fail = func(int) int { return http.StatusInternalServerError }
	tr, clk, _ := newTracker(t, jsonSink(t, "hook", rc.URL))
	raw := "http user:pa55-legacy@host/x?api_key=k3y-legacy"
	// the earlier version: no redactor knew the URL's secrets
	process(t, tr, raw, result(ok("status")))
	clk.Add(1)
	process(t, tr, raw, result(crit("status"))) // queued, not delivered
	oldID := IdentityHash(raw)
	if _, err := os.Stat(filepath.Join(tr.Dir, "checks", oldID+".json")); err != nil {
		t.Fatal(err)
	}
	red := redact.New()
	red.AddURL("http://user:pa55-legacy@host/x?api_key=k3y-legacy") // as the URL is normalised
	tr.Redactor = red
	identity := red.String(raw)
	if identity != "http user:[redacted]@host/x?api_key=[redacted]" {
		t.Fatalf("identity %q", identity)
	}
	clk.Add(1)
	r := process(t, tr, identity, result(crit("status")))
	if got := strings.Join(notifyLines(r), "\n"); !strings.Contains(got, "is now kept without it") {
		t.Errorf("no word of the move:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(tr.Dir, "checks", oldID+".json")); !os.IsNotExist(err) {
		t.Errorf("the old state file is still there: %v", err)
	}
	if files := allFiles(t, tr.Dir); strings.Contains(files, "pa55-legacy") || strings.Contains(files, "k3y-legacy") {
		t.Errorf("a file holds a secret:\n%s", files)
	}
	data, err := os.ReadFile(filepath.Join(tr.Dir, "checks", IdentityHash(identity)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Identity != identity || rec.Hard != "CRITICAL" || rec.Seq["hook"] != 1 {
		t.Errorf("moved record: %+v", rec)
	}
	entries, _ := readEntries(filepath.Join(tr.Dir, "outbox", IdentityHash(identity)))
	if len(entries) != 1 || entries[0].Event.Seq != 1 {
		t.Errorf("outbox entries not moved: %d", len(entries))
	}
	// a check that merely looks alike is not taken over
	other := "http user:[redacted]@host/y"
	r = process(t, tr, other, result(ok("status")))
	if strings.Contains(strings.Join(notifyLines(r), "\n"), "now kept") {
		t.Errorf("another check took the state over")
	}
}
