package output

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
)

// Prometheus is the batch-only text exposition format for node_exporter's
// textfile collector.
const Prometheus Format = "prometheus"

// ParseBatchFormat validates --output for "healthprobe run".
func ParseBatchFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case Nagios, JSON, Prometheus:
		return f, nil
	}
	return "", fmt.Errorf("invalid --output %q (want nagios, json or prometheus)", s)
}

// Named is a batch result with the check's name.
type Named struct {
	Name   string
	Kind   string // the subcommand: http, pexip ...
	Result probe.Result
}

// WriteBatch renders the results of a batch run.
func WriteBatch(w io.Writer, items []Named, o Options) error {
	if o.Redactor.Len() > 0 {
		shown := make([]Named, len(items))
		for i, it := range items {
			shown[i] = Named{Name: o.Redactor.String(it.Name), Kind: it.Kind, Result: it.Result.Redacted(o.Redactor)}
		}
		items = shown
	}
	switch o.Format {
	case JSON:
		enc := json.NewEncoder(w)
		for _, it := range items {
			if err := enc.Encode(struct {
				Name string `json:"name"`
				JSONResult
			}{it.Name, ToJSON(it.Result)}); err != nil {
				return err
			}
		}
		return nil
	case Prometheus:
		_, err := io.WriteString(w, PrometheusText(items))
		return err
	}
	var b strings.Builder
	for _, it := range items {
		text := NagiosText(it.Result, o.Color, "    ")
		b.WriteString("[" + it.Name + "] " + strings.TrimPrefix(text, "    "))
	}
	b.WriteString(BatchSummary(items, o.Color) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// BatchSummary is the closing line of a batch: the worst state, the counts
// and the names of the checks that are not OK.
func BatchSummary(items []Named, colour bool) string {
	counts := map[nagios.State]int{}
	var bad []string
	states := make([]nagios.State, len(items))
	for i, it := range items {
		counts[it.Result.State]++
		states[i] = it.Result.State
		if it.Result.State != nagios.OK {
			bad = append(bad, it.Name+" "+it.Result.State.String())
		}
	}
	worst := nagios.Worst(states...)
	parts := []string{fmt.Sprintf("%d checks", len(items))}
	for _, s := range []nagios.State{nagios.OK, nagios.Warning, nagios.Critical, nagios.Unknown} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], strings.ToLower(s.String())))
		}
	}
	line := "RUN " + paint(worst, worst.String(), colour) + " - " + strings.Join(parts, ", ")
	if len(bad) > 10 {
		bad = append(bad[:10], fmt.Sprintf("and %d more", len(bad)-10))
	}
	if len(bad) > 0 {
		line += ": " + strings.Join(bad, ", ")
	}
	return fmt.Sprintf("%s | checks=%d ok=%d warning=%d critical=%d unknown=%d", line, len(items),
		counts[nagios.OK], counts[nagios.Warning], counts[nagios.Critical], counts[nagios.Unknown])
}

// PrometheusText renders the batch as a Prometheus text exposition:
// healthprobe_state, healthprobe_up, healthprobe_duration_seconds and every
// perfdata value as healthprobe_perfdata, labelled by check. A Pushgateway
// sink (notify) pushes the same series.
func PrometheusText(items []Named) string {
	var b strings.Builder
	family := func(name, help string, sample func(it Named) []string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
		for _, it := range items {
			for _, s := range sample(it) {
				b.WriteString(name + s + "\n")
			}
		}
	}
	labels := func(it Named, extra ...string) string {
		l := []string{`check="` + promEscape(it.Name) + `"`, `kind="` + promEscape(it.Kind) + `"`}
		for i := 0; i+1 < len(extra); i += 2 {
			l = append(l, extra[i]+`="`+promEscape(extra[i+1])+`"`)
		}
		return "{" + strings.Join(l, ",") + "}"
	}
	family("healthprobe_state", "Check state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.", func(it Named) []string {
		return []string{labels(it) + " " + fmt.Sprint(it.Result.State.ExitCode())}
	})
	family("healthprobe_up", "1 when the check is OK or WARNING (the service answers), else 0.", func(it Named) []string {
		up := 0
		if s := it.Result.State; s == nagios.OK || s == nagios.Warning {
			up = 1
		}
		return []string{labels(it) + " " + fmt.Sprint(up)}
	})
	family("healthprobe_duration_seconds", "Wall time of the check.", func(it Named) []string {
		return []string{labels(it) + " " + nagios.FormatFloat(probe.Seconds(it.Result.Duration))}
	})
	family("healthprobe_perfdata", "Every perfdata value of the check, in the unit of its uom label.", func(it Named) []string {
		var out []string
		seen := map[string]bool{}
		for _, p := range it.Result.Perfdata {
			if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) || seen[p.Label] {
				continue // a series may appear once
			}
			seen[p.Label] = true
			out = append(out, labels(it, "label", p.Label, "uom", p.UOM)+" "+nagios.FormatFloat(p.Value))
		}
		sort.Strings(out)
		return out
	})
	return b.String()
}

func promEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
