package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/healthprobe/healthprobe/config"
	"github.com/healthprobe/healthprobe/internal/limitfile"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/output"
	"github.com/healthprobe/healthprobe/probe"
)

type runOptions struct {
	file        string
	concurrency int
	only        []string
	dryRun      bool
	textfile    string
}

// runKeys are the defaults: keys that configure the batch itself rather
// than each check.
var runKeys = []string{"output", "concurrency"}

// maxConcurrency bounds --concurrency.
const maxConcurrency = 10000

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
${NAME} in a value is the environment variable NAME ($${ is a literal ${).

Line 1 is the summary (the worst state, the counts worst first), each check's
lines follow as long output, and the checks' perfdata, labelled CHECK::LABEL,
closes the output. The exit code is the worst state.`,
		Example: `  healthprobe run -c /etc/healthprobe/checks.yaml
  healthprobe run -c checks.yaml --textfile /var/lib/node_exporter/textfile/healthprobe.prom > /dev/null
  healthprobe run -c checks.yaml --only web --only pexip-node-1 --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd, f, rs) },
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.file, "config", "c", "", "the batch file (YAML or JSON)")
	fs.IntVar(&o.concurrency, "concurrency", 32, "run at most N checks at once (1 to 10000)")
	fs.StringArrayVar(&o.only, "only", nil, "run only the check with this name (repeatable)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "validate and print the resolved checks (secrets redacted) without running them")
	fs.StringVar(&o.textfile, "textfile", "", "also write the results in the Prometheus text format to this file, atomically, whatever the states (for node_exporter's textfile collector)")
	addGlobalFlags(fs, f, withDeadline|withOutput|withBatchOutput|withState|withSinks)
	return cmd
}

func (o *runOptions) run(cmd *cobra.Command, f *globalFlags, rs *runState) error {
	if o.file == "" {
		return fmt.Errorf("missing --config FILE: usage: %s", cmd.UseLine())
	}
	// the command line's own settings are its own errors, not the file's
	flags := cmd.Flags()
	if flags.Changed("concurrency") && (o.concurrency < 1 || o.concurrency > maxConcurrency) {
		return fmt.Errorf("--concurrency must be 1 to %d, not %d", maxConcurrency, o.concurrency)
	}
	if flags.Changed("output") {
		if _, err := output.ParseBatchFormat(f.output); err != nil {
			return err
		}
	}
	if o.textfile != "" {
		if err := textfileDir(o.textfile); err != nil {
			return err
		}
	}
	pl, plan, format, conc, err := o.plan(flags, f, rs)
	if err != nil {
		return err
	}
	if o.dryRun {
		for _, p := range plan {
			fmt.Fprintf(rs.stdout, "[%s] %s\n", p.entry.Name, rs.redactor.String(shellJoin(append([]string{"healthprobe", p.entry.Kind}, p.shown.argv...))))
			printJQPairs(rs.stdout, rs.redactor, p)
		}
		return nil
	}
	colour, err := rs.useColor(f.color)
	if err != nil {
		return err
	}
	return o.runPlan(cmd.Context(), pl, plan, format, conc, colour, rs)
}

// plan reads the file and plans its checks (those --only names).
func (o *runOptions) plan(flags *pflag.FlagSet, f *globalFlags, rs *runState) (*planner, []plannedCheck, output.Format, int, error) {
	fail := func(err error) (*planner, []plannedCheck, output.Format, int, error) { return nil, nil, "", 0, err }
	data, err := rs.commandEnv(f).readFile(o.file, config.MaxSize)
	if err != nil {
		return fail(err)
	}
	file, err := parseBatch(data)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", o.file, err))
	}
	if err := file.Expand(rs.lookupVar); err != nil {
		return fail(fmt.Errorf("%s: %w", o.file, err))
	}
	file.Dir = filepath.Dir(o.file)
	format, conc, err := o.runSettings(flags, f, file.Defaults)
	if err != nil {
		return fail(fmt.Errorf("%s: defaults: %w", o.file, err))
	}
	pl, err := newPlanner(file, f, rs, flags.Changed("timeout"), o.dryRun)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", o.file, err))
	}
	plan, err := planChecks(file, pl)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", o.file, err))
	}
	plan, err = o.selectOnly(plan)
	return pl, plan, format, conc, err
}

// parseBatch parses a batch file. Parsing a large file makes a tree of YAML
// nodes (about 2 KiB a check) that is gone once the file is read: a lower GC
// target while it lives keeps the peak near what is live, for a few
// collections of a heap that is small anyway. Only while it lives: planning
// makes short-lived garbage beside a small live heap, which that target
// would collect every MiB. A GOGC of the user's is left alone.
func parseBatch(data []byte) (*config.File, error) {
	defer gcTarget(25)()
	return config.Parse(data)
}

// gcTarget sets the GC target (GOGC) to percent, unless the user set one,
// and returns what puts it back.
func gcTarget(percent int) (restore func()) {
	prev := debug.SetGCPercent(percent)
	if prev != 100 {
		debug.SetGCPercent(prev)
	}
	return func() { debug.SetGCPercent(prev) }
}

// runPlan runs the planned checks and writes their results.
func (o *runOptions) runPlan(ctx context.Context, pl *planner, plan []plannedCheck, format output.Format, conc int, colour bool, rs *runState) error {
	// the output's boundary: each result is redacted as it is rendered
	out := output.NewBatch(rs.stdout, output.Options{Format: format, Color: colour, Redactor: rs.redactor})
	var prom *output.Batch
	var promText bytes.Buffer
	if o.textfile != "" {
		prom = output.NewBatch(&promText, output.Options{Format: output.Prometheus, Redactor: rs.redactor})
	}
	// While the checks run, what lives is small (each check's entry, the
	// results that wait for an earlier one, the checks in flight), and what
	// they allocate is garbage at their end: a GC target of 200 halves the
	// collections for a few MiB more.
	defer gcTarget(200)()
	var writeErr error
	runInOrder(len(plan), conc, func() func(i int) [2]output.Rendered {
		wp := pl.fork() // each worker builds on commands of its own
		return func(i int) [2]output.Rendered {
			p := plan[i]
			plan[i] = plannedCheck{} // its entry goes once it has run
			it := output.Named{Name: p.entry.Name, Kind: p.entry.Kind, Result: wp.result(ctx, p)}
			var r [2]output.Rendered
			r[0] = out.Render(it)
			if prom != nil {
				r[1] = prom.Render(it)
			}
			return r
		}
	}, func(r [2]output.Rendered) {
		if err := out.Write(r[0]); err != nil && writeErr == nil {
			writeErr = err
		}
		if prom != nil {
			_ = prom.Write(r[1]) // into memory
		}
	})
	// an interrupted run leaves the last complete textfile as it is: its
	// checks did not run to their end
	if prom != nil && ctx.Err() == nil {
		if err := prom.Close(); err != nil {
			return err
		}
		if err := writeTextfile(o.textfile, promText.Bytes()); err != nil {
			return err
		}
	}
	if writeErr == nil {
		writeErr = out.Close()
	}
	if writeErr != nil {
		return fmt.Errorf("writing the results: %w", writeErr)
	}
	rs.exitCode = out.Worst().ExitCode()
	return nil
}

// lookupVar is the value of a batch file's ${NAME}: the environment's. A
// variable named like a secret (*PASSWORD*, *TOKEN*, *KEY*, *SECRET*, *PIN*)
// has its value redacted from everything the run writes.
func (rs *runState) lookupVar(name string) (string, bool) {
	v := rs.getenv(name)
	if v != "" && secretVarName(name) {
		rs.redactor.Add(v)
	}
	return v, v != ""
}

// secretVarName reports whether a variable's name says it holds a secret.
func secretVarName(name string) bool {
	up := strings.ToUpper(name)
	return slices.ContainsFunc([]string{"PASSWORD", "TOKEN", "KEY", "SECRET", "PIN"}, func(s string) bool { return strings.Contains(up, s) })
}

// runSettings reads the batch-level settings: the command line wins over
// the file's defaults.
func (o *runOptions) runSettings(flags *pflag.FlagSet, f *globalFlags, defaults []config.Option) (output.Format, int, error) {
	outName, conc := f.output, o.concurrency
	for _, d := range defaults {
		switch d.Key {
		case "output":
			if !flags.Changed("output") {
				outName = d.Values[0]
				if _, err := output.ParseBatchFormat(outName); err != nil {
					return "", 0, fmt.Errorf("line %d: %w", d.Line, err)
				}
			}
		case "concurrency":
			if !flags.Changed("concurrency") {
				if _, err := fmt.Sscan(d.Values[0], &conc); err != nil {
					return "", 0, fmt.Errorf("line %d: concurrency %q is not a number", d.Line, d.Values[0])
				}
				if conc < 1 || conc > maxConcurrency {
					return "", 0, fmt.Errorf("line %d: concurrency must be 1 to %d, not %d", d.Line, maxConcurrency, conc)
				}
			}
		}
	}
	if conc < 1 || conc > maxConcurrency { // the flag's default
		return "", 0, fmt.Errorf("concurrency must be 1 to %d, not %d", maxConcurrency, conc)
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
		i := slices.IndexFunc(plan, func(p plannedCheck) bool { return p.entry.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("--only %q: no check of that name in %s", name, o.file)
		}
		out = append(out, plan[i])
	}
	return out, nil
}

// runInOrder runs n jobs, at most conc at once, each worker with a job
// function of its own (newWorker), and hands each job's answer to emit in
// the jobs' order, as soon as it and every one before it are done, under a
// lock. Only the answers that wait for an earlier one are held.
func runInOrder[T any](n, conc int, newWorker func() func(i int) T, emit func(T)) {
	var (
		claimed atomic.Int64 // the next job to start
		mu      sync.Mutex
		kept    = map[int]T{} // the answers done that wait for an earlier one
		next    int           // the next job to emit
		wg      sync.WaitGroup
	)
	for range min(conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			job := newWorker()
			for {
				i := int(claimed.Add(1) - 1)
				if i >= n {
					return
				}
				r := job(i)
				mu.Lock()
				kept[i] = r
				for {
					r, ok := kept[next]
					if !ok {
						break
					}
					delete(kept, next)
					emit(r)
					next++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// result builds a planned check again, runs it under its deadline, and
// returns its result, recorded and notified when state is kept.
func (pl *planner) result(ctx context.Context, p plannedCheck) probe.Result {
	b, err := pl.build(p.entry)
	if err != nil { // it was built once: a file it reads has gone since, say
		return probe.Result{Kind: strings.ToUpper(p.entry.Kind), State: nagios.Unknown, Summary: err.Error()}
	}
	return b.result(ctx)
}

// result runs the check and returns its result, recorded and notified when
// state is kept (the output redacts it).
func (b builtCheck) result(ctx context.Context) probe.Result {
	end := b.ce.begin(ctx, b.tracker)
	defer end()
	return b.ce.track(ctx, b.tracker, b.identity, b.ce.execute(ctx, b.kind, b.fn))
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
