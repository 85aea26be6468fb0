package main

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/spf13/cobra"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
)

// jqFlags are the jq assertion flags. --jq starts an assertion; the value
// flags after it (--jq-warning, --jq-critical, --jq-label, --jq-equals,
// --jq-regex, --jq-state) bind to the --jq before them on the command line.
// pflag keeps no order across flags, so they all append to one ordered list
// through jqArg.
type jqFlags struct {
	items        []jqItem
	missingState nagios.State
	invalidState nagios.State
}

// jqItem is one jq flag occurrence, in command-line order.
type jqItem struct{ flag, value string }

// jqArg is the pflag.Value every positional jq flag shares.
type jqArg struct {
	flag  string
	items *[]jqItem
}

func (a *jqArg) Set(s string) error {
	*a.items = append(*a.items, jqItem{a.flag, s})
	return nil
}
func (a *jqArg) String() string { return "" }

// Choices are --jq-state's states, for completion; none for the others.
func (a *jqArg) Choices() []string {
	if a.flag == "jq-state" {
		return stateChoices
	}
	return nil
}
func (a *jqArg) Type() string {
	switch a.flag {
	case "jq-warning", "jq-critical":
		return "range"
	case "jq-state":
		return "state"
	}
	return "string"
}

// jqPositional are the flags that keep their command-line order: --jq and
// the value flags that bind to the --jq before them.
var jqPositional = []struct{ name, usage string }{
	{"jq", "jq expression run on the JSON body: one sub-check each (repeatable); the --jq-* flags after it apply to it"},
	{"jq-warning", "WARNING range for the number the --jq before it yields (e.g. 100, 10:, @1:5)"},
	{"jq-critical", "CRITICAL range for the number the --jq before it yields"},
	{"jq-label", "perfdata label for the number the --jq before it yields (default derived from the expression)"},
	{"jq-equals", "the --jq before it must yield this value: a string's text, or JSON (3, true, null)"},
	{"jq-regex", "the --jq before it must yield a value matching this regular expression"},
	{"jq-state", "state when the --jq before it yields false or fails --jq-equals/--jq-regex (default critical)"},
}

func addJQFlags(cmd *cobra.Command, o *jqFlags) {
	fs := cmd.Flags()
	o.missingState, o.invalidState = nagios.Unknown, nagios.Unknown
	inGroup(fs, groupJQ, func() {
		for _, f := range jqPositional {
			fs.Var(&jqArg{flag: f.name, items: &o.items}, f.name, f.usage)
		}
		addState(fs, &o.missingState, "jq-missing-state", "state when a --jq yields nothing, null, several values or an error")
		addState(fs, &o.invalidState, "invalid-json-state", "state when --jq is given and the body is not JSON, or was cut by --max-body")
	})
}

// build compiles the expressions; nil when no --jq was given.
func (o *jqFlags) build() ([]probe.BodyAssertion, error) {
	specs, err := o.specs()
	if err != nil || len(specs) == 0 {
		return nil, err
	}
	a, err := probe.NewJQAssertion(specs, o.missingState, o.invalidState)
	if err != nil {
		return nil, fmt.Errorf("--jq: %w", err)
	}
	return []probe.BodyAssertion{a}, nil
}

// jqGroups splits the jq flags into one group per --jq: the expression
// first, then the value flags after it. It is the one place where a value
// flag is bound to its expression (a batch file's jq: items become the same
// flags in the same order).
func jqGroups(items []jqItem) ([][]jqItem, error) {
	var groups [][]jqItem
	for _, it := range items {
		if it.flag == "jq" {
			groups = append(groups, []jqItem{it})
			continue
		}
		if len(groups) == 0 {
			return nil, fmt.Errorf("--%s %q comes before any --jq: put it after the --jq it applies to", it.flag, probe.SanitizeLine(it.value, 40))
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], it)
	}
	return groups, nil
}

// specs pairs each value flag with the --jq before it.
func (o *jqFlags) specs() ([]probe.JQSpec, error) {
	groups, err := jqGroups(o.items)
	if err != nil {
		return nil, err
	}
	specs := make([]probe.JQSpec, 0, len(groups))
	for _, g := range groups {
		s := probe.JQSpec{Expr: g[0].value}
		set := map[string]bool{}
		for _, it := range g[1:] {
			if set[it.flag] {
				return nil, fmt.Errorf("--%s given twice for --jq %s", it.flag, probe.SanitizeLine(s.Expr, 60))
			}
			set[it.flag] = true
			if err := applyJQItem(&s, it); err != nil {
				return nil, fmt.Errorf("--%s for --jq %s: %w", it.flag, probe.SanitizeLine(s.Expr, 60), err)
			}
		}
		specs = append(specs, s)
	}
	return specs, nil
}

func applyJQItem(s *probe.JQSpec, it jqItem) error {
	switch it.flag {
	case "jq-warning", "jq-critical":
		r, err := nagios.ParseRange(it.value)
		if err != nil {
			return err
		}
		if it.flag == "jq-warning" {
			s.Thresholds.Warn = &r
		} else {
			s.Thresholds.Crit = &r
		}
	case "jq-label":
		if it.value == "" {
			return errors.New("empty label")
		}
		s.Label = it.value
	case "jq-equals":
		v := it.value
		s.Equals = &v
	case "jq-regex":
		re, err := regexp.Compile(it.value)
		if err != nil {
			return err
		}
		s.Regex = re
	case "jq-state":
		st, err := nagios.ParseState(it.value)
		if err != nil {
			return err
		}
		s.FailState = &st
	}
	return nil
}
