//go:build unix

package notify

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// elsewhere is a directory outside the state directory, where planted
// links point.
func elsewhere(t *testing.T) string {
	t.Helper()
	return t.TempDir()
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// listing is every path under dir, relative, with the content of files.
func listing(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !fi.IsDir() {
			data, _ := os.ReadFile(p)
			out[rel] = string(data)
		} else {
			out[rel+"/"] = ""
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Before: the lock file followed a planted symbolic link and created a file
// where it pointed. No state, lock, seq or outbox file, and no directory
// inside the state directory, is followed or created through a link: each
// is refused (the run reports it) and what the link points to is left
// as it was.
func TestSymlinksAreNotFollowed(t *testing.T) {
	for _, tt := range []struct {
		name  string
		plant func(t *testing.T, tr *Tracker, target string) // target: a path outside, which does not exist yet
		err   string                                         // Process's error, with DIR, ID and TARGET for the paths
		lines []string                                       // the lines it adds
		crit  bool                                           // the run is CRITICAL, not OK
	}{
		{"lock file", func(t *testing.T, tr *Tracker, target string) {
			_, lock, _ := tr.paths(IdentityHash("c"))
			remove(t, lock)
			symlink(t, target, lock)
		}, "locking DIR/checks/ID.lock: DIR/checks/ID.lock is a symbolic link, which is not followed: this result was not recorded", nil, false},
		{"state file", func(t *testing.T, tr *Tracker, target string) {
			state, _, _ := tr.paths(IdentityHash("c"))
			data, _ := os.ReadFile(state)
			mustWrite(t, target, string(data))
			remove(t, state)
			symlink(t, target, state)
		}, "", []string{"[WARNING] notify: the state file was unreadable (DIR/checks/ID.json is a symbolic link, which is not followed) and is replaced"}, false},
		{"seq file", func(t *testing.T, tr *Tracker, target string) {
			// read only without a state: the state file is gone
			state, _, _ := tr.paths(IdentityHash("c"))
			remove(t, state)
			seq := tr.seqPath(IdentityHash("c"))
			mustWrite(t, target, `{"version":1,"seq":{"ops":1}}`)
			remove(t, seq)
			symlink(t, target, seq)
		}, "", []string{
			"[WARNING] notify: the seq file was unreadable (DIR/checks/ID.seq is a symbolic link, which is not followed) and is replaced; seq continues above the clock",
			"[OK] notify ops: delivered 1 event (seq CLOCK)"}, true},
		{"seq file, with a state", func(t *testing.T, tr *Tracker, target string) {
			// not read: the state has the seqs; replaced, not written through
			seq := tr.seqPath(IdentityHash("c"))
			mustWrite(t, target, `{"version":1,"seq":{"ops":1}}`)
			remove(t, seq)
			symlink(t, target, seq)
		}, "", []string{"[OK] notify ops: delivered 1 event (seq 2)"}, false},
		{"checks directory", func(t *testing.T, tr *Tracker, target string) {
			if err := os.Rename(filepath.Join(tr.Dir, "checks"), target); err != nil {
				t.Fatal(err)
			}
			symlink(t, target, filepath.Join(tr.Dir, "checks"))
		}, "DIR/checks is a symbolic link, which is not followed", nil, false},
		{"outbox directory", func(t *testing.T, tr *Tracker, target string) {
			mkdir(t, target)
			removeAll(t, filepath.Join(tr.Dir, "outbox"))
			symlink(t, target, filepath.Join(tr.Dir, "outbox"))
		}, "", []string{"[WARNING] notify ops: the OK event could not be queued (DIR/outbox is a symbolic link, which is not followed); the state is left as it was, so the next run tries again"}, false},
		{"a check's outbox directory", func(t *testing.T, tr *Tracker, target string) {
			mkdir(t, target)
			removeAll(t, filepath.Join(tr.Dir, "outbox", IdentityHash("c")))
			symlink(t, target, filepath.Join(tr.Dir, "outbox", IdentityHash("c")))
		}, "", []string{
			"[WARNING] notify ops: the OK event could not be queued (DIR/outbox/ID is a symbolic link, which is not followed); the state is left as it was, so the next run tries again",
			"[WARNING] notify: unreadable outbox entry kept: DIR/outbox/ID is a symbolic link, which is not followed"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t)
			tr, clk, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
			process(t, tr, "c", result(crit("x"))) // seq 1
			out := elsewhere(t)
			target := filepath.Join(out, "target")
			tt.plant(t, tr, target)
			before := listing(t, out)
			clean := strings.NewReplacer(tr.Dir, "DIR", IdentityHash("c"), "ID", target, "TARGET",
				"seq "+itoa(uint64(clk.Now().UnixMicro())+1), "seq CLOCK")
			r := result(ok("x"))
			if tt.crit {
				r = result(crit("x"))
			}
			err := tr.Process(context.Background(), "c", "", r)
			got := ""
			if err != nil {
				got = clean.Replace(err.Error())
			}
			if got != tt.err {
				t.Errorf("err = %s\nwant  %s", got, tt.err)
			}
			lines := notifyLines(r)
			for i := range lines {
				lines[i] = clean.Replace(lines[i])
			}
			if !reflect.DeepEqual(lines, tt.lines) {
				t.Errorf("lines %q\nwant  %q", lines, tt.lines)
			}
			if after := listing(t, out); !reflect.DeepEqual(after, before) {
				t.Errorf("outside the state directory, before: %q\nafter: %q", before, after)
			}
		})
	}
}

// An outbox entry that is a link is kept and reported, never read nor
// removed; notify flush skips a check's outbox that is a link, and says so.
func TestOutboxLinksAreKept(t *testing.T) {
	rc := newReceiver(t)
	tr, _, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
	process(t, tr, "c", result(ok("x")))
	out := elsewhere(t)
	_, _, outbox := tr.paths(IdentityHash("c"))
	mkdir(t, filepath.Join(tr.Dir, "outbox"))
	mkdir(t, outbox)
	target := filepath.Join(out, "entry.json")
	mustWrite(t, target, `{"sink":"ops","created":"2024-05-01T12:00:00Z","attempts":0,"event":{"event":"state_change","seq":9,"state":"OK"}}`)
	link := filepath.Join(outbox, entryName(time.Now(), "ops", 9))
	symlink(t, target, link)
	r := process(t, tr, "c", result(ok("x")))
	want := []string{"[WARNING] notify: unreadable outbox entry kept: " + link + " is a symbolic link, which is not followed"}
	if got := notifyLines(r); !reflect.DeepEqual(got, want) {
		t.Errorf("%q\nwant %q", got, want)
	}
	if len(rc.requests()) != 0 {
		t.Error("the linked entry was sent")
	}
	if _, err := os.Lstat(link); err != nil {
		t.Errorf("the link was removed: %v", err)
	}
	// flush, with the check's whole outbox a link
	remove(t, link)
	remove(t, outbox)
	mkdir(t, filepath.Join(out, "box"))
	symlink(t, target, filepath.Join(out, "box", entryName(time.Now(), "ops", 9)))
	symlink(t, filepath.Join(out, "box"), outbox)
	f := tr.Flush(context.Background())
	if len(f.Details) != 1 || f.Details[0].Text != outbox+" is a symbolic link, which is not followed: skipped" || len(rc.requests()) != 0 {
		t.Errorf("flush: %s %q %+v", f.State, f.Summary, f.Details)
	}
	if _, err := os.Stat(target); err != nil {
		t.Errorf("the target was removed: %v", err)
	}
}

// State, seq and outbox files are read through a size cap, and only when
// they are regular files: a huge file is refused unread, a FIFO does not
// block the run.
func TestOversizedAndSpecialFiles(t *testing.T) {
	rc := newReceiver(t)
	tr, _, _ := newTracker(t, jsonSink(t, "ops", rc.URL))
	process(t, tr, "c", result(ok("x")))
	id := IdentityHash("c")
	state, _, outbox := tr.paths(id)

	// a state file of 5 MiB (sparse: nothing is written)
	truncate(t, state, 5<<20)
	r := process(t, tr, "c", result(ok("x")))
	want := []string{"[WARNING] notify: the state file was unreadable (" + state + ": larger than 4 MiB) and is replaced"}
	if got := notifyLines(r); !reflect.DeepEqual(got, want) {
		t.Errorf("%q\nwant %q", got, want)
	}
	// a FIFO where the state file goes: the run does not wait for a writer
	remove(t, state)
	if err := syscall.Mkfifo(state, 0o600); err != nil {
		t.Fatal(err)
	}
	r = process(t, tr, "c", result(ok("x")))
	want = []string{"[WARNING] notify: the state file was unreadable (" + state + " is a FIFO, not a regular file) and is replaced"}
	if got := notifyLines(r); !reflect.DeepEqual(got, want) {
		t.Errorf("%q\nwant %q", got, want)
	}
	// an outbox entry of 5 MiB: kept and reported
	mkdir(t, filepath.Join(tr.Dir, "outbox"))
	mkdir(t, outbox)
	big := filepath.Join(outbox, entryName(newClock().Now().Add(-time.Hour), "ops", 3))
	mustWrite(t, big, "")
	truncate(t, big, 5<<20)
	r = process(t, tr, "c", result(ok("x")))
	want = []string{"[WARNING] notify: unreadable outbox entry kept: " + big + ": larger than 4 MiB"}
	if got := notifyLines(r); !reflect.DeepEqual(got, want) {
		t.Errorf("%q\nwant %q", got, want)
	}
	// a seq file of 5 MiB, read as the state file is gone: replaced, seq
	// continues above the clock
	remove(t, big)
	remove(t, state)
	seq := tr.seqPath(id)
	mustWrite(t, seq, "")
	truncate(t, seq, 5<<20)
	r = process(t, tr, "c", result(crit("x")))
	if got := notifyLines(r); len(got) != 2 || got[0] != "[WARNING] notify: the seq file was unreadable ("+seq+": larger than 64 KiB) and is replaced; seq continues above the clock" {
		t.Errorf("%q", got)
	}
	if s := seqs(t, rc); len(s) != 1 || s[0] < 1e15 {
		t.Errorf("seqs %v", s)
	}
}

// A state too large to read back is not written: the run says so and the
// change is notified by a run that can record it.
func TestStateTooLargeIsNotWritten(t *testing.T) {
	tr, _, _ := newTracker(t)
	r := result()
	long := strings.Repeat("x", 1<<20)
	for i := range 5 {
		r.Add(itoa(uint64(i))+long, 0, "fine")
	}
	err := tr.Process(context.Background(), "c", "", r)
	if err == nil || err.Error() != "saving the state: the state is larger than 4 MiB" {
		t.Fatalf("err = %v", err)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
