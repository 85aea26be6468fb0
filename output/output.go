// Package output renders a probe.Result: the Nagios plugin format (line 1,
// long output, perfdata) or one JSON object, with colour only on request.
package output

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/fatih/color"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
	"github.com/healthprobe/healthprobe/redact"
)

// Format is an output format.
type Format string

// The output formats of a single check.
const (
	Nagios Format = "nagios"
	JSON   Format = "json"
)

// ParseFormat validates a --output value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case Nagios, JSON:
		return f, nil
	}
	return "", fmt.Errorf("invalid --output %q (want nagios or json)", s)
}

// Options control rendering.
type Options struct {
	Format Format
	Color  bool
	// Redactor is the run's: Write and WriteBatch mask its secrets in every
	// text of a result (summary, target, sub-checks, perfdata labels, a
	// batch check's name) before it is cut to length or escaped for the
	// format. It is stdout's one boundary; nil masks nothing.
	Redactor *redact.Redactor
}

// Write renders r to w.
func Write(w io.Writer, r probe.Result, o Options) error {
	r = r.Redacted(o.Redactor)
	if o.Format == JSON {
		return json.NewEncoder(w).Encode(ToJSON(r))
	}
	_, err := io.WriteString(w, NagiosText(r, o.Color, ""))
	return err
}

var stateColors = map[nagios.State]color.Attribute{
	nagios.OK: color.FgGreen, nagios.Warning: color.FgYellow, nagios.Critical: color.FgRed, nagios.Unknown: color.FgMagenta,
}

func paint(s nagios.State, text string, on bool) string {
	if !on {
		return text
	}
	c := color.New(stateColors[s], color.Bold)
	c.EnableColor()
	return c.Sprint(text)
}

// FirstLine is line 1 of the plugin output: "KIND STATE - summary | perfdata".
func FirstLine(r probe.Result, colour bool) string { return firstLine(r, colour, true) }

// firstLine is line 1, with or without its perfdata.
func firstLine(r probe.Result, colour, perf bool) string {
	line := r.Kind + " " + paint(r.State, r.State.String(), colour) + " - " + probe.SanitizeLine(r.Summary, 400)
	if perf && len(r.Perfdata) > 0 {
		parts := make([]string, len(r.Perfdata))
		for i, p := range r.Perfdata {
			parts[i] = p.String()
		}
		line += " | " + strings.Join(parts, " ")
	}
	return line
}

// NagiosText is line 1 followed by one long-output line per sub-check, each
// prefixed by indent.
func NagiosText(r probe.Result, colour bool, indent string) string {
	return nagiosText(r, colour, indent, true)
}

// nagiosText is NagiosText, line 1 with or without its perfdata.
func nagiosText(r probe.Result, colour bool, indent string, perf bool) string {
	var b strings.Builder
	writeNagios(&b, r, colour, indent, indent, perf)
	return b.String()
}

// writeNagios writes line 1 after first and each long-output line after
// indent.
func writeNagios(b *strings.Builder, r probe.Result, colour bool, first, indent string, perf bool) {
	b.WriteString(first)
	b.WriteString(firstLine(r, colour, perf))
	b.WriteByte('\n')
	if len(r.Details) == 1 && r.Details[0].Text == r.Summary {
		return // a single failure: line 1 already says it all
	}
	for _, d := range r.Details {
		b.WriteString(indent)
		b.WriteString("\\_ [")
		b.WriteString(paint(d.State, d.State.String(), colour))
		b.WriteString("] ")
		b.WriteString(probe.SanitizeLine(d.Text, 400))
		b.WriteByte('\n')
	}
}

// JSONResult is the JSON form of a result.
type JSONResult struct {
	Kind     string         `json:"kind"`
	Status   string         `json:"status"`
	Code     int            `json:"code"`
	Summary  string         `json:"summary"`
	Target   string         `json:"target"`
	Details  []JSONDetail   `json:"details"`
	Perfdata []JSONPerfdata `json:"perfdata"`
	Duration float64        `json:"duration_seconds"`
}

// JSONDetail is one sub-check.
type JSONDetail struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Code   int    `json:"code"`
	Text   string `json:"text"`
}

// JSONPerfdata is one perfdata item; value is a number in the unit of uom.
type JSONPerfdata struct {
	Label string   `json:"label"`
	Value *float64 `json:"value"`
	UOM   string   `json:"uom"`
	Warn  *string  `json:"warn"`
	Crit  *string  `json:"crit"`
	Min   *float64 `json:"min"`
	Max   *float64 `json:"max"`
}

// ToJSON converts a result to its JSON form.
func ToJSON(r probe.Result) JSONResult {
	j := JSONResult{
		Kind: r.Kind, Status: r.State.String(), Code: r.State.ExitCode(),
		Summary: probe.SanitizeLine(r.Summary, 400), Target: r.Target,
		Details: []JSONDetail{}, Perfdata: []JSONPerfdata{}, Duration: probe.Seconds(r.Duration),
	}
	for _, d := range r.Details {
		j.Details = append(j.Details, JSONDetail{Name: d.Name, Status: d.State.String(), Code: d.State.ExitCode(), Text: d.Text})
	}
	for _, p := range r.Perfdata {
		jp := JSONPerfdata{Label: p.Label, UOM: p.UOM, Min: finite(p.Min), Max: finite(p.Max)}
		if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
			v := p.Value
			jp.Value = &v
		}
		if p.Warn != nil {
			s := p.Warn.String()
			jp.Warn = &s
		}
		if p.Crit != nil {
			s := p.Crit.String()
			jp.Crit = &s
		}
		j.Perfdata = append(j.Perfdata, jp)
	}
	return j
}

func finite(f *float64) *float64 {
	if f == nil || math.IsNaN(*f) || math.IsInf(*f, 0) {
		return nil
	}
	return f
}
