package notify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.json")
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	r := newRecord("http x", now)
	r.Hard, r.Checks["number:+1"], r.Seq["ops"] = "CRITICAL", "CRITICAL", 4
	r.Soft = nil
	if err := writeRecord(writeFileAtomic, p, r); err != nil {
		t.Fatal(err)
	}
	got, _, err := readRecord(p, "http x", now)
	if err != nil || got.Hard != "CRITICAL" || got.Checks["number:+1"] != "CRITICAL" || got.Seq["ops"] != 4 {
		t.Fatalf("%+v %v", got, err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
}

func TestDecodeRecordRejects(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{``, "EOF"},
		{`{"version":1,"hard":"OK"`, "unexpected EOF"},
		{`{"version":2,"hard":"OK"}`, "unsupported version 2"},
		{`{"version":1,"hard":"FINE"}`, `invalid hard state "FINE"`},
		{`{"version":1,"hard":"OK","checks":{"a":"PENDING"}}`, `invalid state "PENDING" of sub-check "a"`},
		{`{"version":1,"hard":"OK","soft":{"state":"OK","attempts":1}}`, `invalid soft state "OK" (1 attempts)`},
		{`{"version":1,"hard":"OK","soft":{"state":"CRITICAL","attempts":0}}`, `invalid soft state "CRITICAL" (0 attempts)`},
		{`{"version":1,"hard":"OK","bogus":1}`, `json: unknown field "bogus"`},
		{`{"version":1,"hard":"OK"} {}`, "data after the record"},
		{`{"version":1,"hard":"OK","runs_since_event":-1}`, "negative run count"},
		{`{"version":1,"hard":"OK","seq":{"a":-1}}`, "json: cannot unmarshal number -1 into Go struct field Record.seq of type uint64"},
	} {
		_, err := decodeRecord([]byte(c.data))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: %v, want %q", c.data, err, c.want)
		}
	}
}

// A run killed between writing the temporary file and renaming it leaves
// the temporary file behind, maybe truncated: the reader never looks at it,
// the state read is the last one completed, and the next run removes it.
func TestKilledWriteLeavesReadableState(t *testing.T) {
	tr, _, _ := newTracker(t)
	process(t, tr, "c", result(crit("x")))
	id := IdentityHash("c")
	statePath, _, outbox := tr.paths(id)
	before, _ := os.ReadFile(statePath)
	if err := mkdirs(outbox); err != nil {
		t.Fatal(err)
	}
	strays := []string{
		filepath.Join(filepath.Dir(statePath), tempPrefix+id+".json"),
		filepath.Join(outbox, tempPrefix+"x.json"),
		filepath.Join(outbox, tempPrefix+"y.json-1"), // an older version's name
	}
	for i, p := range strays {
		content := before[:len(before)/2] // a truncated write
		if i == 1 {
			content = nil // created, nothing written
		}
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rec, _, err := readRecord(statePath, "c", time.Now())
	if err != nil || rec.Hard != "CRITICAL" {
		t.Fatalf("%+v %v", rec, err)
	}
	if entries, bad := readEntries(outbox); len(entries) != 0 || len(bad) != 0 {
		t.Fatalf("the outbox reader took a temporary file: %v %v", entries, bad)
	}
	r := process(t, tr, "c", result(crit("x")))
	if lines := notifyLines(r); lines != nil {
		t.Fatalf("%q", lines)
	}
	for _, p := range strays {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s not cleaned up", filepath.Base(p))
		}
	}
}

func TestUnreadableOutboxEntryIsKeptAndReported(t *testing.T) {
	rc := newReceiver(t)
	tr, _, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
	process(t, tr, "c", result(ok("x")))
	_, _, outbox := tr.paths(IdentityHash("c"))
	if err := mkdirs(outbox); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(outbox, "00000000000000000001-ops-0000000001.json")
	if err := os.WriteFile(bad, []byte(`{"sink":"ops","event":`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := process(t, tr, "c", result(ok("x")))
	lines := notifyLines(r)
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "[WARNING] notify: unreadable outbox entry kept: ") || !strings.HasSuffix(lines[0], "unexpected EOF") {
		t.Fatalf("%q", lines)
	}
	if _, err := os.Stat(bad); err != nil {
		t.Fatalf("the unreadable entry was removed: %v", err)
	}
}
