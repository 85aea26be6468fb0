package stallnet

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// A connection to a full listener is never established: the dial ends
// with its context, not with an answer (refused or accepted).
func TestFull(t *testing.T) {
	f, err := NewFull()
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", f.Addr)
	if err == nil {
		c.Close()
		t.Fatal("connected")
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || ctx.Err() == nil {
		t.Errorf("got %v, want the dial to run into its deadline", err)
	}
}
