//go:build !linux

package stallnet

import (
	"errors"
	"fmt"
)

// NewFull needs Linux's accept queue semantics (a backlog of 0 holds one
// connection and drops the SYNs of later ones).
func NewFull() (*Full, error) {
	return nil, fmt.Errorf("a listener with a full accept queue: %w", errors.ErrUnsupported)
}
