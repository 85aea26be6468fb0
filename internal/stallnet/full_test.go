package stallnet

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// A connection to a full listener is never established: the dial ends
// with its deadline, not with an answer (refused or accepted).
//
// The dial's own deadline is the context's, and the poller can report it
// before the context's timer has marked the context done: the test asks
// whether the deadline had passed when the dial ended (the runtime's
// clock, which both timers read), not whether ctx.Err is already set.
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
	deadline, _ := ctx.Deadline()
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", f.Addr)
	ended := time.Now()
	if err == nil {
		c.Close()
		t.Fatal("connected")
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("got %v, want the dial to run into its deadline", err)
	}
	if ended.Before(deadline) {
		t.Errorf("the dial ended %s before its deadline: %v", deadline.Sub(ended), err)
	}
}
