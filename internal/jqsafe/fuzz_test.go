package jqsafe

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/itchyny/gojq"
)

// FuzzSameRegex: on any pattern, flags and text, the regular-expression
// builtins give what gojq's give.
func FuzzSameRegex(f *testing.F) {
	for _, s := range [][3]string{
		{"a", "g", "banana"}, {"", "g", "abc"}, {"a*", "g", "baaac"}, {`\b`, "g", "ab cd"}, {"^", "g", "a\nb"},
		{"(?m)^", "g", "a\nb"}, {"(a)|(b)", "g", "abc"}, {"x*", "g", "é\xffx"}, {"(?<n>.)", "gi", "AbC"},
		{"$", "g", "ab"}, {`\B`, "g", "abc d"}, {"a|", "g", "aab"}, {".", "m", "\n"}, {"[^a]*", "g", "baab"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	exprs := []string{
		`[match($re; $flags)]`, `[splits($re; $flags)]`, `test($re; $flags)`, `gsub($re; "<\(.)>"; $flags)`,
		`[sub($re; "-", "+"; $flags)]`, `[scan($re; $flags)]`, `[capture($re; $flags)]`, `_match($re; $flags; false)`,
	}
	type pair struct {
		plain *gojq.Code
		safe  *Program
	}
	var compiled []pair
	for _, e := range exprs {
		q, err := gojq.Parse(e)
		if err != nil {
			f.Fatal(err)
		}
		c, err := gojq.Compile(q, gojq.WithVariables([]string{"$re", "$flags"}))
		if err != nil {
			f.Fatal(err)
		}
		// jqsafe has no variables: bind them in the expression
		p, err := Compile(`.[1] as $re | .[2] as $flags | .[0] | ` + e)
		if err != nil {
			f.Fatal(err)
		}
		compiled = append(compiled, pair{c, p})
	}
	f.Fuzz(func(t *testing.T, re, flags, text string) {
		if len(re) > 100 || len(text) > 1000 || len(flags) > 3 {
			return
		}
		if _, err := regexp.Compile(re); err != nil {
			return // gojq and jqsafe both refuse it; the texts are compared in TestSameAsGojq
		}
		for i, c := range compiled {
			want := show(c.plain.Run(text, re, flags))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			out, err := c.safe.Run(ctx, []any{text, re, flags}, 0)
			cancel()
			vals := append([]any(nil), out...)
			if err != nil {
				vals = append(vals, err)
			}
			if got := show(gojq.NewIter(vals...)); got != want {
				t.Errorf("%s with re %q flags %q on %q:\n got: %s\nwant: %s", exprs[i], re, flags, text, got, want)
			}
		}
	})
}
