package notify

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// seqs is the seq of every event a receiver got, in order.
func seqs(t *testing.T, rc *receiver) []uint64 {
	t.Helper()
	var out []uint64
	for _, r := range rc.requests() {
		out = append(out, decodeEvent(t, r.Body).Seq)
	}
	return out
}

// Before: a receiver saw seq 1, 2 and then 1 again for a new event once the
// state file was damaged or removed, although docs/notify.md tells
// receivers that the same seq twice is the same event. Each case damages
// the files after two events and makes a third: its seq must be above 2.
func TestSeqNeverGoesBack(t *testing.T) {
	clockSeq := func(tr *Tracker) uint64 { return uint64(tr.now().UnixMicro()) + 1 }
	afterBlock := func(*Tracker) uint64 { return seqBlock + 1 }
	for _, tt := range []struct {
		name   string
		damage func(t *testing.T, state, seq, outbox string)
		want   func(tr *Tracker) uint64 // the third event's seq
		line   string                   // a line the third run adds
	}{
		// the seq file reserved 1 to seqBlock with the first event
		{"state file removed", func(t *testing.T, state, _, _ string) { remove(t, state) },
			afterBlock, ""},
		{"state file truncated", func(t *testing.T, state, _, _ string) { truncate(t, state, 10) },
			afterBlock, "[WARNING] notify: the state file was unreadable (unexpected EOF) and is replaced"},
		{"state file empty", func(t *testing.T, state, _, _ string) { truncate(t, state, 0) },
			afterBlock, "[WARNING] notify: the state file was unreadable (EOF) and is replaced"},
		{"seq file removed", func(t *testing.T, _, seq, _ string) { remove(t, seq) },
			func(*Tracker) uint64 { return 3 }, ""},
		{"seq file corrupt (the state has the seqs)", func(t *testing.T, _, seq, _ string) { truncate(t, seq, 5) },
			func(*Tracker) uint64 { return 3 }, ""},
		{"seq file corrupt, state file removed", func(t *testing.T, state, seq, _ string) { truncate(t, seq, 5); remove(t, state) },
			clockSeq, "[WARNING] notify: the seq file was unreadable (unexpected EOF) and is replaced; seq continues above the clock"},

		{"state file corrupt, seq file removed", func(t *testing.T, state, seq, _ string) { truncate(t, state, 10); remove(t, seq) },
			clockSeq, "[WARNING] notify: the state file was unreadable (unexpected EOF) and is replaced"},
		{"both removed, an undelivered event in the outbox", func(t *testing.T, state, seq, outbox string) {
			remove(t, state)
			remove(t, seq)
			if err := os.WriteFile(filepath.Join(outbox, entryName(newClock().Now(), "ops", 7)), []byte("{}"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, func(*Tracker) uint64 { return 8 }, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t)
			tr, clk, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
			process(t, tr, "c", result(ok("x")))
			process(t, tr, "c", result(crit("x")))
			process(t, tr, "c", result(ok("x")))
			id := IdentityHash("c")
			state, _, outbox := tr.paths(id)
			tt.damage(t, state, tr.seqPath(id), outbox)
			clk.Add(1e9)
			r := process(t, tr, "c", result(crit("x")))
			if tt.line != "" && !contains(notifyLines(r), tt.line) {
				t.Errorf("lines %q, want %q", notifyLines(r), tt.line)
			}
			got := seqs(t, rc)
			if want := []uint64{1, 2, tt.want(tr)}; !reflect.DeepEqual(got, want) {
				t.Fatalf("seqs %v, want %v", got, want)
			}
			// and on from there
			process(t, tr, "c", result(ok("x")))
			if got := seqs(t, rc); got[len(got)-1] != tt.want(tr)+1 {
				t.Fatalf("seqs %v, want %d last", got, tt.want(tr)+1)
			}
		})
	}
}

func remove(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

func truncate(t *testing.T, path string, n int64) {
	t.Helper()
	if err := os.Truncate(path, n); err != nil {
		t.Fatal(err)
	}
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// A seq from a file is at most 2^53-1, which a JSON receiver reading
// numbers as doubles still reads exactly: a file that says more is damaged.
func TestSeqBounds(t *testing.T) {
	if _, err := decodeRecord([]byte(`{"version":1,"hard":"OK","seq":{"ops":9007199254740992}}`)); err == nil ||
		err.Error() != `seq 9007199254740992 of sink "ops" is above 2^53-1` {
		t.Errorf("record: %v", err)
	}
	for name, want := range map[string]bool{
		"00000000000000000001-ops-0000000007.json":       true,
		"00000000000000000001-my-sink-0000000007.json":   true,
		"00000000000000000001-ops-9007199254740992.json": false,
		"00000000000000000001-ops-x.json":                false,
		"0000000000000000001-ops-0000000007.json":        false,
		"00000000000000000001--0000000007.json":          false,
		"00000000000000000001-ops-0000000007.json.tmp":   false,
	} {
		if _, _, _, ok := parseEntryName(name); ok != want {
			t.Errorf("parseEntryName(%q): %v, want %v", name, ok, want)
		}
	}
}

// failing fails every write of a file whose name passes match, with
// ENOSPC, as a full disk does, while the others succeed.
func failing(match func(path string) bool) writeFunc {
	return func(path string, data []byte) error {
		if match(path) {
			return &os.PathError{Op: "write", Path: path, Err: syscall.ENOSPC}
		}
		return writeFileAtomic(path, data)
	}
}

// Before: with a full disk, where the outbox entry fits and the state save
// fails, the event was sent, and the next run (whose state still said OK)
// sent the same change again. Now the event is taken back and the next run
// that can record the change notifies it, once.
func TestFullDiskNotifiesOnce(t *testing.T) {
	for _, tt := range []struct {
		name string
		fail func(path string) bool
		err  string // the error Process returns ("" none)
		line string // the WARNING line it adds ("" none)
	}{
		{"the state cannot be saved", func(p string) bool { return strings.HasSuffix(p, ".json") && strings.Contains(p, "checks") },
			"saving the state: write CHECKS/ID.json: no space left on device; the event was taken back out of the outbox, to be made again by the next run", ""},
		{"the seq cannot be recorded", func(p string) bool { return strings.HasSuffix(p, ".seq") },
			"", "[WARNING] notify a: the CRITICAL event could not be queued (recording its seq: write CHECKS/ID.seq: no space left on device); the state is left as it was, so the next run tries again"},
		{"the second sink's event does not fit", func(p string) bool { return strings.Contains(p, "-b-") },
			"", "[WARNING] notify b: the CRITICAL event could not be queued (write OUTBOX/ENTRY: no space left on device); the state is left as it was, so the next run tries again; the event was taken back out of the outbox, to be made again by the next run"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b := newReceiver(t), newReceiver(t)
			tr, clk, _ := newTracker(t, jsonSink(t, "a", a.URL), jsonSink(t, "b", b.URL))
			id := IdentityHash("c")
			state, _, outbox := tr.paths(id)
			clean := strings.NewReplacer(filepath.Dir(state), "CHECKS", id, "ID", outbox+string(filepath.Separator), "OUTBOX/")
			process(t, tr, "c", result(ok("x")))
			tr.write = failing(tt.fail)
			clk.Add(1e9)
			r := result(crit("x"))
			err := tr.Process(context.Background(), "c", "", r)
			if got := ""; err != nil || tt.err != "" {
				if err != nil {
					got = clean.Replace(err.Error())
				}
				if got != tt.err {
					t.Fatalf("err = %s\nwant  %s", got, tt.err)
				}
			}
			lines := notifyLines(r)
			for i, l := range lines {
				lines[i] = clean.Replace(l)
				if strings.Contains(lines[i], "OUTBOX/") {
					lines[i] = lines[i][:strings.Index(lines[i], "OUTBOX/")+len("OUTBOX/")] + "ENTRY" + lines[i][strings.Index(lines[i], ": no space"):]
				}
			}
			var want []string
			if tt.line != "" {
				want = []string{tt.line}
			}
			if !reflect.DeepEqual(lines, want) {
				t.Fatalf("lines %q\nwant  %q", lines, want)
			}
			if n := len(a.requests()) + len(b.requests()); n != 0 {
				t.Fatalf("%d events sent for a change that was not recorded", n)
			}
			if entries, bad := readEntries(outbox); len(entries)+len(bad) != 0 {
				t.Fatalf("left in the outbox: %d entries, %q", len(entries), bad)
			}
			// the disk has room again: the change is notified, once
			tr.write = nil
			for range 3 {
				clk.Add(1e9)
				process(t, tr, "c", result(crit("x")))
			}
			for _, rc := range []*receiver{a, b} {
				reqs := rc.requests()
				if len(reqs) != 1 {
					t.Fatalf("%d events, want 1", len(reqs))
				}
				if ev := decodeEvent(t, reqs[0].Body); ev.State != "CRITICAL" || ev.Previous != "OK" || ev.Seq < 1 {
					t.Fatalf("event %+v", ev)
				}
			}
		})
	}
}

// A run killed between queueing its events and saving the state leaves
// events the state does not record. Before, the next run sent them and
// then, its state still saying OK, made and sent the same change again.
// Now such events are never sent: the next run (or notify flush) removes
// them, and the change is notified once, by the run that records it.
func TestKilledBeforeSaveNotifiesOnce(t *testing.T) {
	for _, flush := range []bool{false, true} {
		rc := newReceiver(t)
		tr, clk, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
		process(t, tr, "c", result(ok("x")))
		// what the killed run left: its event, and no state
		clk.Add(1e9)
		_, _, outbox := tr.paths(IdentityHash("c"))
		mkdir(t, filepath.Join(tr.Dir, "outbox"))
		mkdir(t, outbox)
		ev := newEvent(decision{Event: EventChange, Previous: "OK", Since: clk.Now()}, "c", "test", result(crit("x")), clk.Now())
		ev.Seq = 1
		if err := writeSeqFile(writeFileAtomic, tr.seqPath(IdentityHash("c")), map[string]uint64{"ops": 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := writeEntry(writeFileAtomic, outbox, "ops", ev, clk.Now()); err != nil {
			t.Fatal(err)
		}
		if flush {
			f := tr.Flush(context.Background())
			if f.Summary != "the outbox is empty" || len(f.Details) != 1 || !strings.HasSuffix(f.Details[0].Text, ": removed 1 event that a run stopped before it recorded its result had queued") {
				t.Fatalf("flush: %q %+v", f.Summary, f.Details)
			}
		}
		clk.Add(1e9)
		r := process(t, tr, "c", result(crit("x")))
		want := []string{"[OK] notify: removed 1 event that a run stopped before it recorded its result had queued; this run decides afresh", "[OK] notify ops: delivered 1 event (seq 1)"}
		if flush {
			want = want[1:]
		}
		if got := notifyLines(r); !reflect.DeepEqual(got, want) {
			t.Fatalf("flush %v: %q\nwant %q", flush, got, want)
		}
		process(t, tr, "c", result(crit("x")))
		// seq 1 was never sent: the event that is sent may take it
		if got := seqs(t, rc); !reflect.DeepEqual(got, []uint64{1}) {
			t.Fatalf("flush %v: seqs %v, want [1]", flush, got)
		}
	}
}

// A run whose state was lost reads the seq file, and the state it writes
// carries the seqs of every sink, so that later runs, which read only the
// state, still know them when the seq file is lost in turn.
func TestSeqCarriedByTheState(t *testing.T) {
	a, b := newReceiver(t), newReceiver(t)
	tr, clk, _ := newTracker(t, jsonSink(t, "a", a.URL), jsonSink(t, "b", b.URL))
	process(t, tr, "c", result(ok("x")))
	process(t, tr, "c", result(crit("x"))) // a 1, b 1
	process(t, tr, "c", result(ok("x")))   // a 2, b 2
	id := IdentityHash("c")
	state, _, _ := tr.paths(id)
	remove(t, state)
	// only a now: b is not configured for a while
	tr.Sinks = tr.Sinks[:1]
	clk.Add(1e9)
	process(t, tr, "c", result(crit("x"))) // a: above the seq file's reservation
	remove(t, tr.seqPath(id))
	tr.Sinks = []*Sink{jsonSink(t, "a", a.URL), jsonSink(t, "b", b.URL)}
	clk.Add(1e9)
	process(t, tr, "c", result(ok("x"))) // a and b: from the state
	if got := seqs(t, a); !reflect.DeepEqual(got, []uint64{1, 2, seqBlock + 1, seqBlock + 2}) {
		t.Errorf("a: seqs %v", got)
	}
	if got := seqs(t, b); !reflect.DeepEqual(got, []uint64{1, 2, seqBlock + 1}) {
		t.Errorf("b: seqs %v", got)
	}
}

// The seq file reserves seqBlock seqs at a time: a sink that gets an event
// every run (a reporting sink) writes it once in seqBlock runs, not every run.
func TestSeqFileWrittenOncePerBlock(t *testing.T) {
	rc := newReceiver(t)
	tr, clk, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
	writes := 0
	tr.write = func(path string, data []byte) error {
		if strings.HasSuffix(path, ".seq") {
			writes++
		}
		return writeFileAtomic(path, data)
	}
	process(t, tr, "c", result(ok("x")))
	for i := range 6 {
		clk.Add(1e9)
		if i%2 == 0 {
			process(t, tr, "c", result(crit("x")))
		} else {
			process(t, tr, "c", result(ok("x")))
		}
	}
	if got := seqs(t, rc); !reflect.DeepEqual(got, []uint64{1, 2, 3, 4, 5, 6}) || writes != 1 {
		t.Fatalf("seqs %v, %d writes of the seq file, want 1", got, writes)
	}
}

// A seq file removed while the state is fine is written again by the next
// event, so that a later loss of the state still finds the reservation.
func TestSeqFileRemovedThenState(t *testing.T) {
	rc := newReceiver(t)
	tr, clk, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
	process(t, tr, "c", result(ok("x")))
	process(t, tr, "c", result(crit("x"))) // 1
	id := IdentityHash("c")
	state, _, _ := tr.paths(id)
	remove(t, tr.seqPath(id))
	clk.Add(1e9)
	process(t, tr, "c", result(ok("x"))) // 2, and the seq file again
	remove(t, state)
	clk.Add(1e9)
	process(t, tr, "c", result(crit("x"))) // above the reservation
	if got := seqs(t, rc); !reflect.DeepEqual(got, []uint64{1, 2, seqBlock + 2}) {
		t.Fatalf("seqs %v", got)
	}
}
