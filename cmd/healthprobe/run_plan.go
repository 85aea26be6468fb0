package main

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/healthprobe/healthprobe/config"
	"github.com/healthprobe/healthprobe/notify"
)

// plannedCheck is a check of the file that was built once, so that its
// every key is known good, and is built again when its turn comes to run:
// a built check holds its whole config (a KiB or more), its entry a few
// hundred bytes, and a batch holds every check until it runs.
type plannedCheck struct {
	entry config.Check
	shown *shownCheck // with --dry-run
}

// shownCheck is what --dry-run shows of a check.
type shownCheck struct {
	argv []string // its command line
	jq   []jqItem // its jq flags in order
}

// builtCheck is a check ready to run.
type builtCheck struct {
	name, kind string
	ce         *checkEnv
	fn         checkFunc
	tracker    *notify.Tracker // nil: no state kept
	identity   string
	argv       []string // with dryRun
	jq         []jqItem // with dryRun
}

// planner turns the entries of a batch file into checks, exactly as each
// kind's command would from flags: every key is set on that command's flag
// set, and the command builds the check. The flags are the one schema of a
// batch entry; what is shared is built once: each kind's command (with its
// flag set) is built on first use and reused for every check of its kind
// (kindTemplate). A planner is for one goroutine at a time: each worker of
// a run has its own (fork).
type planner struct {
	f          *globalFlags // the run's own flags: the base of every check's
	rs         *runState
	cliTimeout bool            // -t was given on the command line: it wins over the defaults' timeout
	dryRun     bool            // keep each check's command line
	base       *globalFlags    // the run's deadline and notify flags, shared by the checks that keep them; nil when state is kept
	templates  []*kindTemplate // built on first use
	defaults   []config.Option
	defaultJQ  jqBlock
	dir        string // the batch file's directory, which paths in it are relative to
}

// fork returns a planner with the same settings and commands of its own.
func (pl *planner) fork() *planner {
	c := *pl
	c.templates = nil
	return &c
}

// template returns the reused command of a kind.
func (pl *planner) template(kind string) (*kindTemplate, bool) {
	if i := slices.IndexFunc(pl.templates, func(t *kindTemplate) bool { return t.kind.name == kind }); i >= 0 {
		return pl.templates[i], true
	}
	k, ok := findKind(kind)
	if !ok {
		return nil, false
	}
	t := newKindTemplate(k)
	pl.templates = append(pl.templates, t)
	return t, true
}

// kindTemplate is one kind's command built for a batch, with its flag set
// and the deadline and notify flags; reset puts it back as it was built.
type kindTemplate struct {
	kind     *kind
	cc       checkCommand
	flags    *globalFlags // the values of the deadline and notify flags
	opts     reflect.Value
	pristine reflect.Value // a copy of *opts as built: every flag at its default
	byName   map[string]*pflag.Flag
	global   map[*pflag.Flag]bool // the deadline and notify flags
	changed  []*pflag.Flag        // the flags the check being planned set
}

func newKindTemplate(k *kind) *kindTemplate {
	cc := k.command()
	t := &kindTemplate{kind: k, cc: cc, flags: &globalFlags{}, byName: map[string]*pflag.Flag{}, global: map[*pflag.Flag]bool{}}
	fs := cc.cmd.Flags()
	fs.VisitAll(func(f *pflag.Flag) { t.byName[f.Name] = f })
	addDeadlineFlags(fs, t.flags)
	addNotifyFlags(fs, &t.flags.notify)
	fs.VisitAll(func(f *pflag.Flag) {
		if t.byName[f.Name] == nil {
			t.byName[f.Name], t.global[f] = f, true
		}
	})
	t.opts = reflect.ValueOf(cc.opts).Elem()
	t.pristine = reflect.New(t.opts.Type()).Elem()
	t.pristine.Set(t.opts)
	return t
}

// reset puts every flag back to its default, and the deadline and notify
// flags to the run's values.
func (t *kindTemplate) reset(run *globalFlags) {
	t.opts.Set(t.pristine)
	*t.flags = checkFlags(run)
	for _, f := range t.changed {
		f.Changed = false
	}
	t.changed = t.changed[:0]
}

// checkFlags are the global flag values a check of the batch starts from:
// the run's.
func checkFlags(run *globalFlags) globalFlags {
	return globalFlags{timeout: run.timeout, timeoutState: run.timeoutState, verbose: run.verbose,
		output: run.output, color: run.color, notify: run.notify.clone()}
}

// set sets a key's values on its flag, as the command line would.
func (t *kindTemplate) set(key string, values []string) error {
	f := t.byName[key]
	if f == nil {
		return fmt.Errorf("unknown key %q for kind %s", key, t.kind.name)
	}
	if len(values) > 1 && !repeatable(f) {
		return fmt.Errorf("key %q takes one value, not a list", key)
	}
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		// pflag's list values append once they were set: start from none,
		// as a fresh command line does (its default never shows through)
		if err := sv.Replace(nil); err != nil {
			return err
		}
	}
	for _, v := range values {
		if err := f.Value.Set(v); err != nil {
			return fmt.Errorf("key %q: %w", key, valueError(v, err))
		}
	}
	if !f.Changed {
		f.Changed = true
		t.changed = append(t.changed, f)
	}
	return nil
}

// newPlanner validates the file's defaults and returns a planner of its
// checks.
func newPlanner(file *config.File, f *globalFlags, rs *runState, cliTimeout, dryRun bool) (*planner, error) {
	pl := &planner{f: f, rs: rs, cliTimeout: cliTimeout, dryRun: dryRun, defaults: file.Defaults, dir: file.Dir}
	if !f.notify.enabled() {
		// a check with state has its own name in its flags: only checks
		// without may share the run's values
		base := checkFlags(f)
		pl.base = &base
	}
	// a default key must mean something to the batch or to some kind
	for _, d := range file.Defaults {
		if !slices.Contains(runKeys, d.Key) && !pl.knownKey(d.Key) {
			return nil, fmt.Errorf("defaults: line %d: unknown key %q", d.Line, d.Key)
		}
	}
	var lerr *lineError
	pl.defaultJQ, lerr = readJQBlock(file.Defaults, true)
	if lerr == nil {
		_, lerr = bindJQ(pl.defaultJQ)
	}
	if lerr != nil {
		return nil, lerr.in("")
	}
	return pl, nil
}

// planChecks validates every check of the file: each is built once, and
// kept as its entry (see plannedCheck).
func planChecks(file *config.File, pl *planner) ([]plannedCheck, error) {
	plan := make([]plannedCheck, 0, len(file.Checks))
	for _, c := range file.Checks {
		b, err := pl.build(c)
		if err != nil {
			return nil, err
		}
		p := plannedCheck{entry: c}
		if pl.dryRun {
			p.shown = &shownCheck{argv: b.argv, jq: b.jq}
		}
		plan = append(plan, p)
	}
	return plan, nil
}

// knownKey reports whether some kind takes the key, as a flag or as its
// argument (name aside: a check's name is its own).
func (pl *planner) knownKey(key string) bool {
	if key == "name" {
		return false
	}
	for _, k := range kinds {
		if t, _ := pl.template(k.name); t.byName[key] != nil || t.cc.arg == key {
			return true
		}
	}
	return false
}

// build builds one check.
func (pl *planner) build(c config.Check) (builtCheck, error) {
	t, ok := pl.template(c.Kind)
	if !ok {
		return builtCheck{}, fmt.Errorf("check %q (line %d): unknown kind %q (want %s)", c.Name, c.Line, c.Kind, strings.Join(kindNames(), ", "))
	}
	t.reset(pl.f)
	p := builtCheck{name: c.Name, kind: c.Kind}
	if t.cc.entry != nil {
		// the keys of the kind that are no flags (a flow's file: or
		// steps:), taken out of c before the others are set
		shown, err := t.cc.entry(&c, pl.dir)
		if err != nil {
			return p, fmt.Errorf("check %q (line %d): %w", c.Name, c.Line, err)
		}
		if pl.dryRun {
			p.argv = shown
		}
	}
	set := func(o config.Option) error {
		if err := t.set(o.Key, o.Values); err != nil {
			return err
		}
		if pl.dryRun {
			for _, v := range o.Values {
				p.argv = append(p.argv, "--"+o.Key+"="+v)
			}
		}
		return nil
	}
	given := func(key string) bool {
		return slices.ContainsFunc(c.Options, func(o config.Option) bool { return o.Key == key })
	}
	hasJQ := t.byName["jq"] != nil
	var positional []string
	for _, d := range pl.defaults {
		if given(d.Key) || slices.Contains(runKeys, d.Key) || isJQKey(d.Key) || (d.Key == "timeout" && pl.cliTimeout) {
			continue
		}
		if t.cc.arg != "" && d.Key == t.cc.arg {
			// the command's argument (url, node, host), for the checks
			// that do not give their own
			if d.List {
				return p, fmt.Errorf("check %q: defaults line %d: %s takes one value", c.Name, d.Line, d.Key)
			}
			positional = append(positional, d.Values[0])
			continue
		}
		if t.byName[d.Key] == nil {
			continue
		}
		if err := set(d); err != nil {
			return p, fmt.Errorf("check %q: defaults line %d: %w", c.Name, d.Line, err)
		}
	}
	for _, o := range c.Options {
		switch {
		case t.cc.arg != "" && o.Key == t.cc.arg:
			if o.List {
				return p, fmt.Errorf("check %q (line %d): %s takes one value", c.Name, o.Line, o.Key)
			}
			positional = append(positional, o.Values[0])
		case isJQKey(o.Key) && hasJQ:
			// below, in their order
		default:
			if err := set(o); err != nil {
				return p, fmt.Errorf("check %q (line %d): %w", c.Name, o.Line, err)
			}
		}
	}
	if hasJQ {
		jq, err := planJQ(func(flag, value string) error { return t.set(flag, []string{value}) }, c, pl.defaultJQ)
		if err != nil {
			return p, err
		}
		if pl.dryRun {
			p.jq = jq
			for _, it := range jq {
				p.argv = append(p.argv, "--"+it.flag+"="+it.value)
			}
		}
	}
	if t.cc.arg != "" && len(positional) == 0 {
		return p, fmt.Errorf("check %q (line %d): missing key %q", c.Name, c.Line, t.cc.arg)
	}
	if pl.dryRun {
		p.argv = append(positional, p.argv...)
	}
	// the check's own copy of the deadline and notify flags, which the
	// next check's keys do not change; the checks that keep the run's
	// values share one copy
	own := pl.base
	if own == nil || slices.ContainsFunc(t.changed, func(f *pflag.Flag) bool { return t.global[f] }) {
		own = &globalFlags{}
		*own = *t.flags
		own.notify = t.flags.notify.clone()
	}
	p.ce = pl.rs.checkEnv(own, c.Name)
	fn, err := t.cc.build(p.ce, positional)
	if err != nil {
		return p, fmt.Errorf("check %q (line %d): %w", c.Name, c.Line, err)
	}
	p.fn = fn
	if own.notify.enabled() { // never pl.base: see newPlanner
		// in a batch, a check's state is known by its name
		own.notify.name = c.Name
		if p.tracker, p.identity, err = p.ce.notifier(false, nil); err != nil {
			return p, fmt.Errorf("check %q (line %d): %w", c.Name, c.Line, err)
		}
	}
	return p, nil
}

// repeatable reports whether a flag takes several values.
func repeatable(f *pflag.Flag) bool {
	t := f.Value.Type()
	return strings.HasSuffix(t, "Array") || strings.HasSuffix(t, "Slice") || strings.HasPrefix(t, "repeat")
}

// checkEnv returns what one check of a batch runs with: its own flag
// values, the run itself (its environment and its one redactor: every
// check's output is redacted with the secrets of all checks in the file),
// and verbose lines prefixed with the check's name.
func (rs *runState) checkEnv(f *globalFlags, name string) *checkEnv {
	ce := &checkEnv{globalFlags: f, run: rs, stderr: rs.stderr}
	if name != "" {
		ce.stderr = &prefixWriter{w: rs.stderr, prefix: "[" + name + "] ", mu: &rs.logMu}
	}
	return ce
}
