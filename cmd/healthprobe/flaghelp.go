package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/healthprobe/healthprobe/nagios"
)

// Help shows a command's flags in groups, and completion offers the values
// of every enumerated flag. Both read what the flags say about themselves:
// the shared adders (addClientFlags, addJQFlags, the global flags) put
// their flags in a group as they define them, and a flag whose value
// lists its choices (an enum, a state) completes with them, so a new
// kind's flags fall into place without a list to keep.

// Flag groups, in the order help and man pages show them after the
// command's own flags (which have no group).
const (
	groupRequest    = "Request"
	groupContent    = "Status and content"
	groupThresholds = "Thresholds and perfdata"
	groupConnection = "Connection"
	groupTLS        = "TLS"
	groupAuth       = "Authentication"
	groupJQ         = "jq assertions"
	groupOutput     = "Output"
	groupNotify     = "State and notifications"
)

var flagGroups = []string{groupRequest, groupContent, groupThresholds, groupConnection, groupTLS, groupAuth, groupJQ, groupOutput, groupNotify}

// groupKey is the flag annotation that names a flag's group; globalKey
// marks the global flags (deadline, output, state and notify), which no
// check's identity and no contrib definition counts as its own.
const (
	groupKey  = "healthprobe_group"
	globalKey = "healthprobe_global"
)

// inGroup puts the flags define adds to fs in group, but those a nested
// inGroup put in one already.
func inGroup(fs *pflag.FlagSet, group string, define func()) {
	for _, f := range added(fs, define) {
		if flagGroup(f) == "" {
			setAnnotation(f, groupKey, group)
		}
	}
}

// asGlobal marks the flags define adds to fs as global ones.
func asGlobal(fs *pflag.FlagSet, define func()) {
	for _, f := range added(fs, define) {
		setAnnotation(f, globalKey, "true")
	}
}

// added calls define and returns the flags it added to fs. The flags are
// visited in the order they were defined (pflag sorts them on every visit
// after a change, a single check's start-up cost of a few hundred
// allocations otherwise): the new ones are those past the old count.
func added(fs *pflag.FlagSet, define func()) []*pflag.Flag {
	sorted := fs.SortFlags
	fs.SortFlags = false
	defer func() { fs.SortFlags = sorted }()
	n := 0
	fs.VisitAll(func(*pflag.Flag) { n++ })
	define()
	var out []*pflag.Flag
	i := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if i >= n {
			out = append(out, f)
		}
		i++
	})
	return out
}

func setAnnotation(f *pflag.Flag, key, value string) {
	if f.Annotations == nil {
		f.Annotations = map[string][]string{}
	}
	f.Annotations[key] = []string{value}
}

func flagGroup(f *pflag.Flag) string {
	if v := f.Annotations[groupKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// isGlobalFlag reports whether f is one of the global flags.
func isGlobalFlag(f *pflag.Flag) bool { return len(f.Annotations[globalKey]) > 0 }

// Which global flags a command takes.
type globalSet int

const (
	withDeadline    globalSet = 1 << iota // -t, --timeout-state
	withOutput                            // --output, --color, -v
	withColor                             // --color alone (demo)
	withState                             // --state-dir, --name, --attempts, --fail-after, --remind-every
	withSinks                             // --notify, --notify-config, --push, --icinga2-host, --icinga2-service
	withBatchOutput                       // --output takes prometheus too (run)
	withTimeout                           // -t alone (notify verify, which reads stdin under it)
)

// addGlobalFlags adds the global flags a command takes to its own flags,
// bound to f: a check takes all of them, man and completion none.
func addGlobalFlags(fs *pflag.FlagSet, f *globalFlags, which globalSet) {
	asGlobal(fs, func() {
		switch {
		case which&withDeadline != 0:
			inGroup(fs, groupConnection, func() { addDeadlineFlags(fs, f) })
		case which&withTimeout != 0:
			inGroup(fs, groupConnection, func() { addTimeoutFlag(fs, f, "deadline for the whole command (10 or 10s)") })
		}
		inGroup(fs, groupOutput, func() {
			if which&withOutput != 0 {
				formats := outputFormats
				if which&withBatchOutput != 0 {
					formats = append(slices.Clone(formats), "prometheus")
				}
				addEnum(fs, &f.output, "output", "format", formats, "output format")
			}
			if which&(withOutput|withColor) != 0 {
				addEnum(fs, &f.color, "color", "when", []string{"auto", "always", "never"}, "colour the state: auto (on a terminal), always or never; NO_COLOR is honoured")
			}
			if which&withOutput != 0 {
				fs.CountVarP(&f.verbose, "verbose", "v", "more detail on stderr (repeat up to -vvv); secrets are never shown")
			}
		})
		inGroup(fs, groupNotify, func() {
			if which&withState != 0 {
				addStateFlags(fs, &f.notify)
			}
			if which&withSinks != 0 {
				addSinkFlags(fs, &f.notify)
			}
		})
	})
}

// outputFormats are --output's values for one check; run adds prometheus.
var outputFormats = []string{"nagios", "json"}

// enumValue is a string flag whose value is one of a few words. It checks
// nothing itself (each command says what is wrong with a value, in its own
// words); it shows its choices in help and offers them to completion.
type enumValue struct {
	p       *string
	word    string // what help calls the value: "mode"
	choices []string
}

func (v *enumValue) Set(s string) error { *v.p = s; return nil }
func (v *enumValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}
func (v *enumValue) Type() string      { return v.word }
func (v *enumValue) Choices() []string { return v.choices }

// addEnum adds an enumerated string flag whose default is what *p holds;
// word is what help calls its value, and its usage lists the choices
// (they are added when it does not).
func addEnum(fs *pflag.FlagSet, p *string, name, word string, choices []string, usage string) *pflag.Flag {
	for _, c := range choices {
		if !strings.Contains(usage, c) {
			usage += ": " + orList(choices)
			break
		}
	}
	fs.Var(&enumValue{p: p, word: word, choices: choices}, name, usage)
	return fs.Lookup(name)
}

// orList writes "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// choicer is a flag value that lists the values it takes.
type choicer interface{ Choices() []string }

// flagChoices returns the values an enumerated flag takes, nil for another.
func flagChoices(f *pflag.Flag) []string {
	if c, ok := f.Value.(choicer); ok {
		return c.Choices()
	}
	return nil
}

// completeChoices registers the completion of every enumerated flag of c
// and its subcommands with its values.
func completeChoices(c *cobra.Command) {
	c.Flags().VisitAll(func(f *pflag.Flag) {
		choices := flagChoices(f)
		if choices == nil {
			return
		}
		if _, ok := c.GetFlagCompletionFunc(f.Name); ok {
			return
		}
		_ = c.RegisterFlagCompletionFunc(f.Name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return choices, cobra.ShellCompDirectiveNoFileComp
		})
	})
	for _, sub := range c.Commands() {
		completeChoices(sub)
	}
}

// writeUsage is every command's usage (its --help after the description):
// cobra's, with the flags in their groups and the global flags among them
// (a command shows only the global flags it takes).
func writeUsage(w io.Writer, c *cobra.Command) {
	fmt.Fprintf(w, "Usage:\n")
	if c.Runnable() {
		fmt.Fprintf(w, "  %s\n", c.UseLine())
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "  %s [command]\n", c.CommandPath())
	}
	if c.HasExample() {
		fmt.Fprintf(w, "\nExamples:\n%s\n", c.Example)
	}
	if c.HasAvailableSubCommands() {
		groups := c.Groups()
		if len(groups) == 0 {
			groups = []*cobra.Group{{Title: "Available Commands:"}}
		}
		for _, g := range groups {
			fmt.Fprintf(w, "\n%s\n", g.Title)
			for _, sub := range c.Commands() {
				if (sub.IsAvailableCommand() || sub.Name() == "help") && sub.GroupID == g.ID {
					fmt.Fprintf(w, "  %-*s %s\n", c.NamePadding(), sub.Name(), sub.Short)
				}
			}
		}
	}
	for _, g := range groupedFlags(c) {
		title := "Flags"
		if g.name != "" {
			title = g.name + " flags"
		}
		fmt.Fprintf(w, "\n%s:\n%s", title, flagUsages(g.flags))
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\nUse \"%s [command] --help\" for more information about a command.\n", c.CommandPath())
	}
}

// flagSection is a group of a command's flags, for help and man pages.
type flagSection struct {
	name  string // "" for the command's own flags
	flags *pflag.FlagSet
}

// groupedFlags returns the visible flags of c in their groups: its own
// (no group) first, then flagGroups' order; --help comes last among its
// own.
func groupedFlags(c *cobra.Command) []flagSection {
	sets := map[string]*pflag.FlagSet{}
	var help *pflag.Flag
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if f.Name == "help" { // with the output flags, else with the command's own
			help = f
			return
		}
		g := flagGroup(f)
		if sets[g] == nil {
			sets[g] = pflag.NewFlagSet(g, pflag.ContinueOnError)
			sets[g].SortFlags = c.Flags().SortFlags
		}
		sets[g].AddFlag(f)
	})
	if help != nil {
		g := groupOutput
		if sets[g] == nil {
			g = ""
		}
		if sets[g] == nil {
			sets[g] = pflag.NewFlagSet(g, pflag.ContinueOnError)
		}
		sets[g].AddFlag(help)
	}
	var out []flagSection
	for _, g := range append([]string{""}, flagGroups...) {
		if s := sets[g]; s != nil && s.HasAvailableFlags() {
			out = append(out, flagSection{g, s})
		}
	}
	var others []string // a group flagGroups does not list: after the rest, by name
	for g := range sets {
		if !slices.Contains(flagGroups, g) && g != "" {
			others = append(others, g)
		}
	}
	slices.Sort(others)
	for _, g := range others {
		out = append(out, flagSection{g, sets[g]})
	}
	return out
}

// stateChoices are the values of a state flag, as typed.
var stateChoices = []string{"ok", "warning", "critical", "unknown"}

// stateValue is a state flag: its help shows the choices and its default
// as typed (critical), its value stays the state's name (CRITICAL), which
// check identities and batch dry runs hold.
type stateValue struct{ p *nagios.State }

func (v stateValue) Set(s string) error { return v.p.Set(s) }
func (v stateValue) String() string {
	if v.p == nil {
		return ""
	}
	return v.p.String()
}
func (v stateValue) Type() string      { return "state" }
func (v stateValue) Choices() []string { return stateChoices }

// addState adds a state flag whose default is what *p holds.
func addState(fs *pflag.FlagSet, p *nagios.State, name, usage string) {
	fs.Var(stateValue{p}, name, usage+": ok, warning, critical or unknown")
	f := fs.Lookup(name)
	f.DefValue = strings.ToLower(f.DefValue)
}

// flagDefault is a flag's default as help and man pages show it, written
// one way whatever the flag's type: unquoted, a list without brackets; ""
// when there is none to show.
func flagDefault(f *pflag.Flag) string {
	d := f.DefValue
	switch {
	case d == "" || d == "false" || d == "0" || d == "[]" || d == "<nil>" || d == "0s":
		return ""
	case strings.HasPrefix(d, "[") && strings.HasSuffix(d, "]"):
		return strings.TrimSuffix(strings.TrimPrefix(d, "["), "]")
	}
	return d
}

// flagUsages lays out a set of flags as pflag does ("  -s, --keyword
// stringArray   usage"), with the defaults of flagDefault.
func flagUsages(fs *pflag.FlagSet) string {
	type row struct{ left, usage string }
	var rows []row
	width := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		varname, usage := pflag.UnquoteUsage(f)
		left := "      --" + f.Name
		if f.Shorthand != "" {
			left = "  -" + f.Shorthand + ", --" + f.Name
		}
		if varname != "" && f.Value.Type() != "count" {
			left += " " + varname
		}
		if d := flagDefault(f); d != "" {
			usage += " (default " + d + ")"
		}
		rows = append(rows, row{left, usage})
		width = max(width, len(left))
	})
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s   %s\n", width, r.left, strings.ReplaceAll(r.usage, "\n", "\n"+strings.Repeat(" ", width+3)))
	}
	return b.String()
}
