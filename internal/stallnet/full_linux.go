package stallnet

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// NewFull listens with a backlog of 0 and never accepts: Linux then queues
// one connection, which NewFull makes itself, and drops the SYN of every
// later one.
func NewFull() (*Full, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "full listener")
	defer f.Close() // net.FileListener holds a copy
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return nil, fmt.Errorf("bind: %w", err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, err
	}
	filler, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("filling the queue: %w", err)
	}
	return &Full{Addr: ln.Addr().String(), ln: ln, filler: filler}, nil
}
