package nagios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Range is a Monitoring Plugins threshold range, [@]start:end.
//
//	10      alert outside 0..10
//	10:     alert below 10
//	~:10    alert above 10
//	10:20   alert outside 10..20
//	@10:20  alert inside 10..20 (endpoints included)
type Range struct {
	Start, End float64 // -Inf / +Inf for an open end
	Inside     bool    // '@': alert when the value is inside
	raw        string
}

// ParseRange parses the threshold syntax above. An empty string is an error:
// callers treat "no threshold" as a nil *Range.
func ParseRange(s string) (Range, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return Range{}, fmt.Errorf("invalid range %q: empty", orig)
	}
	r := Range{Start: 0, End: math.Inf(1), raw: s}
	if strings.HasPrefix(s, "@") {
		r.Inside = true
		s = s[1:]
	}
	startStr, endStr, hasColon := strings.Cut(s, ":")
	if startStr == "" && endStr == "" {
		return Range{}, fmt.Errorf("invalid range %q: no start and no end", orig)
	}
	if !hasColon {
		// "10" means 0..10
		endStr, startStr = startStr, ""
	}
	switch startStr {
	case "~":
		r.Start = math.Inf(-1)
	case "":
		r.Start = 0
	default:
		v, err := parseNumber(startStr)
		if err != nil {
			return Range{}, fmt.Errorf("invalid range %q: start %q is not a number", orig, startStr)
		}
		r.Start = v
	}
	if endStr == "" {
		if !hasColon {
			return Range{}, fmt.Errorf("invalid range %q: no end", orig)
		}
		r.End = math.Inf(1)
	} else {
		v, err := parseNumber(endStr)
		if err != nil {
			return Range{}, fmt.Errorf("invalid range %q: end %q is not a number", orig, endStr)
		}
		r.End = v
	}
	if r.Start > r.End {
		return Range{}, fmt.Errorf("invalid range %q: start is greater than end", orig)
	}
	return r, nil
}

// parseNumber accepts plain decimal numbers only: no hex, no "Inf", no "NaN",
// no exponent, so that a threshold means what it looks like.
func parseNumber(s string) (float64, error) {
	if s == "" || strings.ContainsAny(s, "xXeEnNiIpP_") {
		return 0, fmt.Errorf("not a number")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("not a number")
	}
	return v, nil
}

// Alert reports whether v lies where the range raises an alert.
func (r Range) Alert(v float64) bool {
	if math.IsNaN(v) {
		return true
	}
	in := v >= r.Start && v <= r.End
	if r.Inside {
		return in
	}
	return !in
}

// String returns the range as it was given (trimmed), which is also how it
// goes into perfdata.
func (r Range) String() string {
	if r.raw != "" {
		return r.raw
	}
	var b strings.Builder
	if r.Inside {
		b.WriteByte('@')
	}
	switch {
	case math.IsInf(r.Start, -1):
		b.WriteString("~:")
	case r.Start != 0:
		b.WriteString(FormatFloat(r.Start) + ":")
	}
	if !math.IsInf(r.End, 1) {
		b.WriteString(FormatFloat(r.End))
	} else if r.Start == 0 {
		b.WriteString("0:")
	}
	return b.String()
}

// Set implements pflag.Value for a *Range held in a flag.
func (r *Range) Set(s string) error {
	v, err := ParseRange(s)
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Type implements pflag.Value.
func (r *Range) Type() string { return "range" }

// Thresholds pairs an optional warning and critical range.
type Thresholds struct {
	Warn, Crit *Range
}

// Evaluate returns CRITICAL if the critical range alerts, else WARNING if the
// warning range alerts, else OK.
func (t Thresholds) Evaluate(v float64) State {
	if t.Crit != nil && t.Crit.Alert(v) {
		return Critical
	}
	if t.Warn != nil && t.Warn.Alert(v) {
		return Warning
	}
	return OK
}

// MaxPlain bounds the numbers FormatFloat writes without an exponent: a
// perfdata value this large (a jq value of 1e300, say) is written "U", as
// the guidelines allow no scientific notation and 301 digits help no one.
const MaxPlain = 1e21

// maxDecimals cuts what is below any measurement perfdata carries.
const maxDecimals = 12

// FormatFloat renders a number without exponent, as perfdata requires, with
// at most 12 decimals; a number of MaxPlain or more (which perfdata writes
// "U") keeps its exponent, for messages.
func FormatFloat(v float64) string {
	if math.Abs(v) >= MaxPlain {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > maxDecimals {
		s = strings.TrimRight(strings.TrimRight(strconv.FormatFloat(v, 'f', maxDecimals, 64), "0"), ".")
		if s == "-0" {
			s = "0"
		}
	}
	return s
}

// Plain reports whether perfdata can carry v as a plain number.
func Plain(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && math.Abs(v) < MaxPlain
}

// Crossed says, for a message, why v alerts in this range, named after the
// threshold it stands for (warning, critical): "above the warning threshold
// 0.5", "below the critical threshold 10", "inside the warning range
// @0:1". unit follows each number ("s", "%"; "" for none). A value the
// range does not alert on gets "within the warning range 10".
func (r Range) Crossed(v float64, name, unit string) string {
	num := func(f float64) string {
		s := FormatFloat(f)
		if unit == "%" || unit == "" {
			return s + unit
		}
		return s + " " + unit
	}
	switch {
	case !r.Alert(v):
		return fmt.Sprintf("within the %s range %s", name, r)
	case r.Inside:
		return fmt.Sprintf("inside the %s range %s", name, r)
	case v > r.End:
		return fmt.Sprintf("above the %s threshold %s", name, num(r.End))
	case v < r.Start:
		return fmt.Sprintf("below the %s threshold %s", name, num(r.Start))
	}
	return fmt.Sprintf("outside the %s range %s", name, r) // NaN
}

// Judge evaluates v as Evaluate does and says why it alerts (Crossed), ""
// when it is OK.
func (t Thresholds) Judge(v float64, unit string) (State, string) {
	switch st := t.Evaluate(v); st {
	case Critical:
		return st, t.Crit.Crossed(v, "critical", unit)
	case Warning:
		return st, t.Warn.Crossed(v, "warning", unit)
	default:
		return st, ""
	}
}
