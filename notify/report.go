package notify

import (
	"math"
	"strings"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/output"
	"github.com/healthprobe/healthprobe/probe"
)

// When a sink is sent something (its send: key).
const (
	SendEveryRun = "every-run" // every run's result (EventResult): default of icinga2, uptime-kuma, healthchecks, pushgateway
	SendChanges  = "changes"   // hard state changes and reminders: default of json, wmspanel, template
)

// Report is one run's whole result, as the monitoring systems that take
// every run want it: the plugin output, perfdata, and when the check ran.
// It travels in the event (so an outbox entry holds it) to every sink of a
// reporting format and to every sink sent every run.
type Report struct {
	// Output is the plugin output without perfdata: line 1
	// ("HTTP OK - 200 OK, 0.004 s") and the long output, one line each.
	Output string `json:"output"`
	// Perfdata is each perfdata value as the plugin writes it ('label'=1.5ms;1;2;0;10).
	Perfdata []string `json:"perfdata"`
	// Metrics are the finite perfdata values, for Prometheus.
	Metrics []Metric `json:"metrics"`
	// Start and End bound the check's execution.
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Duration float64   `json:"duration_seconds"`
	// Check is the name the check was given (--name, a batch check's
	// name); "" when it has none.
	Check string `json:"check,omitempty"`
	// Host and Service name the Icinga 2 service of this check
	// (--icinga2-host, --icinga2-service); "" takes the sink's.
	Host    string `json:"host,omitempty"`
	Service string `json:"service,omitempty"`
	// RunID pairs a Healthchecks /start with the result (measure: true).
	RunID string `json:"run_id,omitempty"`
}

// Metric is one perfdata value as a number.
type Metric struct {
	Label string  `json:"label"`
	UOM   string  `json:"uom"`
	Value float64 `json:"value"`
}

// newReport reduces a result (before notify's own lines are added) to a
// report. end is when the check ended; it began Duration earlier.
func newReport(res *probe.Result, check string, end time.Time) *Report {
	bare := *res
	bare.Perfdata = nil
	r := &Report{
		Output:   strings.TrimSuffix(output.NagiosText(bare, false, ""), "\n"),
		Perfdata: []string{}, Metrics: []Metric{},
		Start: eventTime(end.Add(-res.Duration)), End: eventTime(end), Duration: probe.Seconds(res.Duration),
		Check: check,
	}
	for _, p := range res.Perfdata {
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			continue // Icinga 2 and Prometheus take numbers only
		}
		r.Perfdata = append(r.Perfdata, p.String())
		r.Metrics = append(r.Metrics, Metric{Label: p.Label, UOM: p.UOM, Value: p.Value})
	}
	return r
}

// report is the event's report, or, for an event that has none (a change
// event queued before its sink reported results, a test event), one made
// from the event: line 1, no perfdata, ended at the event's time.
func (ev Event) report() Report {
	if ev.Report != nil {
		return *ev.Report
	}
	return Report{
		Output:   ev.Kind + " " + ev.State + " - " + ev.Summary,
		Perfdata: []string{}, Metrics: []Metric{}, Start: ev.Time, End: ev.Time,
	}
}

// exitCode is the plugin exit code of a state name (3 for anything else).
func exitCode(state string) int {
	s, err := nagios.ParseState(state)
	if err != nil {
		return nagios.Unknown.ExitCode()
	}
	return s.ExitCode()
}

// firstLine is line 1 of the report's output.
func (r Report) firstLine() string {
	line, _, _ := strings.Cut(r.Output, "\n")
	return line
}

// pluginOutput is the whole plugin output, perfdata after line 1, as a
// plugin prints it.
func (r Report) pluginOutput() string {
	line, rest, more := strings.Cut(r.Output, "\n")
	if len(r.Perfdata) > 0 {
		line += " | " + strings.Join(r.Perfdata, " ")
	}
	if more {
		return line + "\n" + rest
	}
	return line
}
