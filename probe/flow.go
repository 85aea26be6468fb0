package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/healthprobe/healthprobe/internal/jqsafe"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/redact"
)

// FlowConfig is a check made of HTTP steps run in order: values extracted
// from one step's JSON answer are carried into the requests of later
// steps, the steps share one cookie jar, and cleanup steps (Always) run
// even after a failure, after the deadline or on a signal.
type FlowConfig struct {
	Name  string // what the flow is called, for the result's target
	Steps []FlowStep
	// Show lists the extracted values that may appear in the output (ids);
	// every other value is a secret, added to Redactor as soon as it is read.
	Show []string
	// Redactor is the run's one redactor (nil: a fresh one).
	Redactor *redact.Redactor
	// Timeout is the flow's deadline, for messages (the context enforces
	// it); TimeoutState is the state of a step the deadline cut short or
	// kept from running.
	Timeout      time.Duration
	TimeoutState nagios.State
	// Log receives a line as each step starts, when Verbose > 0.
	Log     func(format string, args ...any)
	Verbose int
}

// FlowStep is one step of a flow.
type FlowStep struct {
	Name string // a stable name: the sub-check step:NAME and perfdata NAME_time
	// Always runs the step even when an earlier step failed, when the
	// flow's deadline has passed or the run is interrupted: a cleanup.
	Always bool
	// Timeout, when set, bounds the step within the flow's deadline; an
	// Always step gets at least this long (DefaultAlwaysTimeout when 0),
	// even when less of the flow's deadline is left.
	Timeout time.Duration
	// Needs lists the values its requests refer to; a step whose values
	// were not all extracted is skipped, saying which.
	Needs   []string
	Extract []FlowExtract
	// Check builds the step's HTTP check from the values extracted so far
	// (its references replaced); an error fails the step with UNKNOWN.
	Check func(values map[string]FlowValue) (HTTPConfig, error)
}

// FlowExtract reads one value from a step's JSON answer.
type FlowExtract struct {
	Name string
	Expr string
	Code *jqsafe.Program // CompileJQ(Expr)
}

// FlowValue is an extracted value: a string's text, or a number as the
// JSON had it.
type FlowValue struct {
	Text   string
	Number bool
}

// DefaultAlwaysTimeout is how long an Always step has at least: the time
// it gets once the flow's deadline has passed or the run was interrupted.
const DefaultAlwaysTimeout = 2 * time.Second

// FlowStepDetail is the name of a step's sub-check:
// "step:NAME", stable across runs for state tracking.
func FlowStepDetail(name string) string { return "step:" + name }

// flowRun is the state of one run of a flow.
type flowRun struct {
	cfg     FlowConfig
	r       *Result
	values  map[string]FlowValue
	show    map[string]bool
	jar     *CookieJar
	stopped string   // why the steps that are not Always are skipped: "step orders failed"
	skipped []string // the names of skipped steps
}

// Flow runs the flow once.
func Flow(ctx context.Context, cfg FlowConfig) Result {
	start := time.Now()
	r := Result{Kind: "FLOW", Target: cfg.Name}
	if cfg.Redactor == nil {
		cfg.Redactor = redact.New()
	}
	f := &flowRun{cfg: cfg, r: &r, values: map[string]FlowValue{}, show: map[string]bool{}, jar: NewCookieJar()}
	for _, name := range cfg.Show {
		f.show[name] = true
	}
	var interruptedAt string
	for _, st := range cfg.Steps {
		if st.Always {
			f.runAlways(ctx, st)
			continue
		}
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			f.stop("the flow's deadline passed")
			f.skip(st, cfg.TimeoutState, fmt.Sprintf("the flow's deadline (%s) had passed", cfg.Timeout))
			continue
		case f.stopped != "":
			f.skip(st, nagios.Unknown, "after "+f.stopped)
			continue
		case ctx.Err() != nil:
			f.stop("the run was interrupted")
			interruptedAt = "before step " + st.Name
			f.skip(st, nagios.Unknown, interruption(ctx))
			continue
		}
		if f.missing(st) {
			continue
		}
		sctx, cancel := ctx, context.CancelFunc(func() {})
		budget := cfg.Timeout
		if st.Timeout > 0 {
			if dl, ok := ctx.Deadline(); !ok || time.Now().Add(st.Timeout).Before(dl) {
				sctx, cancel = context.WithTimeout(ctx, st.Timeout)
				budget = st.Timeout
			}
		}
		f.run(sctx, st, budget)
		cancel()
	}
	r.Duration = time.Since(start)
	perf := append([]nagios.Perfdata{TimePerf("time", r.Duration, nagios.Thresholds{})}, r.Perfdata...)
	r.Perfdata = perf
	f.summarise(ctx, interruptedAt)
	r.TidyPerf()
	return r
}

// interruption says what interrupted the run: "interrupted (terminated
// signal received)".
func interruption(ctx context.Context) string {
	if cause := context.Cause(ctx); cause != nil && cause != context.Canceled { //nolint:errorlint // identity wanted
		return "interrupted (" + SanitizeLine(cause.Error(), 60) + ")"
	}
	return "interrupted"
}

// interrupted reports whether ctx was cancelled other than by its deadline.
func interrupted(ctx context.Context) bool {
	return ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded)
}

// stop keeps the steps that are not Always from running, for the first
// reason given.
func (f *flowRun) stop(why string) {
	if f.stopped == "" {
		f.stopped = why
	}
}

// skip lists a step that does not run.
func (f *flowRun) skip(st FlowStep, state nagios.State, why string) {
	f.skipped = append(f.skipped, st.Name)
	f.r.Add(FlowStepDetail(st.Name), state, "step "+st.Name+": skipped, "+why)
}

// missing skips a step that needs a value no step extracted, and says which.
func (f *flowRun) missing(st FlowStep) bool {
	var lack []string
	for _, n := range st.Needs {
		if _, ok := f.values[n]; !ok {
			lack = append(lack, n)
		}
	}
	if len(lack) == 0 {
		return false
	}
	word := "value"
	if len(lack) > 1 {
		word = "values"
	}
	f.skip(st, nagios.Unknown, fmt.Sprintf("it needs the %s %s, which no step extracted", word, strings.Join(lack, ", ")))
	if !st.Always {
		f.stop("step " + st.Name + " was skipped")
	}
	return true
}

// runAlways runs a cleanup step: after a failure too, on a context that
// neither the flow's deadline nor a signal cuts short before the step's
// own time is up.
func (f *flowRun) runAlways(ctx context.Context, st FlowStep) {
	if f.missing(st) {
		return
	}
	own := st.Timeout
	if own <= 0 {
		own = DefaultAlwaysTimeout
	}
	sctx, cancel, budget := alwaysContext(ctx, own)
	defer cancel()
	f.run(sctx, st, budget)
}

// alwaysContext is the context of an Always step: the flow's deadline,
// but at least own from now, and not cancelled by a signal until own has
// passed since it came. It returns the time the step has.
func alwaysContext(ctx context.Context, own time.Duration) (context.Context, context.CancelFunc, time.Duration) {
	deadline := time.Now().Add(own)
	if dl, ok := ctx.Deadline(); ok && ctx.Err() == nil && dl.After(deadline) {
		deadline = dl
	}
	budget := time.Until(deadline)
	base, cancelDeadline := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	sctx, cancelCause := context.WithCancelCause(base)
	var mu sync.Mutex
	var timer *time.Timer
	stop := context.AfterFunc(ctx, func() {
		if !interrupted(ctx) {
			return // the flow's deadline: the step's own is later
		}
		mu.Lock()
		defer mu.Unlock()
		timer = time.AfterFunc(own, func() { cancelCause(context.Cause(ctx)) })
	})
	return sctx, func() {
		stop()
		mu.Lock()
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancelCause(nil)
		cancelDeadline()
	}, budget
}

// extraction is what a step read from its answer.
type extraction struct {
	mu     sync.Mutex
	done   bool
	failed []Detail // one per value not read, UNKNOWN
	got    []string // the names read, in order
}

// Assert reports the values that could not be read, as sub-checks of the
// step: it runs as the step's last body assertion.
func (e *extraction) Assert(_ context.Context, _ *Exchange, r *Result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, d := range e.failed {
		r.Add(d.Name, d.State, d.Text)
	}
}

// run runs one step under sctx: its check built from the values so far,
// sharing the flow's cookie jar, reading its values as soon as its answer
// is in.
func (f *flowRun) run(sctx context.Context, st FlowStep, budget time.Duration) {
	if f.cfg.Verbose > 0 && f.cfg.Log != nil {
		f.cfg.Log("* step %s", st.Name)
	}
	hc, err := st.Check(f.values)
	if err != nil {
		f.r.Add(FlowStepDetail(st.Name), nagios.Unknown, "step "+st.Name+": "+SanitizeLine(err.Error(), 200))
		f.stop("step " + st.Name + " failed")
		return
	}
	ext := &extraction{}
	hc.Client.Jar = f.jar
	hc.OwnCredentials = true // a flow logs in with its own steps
	if hc.Client.Redactor == nil {
		hc.Client.Redactor = f.cfg.Redactor
	}
	hc.Client.Timeout, hc.Client.TimeoutState = budget, f.cfg.TimeoutState
	// the values are read as soon as the answer is in, the secret ones
	// joining the redactor before anything of the answer is logged or
	// judged
	hc.Client.Issued = func(ex *Exchange) []string { return f.extract(sctx, st, ex, ext) }
	hc.Assertions = append(slices.Clip(hc.Assertions), ext)
	res := HTTP(sctx, hc)
	ext.mu.Lock()
	complete := ext.done && len(ext.failed) == 0
	got := slices.Clone(ext.got)
	ext.mu.Unlock()
	for _, p := range res.Perfdata {
		p.Label = nagios.SafeLabel(st.Name + "_" + p.Label)
		f.r.AddPerf(p)
	}
	if !slices.ContainsFunc(res.Perfdata, func(p nagios.Perfdata) bool { return p.Label == "time" }) {
		f.r.AddPerf(TimePerf(st.Name+"_time", res.Duration, nagios.Thresholds{}))
	}
	text := "step " + st.Name + ": " + res.Summary
	if len(got) > 0 && res.State == nagios.OK {
		text += "; extracted " + f.describe(got)
	}
	f.r.Add(FlowStepDetail(st.Name), res.State, text)
	if res.State == nagios.Critical || res.State == nagios.Unknown || (len(st.Extract) > 0 && !complete) {
		f.stop("step " + st.Name + " failed")
	}
}

// describe lists extracted values: a shown one with its value.
func (f *flowRun) describe(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n
		if f.show[n] {
			out[i] = n + "=" + Quote(f.values[n].Text, 60)
		}
	}
	return strings.Join(out, ", ")
}

// extract reads a step's values from its answer, and returns the secret
// ones in every form a later request sends them in, for the redactor.
func (f *flowRun) extract(ctx context.Context, st FlowStep, ex *Exchange, ext *extraction) (secrets []string) {
	ext.mu.Lock()
	defer ext.mu.Unlock()
	ext.done = true
	if len(st.Extract) == 0 {
		return nil
	}
	failAll := func(why string) {
		for _, x := range st.Extract {
			ext.failed = append(ext.failed, Detail{Name: "extract:" + x.Name, State: nagios.Unknown, Text: "extract " + x.Name + ": " + why})
		}
	}
	if ex.Truncated {
		failAll(fmt.Sprintf("body cut at %s by --max-body, not read as JSON", FormatBytes(int64(len(ex.Body)))))
		return nil
	}
	doc, err := DecodeJSONContext(ctx, ex.Body)
	switch {
	case err != nil && ctx.Err() != nil:
		why := "the deadline passed"
		if interrupted(ctx) {
			why = interruption(ctx)
		}
		failAll("not read: " + why)
		return nil
	case err != nil:
		failAll("body is " + err.Error())
		return nil
	}
	doc = jqsafe.Numbers(doc)
	for _, x := range st.Extract {
		q := "jq " + quoteExpr(x.Expr)
		out := (&JQAssertion{}).eval(ctx, x.Code, doc)
		why := ""
		switch {
		case out.stopped:
			why = q + " " + out.why
		case out.err != nil:
			why = fmt.Sprintf("%s failed: %s", q, jqErrorText(out.err))
		case out.n == 0:
			why = q + " yielded nothing"
		case out.n > 1:
			why = q + " yielded several values, want one"
		}
		var v FlowValue
		if why == "" && out.value == nil {
			why = q + " is null: the element is absent"
		} else if why == "" {
			var not string
			if v, not = flowValue(out.value); not != "" {
				why = fmt.Sprintf("%s is %s, not a string or number", q, not)
			}
		}
		if why != "" {
			ext.failed = append(ext.failed, Detail{Name: "extract:" + x.Name, State: nagios.Unknown, Text: "extract " + x.Name + ": " + why})
			continue
		}
		if !f.show[x.Name] {
			secrets = append(secrets, v.Text, FlowURLEscape(v.Text))
		}
		f.values[x.Name] = v
		ext.got = append(ext.got, x.Name)
	}
	return secrets
}

// FlowURLEscape percent-encodes a value for any part of a URL: every
// byte but the unreserved ones (RFC 3986), so it is the same in a path
// and in a query.
func FlowURLEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// flowValue turns what a jq expression yielded into a value: a string's
// text or a number as the JSON wrote it; else it says what it was.
func flowValue(v any) (FlowValue, string) {
	switch v := v.(type) {
	case string:
		if v == "" {
			return FlowValue{}, "an empty string"
		}
		return FlowValue{Text: v}, ""
	case json.Number:
		return FlowValue{Text: v.String(), Number: true}, ""
	case int:
		return FlowValue{Text: strconv.Itoa(v), Number: true}, ""
	case *big.Int:
		return FlowValue{Text: v.String(), Number: true}, ""
	case float64:
		t, ok := valueText(v)
		if !ok || t == "null" { // NaN or an infinity
			return FlowValue{}, "not a finite number"
		}
		return FlowValue{Text: t, Number: true}, ""
	case bool:
		return FlowValue{}, strconv.FormatBool(v)
	case map[string]any:
		return FlowValue{}, "an object"
	case []any:
		return FlowValue{}, "an array"
	}
	return FlowValue{}, fmt.Sprintf("a %T", v)
}

// summarise sets the flow's summary: the failing steps, worst first, then
// the skipped ones; or how many steps passed and how long it took. A run
// that a signal interrupted is UNKNOWN, whatever the steps gave.
func (f *flowRun) summarise(ctx context.Context, interruptedAt string) {
	r := f.r
	took := FormatSeconds(r.Duration)
	var problems []Detail
	for _, d := range r.Details {
		if d.State != nagios.OK && !slices.Contains(f.skipped, strings.TrimPrefix(d.Name, "step:")) {
			problems = append(problems, d)
		}
	}
	cut := func(d Detail) bool { return strings.Contains(d.Text, ": interrupted") }
	if interrupted(ctx) {
		r.State = nagios.Unknown
	}
	// worst first, the step a signal cut short before all
	slices.SortStableFunc(problems, func(a, b Detail) int {
		switch {
		case interrupted(ctx) && cut(a) != cut(b):
			if cut(a) {
				return -1
			}
			return 1
		case a.State.Worse(b.State):
			return -1
		case b.State.Worse(a.State):
			return 1
		}
		return 0
	})
	var parts []string
	for _, d := range problems {
		parts = append(parts, d.Text)
	}
	if interruptedAt != "" && len(parts) == 0 {
		parts = append(parts, interruption(ctx)+" "+interruptedAt)
	}
	if len(f.skipped) > 0 {
		parts = append(parts, "skipped: "+strings.Join(f.skipped, ", "))
	}
	if len(parts) == 0 {
		r.Summary = fmt.Sprintf("%s OK, %s", plural(int64(len(f.cfg.Steps)), "step"), took)
		return
	}
	r.Summary = strings.Join(parts, "; ")
}
