package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteTextfile: the file is replaced whole, readable by a collector
// running as another user, and no temporary file stays.
func TestWriteTextfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "healthprobe.prom")
	for _, content := range []string{"first 1\n", "second 2\n"} {
		if err := writeTextfile(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("%q, %v; want %q", got, err, content)
		}
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v; want 0644", st.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the directory, want 1", len(entries))
	}
}

// A run cut short by a signal leaves the last complete textfile as it was:
// its checks did not run to their end.
func TestSignalLeavesTheTextfile(t *testing.T) {
	srv, got := waitingServer(t)
	dir := t.TempDir()
	batch, prom := filepath.Join(dir, "checks.yaml"), filepath.Join(dir, "healthprobe.prom")
	if err := os.WriteFile(batch, []byte("checks:\n  - {name: web, kind: http, url: "+srv.URL+"/health, timeout: 60s}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prom, []byte("healthprobe_state{check=\"web\",kind=\"http\"} 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := interrupt(t, syscall.SIGTERM, got, 1, "run", "-c", batch, "--textfile", prom)
	if code != 3 {
		t.Errorf("exit %d, stdout:\n%s", code, out)
	}
	if b, _ := os.ReadFile(prom); string(b) != "healthprobe_state{check=\"web\",kind=\"http\"} 0\n" {
		t.Errorf("the textfile became %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d files in the directory, want 2", len(entries))
	}
}
