package notify

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"

	"github.com/healthprobe/healthprobe/nagios"
)

// begun is what Begin started: the /start pings of the sinks that measure
// a check's duration, and the run's id that pairs them with the result.
type begun struct {
	runID string
	done  chan struct{}
	lines []line
}

// Begin starts a run of the check: it pings /start on every healthchecks
// sink with measure: true, at the same time as the check runs (so the
// check's own timing is untouched), under ctx. Process then waits for
// those pings before it sends the result, so /start always arrives
// first, and reports a ping that failed. Call Begin, then Process, once
// per run; without a measuring sink Begin does nothing.
func (t *Tracker) Begin(ctx context.Context) {
	var measuring []*Sink
	for _, s := range t.Sinks {
		if s.Measures() {
			measuring = append(measuring, s)
		}
	}
	if len(measuring) == 0 {
		return
	}
	b := &begun{runID: newRunID(), done: make(chan struct{})}
	t.begun = b
	go func() {
		defer close(b.done)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, s := range measuring {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.sendStart(ctx, b.runID); err != nil {
					mu.Lock()
					b.lines = append(b.lines, line{state: nagios.OK, name: "notify:" + s.Key,
						text: fmt.Sprintf("notify %s: the start was not signalled (%v): Healthchecks shows no duration for this run", s.Label, err)})
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}()
}

// wait waits for the /start pings (or ctx) and returns their lines.
func (b *begun) wait(ctx context.Context) []line {
	select {
	case <-b.done:
		return b.lines
	case <-ctx.Done():
		return []line{{state: nagios.OK, name: "notify:start", text: "notify: the start of the run was still being signalled when the delivery window closed"}}
	}
}

// newRunID is a random UUID (version 4), as Healthchecks' rid takes.
func newRunID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on a supported platform
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
