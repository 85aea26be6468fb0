//go:build unix

package limitfile

import (
	"os"
	"syscall"
)

// open opens for reading without waiting: a FIFO opens at once even with
// no writer (and then reads as empty).
func open(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
