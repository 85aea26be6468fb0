package notify

import (
	"fmt"
	"os"
	"path/filepath"
)

// tempPrefix starts the name of every temporary file this package writes.
// Readers skip such files: a temporary file is never a state or an outbox
// entry, whatever it holds (a run killed mid-write leaves one behind).
const tempPrefix = ".tmp-"

// writeFunc writes a file of this package: writeFileAtomic.
type writeFunc func(path string, data []byte) error

// writeFileAtomic replaces path with data so that a reader, and a process
// killed at any instant, sees either the old or the new content in full:
// temp file in the same directory (mode 0600), write, fsync, rename, fsync
// the directory.
//
// The temporary file is named after path (.tmp-BASE): every writer holds
// the lock of the check the file belongs to, so no two write it at once,
// and what a killed run left behind is found by its name rather than by
// listing checks/, which holds every check's files (a batch of a thousand
// checks listed it a thousand times). It is created with O_EXCL, which
// follows no link.
func writeFileAtomic(path string, data []byte) error { return replaceFile(path, data, true) }

// writeFileUnsynced replaces path as writeFileAtomic does, but syncs
// neither the file nor its directory: a process killed at any instant
// leaves the old or the new file, but after a power loss the file may be
// old, empty or gone until a later sync of its directory has made it
// durable. Only for the seq file, which the state's save (in the same
// directory) syncs right after, and whose loss is handled (seq.go).
func writeFileUnsynced(path string, data []byte) error { return replaceFile(path, data, false) }

func replaceFile(path string, data []byte, durable bool) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp := filepath.Join(dir, tempPrefix+base)
	if err := os.Remove(tmp); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("removing a leftover temporary file: %w", err)
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("creating a temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return fmt.Errorf("setting the mode of %s: %w", tmp, err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if durable {
		if err = f.Sync(); err != nil {
			return fmt.Errorf("syncing %s: %w", tmp, err)
		}
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming into %s: %w", path, err)
	}
	if !durable {
		return nil
	}
	return syncDir(dir)
}

// removeSynced removes a file and syncs its directory, so that a delivered
// outbox entry does not come back after a crash.
func removeSynced(path string) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// removeStrayTemp deletes the temporary file a killed run left for path.
// The caller holds the lock every writer of path holds.
func removeStrayTemp(path string) {
	_ = os.Remove(filepath.Join(filepath.Dir(path), tempPrefix+filepath.Base(path)))
}
