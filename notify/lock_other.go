//go:build !unix

package notify

import (
	"context"
	"errors"
	"os"
	"time"
)

// staleLock: an O_EXCL lock file older than this is taken to be left by a
// killed run and is removed.
const staleLock = 10 * time.Minute

type exclLock struct{ path string }

func (l exclLock) Unlock() error { return os.Remove(l.path) }

// acquireLock creates path+".excl" with O_EXCL (which never follows a
// symbolic link, nor creates a file where one points), polling while another run
// holds it, until ctx is done.
func acquireLock(ctx context.Context, path string) (unlocker, error) {
	p := path + ".excl"
	for {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			f.Close()
			return exclLock{p}, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > staleLock {
			_ = os.Remove(p)
			continue
		}
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
