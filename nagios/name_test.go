package nagios

import (
	"strings"
	"testing"
)

// Before: --name 'web|forged=1;;;;' and name: "a|b=1" in a batch file gave
// Nagios forged perfdata on line 1, and ESC, BEL or U+2028 in a name
// reached the output.
func TestCheckName(t *testing.T) {
	for _, name := range []string{"web", "edge1.example.com", "Bob's site (prod)", "köln-1", "東京", "a:b/c@d;e=f", strings.Repeat("x", 200)} {
		if err := CheckName(name); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	for name, want := range map[string]string{
		"":                       "a check name may not be empty",
		strings.Repeat("x", 201): "a check name may be at most 200 bytes long, not 201",
		"web|forged=1;;;;":       "a check name may not hold the vertical bar U+007C, which starts the perfdata of a plugin line",
		`a"b`:                    "a check name may not hold quotes or backslashes",
		`a\b`:                    "a check name may not hold quotes or backslashes",
		"a\nb":                   "a check name may not hold the control character U+000A",
		"a\tb":                   "a check name may not hold the control character U+0009",
		"a\x1b[31mb":             "a check name may not hold the control character U+001B",
		"a\ab":                   "a check name may not hold the control character U+0007",
		"a\x7fb":                 "a check name may not hold the control character U+007F",
		"a\u0085b":               "a check name may not hold the control character U+0085",
		"a\u2028b":               "a check name may not hold the line separator U+2028",
		"a\u2029b":               "a check name may not hold the paragraph separator U+2029",
		"ok\u202eKO":             "a check name may not hold the invisible formatting character U+202E",
		"a\u200bb":               "a check name may not hold the invisible formatting character U+200B",
		"\ufeffa":                "a check name may not hold the invisible formatting character U+FEFF",
		"a\xffb":                 "a check name must be UTF-8 text",
	} {
		if err := CheckName(name); err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %q", name, err, want)
		}
	}
}

func FuzzCheckName(f *testing.F) {
	f.Add("web")
	f.Add("web|x")
	f.Add("a\u2028b")
	f.Fuzz(func(t *testing.T, name string) {
		if CheckName(name) != nil {
			return
		}
		if strings.ContainsAny(name, "|\r\n\x1b\u2028\u2029\u202e") || len(name) > MaxNameLen || name == "" {
			t.Fatalf("accepted %q", name)
		}
	})
}
