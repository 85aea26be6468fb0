package probe

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// jqDeadlineSlop is how late past its deadline a check may answer. A
// step of the interpreter and a check of the heap are microseconds; the
// rest is a busy machine's scheduling.
const jqDeadlineSlop = 250 * time.Millisecond

// A jq expression ends at the run's deadline, whatever it does: the regex
// builtins on a long server string (gojq: 12 minutes for 1 MB under -t 1),
// expressions without end, values that grow without end. Each expression's
// limit comes out of what is left of the run, so three endless ones take
// the run's deadline, not three seconds.
func TestJQEndsAtTheRunsDeadline(t *testing.T) {
	long := `{"pad":"` + strings.Repeat("x", 1<<20-16) + `"}`
	tests := []struct {
		name  string
		body  string
		exprs []string
		want  *regexp.Regexp // each jq line
		state nagios.State
	}{
		{"match on a long string", long, []string{`[.pad | match("."; "g")] | length`},
			regexp.MustCompile(`^jq '.*' (stopped at the run's deadline \(-t\)|stopped: it needed more than 64 MiB of memory)$`), nagios.Unknown},
		{"gsub on a long string", long, []string{`.pad | gsub("x"; "yy") | length`},
			regexp.MustCompile(`^jq '.*' (stopped at the run's deadline \(-t\)|stopped: it needed more than 64 MiB of memory|= 2097120)$`), nagios.Unknown},
		{"three endless expressions", `{}`, []string{`def f: f; f`, `last(range(1e18))`, `repeat(1) | select(false)`},
			regexp.MustCompile(`^jq ('.*'|\S+) stopped at the run's deadline \(-t\)$`), nagios.Unknown},
		{"a string repeated 5e8 times", `{}`, []string{`"x" * 5e8`},
			regexp.MustCompile(`^jq '"x" \* 5e8' stopped: "x" \* 500000000 would build a string of 476.8 MiB, more than 16 MiB$`), nagios.Unknown},
		{"a recursion without end", `{}`, []string{`def f: 1 + f; f`},
			regexp.MustCompile(`^jq 'def f: 1 \+ f; f' (stopped at the run's deadline \(-t\)|stopped: it needed more than 64 MiB of memory)$`), nagios.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var specs []JQSpec
			for _, e := range tt.exprs {
				specs = append(specs, JQSpec{Expr: e})
			}
			a, err := NewJQAssertion(specs, nagios.Unknown, nagios.Unknown)
			if err != nil {
				t.Fatal(err)
			}
			srv := plainServer(t, serveBody([]byte(tt.body)))
			const deadline = 500 * time.Millisecond
			// A late answer is tried again, twice, as in the fault suite: on
			// a loaded machine a run may be starved of CPU; a deadline not
			// kept is late every time.
			var r Result
			var took time.Duration
			for attempt := 1; attempt <= 3; attempt++ {
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				start := time.Now()
				r = HTTP(ctx, HTTPConfig{Client: ClientConfig{Timeout: deadline}, URL: srv.URL, Assertions: []BodyAssertion{a}})
				took = time.Since(start)
				cancel()
				if took <= deadline+jqDeadlineSlop {
					break
				}
				t.Logf("attempt %d answered after %v", attempt, took)
			}
			if took > deadline+jqDeadlineSlop {
				t.Errorf("answered after %v, the deadline is %v", took, deadline)
			}
			lines := detailsWith(r, "jq")
			if len(lines) != len(tt.exprs) {
				t.Fatalf("jq lines %q", lines)
			}
			for _, d := range lines {
				if !tt.want.MatchString(d.Text) || d.State != tt.state {
					t.Errorf("%v %q, want %v %s", d.State, d.Text, tt.state, tt.want)
				}
			}
			if r.State != tt.state {
				t.Errorf("state %v, summary %q", r.State, r.Summary)
			}
		})
	}
}

// Without a run deadline near, an expression still stops after
// DefaultJQTimeout (a.Timeout here) and the next one runs.
func TestJQExpressionTimeLimit(t *testing.T) {
	a, err := NewJQAssertion([]JQSpec{{Expr: `def f: f; f`}, {Expr: `.ok`}}, nagios.Warning, nagios.Unknown)
	if err != nil {
		t.Fatal(err)
	}
	a.Timeout = 50 * time.Millisecond
	var r Result
	a.Assert(context.Background(), &Exchange{Status: 200, Body: []byte(`{"ok":true}`)}, &r)
	want := []Detail{
		{"jq:def f: f; f", nagios.Warning, "jq 'def f: f; f' did not finish within 50ms"},
		{"jq:.ok", nagios.OK, "jq .ok is true"},
	}
	if got := detailsWith(r, "jq"); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A signal (the run's context cancelled with a cause) ends an expression
// at once, UNKNOWN with the cause, and the expressions after it at once
// too.
func TestJQInterrupted(t *testing.T) {
	a, err := NewJQAssertion([]JQSpec{{Expr: `def f: f; f`}, {Expr: `last(range(1e18))`}}, nagios.Warning, nagios.Unknown)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(100*time.Millisecond, func() { cancel(errors.New("terminated signal received")) })
	start := time.Now()
	var r Result
	a.Assert(ctx, &Exchange{Status: 200, Body: []byte(`{}`)}, &r)
	if took := time.Since(start); took > 100*time.Millisecond+jqDeadlineSlop {
		t.Errorf("took %v", took)
	}
	for _, d := range detailsWith(r, "jq") {
		if d.State != nagios.Unknown || !strings.HasSuffix(d.Text, " interrupted (terminated signal received)") {
			t.Errorf("%v %q", d.State, d.Text)
		}
	}
}

// error(v) with a huge value is shown by a preview: its Error encodes the
// value whole.
func TestJQErrorValueShownShort(t *testing.T) {
	a, err := NewJQAssertion([]JQSpec{
		{Expr: `def f: [., .]; reduce range(40) as $_ (1; f) | error`},
		{Expr: `def f: [., .]; reduce range(40) as $_ (1; f)`},
		{Expr: `def f: [., .]; reduce range(40) as $_ (1; f)`, Regex: regexp.MustCompile(`x`)},
	}, nagios.Unknown, nagios.Unknown)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var r Result
	a.Assert(context.Background(), &Exchange{Status: 200, Body: []byte(`{}`)}, &r)
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %v", took)
	}
	want := []string{
		`jq 'def f: [., .]; reduce range(40) as $_ (1; f) ¦ error' failed: error: [[[[[[[[[[[[[[[[[[[[[[[[[ ...]`,
		`jq 'def f: [., .]; reduce range(40) as $_ (1; f)' = [[[[[[[[[[[[[[[[[[[[[[[[[ ...]`,
		`jq 'def f: [., .]; reduce range(40) as $_ (1; f)' = [[[[[[[[[[[[[[[[[[[[[[[[[ ...], too large to match "x"`,
	}
	got := detailsWith(r, "jq")
	for i, d := range got {
		if i >= len(want) || d.Text != want[i] {
			t.Errorf("line %d: %q", i, d.Text)
		}
	}
}
