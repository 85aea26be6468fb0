package nagios

import (
	"fmt"
	"math"
	"strings"
)

// Perfdata is one performance-data item:
// 'label'=value[UOM];[warn];[crit];[min];[max]
type Perfdata struct {
	Label string
	Value float64
	UOM   string
	Warn  *Range
	Crit  *Range
	Min   *float64
	Max   *float64
}

var validUOM = map[string]bool{"": true, "s": true, "ms": true, "us": true, "%": true,
	"B": true, "KB": true, "MB": true, "TB": true, "c": true}

// Validate checks the item against the plugin guidelines.
func (p Perfdata) Validate() error {
	switch {
	case p.Label == "":
		return fmt.Errorf("perfdata: empty label")
	case strings.ContainsAny(p.Label, "'="):
		return fmt.Errorf("perfdata %q: label may not contain ' or =", p.Label)
	case !validUOM[p.UOM]:
		return fmt.Errorf("perfdata %q: invalid unit %q", p.Label, p.UOM)
	case math.IsNaN(p.Value) || math.IsInf(p.Value, 0):
		return fmt.Errorf("perfdata %q: value is not a finite number", p.Label)
	case !Plain(p.Value):
		return fmt.Errorf("perfdata %q: value %s is too large to write without an exponent", p.Label, FormatFloat(p.Value))
	}
	return nil
}

// Float returns a pointer to v, for Min and Max.
func Float(v float64) *float64 { return &v }

// SafeLabel turns any text into a valid perfdata label.
func SafeLabel(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\'' || r == '=':
			return '_'
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
	if s == "" {
		return "value"
	}
	return s
}

// String renders the item. An invalid item is rendered with a sanitised label
// and unit so that one bad value never breaks a plugin's whole perfdata.
func (p Perfdata) String() string {
	label := SafeLabel(p.Label)
	if strings.ContainsAny(label, " \t;|") {
		label = "'" + label + "'"
	}
	uom := p.UOM
	if !validUOM[uom] {
		uom = ""
	}
	v := "U" // the guidelines' "value cannot be determined"
	if Plain(p.Value) {
		v = FormatFloat(p.Value)
	}
	fields := []string{label + "=" + v + uom, rangeString(p.Warn), rangeString(p.Crit), floatString(p.Min), floatString(p.Max)}
	// drop trailing empty fields
	n := len(fields)
	for n > 1 && fields[n-1] == "" {
		n--
	}
	return strings.Join(fields[:n], ";")
}

func rangeString(r *Range) string {
	if r == nil {
		return ""
	}
	return r.String()
}

func floatString(f *float64) string {
	if f == nil || !Plain(*f) {
		return ""
	}
	return FormatFloat(*f)
}
