package notify

import (
	"time"

	"github.com/healthprobe/healthprobe/probe"
)

// Event types.
const (
	EventChange   = "state_change" // the hard state or a sub-check changed (recovery included)
	EventReminder = "reminder"     // a lasting hard problem, sent again (--remind-every)
	EventTest     = "test"         // healthprobe notify test
	EventResult   = "result"       // every run's result, to a sink sent every run (send: every-run)
)

// Event is what a sink receives (the json format, and {response} in a
// template). Seq counts the events of one check to one sink, from 1: events
// retried from the outbox may arrive out of order, seq puts them back in order
// (and the same seq twice is the same event, sent again after a crash).
type Event struct {
	Event    string    `json:"event"`
	Time     time.Time `json:"time"`
	Seq      uint64    `json:"seq"`
	Name     string    `json:"name"`
	Kind     string    `json:"kind"`
	Target   string    `json:"target"`
	State    string    `json:"state"`
	Previous string    `json:"previous"`
	Since    time.Time `json:"since"`
	Summary  string    `json:"summary"`
	Changed  []Change  `json:"changed"`
	Version  string    `json:"version"`
	// Report is the run's whole result: set for the sinks of a reporting
	// format (icinga2, uptime-kuma, healthchecks, pushgateway) and for any
	// sink sent every run; absent from a json sink's change events.
	Report *Report `json:"report,omitempty"`
}

// Change is one sub-check whose state changed. Old or New is "" when the
// sub-check was absent from that result.
type Change struct {
	Name string `json:"name"`
	Old  string `json:"old"`
	New  string `json:"new"`
	Text string `json:"text"`
}

// newEvent builds the event of a decision, without its seq.
func newEvent(d decision, name, version string, res *probe.Result, now time.Time) Event {
	changed := d.Changed
	if changed == nil {
		changed = []Change{}
	}
	return Event{
		Event: d.Event, Time: eventTime(now), Name: name, Kind: res.Kind, Target: res.Target,
		State: res.State.String(), Previous: d.Previous, Since: eventTime(d.Since),
		Summary: probe.SanitizeLine(res.Summary, 400), Changed: changed, Version: version,
	}
}

// TestEvent is the event healthprobe notify test sends: seq 0, the given
// state (OK by default), previous state PENDING.
func TestEvent(state, version string, now time.Time) Event {
	if state == "" {
		state = "OK"
	}
	return Event{
		Event: EventTest, Time: eventTime(now), Name: "healthprobe notify test", Kind: "NOTIFY", Target: "test",
		State: state, Previous: Pending, Since: eventTime(now), Summary: "test event from healthprobe notify test",
		Changed: []Change{}, Version: version,
	}
}

// eventTime is t in UTC to the millisecond.
func eventTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// resultEvent is the event of a sink sent every run: the run's result,
// the hard state before it (previous), and since when the state it reports
// has lasted as far as the record knows (the hard state's start, a soft
// problem's first failing run, else this run).
func resultEvent(d decision, rec *Record, prevHard, name, version string, res *probe.Result, now time.Time) Event {
	since := now
	switch state := res.State.String(); {
	case rec.Hard == state:
		since = rec.HardSince
	case rec.Soft != nil && rec.Soft.State == state:
		since = rec.Soft.Since
	}
	changed := d.Changed
	if changed == nil {
		changed = []Change{}
	}
	return Event{
		Event: EventResult, Time: eventTime(now), Name: name, Kind: res.Kind, Target: res.Target,
		State: res.State.String(), Previous: prevHard, Since: eventTime(since),
		Summary: probe.SanitizeLine(res.Summary, 400), Changed: changed, Version: version,
	}
}
