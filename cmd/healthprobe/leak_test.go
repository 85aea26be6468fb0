package main

import (
	"runtime"
	"strings"
	"time"
)

// goroutines returns the stack of every goroutine, by goroutine ID. IDs
// are never reused, so a goroutine absent from an earlier snapshot was
// started after it.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n") // "goroutine 18 [running]:"
		if f := strings.Fields(header); len(f) >= 2 && f[0] == "goroutine" {
			out[f[1]] = g
		}
	}
	return out
}

// newGoroutinesLeft waits until every goroutine started since before has
// ended, polling, for at most limit (transports close idle connections
// asynchronously). It returns the stacks of those still running then.
func newGoroutinesLeft(before map[string]string, limit time.Duration) []string {
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		var left []string
		for id, stack := range goroutines() {
			if _, old := before[id]; !old {
				left = append(left, stack)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		<-tick.C
	}
}
