//go:build unix

package limitfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func fifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	return p
}

// A FIFO without a writer opens at once and reads as empty; one whose
// writer never writes is given up at the context's deadline, or at its
// cancellation, with the cause.
func TestFIFO(t *testing.T) {
	p := fifo(t)
	start := time.Now()
	got, err := Read(context.Background(), p, 64)
	if err != nil || len(got) != 0 || time.Since(start) > time.Second {
		t.Fatalf("no writer: %q %v after %v", got, err, time.Since(start))
	}

	w, err := os.OpenFile(p, os.O_RDWR, 0) // a writer that never writes
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = Read(ctx, p, 64)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "nothing came before the deadline") {
		t.Errorf("deadline: %v", err)
	}

	sctx, scancel := context.WithCancelCause(context.Background())
	time.AfterFunc(50*time.Millisecond, func() { scancel(errors.New("terminated signal received")) })
	_, err = Read(sctx, p, 64)
	if err == nil || err.Error() != "reading "+p+": interrupted (terminated signal received)" {
		t.Errorf("signal: %v", err)
	}
}

// What a pipe's writer sends is read, as in --password-file <(pass show
// x), where the path is /dev/fd/N.
func TestPipeWithData(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := fmt.Sprintf("/proc/self/fd/%d", r.Fd())
	if _, err := os.Stat(p); err != nil {
		t.Skip(err)
	}
	if _, err := w.WriteString("from a pipe\n"); err != nil {
		t.Fatal(err)
	}
	w.Close() // the data stays in the pipe, whose read end is open
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := Read(ctx, p, 64)
	if err != nil || string(got) != "from a pipe\n" {
		t.Errorf("got %q, %v", got, err)
	}
}
