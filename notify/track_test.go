package notify

import (
	"reflect"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/probe"
)

// step is one run: the result after `after` has passed, and what it must mean.
type step struct {
	after   time.Duration
	res     *probe.Result
	event   string // "" none
	prev    string
	soft    int // soft attempt number, 0 when not soft
	changed []Change
}

func runSteps(t *testing.T, p Policy, steps []step) {
	t.Helper()
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	rec := newRecord("id", now)
	for i, s := range steps {
		now = now.Add(s.after)
		d := p.decide(rec, observe(s.res), now)
		if d.Event != s.event || (s.event != "" && d.Previous != s.prev) {
			t.Fatalf("step %d: event %q from %q, want %q from %q", i+1, d.Event, d.Previous, s.event, s.prev)
		}
		gotSoft := 0
		if d.Soft != nil {
			gotSoft = d.Soft.Attempts
		}
		if gotSoft != s.soft {
			t.Fatalf("step %d: soft attempt %d, want %d", i+1, gotSoft, s.soft)
		}
		if s.changed != nil && !reflect.DeepEqual(d.Changed, s.changed) {
			t.Fatalf("step %d: changed %+v, want %+v", i+1, d.Changed, s.changed)
		}
	}
}

func TestDecideImmediate(t *testing.T) {
	runSteps(t, Policy{}, []step{
		{res: result(ok("status"))},                     // first OK: recorded, not notified
		{after: time.Minute, res: result(ok("status"))}, // steady
		{after: time.Minute, res: result(crit("status")), event: EventChange, prev: "OK",
			changed: []Change{{Name: "status", Old: "OK", New: "CRITICAL", Text: "status broken"}}},
		{after: time.Minute, res: result(crit("status"))}, // steady problem: no event
		{after: time.Minute, res: result(warn("status")), event: EventChange, prev: "CRITICAL"},
		{after: time.Minute, res: result(ok("status")), event: EventChange, prev: "WARNING"}, // recovery is a change
		{after: time.Minute, res: result(ok("status"))},
	})
}

func TestDecideFirstRunProblem(t *testing.T) {
	runSteps(t, Policy{}, []step{
		{res: result(crit("check")), event: EventChange, prev: Pending},
	})
}

func TestDecideAttempts(t *testing.T) {
	runSteps(t, Policy{Attempts: 3}, []step{
		{res: result(ok("status"))},
		{after: time.Minute, res: result(crit("status")), soft: 1},
		{after: time.Minute, res: result(crit("status")), soft: 2},
		{after: time.Minute, res: result(ok("status"))}, // back to OK inside the window: nothing, window reset
		{after: time.Minute, res: result(crit("status")), soft: 1},
		{after: time.Minute, res: result(warn("status")), soft: 2}, // another problem still counts
		{after: time.Minute, res: result(crit("status")), event: EventChange, prev: "OK"},
		{after: time.Minute, res: result(crit("status"))},
		{after: time.Minute, res: result(ok("status")), event: EventChange, prev: "CRITICAL"}, // recovery at once
	})
}

func TestDecideFailAfter(t *testing.T) {
	// the WMSPanel window: a problem is notified once it has lasted 20 minutes
	runSteps(t, Policy{FailAfter: 20 * time.Minute}, []step{
		{res: result(ok("status"))},
		{after: 5 * time.Minute, res: result(crit("status")), soft: 1},
		{after: 10 * time.Minute, res: result(crit("status")), soft: 2},
		{after: 9*time.Minute + 59*time.Second, res: result(crit("status")), soft: 3},
		{after: time.Second, res: result(crit("status")), event: EventChange, prev: "OK"},
	})
}

func TestDecideFailAfterAndAttempts(t *testing.T) {
	// both must be met: 20 minutes and 3 runs
	runSteps(t, Policy{FailAfter: 20 * time.Minute, Attempts: 3}, []step{
		{res: result(ok("status"))},
		{after: time.Minute, res: result(crit("status")), soft: 1},
		{after: 30 * time.Minute, res: result(crit("status")), soft: 2}, // time met, attempts not
		{after: time.Minute, res: result(crit("status")), event: EventChange, prev: "OK"},
	})
}

func TestDecideSubChecks(t *testing.T) {
	// a change in one number is notified, naming that number only
	a, b := "number:+0809900112234", "number:+878788197367616"
	runSteps(t, Policy{}, []step{
		{res: result(ok(a), ok(b))},
		{res: result(crit(a), ok(b)), event: EventChange, prev: "OK",
			changed: []Change{{Name: a, Old: "OK", New: "CRITICAL", Text: a + " broken"}}},
		{res: result(crit(a), crit(b)), event: EventChange, prev: "CRITICAL",
			changed: []Change{{Name: b, Old: "OK", New: "CRITICAL", Text: b + " broken"}}},
		{res: result(crit(a), crit(b))},
		{res: result(crit(a), ok(b)), event: EventChange, prev: "CRITICAL",
			changed: []Change{{Name: b, Old: "CRITICAL", New: "OK", Text: b + " fine"}}},
		// a sub-check that appears OK, or vanishes while OK, is no change
		{res: result(crit(a), ok("number:+1"))},
		// one that vanishes while failing is: its new state is "" (absent)
		{res: result(ok("number:+1")), event: EventChange, prev: "CRITICAL",
			changed: []Change{{Name: a, Old: "CRITICAL", New: ""}}},
	})
}

func TestDecideReminders(t *testing.T) {
	runSteps(t, Policy{RemindRuns: 2}, []step{
		{res: result(crit("s")), event: EventChange, prev: Pending},
		{res: result(crit("s"))},
		{res: result(crit("s")), event: EventReminder, prev: "CRITICAL"},
		{res: result(crit("s"))},
		{res: result(crit("s")), event: EventReminder, prev: "CRITICAL"},
		{res: result(ok("s")), event: EventChange, prev: "CRITICAL"},
		{res: result(ok("s"))}, {res: result(ok("s"))}, // no reminders of OK
	})
	runSteps(t, Policy{RemindEvery: time.Hour}, []step{
		{res: result(crit("s")), event: EventChange, prev: Pending},
		{after: 59 * time.Minute, res: result(crit("s"))},
		{after: time.Minute, res: result(crit("s")), event: EventReminder, prev: "CRITICAL"},
		{after: 30 * time.Minute, res: result(crit("s"))},
	})
}

func TestSoftNote(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 5, 0, 0, time.UTC)
	s := &Soft{State: "CRITICAL", Since: now.Add(-5 * time.Minute), Attempts: 2}
	for _, c := range []struct {
		p    Policy
		want string
	}{
		{Policy{Attempts: 3}, "soft CRITICAL, attempt 2/3 (notified once it is hard)"},
		{Policy{FailAfter: 20 * time.Minute}, "soft CRITICAL, attempt 2, for 5m0s of 20m0s (notified once it is hard)"},
		{Policy{Attempts: 3, FailAfter: 20 * time.Minute}, "soft CRITICAL, attempt 2/3, for 5m0s of 20m0s (notified once it is hard)"},
	} {
		if got := c.p.softNote(s, now); got != c.want {
			t.Errorf("softNote(%+v) = %q, want %q", c.p, got, c.want)
		}
	}
}
