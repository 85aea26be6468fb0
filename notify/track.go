package notify

import (
	"fmt"
	"sort"
	"time"

	"github.com/healthprobe/healthprobe/probe"
)

// Policy decides when a problem is hard (and so notified) and whether a
// lasting problem is notified again.
type Policy struct {
	// Attempts is how many consecutive failing runs make a problem hard
	// (0 or 1: the first).
	Attempts int
	// FailAfter is how long a problem must last, from its first failing run,
	// before it is hard (0: at once). With Attempts, both must be met.
	FailAfter time.Duration
	// RemindEvery and RemindRuns resend a lasting hard problem after this
	// long or this many runs since the last event (0: never).
	RemindEvery time.Duration
	RemindRuns  int
}

// observation is one result reduced to what is compared between runs.
type observation struct {
	State  string
	Checks map[string]string // sub-check name -> state
	Texts  map[string]string // sub-check name -> text, for events
}

// observe reduces a result; of sub-checks that share a name, the worst counts.
func observe(res *probe.Result) observation {
	o := observation{State: res.State.String(), Checks: map[string]string{}, Texts: map[string]string{}}
	worst := map[string]probe.Detail{}
	for _, d := range res.Details {
		if w, ok := worst[d.Name]; !ok || d.State.Worse(w.State) {
			worst[d.Name] = d
		}
	}
	for name, d := range worst {
		o.Checks[name] = d.State.String()
		o.Texts[name] = d.Text
	}
	return o
}

// decision is what a run means for notifications.
type decision struct {
	Event    string // "" (none), EventChange or EventReminder
	Previous string
	Since    time.Time
	Changed  []Change
	Soft     *Soft // a problem inside its soft window (for the output note)
}

// effective treats a sub-check that is absent like one that is OK: a
// sub-check appearing OK or vanishing while OK is no change.
func effective(s string) string {
	if s == "" {
		return "OK"
	}
	return s
}

// changes lists the sub-checks whose state differs, by name.
func changes(old map[string]string, obs observation) []Change {
	names := map[string]bool{}
	for n := range old {
		names[n] = true
	}
	for n := range obs.Checks {
		names[n] = true
	}
	var out []Change
	for n := range names {
		if effective(old[n]) != effective(obs.Checks[n]) {
			out = append(out, Change{Name: n, Old: old[n], New: obs.Checks[n], Text: obs.Texts[n]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// decide applies one observation to the record and says what to notify.
//
//   - No difference from the hard state: nothing (or a reminder of a lasting
//     problem, when asked for).
//   - A first result that is OK: recorded, not notified.
//   - OK after a problem, or any change while a problem is hard (another
//     state, another sub-check failing or recovering): notified at once,
//     as Nagios does.
//   - A problem after OK: soft until it has lasted Attempts runs and
//     FailAfter, then notified once.
func (p Policy) decide(rec *Record, obs observation, now time.Time) decision {
	changed := changes(rec.Checks, obs)
	differs := obs.State != rec.Hard || len(changed) > 0
	healthy := rec.Hard == "OK" || rec.Hard == Pending
	switch {
	case !differs:
		rec.Soft = nil
		rec.Checks = obs.Checks
		if healthy {
			return decision{}
		}
		rec.RunsSinceEvent++
		if (p.RemindRuns > 0 && rec.RunsSinceEvent >= p.RemindRuns) ||
			(p.RemindEvery > 0 && now.Sub(rec.LastEvent) >= p.RemindEvery) {
			rec.LastEvent, rec.RunsSinceEvent = now, 0
			return decision{Event: EventReminder, Previous: rec.Hard, Since: rec.HardSince}
		}
		return decision{}
	case rec.Hard == Pending && obs.State == "OK":
		p.harden(rec, obs, now, now)
		return decision{}
	case obs.State == "OK" || !healthy:
		prev := rec.Hard
		p.harden(rec, obs, now, now)
		return decision{Event: EventChange, Previous: prev, Since: now, Changed: changed}
	}
	if rec.Soft == nil {
		rec.Soft = &Soft{Since: now}
	}
	rec.Soft.State = obs.State
	rec.Soft.Attempts++
	if !p.hard(rec.Soft, now) {
		s := *rec.Soft
		return decision{Soft: &s}
	}
	prev, since := rec.Hard, rec.Soft.Since
	p.harden(rec, obs, since, now)
	return decision{Event: EventChange, Previous: prev, Since: since, Changed: changed}
}

// harden makes the observation the hard state, begun at since.
func (p Policy) harden(rec *Record, obs observation, since, now time.Time) {
	rec.Hard, rec.HardSince, rec.Checks, rec.Soft = obs.State, since, obs.Checks, nil
	rec.LastEvent, rec.RunsSinceEvent = now, 0
}

// hard reports whether a soft problem has met the policy.
func (p Policy) hard(s *Soft, now time.Time) bool {
	return s.Attempts >= max(p.Attempts, 1) && now.Sub(s.Since) >= p.FailAfter
}

// softNote is the output line for a problem inside its soft window.
func (p Policy) softNote(s *Soft, now time.Time) string {
	text := fmt.Sprintf("soft %s, attempt %d", s.State, s.Attempts)
	if p.Attempts > 1 {
		text += fmt.Sprintf("/%d", p.Attempts)
	}
	if p.FailAfter > 0 {
		text += fmt.Sprintf(", for %s of %s", now.Sub(s.Since).Truncate(time.Second), p.FailAfter)
	}
	return text + " (notified once it is hard)"
}
