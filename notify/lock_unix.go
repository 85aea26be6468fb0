//go:build unix

package notify

import (
	"context"
	"os"
	"syscall"
)

type flockLock struct{ f *os.File }

func (l flockLock) Unlock() error {
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// acquireLock takes flock(LOCK_EX) on path, a regular file opened or
// created without following a symbolic link. The kernel drops the lock when
// the process dies, so a killed run never leaves a stale lock. The blocking
// call runs in a goroutine so that ctx can end the wait; if it does, the
// goroutine releases the lock as soon as it gets it.
func acquireLock(ctx context.Context, path string) (unlocker, error) {
	f, err := openNoFollow(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = notRegular(path, fi.Mode())
		}
		return nil, err
	}
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
		return flockLock{f}, nil
	}
	done := make(chan error, 1)
	go func() { done <- flock(f) }()
	select {
	case err := <-done:
		if err != nil {
			f.Close()
			return nil, err
		}
		return flockLock{f}, nil
	case <-ctx.Done():
		go func() {
			if <-done == nil {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			}
			f.Close()
		}()
		return nil, ctx.Err()
	}
}

func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}
