package probe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/itchyny/gojq"

	"github.com/healthprobe/healthprobe/internal/jqsafe"
	"github.com/healthprobe/healthprobe/nagios"
)

// DefaultJQTimeout bounds the run of one jq expression, within what is
// left of the run's deadline.
const DefaultJQTimeout = time.Second

// JQSpec is one jq assertion as the user gave it.
type JQSpec struct {
	Expr string
	// FailState is the state of a failed assertion: false, or a value that
	// does not equal Equals or match Regex. nil means CRITICAL.
	FailState *nagios.State
	// Thresholds are compared with a number.
	Thresholds nagios.Thresholds
	// Label is the perfdata label of a number; empty derives one from Expr.
	Label string
	// Equals, when set, is the value expected: the text of a string, or the
	// JSON of any other value (3, true, null, [1,2]).
	Equals *string
	// Regex, when set, must match the value (the text of a string, the JSON
	// of anything else).
	Regex *regexp.Regexp
}

// JQAssertion runs compiled jq expressions on a JSON body. It is a
// BodyAssertion, so any HTTP-based probe can take it.
type JQAssertion struct {
	specs []jqCompiled
	// MissingState is the state of an expression that yields nothing,
	// null, several values or an error.
	MissingState nagios.State
	// InvalidJSONState is the state of a body that is not JSON or was cut
	// by the body cap.
	InvalidJSONState nagios.State
	// Timeout bounds each expression, within the run's deadline; 0 means
	// DefaultJQTimeout.
	Timeout time.Duration
}

type jqCompiled struct {
	JQSpec
	code  *jqsafe.Program
	label string
}

// eqCode is jq's own equality, so that 1 equals 1.0 and object key order
// does not matter. Compiled on first use: a check without --jq-equals
// never pays for it.
var eqCode = sync.OnceValue(func() *gojq.Code {
	return mustCompile("$a == $b", gojq.WithVariables([]string{"$a", "$b"}))
})

func mustCompile(src string, opts ...gojq.CompilerOption) *gojq.Code {
	q, err := gojq.Parse(src)
	if err != nil {
		panic(err)
	}
	c, err := gojq.Compile(q, opts...)
	if err != nil {
		panic(err)
	}
	return c
}

// JQSyntaxError is an expression that does not parse or compile.
type JQSyntaxError struct {
	Expr string
	Err  error
}

func (e *JQSyntaxError) Error() string {
	var perr *gojq.ParseError
	if errors.As(e.Err, &perr) {
		return fmt.Sprintf("invalid jq expression %s: %s after %d characters", quoteExpr(e.Expr), perr.Error(), perr.Offset)
	}
	return fmt.Sprintf("invalid jq expression %s: %s", quoteExpr(e.Expr), SanitizeLine(e.Err.Error(), 120))
}

func (e *JQSyntaxError) Unwrap() error { return e.Err }

// CompileJQ parses and compiles one expression, to run with bounded time
// and memory (internal/jqsafe).
func CompileJQ(expr string) (*jqsafe.Program, error) {
	code, err := jqsafe.Compile(expr)
	if err != nil {
		return nil, &JQSyntaxError{Expr: expr, Err: err}
	}
	return code, nil
}

// NewJQAssertion compiles every expression once. An expression that does
// not compile is a *JQSyntaxError naming it.
func NewJQAssertion(specs []JQSpec, missing, invalidJSON nagios.State) (*JQAssertion, error) {
	a := &JQAssertion{MissingState: missing, InvalidJSONState: invalidJSON}
	used := map[string]bool{}
	for _, s := range specs {
		code, err := CompileJQ(s.Expr)
		if err != nil {
			return nil, err
		}
		label := s.Label
		if label == "" {
			label = uniqueLabel(JQLabel(s.Expr), used)
		}
		used[label] = true
		a.specs = append(a.specs, jqCompiled{JQSpec: s, code: code, label: nagios.SafeLabel(label)})
	}
	return a, nil
}

var labelJunk = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9_.-]+`) })

// JQLabel derives a perfdata label from an expression:
// ".checks.db.latency_ms" gives "checks.db.latency_ms", ".items | length"
// gives "items_length".
func JQLabel(expr string) string {
	l := strings.Trim(labelJunk().ReplaceAllString(expr, "_"), "_.")
	if len(l) > 40 {
		l = strings.TrimRight(l[:40], "_.")
	}
	if l == "" {
		return "jq"
	}
	return nagios.SafeLabel(l)
}

func uniqueLabel(l string, used map[string]bool) string {
	if !used[l] {
		return l
	}
	for i := 2; ; i++ {
		if c := l + "_" + strconv.Itoa(i); !used[c] {
			return c
		}
	}
}

// Assert parses the body as JSON once and runs every expression on it,
// each within DefaultJQTimeout and what is left of ctx's deadline.
func (a *JQAssertion) Assert(ctx context.Context, ex *Exchange, r *Result) {
	if len(a.specs) == 0 {
		return
	}
	doc, err := DecodeJSONContext(ctx, ex.Body)
	switch {
	case err != nil && ctx.Err() != nil:
		// the run ended while the body was read: each expression says so
		for _, s := range a.specs {
			a.run(ctx, s, nil, r)
		}
		return
	case ex.Truncated:
		r.Add("jq", a.InvalidJSONState, fmt.Sprintf("jq: body cut at %s by --max-body, not checked as JSON", FormatBytes(int64(len(ex.Body)))))
		return
	case err != nil:
		r.Add("jq", a.InvalidJSONState, "jq: body is "+err.Error())
		return
	}
	doc = jqsafe.Numbers(doc)
	for _, s := range a.specs {
		a.run(ctx, s, doc, r)
	}
}

// jqOutcome is what one expression gave.
type jqOutcome struct {
	value any
	n     int   // 0, 1, or 2 for "several"
	err   error // the expression's own error
	// stopped: the evaluation was ended (its time, the run's deadline, a
	// signal, its memory or a builtin's limit); why says how.
	stopped bool
	state   *nagios.State // nil: the missing state
	why     string
}

func (a *JQAssertion) eval(ctx context.Context, code *jqsafe.Program, doc any) jqOutcome {
	limit := time.Now().Add(a.timeout())
	jctx, cancel := context.WithDeadline(ctx, limit)
	defer cancel()
	out, err := code.Run(jctx, doc, 2)
	// the run's deadline, when it comes first, is what stopped it (its
	// timer may not have fired yet: jqsafe watches the clock itself)
	runDeadline, hasDeadline := ctx.Deadline()
	runsFirst := hasDeadline && !runDeadline.After(limit)
	res := jqOutcome{n: len(out)}
	if len(out) > 0 {
		res.value = out[0]
	}
	if err == nil {
		return res
	}
	unknown := nagios.Unknown
	var mem *jqsafe.MemoryError
	var lim *jqsafe.LimitError
	switch {
	case ctx.Err() != nil && !errors.Is(context.Cause(ctx), context.DeadlineExceeded):
		return jqOutcome{stopped: true, state: &unknown, why: "interrupted (" + SanitizeLine(context.Cause(ctx).Error(), 80) + ")"}
	case ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded) && runsFirst:
		return jqOutcome{stopped: true, why: "stopped at the run's deadline (-t)"}
	case errors.Is(err, context.DeadlineExceeded):
		return jqOutcome{stopped: true, why: "did not finish within " + a.timeout().String()}
	case errors.As(err, &mem):
		return jqOutcome{stopped: true, state: &unknown, why: "stopped: " + mem.Error()}
	case errors.As(err, &lim):
		return jqOutcome{stopped: true, state: &unknown, why: "stopped: " + SanitizeLine(lim.Error(), 160)}
	}
	res.err = err
	return res
}

func (a *JQAssertion) run(ctx context.Context, s jqCompiled, doc any, r *Result) {
	name := "jq:" + s.Expr
	q := "jq " + quoteExpr(s.Expr)
	out := a.eval(ctx, s.code, doc)
	switch {
	case out.stopped:
		st := a.MissingState
		if out.state != nil {
			st = *out.state
		}
		r.Add(name, st, q+" "+out.why)
		return
	case out.err != nil:
		r.Add(name, a.MissingState, fmt.Sprintf("%s failed: %s", q, jqErrorText(out.err)))
		return
	case out.n == 0:
		r.Add(name, a.MissingState, q+" yielded nothing")
		return
	case out.n > 1:
		r.Add(name, a.MissingState, fmt.Sprintf("%s yielded several values (the first: %s), want one", q, showValue(out.value)))
		return
	}
	v := out.value
	failState := nagios.Critical
	if s.FailState != nil {
		failState = *s.FailState
	}
	num, isNum := gojq.ToFloat64(v)
	if isNum {
		r.AddPerf(nagios.Perfdata{Label: s.label, Value: num, Warn: s.Thresholds.Warn, Crit: s.Thresholds.Crit})
	}
	shown := q + " = " + showValue(v)
	switch {
	case s.Equals != nil || s.Regex != nil:
		st, text := s.compare(v, shown, failState, a.MissingState)
		if st == nagios.OK && isNum {
			st, text = s.threshold(num, text)
		}
		r.Add(name, st, text)
	case v == nil:
		r.Add(name, a.MissingState, q+" is null: the element is absent")
	case isNum:
		st, text := s.threshold(num, shown)
		r.Add(name, st, text)
	case s.Thresholds.Warn != nil || s.Thresholds.Crit != nil:
		r.Add(name, a.MissingState, fmt.Sprintf("%s, not a number to compare with the thresholds", shown))
	case v == true:
		r.Add(name, nagios.OK, q+" is true")
	case v == false:
		r.Add(name, failState, q+" is false")
	default:
		r.Add(name, nagios.OK, shown)
	}
}

func (a *JQAssertion) timeout() time.Duration {
	if a.Timeout <= 0 {
		return DefaultJQTimeout
	}
	return a.Timeout
}

// compare applies --jq-equals and --jq-regex.
func (s jqCompiled) compare(v any, shown string, fail, missing nagios.State) (nagios.State, string) {
	if s.Equals != nil {
		if !jqEquals(v, *s.Equals) {
			return fail, fmt.Sprintf("%s, want %s", shown, showWant(v, *s.Equals))
		}
	}
	if s.Regex != nil {
		re := Quote(s.Regex.String(), 60)
		text, ok := valueText(v)
		if !ok {
			return missing, fmt.Sprintf("%s, too large to match %s", shown, re)
		}
		if !s.Regex.MatchString(text) {
			return fail, fmt.Sprintf("%s, does not match %s", shown, re)
		}
		return nagios.OK, fmt.Sprintf("%s, matches %s", shown, re)
	}
	return nagios.OK, shown
}

// threshold compares a number with the ranges.
func (s jqCompiled) threshold(num float64, shown string) (nagios.State, string) {
	st, why := s.Thresholds.Judge(num, "")
	if st != nagios.OK {
		return st, shown + ", " + why
	}
	return st, shown
}

// jqEquals compares a value with the expected text: a string with the text
// itself, anything else with the text read as JSON, by jq's equality.
func jqEquals(v any, want string) bool {
	if s, ok := v.(string); ok {
		return s == want
	}
	w, err := DecodeJSON([]byte(want))
	if err != nil {
		return false
	}
	iter := eqCode().Run(nil, v, w)
	got, ok := iter.Next()
	return ok && got == true
}

func showWant(v any, want string) string {
	if _, ok := v.(string); ok {
		return Quote(want, 60)
	}
	return SanitizeLine(want, 60)
}

// maxValueText bounds the JSON text of a value matched by --jq-regex.
const maxValueText = 1 << 20

// valueText is a string's own text, or the JSON of anything else; false
// when that would be longer than maxValueText (an expression may yield a
// value made of one string shared a million times).
func valueText(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	return jqsafe.Encode(v, maxValueText)
}

// showValue renders a value for one line of output: a quoted string, or
// its JSON, cut short.
func showValue(v any) string {
	switch v := v.(type) {
	case string:
		return Quote(cut(v, 240), 60)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	if text, ok := jqsafe.Encode(v, 4<<10); ok {
		return SanitizeLine(text, 60)
	}
	return SanitizeLine(gojq.Preview(v), 60)
}

// valueLine is a value's text (a string's own, or JSON) on one line of at
// most n characters.
func valueLine(v any, n int) string {
	text, ok := valueText(v)
	if !ok {
		text = gojq.Preview(v)
	}
	return SanitizeLine(cut(text, 4*n), n)
}

// cut keeps the start of a long text before it is sanitised for one line
// (which reads it whole).
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// quoteExpr shows an expression on one line, in single quotes when it has
// spaces, as a user would type it.
func quoteExpr(expr string) string {
	s := SanitizeLine(expr, 80)
	if strings.Contains(s, " ") {
		return "'" + s + "'"
	}
	return s
}

// jqErrorText is an expression's error on one line. error(v) and
// halt_error(v) carry a value, which their Error encodes whole: it is
// previewed instead.
func jqErrorText(err error) string {
	var ve gojq.ValueError
	if errors.As(err, &ve) {
		if s, ok := ve.Value().(string); ok {
			return SanitizeLine("error: "+cut(s, 480), 120)
		}
		return SanitizeLine("error: "+gojq.Preview(ve.Value()), 120)
	}
	return SanitizeLine(cut(err.Error(), 480), 120)
}
