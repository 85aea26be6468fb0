package output

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
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

// Batch writes the results of a batch run in the file's order while the
// run goes on. Each result is rendered as soon as it is known (Render, from
// any goroutine) and only its text is kept; Write takes the rendered
// results in the file's order and writes what can be written at once;
// Close writes what has to wait for the last result.
//
//   - nagios: line 1 is the summary (worst state first, with counts), so the
//     whole output waits for the last result. Below it, each check's line 1
//     and long output as long output; the checks' perfdata, each label
//     prefixed with the check's name (web::time), follow a | on the last
//     line: the plugin guidelines' place for perfdata after long output,
//     which Nagios and Icinga 2 both read.
//   - json: one object per line, written as soon as its turn comes.
//   - prometheus: each family's samples, kept until the last result.
type Batch struct {
	w      io.Writer
	o      Options
	err    error
	counts [4]int             // by exit code
	bad    [4][]string        // the names of checks not OK, by exit code; at most maxBad each
	text   strings.Builder    // nagios: the checks' lines
	perf   strings.Builder    // nagios: the checks' perfdata, each after a space
	fams   [4]strings.Builder // prometheus: each family's samples
}

// Rendered is one check's result as the batch's format writes it.
type Rendered struct {
	name  string
	state nagios.State
	text  string    // nagios: its lines; json: its line
	perf  string    // nagios: its perfdata, labels prefixed with its name
	fams  [4]string // prometheus: its samples of each family
}

// maxBad caps the names of failing checks line 1 shows.
const maxBad = 10

// NewBatch writes a batch's results to w.
func NewBatch(w io.Writer, o Options) *Batch { return &Batch{w: w, o: o} }

// Render renders a check's result, its name and texts redacted with the
// Options' Redactor first. It may be called from any goroutine.
func (b *Batch) Render(it Named) Rendered {
	if b.o.Redactor.Len() > 0 {
		it = Named{Name: b.o.Redactor.String(it.Name), Kind: it.Kind, Result: it.Result.Redacted(b.o.Redactor)}
	}
	r := Rendered{name: it.Name, state: it.Result.State}
	switch b.o.Format {
	case JSON:
		line, err := json.Marshal(struct {
			Name string `json:"name"`
			JSONResult
		}{it.Name, ToJSON(it.Result)})
		if err != nil { // no value of a result fails to marshal
			line = []byte(`{"name":` + jsonString(it.Name) + `,"status":"UNKNOWN","code":3,"summary":"cannot render the result"}`)
		}
		r.text = string(line) + "\n"
	case Prometheus:
		r.fams = prometheusSamples(it)
	default:
		var text strings.Builder
		text.Grow(256)
		writeNagios(&text, it.Result, b.o.Color, "["+it.Name+"] ", "    ", false)
		r.text = text.String()
		var perf strings.Builder
		for i, p := range it.Result.Perfdata {
			if i > 0 {
				perf.WriteByte(' ')
			}
			p.Label = it.Name + "::" + p.Label
			perf.WriteString(p.String())
		}
		r.perf = perf.String()
	}
	return r
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Write takes the next check's rendered result, in the file's order.
func (b *Batch) Write(r Rendered) error {
	code := r.state.ExitCode()
	b.counts[code]++
	if r.state != nagios.OK && len(b.bad[code]) < maxBad {
		b.bad[code] = append(b.bad[code], r.name)
	}
	switch b.o.Format {
	case JSON:
		if b.err == nil {
			_, b.err = io.WriteString(b.w, r.text)
		}
	case Prometheus:
		for i, s := range r.fams {
			b.fams[i].WriteString(s)
		}
	default:
		b.text.WriteString(r.text)
		if r.perf != "" {
			b.perf.WriteString(" " + r.perf)
		}
	}
	return b.err
}

// Worst is the worst state of the results written so far.
func (b *Batch) Worst() nagios.State {
	w := nagios.OK
	for code, n := range b.counts {
		if n > 0 && nagios.State(code).Worse(w) {
			w = nagios.State(code)
		}
	}
	return w
}

// Close writes what waits for the last result.
func (b *Batch) Close() error {
	if b.err != nil {
		return b.err
	}
	switch b.o.Format {
	case JSON:
		return nil
	case Prometheus:
		var out strings.Builder
		for i, f := range promFamilies {
			fmt.Fprintf(&out, "# HELP %s %s\n# TYPE %s gauge\n", f.name, f.help, f.name)
			out.WriteString(b.fams[i].String())
		}
		_, err := io.WriteString(b.w, out.String())
		return err
	}
	_, err := io.WriteString(b.w, b.summary()+"\n")
	if err == nil {
		_, err = io.WriteString(b.w, b.text.String())
	}
	if err == nil && b.perf.Len() > 0 {
		_, err = io.WriteString(b.w, "|"+b.perf.String()+"\n")
	}
	return err
}

// byWorst lists the states worst first: critical, warning, unknown, ok.
var byWorst = []nagios.State{nagios.Critical, nagios.Warning, nagios.Unknown, nagios.OK}

// summary is line 1 of a batch: the worst state, the counts worst first,
// the names of the checks that are not OK (worst first, at most ten of
// each state), and the counts as perfdata.
func (b *Batch) summary() string {
	total := 0
	var parts, bad []string
	for _, s := range byWorst {
		n := b.counts[s.ExitCode()]
		total += n
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ToLower(s.String())))
		}
		for _, name := range b.bad[s.ExitCode()] {
			bad = append(bad, name+" "+s.String())
		}
		if more := n - len(b.bad[s.ExitCode()]); s != nagios.OK && more > 0 {
			bad = append(bad, fmt.Sprintf("%d more %s", more, s))
		}
	}
	worst := b.Worst()
	checks := "checks"
	if total == 1 {
		checks = "check"
	}
	line := fmt.Sprintf("RUN %s - %s of %d %s", paint(worst, worst.String(), b.o.Color), strings.Join(parts, ", "), total, checks)
	if len(bad) > 0 {
		line += ": " + strings.Join(bad, ", ")
	}
	return fmt.Sprintf("%s | checks=%d ok=%d warning=%d critical=%d unknown=%d", line, total,
		b.counts[nagios.OK], b.counts[nagios.Warning], b.counts[nagios.Critical], b.counts[nagios.Unknown])
}

// WriteBatch renders the results of a batch run, all at once.
func WriteBatch(w io.Writer, items []Named, o Options) error {
	b := NewBatch(w, o)
	for _, it := range items {
		if err := b.Write(b.Render(it)); err != nil {
			return err
		}
	}
	return b.Close()
}

// promFamilies are the metric families of the Prometheus output, in order.
var promFamilies = [4]struct{ name, help string }{
	{"healthprobe_state", "Check state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."},
	{"healthprobe_up", "1 when the check is OK or WARNING (the service answers), else 0."},
	{"healthprobe_duration_seconds", "Wall time of the check."},
	{"healthprobe_perfdata", "Every perfdata value of the check, in the unit of its uom label."},
}

// prometheusSamples renders one check's samples of each family.
func prometheusSamples(it Named) [4]string {
	labels := func(extra ...string) string {
		l := `{check="` + promEscape(it.Name) + `",kind="` + promEscape(it.Kind) + `"`
		for i := 0; i+1 < len(extra); i += 2 {
			l += `,` + extra[i] + `="` + promEscape(extra[i+1]) + `"`
		}
		return l + "}"
	}
	var out [4]string
	base := labels()
	res := it.Result
	out[0] = promFamilies[0].name + base + " " + fmt.Sprint(res.State.ExitCode()) + "\n"
	up := "0"
	if res.State == nagios.OK || res.State == nagios.Warning {
		up = "1"
	}
	out[1] = promFamilies[1].name + base + " " + up + "\n"
	out[2] = promFamilies[2].name + base + " " + nagios.FormatFloat(probe.Seconds(res.Duration)) + "\n"
	var perf []string
	seen := map[string]bool{}
	for _, p := range res.Perfdata {
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) || seen[p.Label] {
			continue // a series may appear once
		}
		seen[p.Label] = true
		perf = append(perf, promFamilies[3].name+labels("label", p.Label, "uom", p.UOM)+" "+nagios.FormatFloat(p.Value)+"\n")
	}
	slices.Sort(perf)
	out[3] = strings.Join(perf, "")
	return out
}

// PrometheusText renders results as a Prometheus text exposition:
// healthprobe_state, healthprobe_up, healthprobe_duration_seconds and every
// perfdata value as healthprobe_perfdata, labelled by check. A Pushgateway
// sink (notify) pushes the same series.
func PrometheusText(items []Named) string {
	var b strings.Builder
	_ = WriteBatch(&b, items, Options{Format: Prometheus})
	return b.String()
}

var promEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func promEscape(s string) string { return promEscaper.Replace(s) }
