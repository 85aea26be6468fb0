//go:build unix

package notify

import (
	"os"
	"syscall"
)

// openNoFollow opens path without following a symbolic link in its last
// element (O_NOFOLLOW): a planted link is refused, and O_CREATE never
// creates a file where one points. O_NONBLOCK keeps a planted FIFO from
// blocking the open; it changes nothing for a regular file.
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, perm)
	if err != nil {
		return nil, symlinkError(path, err)
	}
	return f, nil
}
