package nagios

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseState(f *testing.F) {
	for _, s := range []string{"ok", "WARNING", " crit ", "3", "4", "", "unknown\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseState(s)
		if st < OK || st > Unknown || st.ExitCode() != int(st) {
			t.Fatalf("%q: state %d", s, st)
		}
		if err == nil {
			if back, err := ParseState(st.String()); err != nil || back != st {
				t.Fatalf("%q: %s does not parse back", s, st)
			}
		}
	})
}

// FuzzPerfdataString: whatever the label and unit, one item renders on one
// line as one field of the perfdata section.
func FuzzPerfdataString(f *testing.F) {
	for _, s := range []string{"time", "a b", "it's=1", "x;y|z", "", "\n", "\xff"} {
		f.Add(s, "s", 1.5)
	}
	f.Fuzz(func(t *testing.T, label, uom string, v float64) {
		s := Perfdata{Label: label, UOM: uom, Value: v}.String()
		if strings.ContainsAny(s, "\r\n") || !strings.Contains(s, "=") {
			t.Fatalf("%q %q: %q", label, uom, s)
		}
		if utf8.ValidString(label) && !utf8.ValidString(s) {
			t.Fatalf("%q: %q is not UTF-8", label, s)
		}
		if strings.Contains(s, "|") && !strings.HasPrefix(s, "'") {
			t.Fatalf("%q: an unquoted pipe in %q", label, s)
		}
	})
}
