//go:build !unix

package notify

import (
	"io/fs"
	"os"
)

// openNoFollow opens path unless it is a symbolic link. Without O_NOFOLLOW
// the check comes before the open; the directories are checked the same
// way (ensureDir).
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, symlinkError(path, fs.ErrInvalid)
	}
	return os.OpenFile(path, flag, perm)
}
