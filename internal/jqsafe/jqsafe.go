// Package jqsafe runs jq expressions (gojq) with bounded time and memory,
// whatever the expression or its input does.
//
// gojq checks its context between two instructions of its interpreter, so a
// deadline or a cancelled context ends an evaluation at once, except inside
// one builtin: a regular expression over a long string, "x" * 5e8, an array
// extended to index 5e8, a value made of one string shared a million times
// and then encoded. jqsafe closes these holes before they open:
//
//   - Builtins whose one call can run long or allocate much are shadowed by
//     jq definitions of the same name, prepended to the expression, that
//     check their arguments first (size, work, array growth) and then call
//     gojq's own builtin; the regular-expression builtins are replaced by
//     versions on Go's regexp that yield one match at a time and watch the
//     deadline in long scans. Operators, which gojq does not look up by
//     name, are rewritten in the parsed expression into calls of the same
//     checked definitions.
//   - The context handed to gojq counts the interpreter's steps (gojq asks
//     for Done before each one) and every few thousand steps, or after a
//     checked builtin announced a large value, compares the heap with the
//     budget: an evaluation that outgrows it is stopped with a MemoryError.
//
// A Program is compiled once and may be run many times, one run at a time.
package jqsafe

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/itchyny/gojq"

	"github.com/healthprobe/healthprobe/internal/limitfile"
)

// Limits of one evaluation.
const (
	// MemoryBudget is how much an evaluation may grow the heap, measured
	// from the heap at its first check (a GC confirms before it is
	// stopped). The first check comes after checkEvery steps, or before a
	// builtin builds a large value: what an evaluation made before it is
	// small.
	MemoryBudget = 64 << 20
	// MaxValue is the largest value one builtin call may build (estimated
	// before it is built): a string, or an array or object counted in
	// bytes of its elements.
	MaxValue = 16 << 20
	// MaxWork bounds the work of one builtin call, in units of about the
	// cost of comparing two scalars or copying a byte: tens of
	// milliseconds, so that a deadline is never overrun by more.
	MaxWork = 16 << 20
	// MaxDepth is the deepest nesting a value may have when it enters a
	// builtin that walks it recursively (as encoding/json's limit).
	MaxDepth = 10000
	// MaxPathLength bounds a path given to setpath and its kin.
	MaxPathLength = MaxDepth
	// MaxNumberDigits: longer numbers (from JSON input, tonumber or
	// fromjson) are not parsed as exact integers, whose parsing takes
	// quadratic time, but read as floating point.
	MaxNumberDigits = 1000
	// MaxIntBits bounds an integer that multiplication builds.
	MaxIntBits = 1 << 16
	// MaxPattern bounds the text of a regular expression.
	MaxPattern = 64 << 10
)

// checkEvery is how many interpreter steps go between two checks of the
// deadline and the heap. Reading the heap stops the world for tens of
// microseconds, a few percent of those steps; a short evaluation (most
// assertions) never reads it.
const checkEvery = 1 << 12

// MemoryError stops an evaluation that outgrew MemoryBudget.
type MemoryError struct{ Budget int64 }

func (e *MemoryError) Error() string {
	return fmt.Sprintf("it needed more than %s of memory", limitfile.FormatBytes(e.Budget))
}

// LimitError is a builtin call refused before it ran: it would have built
// too large a value or done too much work. It is a jq error (try catches
// it), and Run returns it when it ends the evaluation.
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return e.Msg }

func limitf(format string, args ...any) *LimitError {
	return &LimitError{Msg: fmt.Sprintf(format, args...)}
}

// Program is a compiled expression.
type Program struct {
	code *gojq.Code
	mu   sync.Mutex // one run at a time: the builtins reach the run's guard
	cur  atomic.Pointer[guard]
	re   regexCache
}

// Run evaluates the program on v and returns up to max results (max <= 0:
// all). A v decoded from untrusted JSON (numbers as json.Number) must have
// gone through Numbers first, once: gojq parses a number at each use. The error is the first error value the expression yielded (a
// *LimitError among them), a *MemoryError, or the context's error when it
// ended first (context.Cause tells a deadline from a signal).
func (p *Program) Run(ctx context.Context, v any, max int) (out []any, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	g := newGuard(ctx)
	defer g.stop()
	p.cur.Store(g)
	defer p.cur.Store(nil)
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("internal error in jq: %v", r)
		}
	}()
	iter := p.code.RunWithContext(g, v)
	for max <= 0 || len(out) < max {
		x, ok := iter.Next()
		if !ok {
			break
		}
		if e, isErr := x.(error); isErr {
			return out, g.reason(e)
		}
		out = append(out, x)
	}
	if err := g.reason(nil); err != nil {
		return out, err
	}
	return out, nil
}

// guard is the context gojq runs under: the caller's, cancelled early when
// the heap outgrows the budget.
type guard struct {
	context.Context
	cancel context.CancelCauseFunc
	steps  uint32
	// deadline is the caller's, checked here too: the timer that ends
	// the context may be late on a busy machine.
	deadline    time.Time
	hasDeadline bool
	base        uint64 // heap at the first heap check
	based       bool
	// announced is what checked builtins said they were about to build
	// since the last heap check.
	announced int64
}

func newGuard(parent context.Context) *guard {
	ctx, cancel := context.WithCancelCause(parent)
	g := &guard{Context: ctx, cancel: cancel}
	g.deadline, g.hasDeadline = parent.Deadline()
	g.checkDeadline() // a deadline already past ends the run before its first step
	return g
}

func (g *guard) stop() { g.cancel(nil) }

// Done is called by gojq before every step of its interpreter.
func (g *guard) Done() <-chan struct{} {
	g.steps++
	if g.steps%checkEvery == 0 && g.checkDeadline() {
		g.checkHeap(0)
	}
	return g.Context.Done()
}

// checkDeadline ends the run when its deadline has passed, and reports
// whether it may go on.
func (g *guard) checkDeadline() bool {
	if g.hasDeadline && !time.Now().Before(g.deadline) {
		g.cancel(context.DeadlineExceeded)
	}
	return g.Context.Err() == nil
}

// heap reads the bytes of the heap's objects, live and not yet swept.
// runtime.ReadMemStats stops the world; runtime/metrics would not, but its
// package's start-up costs every run of the program more than half a
// millisecond, jq or not.
func (g *guard) heap() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// checkHeap stops the run when the heap, with more bytes about to be
// allocated, is over the budget. It reports whether the run may go on.
// Garbage counts in the heap until it is swept: over the budget, a
// collection tells live data from garbage. It is rare, since growth of the
// budget's size is mostly real, and costly (tens of milliseconds).
func (g *guard) checkHeap(more int64) bool {
	if g.Context.Err() != nil {
		return false
	}
	heap := g.heap()
	if !g.based {
		g.base, g.based = heap, true
	}
	limit := g.base + MemoryBudget
	if heap+uint64(more) <= limit {
		return true
	}
	runtime.GC()
	if g.heap()+uint64(more) <= limit {
		return true
	}
	g.cancel(&MemoryError{Budget: MemoryBudget})
	return false
}

// announce is called by a checked builtin before it builds a value of about
// n bytes. A large one is checked against the heap at once; small ones add
// up until the next check.
func (g *guard) announce(n int64) error {
	if g == nil {
		return nil
	}
	g.announced += n
	if g.announced < 1<<20 && n < 1<<20 {
		return nil
	}
	g.announced = 0
	if !g.checkHeap(n) {
		return g.reason(nil)
	}
	return nil
}

// cancelled reports whether the run must end (for long scans inside a
// builtin).
func (g *guard) cancelled() bool { return g != nil && !g.checkDeadline() }

// reason turns what ended the run into its error: the memory budget, the
// caller's context (its cause: context.DeadlineExceeded, or why it was
// cancelled), or else the expression's own error.
func (g *guard) reason(err error) error {
	if g.Context.Err() != nil {
		if cause := context.Cause(g.Context); cause != nil {
			return cause
		}
		return g.Context.Err()
	}
	return err
}
