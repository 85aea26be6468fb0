package notify

import (
	"context"
	"errors"
	"fmt"
)

// unlocker releases a lock taken by acquireLock.
type unlocker interface{ Unlock() error }

// errLockTimeout: another run held the lock until the deadline.
var errLockTimeout = errors.New("another run holds the lock")

// lockFile takes the exclusive lock that guards one check's state and
// outbox, waiting for a concurrent run to release it until ctx is done.
// The platform files implement acquireLock: flock(2) on Unix, an O_EXCL
// lock file elsewhere.
func lockFile(ctx context.Context, path string) (unlocker, error) {
	l, err := acquireLock(ctx, path)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("locking %s: %w", path, errLockTimeout)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return l, nil
}
