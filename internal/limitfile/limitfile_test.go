package limitfile

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Read(context.Background(), small, 64)
	if err != nil || string(got) != "secret\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	exact := filepath.Join(dir, "exact")
	if err := os.WriteFile(exact, make([]byte, 64), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := Read(context.Background(), exact, 64); err != nil || len(got) != 64 {
		t.Fatalf("a file of exactly the cap: %d bytes, %v", len(got), err)
	}
	if _, err := Read(context.Background(), filepath.Join(dir, "none"), 64); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// A file over the cap is refused from its size, before any byte is read:
// the heap does not grow by its size.
func TestLargeFileRefusedUnread(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 1<<30); err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, err := Read(context.Background(), big, 64<<10)
	runtime.ReadMemStats(&m1)
	var tl *TooLargeError
	if !errors.As(err, &tl) || err.Error() != big+" is larger than 64 KiB" {
		t.Errorf("got %v", err)
	}
	if grew := m1.TotalAlloc - m0.TotalAlloc; grew > 1<<20 {
		t.Errorf("allocated %d bytes", grew)
	}
}

// A file of unknown size is read no further than the cap.
func TestEndlessDevice(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip(err)
	}
	_, err := Read(context.Background(), "/dev/zero", 1<<20)
	if err == nil || err.Error() != "/dev/zero is larger than 1 MiB" {
		t.Errorf("got %v", err)
	}
}

// TestReadStream: a stream is read whole, or given up on when the context
// ends while its writer neither writes nor closes.
func TestReadStream(t *testing.T) {
	got, err := ReadStream(context.Background(), "stdin", strings.NewReader("payload"), 100)
	if err != nil || string(got) != "payload" {
		t.Fatalf("got %q, %v", got, err)
	}
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(1, 0)) // long past
	defer cancel()
	if _, err := ReadStream(ctx, "stdin", pr, 100); err == nil || err.Error() != "reading stdin: nothing came before the deadline: context deadline exceeded" {
		t.Errorf("past its deadline: %v", err)
	}
	ctx, stop := context.WithCancelCause(context.Background())
	stop(errors.New("terminated"))
	if _, err := ReadStream(ctx, "stdin", pr, 100); err == nil || err.Error() != "reading stdin: interrupted (terminated)" {
		t.Errorf("interrupted: %v", err)
	}
}
