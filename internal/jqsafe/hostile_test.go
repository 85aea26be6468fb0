package jqsafe

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostile are expressions (and inputs) that, under plain gojq, run for
// minutes inside one builtin, or fill memory by the gigabyte. Under jqsafe
// each ends by its deadline, with bounded memory: stopped by the deadline
// ("deadline"), by the memory budget ("memory"), refused by a check
// ("limit"), or it finishes ("ok"). Where building the value takes long,
// a busy machine may reach the deadline before the check: both hold.
var hostile = []struct {
	expr, input string // input: Go-built text for .; "" is null
	want        string
}{
	// regular expressions on a long string: gojq recounts code points from
	// the start for every match
	{`[match("."; "g")] | length`, "long", "memory|deadline"},
	{`[match("."; "g") | .offset] | length`, "long", "ok|deadline"},
	{`gsub("."; "x") | length`, "long", "memory|deadline|ok"},
	{`[splits("")] | length`, "long", "memory|deadline|ok"},
	{`[scan(".")] | length`, "long", "memory|deadline"},
	{`test("(a|b|c|d|e)+z")`, "huge", "deadline|ok"},
	{`[match("[a-j]{5}x"; "g")]`, "huge", "deadline|ok"},
	{`indices("x") | length`, "long", "ok|deadline"},
	{`[range(1e5)] | map(tostring) | join("") | test("(a|b)+z")`, "", "ok|deadline"},
	// values built huge by the expression
	{`"x" * 5e8`, "", "limit"},
	{`"x" * 1e7 | . + . | . + . | . + .`, "", "limit|deadline"},
	{`"xx" | until(length > 1e9; . + .)`, "", "limit|deadline"},
	{`def f: 1 + f; f`, "", "memory|deadline"},
	{`def f: [f]; f`, "", "memory|deadline"},
	{`[range(1e9)] | length`, "", "memory|deadline"},
	{`[limit(1e9; repeat(1))] | length`, "", "memory|deadline"},
	{`reduce range(1e9) as $i (""; . + "x") | length`, "", "memory|deadline|limit"},
	{`null | setpath([500000000]; 1)`, "", "limit"},
	{`.[500000000] = 1`, "", "limit"},
	{`.[(now | floor) * 0 + 500000000] = 1`, "", "limit"},
	{`.[500000000] |= 1`, "", "limit"},
	{`.[500000000] += 1`, "", "limit"},
	{`pick(.[500000000])`, "", "limit"},
	{`fromstream([[500000000], 1], [[500000000]])`, "", "limit"},
	{`setpath([range(100000) | 0]; 1)`, "", "limit|deadline"},
	{`100000000000000000000 | until(. > pow(10; 1e6); . * .)`, "", "limit|ok"},
	{`reduce range(64) as $i (3; . * .) | tostring | length`, "", "limit"},
	// one value shared many times, then walked whole
	{`"x" * 1000000 as $s | [limit(100000; repeat($s))] | add | length`, "", "limit|deadline"},
	{`"x" * 1000000 as $s | [limit(100000; repeat($s))] | join(",") | length`, "", "limit|deadline"},
	{`"x" * 1000000 as $s | [limit(100000; repeat($s))] | tojson | length`, "", "limit|deadline"},
	{`"x" * 1000000 as $s | [limit(100000; repeat($s))] | tostring | length`, "", "limit|deadline"},
	{`"x" * 1000000 as $s | [limit(100000; repeat($s))] | @csv | length`, "", "limit|deadline"},
	{`"x" * 1000000 as $s | [limit(100000; repeat($s))] | "\(.)" | length`, "", "limit|deadline"},
	{`def f: [., .]; reduce range(60) as $_ (1; f) | flatten | length`, "", "limit|deadline"},
	{`def f: [., .]; reduce range(60) as $_ (1; f) | . == .`, "", "limit|deadline"},
	{`def f: [., .]; reduce range(60) as $_ (1; f) | [., .] | sort | length`, "", "limit|deadline"},
	{`def f: [., .]; reduce range(60) as $_ (1; f) | contains([[[[[[2]]]]]])`, "", "ok"},
	{`def f: {a: ., b: .}; reduce range(60) as $_ (1; f) | . * .`, "", "limit|deadline"},
	{`[range(1e5)] as $a | [limit(1e4; repeat($a))] | transpose | length`, "", "limit|deadline"},
	{`reduce range(200000) as $_ (null; [.]) | tojson | length`, "", "limit|deadline|memory"},
	{`reduce range(200000) as $_ (null; [.]) | . == .`, "", "limit|deadline|memory"},
	// work that grows faster than the input
	{`[range(1e5)] - [range(1e5)] | length`, "", "deadline"},
	{`[range(1e5)] | contains([range(1e5) | 99999])`, "", "deadline"},
	{`[range(1e5)] | indices([range(1e3) | 0] + [1]) | length`, "", "deadline|ok"},
	{`"a" * 1000000 | indices("a" * 1000 + "b")`, "", "deadline|ok"},
	{`[range(1e6)] | sort | length`, "", "ok|deadline|memory"},
	{`"7" * 100000 | tonumber | . + 1 | tostring | length`, "", "ok"},
	{`"7" * 1000000 | tonumber`, "", "ok"},
	{`. + 1`, "bignum", "ok"},
	// iteration without end
	{`range(1e18) | select(. < 0)`, "", "deadline"},
	{`last(range(1e18))`, "", "deadline"},
	{`[range(0; 10; 0)] | length`, "", "ok"},
	{`def f: f; f`, "", "deadline"},
	{`repeat(.) | select(false)`, "", "deadline"},
	// the environment and input are closed
	{`env | length`, "", "ok"},
	{`$ENV | length`, "", "ok"},
}

func hostileInput(name string) any {
	switch name {
	case "long":
		return strings.Repeat("x", 1<<20)
	case "huge":
		return strings.Repeat("abcdefghij", 3<<20)
	case "bignum":
		return Numbers(jsonNumber(strings.Repeat("7", 1<<20)))
	}
	return nil
}

// heapPeak samples the heap until stop is closed, and returns its peak.
func heapPeak(stop <-chan struct{}) func() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { wg.Wait(); return peak }
}

func TestHostileExpressions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs each expression to its deadline")
	}
	if raceEnabled {
		// what this test measures (how soon a step ends, how much it
		// allocates) is the race detector's cost under it: sync.Pool drops
		// items and every memory access is instrumented
		t.Skip("timing and memory under the race detector measure the detector")
	}
	for _, h := range hostile {
		t.Run(h.expr, func(t *testing.T) {
			p, err := Compile(h.expr)
			if err != nil {
				t.Fatal(err)
			}
			// A late answer is tried again, twice: on a loaded machine a run
			// may be starved of CPU; a deadline not kept is late every time.
			var r hostileRun
			for attempt := 1; attempt <= 3; attempt++ {
				if r = runHostile(p, hostileInput(h.input)); r.took <= hostileDeadline+hostileSlop {
					break
				}
				t.Logf("attempt %d answered after %v", attempt, r.took)
			}
			t.Logf("%s: %s after %v, heap +%d MiB: %v %v", h.expr, r.got, r.took.Round(time.Millisecond), r.grew>>20, trim(r.out), r.err)
			if !strings.Contains("|"+h.want+"|", "|"+r.got+"|") {
				t.Errorf("got %s (%v), want %s", r.got, r.err, h.want)
			}
			if r.took > hostileDeadline+hostileSlop {
				t.Errorf("took %v, the deadline is %v", r.took, hostileDeadline)
			}
			if limit := int64(MemoryBudget + MaxValue + 16<<20); r.grew > limit {
				t.Errorf("the heap grew by %d MiB, more than %d MiB", r.grew>>20, limit>>20)
			}
		})
	}
}

const (
	hostileDeadline = 300 * time.Millisecond
	hostileSlop     = 150 * time.Millisecond
)

type hostileRun struct {
	out  []any
	err  error
	got  string // ok, deadline, memory, limit or error
	took time.Duration
	grew int64 // the heap's peak growth
}

func runHostile(p *Program, in any) hostileRun {
	runtime.GC()
	stop := make(chan struct{})
	peak := heapPeak(stop)
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	ctx, cancel := context.WithTimeout(context.Background(), hostileDeadline)
	defer cancel()
	start := time.Now()
	out, err := p.Run(ctx, in, 2)
	r := hostileRun{out: out, err: err, got: "ok", took: time.Since(start)}
	close(stop)
	r.grew = int64(peak()) - int64(base)
	var mem *MemoryError
	var lim *LimitError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		r.got = "deadline"
	case errors.As(err, &mem):
		r.got = "memory"
	case errors.As(err, &lim):
		r.got = "limit"
	case err != nil:
		r.got = "error"
	}
	return r
}

func trim(out []any) string {
	s := strings.TrimSpace(strings.ReplaceAll(strings.Join(strings.Fields(strings.TrimSpace(fmtAny(out))), " "), "\n", " "))
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}

func fmtAny(out []any) string {
	var b strings.Builder
	for _, v := range out {
		s := gojqPreview(v)
		b.WriteString(s + " ")
	}
	return b.String()
}

// A sort of long numbers from an answer: gojq would parse both numbers of
// every comparison (40 µs for 1000 digits).
func TestLongNumbersParsedOnce(t *testing.T) {
	nums := make([]any, 1000)
	for i := range nums {
		nums[i] = jsonNumber(strings.Repeat(string(rune('1'+i%9)), 999) + fmt.Sprint(i%10))
	}
	nums[0] = jsonNumber("1." + strings.Repeat("5", 40))
	doc := Numbers(map[string]any{"n": nums})
	p, err := Compile(`.n | sort | .[0], length`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	out, err := p.Run(ctx, doc, 0)
	if err != nil || len(out) != 2 || out[0] != 1.5555555555555556 || out[1] != 1000 {
		t.Errorf("got %v, %v", out, err)
	}
}
