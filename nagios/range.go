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

// FormatFloat renders a number without exponent, as perfdata requires.
func FormatFloat(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}
