// Package probe holds the checks. Every check takes a context (whose deadline
// is the run's total timeout) and a typed config, and returns a Result.
package probe

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// Result is what every probe returns.
type Result struct {
	Kind     string // upper-case check kind for line 1: HTTP, PEXIP, ITGRIX, KALEYRA
	Target   string // what was probed, without secrets
	State    nagios.State
	Summary  string
	Details  []Detail
	Perfdata []nagios.Perfdata
	Duration time.Duration // wall time of the whole check
}

// Detail is one sub-check: one line of long output with its own state.
// Name is a stable identity for the sub-check (used to remember its state
// between runs); Text is what the operator reads.
type Detail struct {
	Name  string
	State nagios.State
	Text  string
}

// Add appends a sub-check line and raises the result's state to it.
func (r *Result) Add(name string, state nagios.State, text string) {
	r.Details = append(r.Details, Detail{Name: name, State: state, Text: text})
	r.Raise(state)
}

// Raise sets the result's state to s when s is worse.
func (r *Result) Raise(s nagios.State) {
	if s.Worse(r.State) {
		r.State = s
	}
}

// AddPerf appends performance data.
func (r *Result) AddPerf(p ...nagios.Perfdata) { r.Perfdata = append(r.Perfdata, p...) }

// Problems returns the texts of the sub-checks that are not OK, worst first
// (WorstFirst), keeping the original order among equals.
func (r *Result) Problems() []string {
	var bad []Lead
	for _, d := range r.Details {
		if d.State != nagios.OK {
			bad = append(bad, Lead{d.State, d.Text})
		}
	}
	sortWorstFirst(bad)
	out := make([]string, len(bad))
	for i, d := range bad {
		out[i] = d.Text
	}
	return out
}

// Lead is one part of line 1's summary and the state it stands for.
type Lead struct {
	State nagios.State
	Text  string
}

// WorstFirst joins the parts of a summary with "; ", worst first
// (CRITICAL, WARNING, UNKNOWN, OK: nagios.State.Worse), keeping their order
// among equals. Every line 1 is put in this order: through it, Problems
// and Mention.
func WorstFirst(parts []Lead) string {
	parts = slices.Clone(parts)
	sortWorstFirst(parts)
	texts := make([]string, 0, len(parts))
	for _, p := range parts {
		if p.Text != "" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, "; ")
}

func sortWorstFirst(parts []Lead) {
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].State.Worse(parts[j].State) })
}

// Mention puts a problem found after the summary was written (a cookie jar
// not saved, a notification not delivered) into line 1, worst first: in
// front when it made the result worse than before (the state it had
// then), after the summary when it did not. An OK one is left out.
func (r *Result) Mention(before nagios.State, st nagios.State, short string) {
	switch {
	case st == nagios.OK || short == "":
	case r.Summary == "":
		r.Summary = short
	case before == nagios.OK || st.Worse(before):
		r.Summary = short + "; " + r.Summary
	default:
		r.Summary += "; " + short
	}
}

// Fail turns the result into a failure with one reason: the check could not
// be carried out (network error, bad answer). It keeps what was gathered.
func (r *Result) Fail(state nagios.State, reason string) Result {
	r.Add("check", state, reason)
	r.Summary = reason
	return *r
}

// SummaryOr sets the summary to the problems when there are any (joined by
// "; ", followed by the context given, joined by ", "), else to the OK text.
func (r *Result) SummaryOr(okText string, context ...string) {
	if p := r.Problems(); len(p) > 0 {
		r.Summary = strings.Join(p, "; ")
		if len(context) > 0 {
			r.Summary += "; " + strings.Join(context, ", ")
		}
		return
	}
	r.Summary = okText
}

// TidyPerf puts the check's own response time first and makes every label
// unique: a later perfdata item whose label is taken (a --jq-label time, a
// derived label that names the check's own perfdata) gets _2, _3 ...
// The response time is the "time" measured in seconds.
func (r *Result) TidyPerf() {
	if i := slices.IndexFunc(r.Perfdata, func(p nagios.Perfdata) bool { return p.Label == "time" && p.UOM == "s" }); i > 0 {
		t := r.Perfdata[i]
		copy(r.Perfdata[1:i+1], r.Perfdata[:i])
		r.Perfdata[0] = t
	}
	used := make(map[string]bool, len(r.Perfdata))
	for i := range r.Perfdata {
		l := r.Perfdata[i].Label
		if used[l] {
			l = uniqueLabel(l, used)
			r.Perfdata[i].Label = l
		}
		used[l] = true
	}
}
