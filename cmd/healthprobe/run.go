package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/healthprobe/healthprobe/internal/limitfile"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/healthprobe/healthprobe/config"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/notify"
	"github.com/healthprobe/healthprobe/output"
)

type runOptions struct {
	file        string
	concurrency int
	only        []string
	dryRun      bool
}

// runKeys are the defaults: keys that configure the batch itself rather
// than each check.
var runKeys = []string{"output", "concurrency"}

func newRunCmd(f *globalFlags, rs *runState) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run -c FILE",
		Short: "Run many checks from one config file, concurrently, in one process",
		Long: `run reads a YAML (or JSON) file with defaults: and checks:, validates every
check fully before anything runs, then runs them concurrently, each under its
own deadline. Each check takes the same options as the flags of its command,
with the same long names (url for the http URL, node for pexip, host for itgrix).
A jq: item may be a mapping that pairs an expression with its own value flags:
{expr: .db.latency_ms, warning: 50, critical: 200, label: db_ms}.
The exit code is the worst state.`,
		Example: `  healthprobe run -c /etc/healthprobe/checks.yaml
  healthprobe run -c checks.yaml --output prometheus > /var/lib/node_exporter/textfile/healthprobe.prom
  healthprobe run -c checks.yaml --only web --only pexip-node-1 --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd, f, rs) },
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.file, "config", "c", "", "the batch file (YAML or JSON)")
	fs.IntVar(&o.concurrency, "concurrency", 32, "run at most N checks at once")
	fs.StringArrayVar(&o.only, "only", nil, "run only the check with this name (repeatable)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "validate and print the resolved checks (secrets redacted) without running them")
	return cmd
}

// plannedCheck is a validated check ready to run.
type plannedCheck struct {
	name, kind string
	ce         *checkEnv
	fn         checkFunc
	argv       []string
	tracker    *notify.Tracker // nil: no state kept
	identity   string
	jq         []jqItem // the jq flags, in order
}

func (o *runOptions) run(cmd *cobra.Command, f *globalFlags, rs *runState) error {
	if o.file == "" {
		return fmt.Errorf("missing --config FILE: usage: %s", cmd.UseLine())
	}
	data, err := rs.commandEnv(f).readFile(o.file, config.MaxSize)
	if err != nil {
		return err
	}
	file, err := config.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", o.file, err)
	}
	file.Dir = filepath.Dir(o.file)
	format, conc, err := o.runSettings(cmd, f, file.Defaults)
	if err != nil {
		return fmt.Errorf("%s: defaults: %w", o.file, err)
	}
	plan, err := planChecks(file, f, rs, cmd.Flags().Changed("timeout"))
	if err != nil {
		return fmt.Errorf("%s: %w", o.file, err)
	}
	if plan, err = o.selectOnly(plan); err != nil {
		return err
	}
	if o.dryRun {
		for _, p := range plan {
			fmt.Fprintf(rs.stdout, "[%s] %s\n", p.name, rs.redactor.String(shellJoin(append([]string{"healthprobe", p.kind}, p.argv...))))
			printJQPairs(rs.stdout, rs.redactor, p)
		}
		return nil
	}
	colour, err := rs.useColor(f.color)
	if err != nil {
		return err
	}
	results := runPlanned(cmd.Context(), plan, conc)
	if err := output.WriteBatch(rs.stdout, results, output.Options{Format: format, Color: colour, Redactor: rs.redactor}); err != nil {
		return fmt.Errorf("writing the results: %w", err)
	}
	states := make([]nagios.State, len(results))
	for i, r := range results {
		states[i] = r.Result.State
	}
	rs.exitCode = nagios.Worst(states...).ExitCode()
	return nil
}

// runSettings reads the batch-level settings: the command line wins over
// the file's defaults.
func (o *runOptions) runSettings(cmd *cobra.Command, f *globalFlags, defaults []config.Option) (output.Format, int, error) {
	outName, conc := f.output, o.concurrency
	for _, d := range defaults {
		switch d.Key {
		case "output":
			if !cmd.Flags().Changed("output") {
				outName = d.Values[0]
			}
		case "concurrency":
			if !cmd.Flags().Changed("concurrency") {
				if _, err := fmt.Sscan(d.Values[0], &conc); err != nil {
					return "", 0, fmt.Errorf("line %d: concurrency %q is not a number", d.Line, d.Values[0])
				}
			}
		}
	}
	if conc < 1 || conc > 10000 {
		return "", 0, fmt.Errorf("concurrency must be 1 to 10000, not %d", conc)
	}
	format, err := output.ParseBatchFormat(outName)
	return format, conc, err
}

func (o *runOptions) selectOnly(plan []plannedCheck) ([]plannedCheck, error) {
	if len(o.only) == 0 {
		return plan, nil
	}
	var out []plannedCheck
	for _, name := range o.only {
		i := slices.IndexFunc(plan, func(p plannedCheck) bool { return p.name == name })
		if i < 0 {
			return nil, fmt.Errorf("--only %q: no check of that name in %s", name, o.file)
		}
		out = append(out, plan[i])
	}
	return out, nil
}

// planChecks validates every check of the file and builds it, exactly as
// its command would from flags: each key is set on that command's flag set.
func planChecks(file *config.File, f *globalFlags, rs *runState, cliTimeout bool) ([]plannedCheck, error) {
	// a default key must mean something to the batch or to some kind
	known := checkKeys()
	for _, d := range file.Defaults {
		if !slices.Contains(runKeys, d.Key) && !known[d.Key] {
			return nil, fmt.Errorf("defaults: line %d: unknown key %q", d.Line, d.Key)
		}
	}
	defaultJQ, lerr := readJQBlock(file.Defaults, true)
	if lerr == nil {
		_, lerr = bindJQ(defaultJQ)
	}
	if lerr != nil {
		return nil, lerr.in("")
	}
	plan := make([]plannedCheck, 0, len(file.Checks))
	for _, c := range file.Checks {
		k, ok := findKind(c.Kind)
		if !ok {
			return nil, fmt.Errorf("check %q (line %d): unknown kind %q (want %s)", c.Name, c.Line, c.Kind, strings.Join(kindNames(), ", "))
		}
		ce := rs.forCheck(f, c.Name)
		cc := k.command(ce)
		fs := cc.cmd.Flags()
		addDeadlineFlags(fs, ce.globalFlags)
		addNotifyFlags(fs, &ce.notify)
		ce.notify = f.notify.clone() // the run's own state and notify flags, which a key may override
		p := plannedCheck{name: c.Name, kind: c.Kind, ce: ce}
		if cc.entry != nil {
			shown, err := cc.entry(&c, file.Dir)
			if err != nil {
				return nil, fmt.Errorf("check %q: %w", c.Name, err)
			}
			p.argv = shown
		}
		set := func(o config.Option) error {
			f := fs.Lookup(o.Key)
			if f == nil {
				return fmt.Errorf("unknown key %q for kind %s", o.Key, c.Kind)
			}
			if len(o.Values) > 1 && !repeatable(f) {
				return fmt.Errorf("key %q takes one value, not a list", o.Key)
			}
			for _, v := range o.Values {
				if err := fs.Set(o.Key, v); err != nil {
					return fmt.Errorf("key %q: %w", o.Key, valueError(v, err))
				}
				p.argv = append(p.argv, "--"+o.Key+"="+v)
			}
			return nil
		}
		var positional []string
		given := map[string]bool{}
		for _, o := range c.Options {
			given[o.Key] = true
		}
		for _, d := range file.Defaults {
			if given[d.Key] || slices.Contains(runKeys, d.Key) || fs.Lookup(d.Key) == nil || isJQKey(d.Key) ||
				(d.Key == "timeout" && cliTimeout) {
				continue
			}
			if err := set(d); err != nil {
				return nil, fmt.Errorf("check %q: defaults line %d: %w", c.Name, d.Line, err)
			}
		}
		for _, o := range c.Options {
			if cc.arg != "" && o.Key == cc.arg {
				if o.List {
					return nil, fmt.Errorf("check %q (line %d): %s takes one value", c.Name, o.Line, o.Key)
				}
				positional = append(positional, o.Values[0])
				continue
			}
			if isJQKey(o.Key) && fs.Lookup("jq") != nil {
				continue // below, in their order
			}
			if err := set(o); err != nil {
				return nil, fmt.Errorf("check %q (line %d): %w", c.Name, o.Line, err)
			}
		}
		if fs.Lookup("jq") != nil {
			jq, err := planJQ(fs, c, defaultJQ, &p.argv)
			if err != nil {
				return nil, err
			}
			p.jq = jq
		}
		if cc.arg != "" && len(positional) == 0 {
			return nil, fmt.Errorf("check %q (line %d): missing key %q", c.Name, c.Line, cc.arg)
		}
		p.argv = append(positional, p.argv...)
		fn, err := cc.build(positional)
		if err != nil {
			return nil, fmt.Errorf("check %q (line %d): %w", c.Name, c.Line, err)
		}
		p.fn = fn
		if ce.notify.enabled() {
			// in a batch, a check's state is known by its name
			ce.notify.name = c.Name
			if p.tracker, p.identity, err = ce.notifier(false, nil); err != nil {
				return nil, fmt.Errorf("check %q (line %d): %w", c.Name, c.Line, err)
			}
		}
		plan = append(plan, p)
	}
	return plan, nil
}

// repeatable reports whether a flag takes several values.
func repeatable(f *pflag.Flag) bool {
	t := f.Value.Type()
	return strings.HasSuffix(t, "Array") || strings.HasSuffix(t, "Slice") || strings.HasPrefix(t, "repeat")
}

// forCheck returns what one check of a batch runs with: a copy of the
// run's global flag values (its keys may change them), the run itself (its
// environment and its one redactor: every check's output is redacted with
// the secrets of all checks in the file), and verbose lines prefixed with
// the check's name.
func (rs *runState) forCheck(f *globalFlags, name string) *checkEnv {
	own := &globalFlags{timeout: f.timeout, timeoutState: f.timeoutState, verbose: f.verbose, output: f.output, color: f.color}
	ce := &checkEnv{globalFlags: own, run: rs, stderr: rs.stderr}
	if name != "" {
		ce.stderr = &prefixWriter{w: rs.stderr, prefix: "[" + name + "] ", mu: &rs.logMu}
	}
	return ce
}

// runPlanned runs the checks with at most conc at once, each under its own
// deadline, and returns the results in the file's order.
func runPlanned(ctx context.Context, plan []plannedCheck, conc int) []output.Named {
	results := make([]output.Named, len(plan))
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i, p := range plan {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			end := p.ce.begin(ctx, p.tracker)
			defer end()
			res := p.ce.track(ctx, p.tracker, p.identity, p.ce.execute(ctx, p.kind, p.fn))
			results[i] = output.Named{Name: p.name, Kind: p.kind, Result: res}
		}()
	}
	wg.Wait()
	return results
}

// prefixWriter prefixes each write (one log line) with a check's name; the
// mutex keeps lines of concurrent checks whole.
type prefixWriter struct {
	w      io.Writer
	prefix string
	mu     *sync.Mutex
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.w, p.prefix); err != nil {
		return 0, err
	}
	return p.w.Write(b)
}

// readFile reads a file the command line names, capped at max bytes
// (internal/limitfile: a larger file is refused before it is read), within
// -t and the run's signals (a pipe's data may never come).
func (ce *checkEnv) readFile(path string, max int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ce.run.ctx, ce.timeout)
	defer cancel()
	return limitfile.Read(ctx, path, max)
}

// checkKeys is every key a check of some kind takes: its kind's flags, the
// deadline flags and the state and notify flags (but name, which a batch
// check has of its own). Each kind's command is built once.
func checkKeys() map[string]bool {
	keys := map[string]bool{}
	add := func(f *pflag.Flag) { keys[f.Name] = true }
	fs := pflag.NewFlagSet("", pflag.ContinueOnError)
	addDeadlineFlags(fs, defaultFlags())
	addNotifyFlags(fs, &notifyFlags{})
	fs.VisitAll(add)
	delete(keys, "name")
	// the commands are built only to read their flags: they never run
	rs := newRunState(env{getenv: func(string) string { return "" }})
	for _, k := range kinds {
		k.command(rs.commandEnv(defaultFlags())).cmd.Flags().VisitAll(add)
	}
	return keys
}
