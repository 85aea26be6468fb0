package notify

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/healthprobe/healthprobe/probe"
)

// Size caps of the files this package reads. A file larger than its cap is
// refused unread: a damaged or planted state file is replaced (and
// reported), an outbox entry is kept and reported, like any unreadable one.
// Writers refuse to write more than a reader takes.
const (
	maxStateFile = 4 << 20  // the state of a check: thousands of sub-checks fit
	maxEntryFile = 4 << 20  // one event in the outbox
	maxSeqFile   = 64 << 10 // the last seq per sink
)

// errSymlink: a state, lock or outbox path is a symbolic link, which is
// never followed (nor created through).
var errSymlink = errors.New("is a symbolic link, which is not followed")

// tooLarge is the error of a file over its cap.
func tooLarge(limit int64) error {
	return fmt.Errorf("larger than %s", probe.FormatBytes(limit))
}

// readFileCapped reads a file of this package: without following a
// symbolic link, only a regular file (a FIFO would block, a device never
// end), and at most limit bytes.
func readFileCapped(path string, limit int64) ([]byte, error) {
	f, err := openNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, notRegular(path, fi.Mode())
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s: %w", path, tooLarge(limit))
	}
	// as os.ReadFile reads, with one byte more than the size to see a file
	// that grew, and never more than limit+1
	data := make([]byte, 0, min(max(fi.Size()+1, 512), limit+1))
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if int64(len(data)) > limit {
			return nil, fmt.Errorf("%s: %w", path, tooLarge(limit))
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}

// ensureDir makes dir (mode 0700) unless it exists, and makes sure it is a
// directory and not a symbolic link to one: the directories inside the
// state directory (checks/, outbox/, outbox/ID/) are never followed
// elsewhere. The state directory itself may be a link: that is the
// operator's choice.
func ensureDir(dir string) error {
	if err := isRealDir(dir); !errors.Is(err, fs.ErrNotExist) {
		return err // nil: there already; or a link, a file
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return isRealDir(dir)
}

// isRealDir says why dir is not a directory of its own (a symbolic link,
// a file), or nil.
func isRealDir(dir string) error {
	fi, err := os.Lstat(dir)
	switch {
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s %w", dir, errSymlink)
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}

// symlinkError gives the error of opening path when path is a symbolic
// link (open(2) says ELOOP, or EMLINK on some BSDs, with O_NOFOLLOW), and
// err otherwise.
func symlinkError(path string, err error) error {
	if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s %w", path, errSymlink)
	}
	return err
}

// notRegular is the error of a path that is not a regular file.
func notRegular(path string, m fs.FileMode) error {
	kind := "something else"
	switch {
	case m.IsDir():
		kind = "a directory"
	case m&fs.ModeNamedPipe != 0:
		kind = "a FIFO"
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		kind = "a device"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	}
	return fmt.Errorf("%s is %s, not a regular file", path, kind)
}
