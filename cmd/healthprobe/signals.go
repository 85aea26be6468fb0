package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// signalGrace is how long a run goes before it takes over SIGINT and
// SIGTERM. Taking them over costs two OS threads (os/signal's receiver and
// the runtime's thread that waits for signals): 50 page faults and 17
// context switches, a tenth of a quick check's run (bench/compare.sh). A
// check that has answered within the grace never pays it; a signal within
// the grace ends the process the default way (killed by the signal, as a
// shell's 130 or 143), and any later one ends the run with UNKNOWN and the
// reason. Nagios and Icinga time a plugin out after seconds, never 20 ms.
const signalGrace = 20 * time.Millisecond

// watchSignals returns a context that the first SIGINT or SIGTERM after
// grace cancels, with "NAME signal received" as its cause, and a channel
// closed once the handler is in place. stop releases both.
func watchSignals(parent context.Context, grace time.Duration) (ctx context.Context, ready <-chan struct{}, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	installed := make(chan struct{})
	timer := time.AfterFunc(grace, func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		close(installed)
		go func() {
			select {
			case sig := <-ch:
				cancel(fmt.Errorf("%v signal received", sig))
			case <-ctx.Done():
			}
			signal.Stop(ch)
		}()
	})
	return ctx, installed, func() {
		timer.Stop()
		cancel(nil)
	}
}

// announceSignals says on stderr (-vv) when a signal starts to end the run
// with UNKNOWN.
func (rs *runState) announceSignals(ctx context.Context) {
	select {
	case <-rs.signals:
		rs.logMu.Lock()
		defer rs.logMu.Unlock()
		fmt.Fprintln(rs.stderr, "* SIGINT and SIGTERM now end the run with UNKNOWN")
	case <-ctx.Done():
	}
}
