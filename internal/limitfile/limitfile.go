// Package limitfile reads the files healthprobe is given (secrets, batch
// and notify configs, request bodies, certificates) with a cap on their
// size: a file larger than the cap is refused before it is read, and one
// whose size is not known in advance (a pipe, /dev/zero, /dev/stdin) is
// read no further than the cap. Opening never waits for a FIFO's writer,
// and reading what may block (a pipe) stops when the context ends.
package limitfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// TooLargeError is a file over its cap.
type TooLargeError struct {
	Path string
	Max  int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s", e.Path, FormatBytes(e.Max))
}

// Read returns the content of the file at path, at most max bytes, or a
// *TooLargeError. ctx bounds the wait for a pipe's data (its deadline, and
// its end, as a signal's).
func Read(ctx context.Context, path string, max int64) ([]byte, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Mode().IsRegular() {
		if info.Size() > max {
			return nil, &TooLargeError{path, max}
		}
	} else if err := f.SetReadDeadline(deadline(ctx)); err == nil {
		// a pipe, FIFO or terminal: its data may never come
		stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) {
				return nil, fmt.Errorf("reading %s: interrupted (%w)", path, cause)
			}
			return nil, fmt.Errorf("reading %s: nothing came before the deadline: %w", path, context.DeadlineExceeded)
		}
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, &TooLargeError{path, max}
	}
	return data, nil
}

func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// FormatBytes shows a size: 64 KiB, 1.5 MiB, 12 B.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %ciB", int64(v), "KMGTPE"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}

// ReadStream reads at most max+1 bytes of r (stdin, say), giving up when
// ctx ends: a reader that never sends and never closes (a terminal, a pipe
// whose writer sleeps) does not hold the run past its deadline. The read
// itself may go on in the background until the process ends. name is what
// errors call r.
func ReadStream(ctx context.Context, name string, r io.Reader, max int64) ([]byte, error) {
	type answer struct {
		data []byte
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(r, max+1))
		done <- answer{data, err}
	}()
	select {
	case a := <-done:
		if a.err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, a.err)
		}
		return a.data, nil
	case <-ctx.Done():
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) {
			return nil, fmt.Errorf("reading %s: interrupted (%w)", name, cause)
		}
		return nil, fmt.Errorf("reading %s: nothing came before the deadline: %w", name, context.DeadlineExceeded)
	}
}
