package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/healthprobe/healthprobe/config"
	"github.com/healthprobe/healthprobe/probe"
	"github.com/healthprobe/healthprobe/redact"
)

// In a batch file, jq: and the jq value keys (jq-warning: ...) become the
// same --jq flags, in the same order, as on the command line: each jq: item
// is --jq EXPR followed by its own value flags; the value keys beside jq:
// bind to its one expression. jqGroups then pairs them as it does for flags.

// jqBlock is what one level of a batch file (a check, or the defaults) says
// about jq: its expressions, each with its own value flags, and the value
// keys given beside jq:.
type jqBlock struct {
	has      bool        // jq: is given
	defaults bool        // the defaults' block
	exprs    [][]jqItem  // per expression: --jq first, then its value flags
	lines    []int       // per expression: the line of its item
	values   []optionRef // jq-warning: etc. beside jq:
}

// optionRef is a key given beside jq:, and where.
type optionRef struct {
	config.Option
	defaults bool // from defaults:
}

// lineError is a batch error at a line of a check or of the defaults; in
// gives it the batch's wording.
type lineError struct {
	line     int
	defaults bool
	err      error
}

// in places the error in the batch's style: under the defaults (check ""),
// or under a check, at its line or at the defaults' line it came from.
func (e *lineError) in(check string) error {
	switch {
	case check == "":
		return fmt.Errorf("defaults: line %d: %w", e.line, e.err)
	case e.defaults:
		return fmt.Errorf("check %q: defaults line %d: %w", check, e.line, e.err)
	}
	return fmt.Errorf("check %q (line %d): %w", check, e.line, e.err)
}

// isJQKey reports whether a batch key is jq: or a value key that binds to a
// jq expression; those are set by jqBatchItems, not one by one.
func isJQKey(key string) bool {
	return slices.ContainsFunc(jqPositional, func(f struct{ name, usage string }) bool { return f.name == key })
}

// jqItemKeys are the keys of a jq: mapping: expr, and the value flags
// without their jq- prefix.
func jqItemKeys() []string {
	keys := []string{"expr"}
	for _, f := range jqPositional[1:] {
		keys = append(keys, strings.TrimPrefix(f.name, "jq-"))
	}
	return keys
}

// readJQBlock reads the jq keys of one level; the other keys are left alone.
func readJQBlock(opts []config.Option, defaults bool) (jqBlock, *lineError) {
	b := jqBlock{defaults: defaults}
	for _, o := range opts {
		switch {
		case o.Key == "jq":
			b.has = true
			for i, it := range o.Items {
				expr, err := jqExpr(it, i+1)
				if err != nil {
					return jqBlock{}, &lineError{line: err.line, defaults: defaults, err: err.err}
				}
				b.exprs = append(b.exprs, expr)
				b.lines = append(b.lines, it.Line)
			}
		case isJQKey(o.Key):
			if o.List {
				return jqBlock{}, &lineError{line: o.Line, defaults: defaults,
					err: fmt.Errorf("key %q takes one value, not a list: to give each jq expression its own, write them in its jq: item", o.Key)}
			}
			if err := applyJQItem(&probe.JQSpec{}, jqItem{o.Key, o.Values[0]}); err != nil {
				return jqBlock{}, &lineError{line: o.Line, defaults: defaults, err: fmt.Errorf("key %q: %w", o.Key, err)}
			}
			b.values = append(b.values, optionRef{Option: o, defaults: defaults})
		}
	}
	return b, nil
}

// jqExpr turns one jq: item into --jq and its value flags, in the item's
// order: a plain value is an expression alone, a mapping has expr and
// value keys. Each value is parsed here too, only to name the key that is
// wrong; the command parses it again when it pairs the flags.
func jqExpr(it config.Item, n int) ([]jqItem, *lineError) {
	if it.Fields == nil {
		return []jqItem{{"jq", it.Value}}, nil
	}
	i := slices.IndexFunc(it.Fields, func(f config.Option) bool { return f.Key == "expr" })
	if i < 0 {
		return nil, &lineError{line: it.Line, err: fmt.Errorf("jq item %d has no expr: write {expr: EXPR, critical: RANGE, ...}", n)}
	}
	out := []jqItem{{"jq", it.Fields[i].Values[0]}}
	for _, f := range it.Fields {
		switch {
		case f.Key == "expr":
		case slices.Contains(jqItemKeys()[1:], f.Key):
			flag := jqItem{"jq-" + f.Key, f.Values[0]}
			if err := applyJQItem(&probe.JQSpec{}, flag); err != nil {
				return nil, &lineError{line: f.Line, err: fmt.Errorf("jq item %d: key %q: %w", n, f.Key, err)}
			}
			out = append(out, flag)
		default:
			return nil, &lineError{line: f.Line, err: fmt.Errorf("jq item %d: unknown key %q%s", n, f.Key, jqKeyHint(f.Key))}
		}
	}
	return out, nil
}

// jqKeyHint helps with a key a jq: mapping does not take.
func jqKeyHint(key string) string {
	want := " (want " + strings.Join(jqItemKeys(), ", ") + ")"
	switch short := strings.TrimPrefix(key, "jq-"); {
	case short != key && slices.Contains(jqItemKeys()[1:], short):
		return ": write it without jq-, as " + short
	case short == "missing-state":
		return ": it applies to every expression of the check, so it goes beside jq:, as jq-missing-state"
	case key == "invalid-json-state":
		return ": it applies to every expression of the check, so it goes beside jq:"
	}
	return want
}

// jqBatchItems resolves the jq flags of a check, in command-line order. A
// check with jq: of its own takes its own block; a check without takes the
// defaults' (jq: with the value keys beside it), its own value keys
// overriding the defaults' one by one.
func jqBatchItems(check, defaults jqBlock) ([]jqItem, *lineError) {
	b := check
	if !check.has {
		b = defaults
		for _, v := range check.values {
			b.values = slices.DeleteFunc(slices.Clone(b.values), func(d optionRef) bool { return d.Key == v.Key })
			b.values = append(b.values, v)
		}
	}
	return bindJQ(b)
}

// bindJQ appends the value keys beside jq: to its one expression.
func bindJQ(b jqBlock) ([]jqItem, *lineError) {
	where := ""
	if b.defaults {
		where = "the defaults' "
	}
	for _, v := range b.values {
		short := strings.TrimPrefix(v.Key, "jq-")
		for i, e := range b.exprs {
			if slices.ContainsFunc(e[1:], func(it jqItem) bool { return it.flag == v.Key }) {
				return nil, &lineError{line: v.Line, defaults: v.defaults,
					err: fmt.Errorf("key %q is also given in %sjq item %d (line %d): give it once, in the item", v.Key, where, i+1, b.lines[i])}
			}
		}
		switch {
		case !b.has:
			return nil, &lineError{line: v.Line, defaults: v.defaults,
				err: fmt.Errorf("key %q has no jq: expression to bind to: give jq: beside it", v.Key)}
		case len(b.exprs) > 1:
			return nil, &lineError{line: v.Line, defaults: v.defaults,
				err: fmt.Errorf("key %q cannot say which of the %d jq expressions it belongs to: give it in the jq: item, as {expr: EXPR, %s: %s}", v.Key, len(b.exprs), short, probe.SanitizeLine(v.Values[0], 40))}
		}
	}
	var out []jqItem
	for i, e := range b.exprs {
		out = append(out, e...)
		if i == 0 {
			for _, v := range b.values {
				out = append(out, jqItem{v.Key, v.Values[0]})
			}
		}
	}
	return out, nil
}

// planJQ sets a check's jq flags in command-line order, so that the
// command binds them as it binds flags, and returns them.
func planJQ(set func(flag, value string) error, c config.Check, defaults jqBlock) ([]jqItem, error) {
	own, lerr := readJQBlock(c.Options, false)
	if lerr != nil {
		return nil, lerr.in(c.Name)
	}
	items, lerr := jqBatchItems(own, defaults)
	if lerr != nil {
		return nil, lerr.in(c.Name)
	}
	for _, it := range items {
		if err := set(it.flag, it.value); err != nil {
			return nil, fmt.Errorf("check %q (line %d): %w", c.Name, c.Line, err)
		}
	}
	return items, nil
}

// printJQPairs shows, under a check's command line in --dry-run, each jq
// expression with the value flags bound to it.
func printJQPairs(w io.Writer, red *redact.Redactor, p plannedCheck) {
	groups, err := jqGroups(p.shown.jq)
	if err != nil {
		return // refused when the check was built
	}
	for _, g := range groups {
		line := "    \\_ jq " + shellJoin([]string{g[0].value})
		for i, it := range g[1:] {
			sep := " "
			if i == 0 {
				sep = ": "
			}
			line += sep + strings.TrimPrefix(it.flag, "jq-") + "=" + shellJoin([]string{it.value})
		}
		fmt.Fprintln(w, red.String(line))
	}
}
