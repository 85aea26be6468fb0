//go:build unix

package notify

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
)

// TestHelperWriter is the process TestKillDuringWrite kills: it runs Process
// in a loop on a check with many sub-checks (so that each write takes a
// while) and prints a line after each run.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv("HEALTHPROBE_TEST_WRITER_DIR")
	if dir == "" {
		t.Skip("helper process for TestKillDuringWrite")
	}
	tr := &Tracker{Dir: dir, Version: "test"}
	for i := 0; ; i++ {
		r := &probe.Result{Kind: "KALEYRA", Target: "test"}
		for n := range 2000 {
			st := nagios.OK
			if (n+i)%7 == 0 {
				st = nagios.Critical
			}
			r.Add(fmt.Sprintf("number:+%d", n), st, "number state")
		}
		if err := tr.Process(context.Background(), "c", "", r); err != nil {
			t.Fatalf("error: %v", err)
		}
		fmt.Println("ok")
	}
}

// TestKillDuringWrite kills a writer with SIGKILL at arbitrary points of
// its writes (after a varying number of completed runs, while it goes on
// writing) and checks that the state always reads back, and that the next
// run works with it.
func TestKillDuringWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	statePath := filepath.Join(dir, "checks", IdentityHash("c")+".json")
	for round := range 12 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$")
		cmd.Env = append(os.Environ(), "HEALTHPROBE_TEST_WRITER_DIR="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		for range round%4 + 1 {
			if !sc.Scan() || sc.Text() != "ok" {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				t.Fatalf("round %d: writer said %q (%v)", round, sc.Text(), sc.Err())
			}
		}
		_ = cmd.Process.Signal(syscall.SIGKILL) // while it writes the next run
		_ = cmd.Wait()
		data, err := os.ReadFile(statePath)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		rec, err := decodeRecord(data)
		if err != nil {
			t.Fatalf("round %d: state unreadable after a kill: %v", round, err)
		}
		if len(rec.Checks) != 2000 {
			t.Fatalf("round %d: %d sub-checks, want 2000", round, len(rec.Checks))
		}
	}
	tr := &Tracker{Dir: dir, Version: "test"}
	r := &probe.Result{Kind: "KALEYRA", Target: "test"}
	if err := tr.Process(context.Background(), "c", "", r); err != nil {
		t.Fatal(err)
	}
	if lines := notifyLines(r); lines != nil {
		t.Fatalf("after the kills: %q", lines)
	}
}
