package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/healthprobe/healthprobe/config"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/output"
	"github.com/healthprobe/healthprobe/probe"
	"github.com/healthprobe/healthprobe/redact"
)

// Set by the linker: -X main.version=... -X main.commit=... -X main.date=...
var (
	version = ""
	commit  = ""
	date    = ""
)

// env is the process environment a command sees; tests and the demo pass
// their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	signals        <-chan struct{} // closed once SIGINT and SIGTERM end the run with UNKNOWN; nil: never
}

// globalFlags are the values of the global flags, which every check takes.
// In a batch each check has its own copy, which its keys may change.
type globalFlags struct {
	timeout      time.Duration
	timeoutState nagios.State
	verbose      int
	output       string
	color        string
	showVersion  bool
	notify       notifyFlags
}

// defaultFlags are the global flags' defaults.
func defaultFlags() *globalFlags {
	return &globalFlags{timeout: 10 * time.Second, timeoutState: nagios.Critical, output: "nagios", color: "auto"}
}

// runState is what one run of healthprobe holds apart from its flags: the
// environment, the one redactor every secret of the run goes into, the lock
// that keeps the verbose lines of concurrent checks whole, and the exit
// code. One command line makes one, and passes it down.
//
// The redactor stands at each way out: the run's stderr is a masking
// writer (every verbose line, at any -v), stdout gets results through
// output's Options.Redactor, state and outbox files and events through the
// notify.Tracker's.
type runState struct {
	env
	ctx      context.Context // the run's: a signal ends it (files read before a check starts wait under it)
	redactor *redact.Redactor
	logMu    sync.Mutex
	exitCode int
	sinks    sinkCache // the notify sinks built so far, shared by the checks of a batch
}

func newRunState(e env) *runState {
	red := redact.New()
	if e.stderr != nil {
		e.stderr = red.Writer(e.stderr)
	}
	return &runState{env: e, ctx: context.Background(), redactor: red}
}

// checkEnv is what a check is built and run with: its global flag values,
// the run it belongs to, and where its verbose lines go (stderr; in a
// batch, stderr with the check's name in front).
type checkEnv struct {
	*globalFlags
	run    *runState
	stderr io.Writer
}

// commandEnv is the checkEnv of a command line: its flags, on the run's own stderr.
func (rs *runState) commandEnv(f *globalFlags) *checkEnv {
	return &checkEnv{globalFlags: f, run: rs, stderr: rs.stderr}
}

// run executes one command line. It is the single place that turns errors
// and panics into an exit code; nothing below it exits.
func run(ctx context.Context, args []string, e env) (code int) {
	rs, f := newRunState(e), defaultFlags()
	kind := "HEALTHPROBE"
	defer func() {
		if p := recover(); p != nil {
			rs.writeFailure(f.output, kind, "internal error: "+probe.SanitizeLine(fmt.Sprint(p), 200))
			if f.verbose > 0 {
				fmt.Fprintf(rs.stderr, "%s\n", debug.Stack())
			}
			code = nagios.Unknown.ExitCode()
		}
	}()
	ctx, cancel := context.WithCancel(ctx) // ends what the run started
	defer cancel()
	rs.ctx = ctx
	root := newRootCmdFor(f, rs, args)
	if c, _, err := root.Find(args); err == nil && c != root {
		kind = strings.ToUpper(c.Name())
		if k := c.Annotations["kind"]; k != "" {
			kind = k
		}
	}
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(rs.stderr)
	_, err := root.ExecuteContextC(ctx)
	if err != nil {
		if errors.Is(err, errShownHelp) {
			return nagios.Unknown.ExitCode()
		}
		outName := f.output
		if jsonRequested(args) {
			outName = string(output.JSON) // a flag error may stop parsing before --output
		}
		rs.writeFailure(outName, kind, err.Error())
		return nagios.Unknown.ExitCode()
	}
	return rs.exitCode
}

// writeFailure prints a run that could not be carried out (bad input, an
// internal fault) as an UNKNOWN result: line 1, or one JSON object when
// --output json was asked for, so that a script reading JSON gets JSON.
func (rs *runState) writeFailure(outName, kind, msg string) {
	res := probe.Result{Kind: kind, State: nagios.Unknown, Summary: probe.SanitizeLine(rs.redactor.String(msg), 300)}
	format, err := output.ParseFormat(outName)
	if err != nil {
		format = output.Nagios
	}
	_ = output.Write(rs.stdout, res, output.Options{Format: format, Redactor: rs.redactor})
}

var errShownHelp = errors.New("help shown")

// newRootCmd builds the whole command tree: help, completion, man pages and
// the contrib generators read all of it.
func newRootCmd(f *globalFlags, rs *runState) *cobra.Command {
	root := newBareRoot(f, rs)
	for _, sub := range subcommands(f, rs) {
		root.AddCommand(sub.build())
	}
	finishTree(root)
	return root
}

// finishTree completes the whole tree: the completion command (an unknown
// shell is a usage error, as anything else) and the completion of every
// enumerated flag's values.
func finishTree(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	root.AddGroup(&cobra.Group{ID: "checks", Title: "Checks:"}, &cobra.Group{ID: "more", Title: "Batch and notifications:"},
		&cobra.Group{ID: "tools", Title: "Tools:"})
	for _, c := range root.Commands() {
		switch {
		case isCheck(c):
			c.GroupID = "checks"
		case c.Name() == "run" || c.Name() == "notify":
			c.GroupID = "more"
		default:
			c.GroupID = "tools"
		}
		if c.Name() != "completion" {
			continue
		}
		var shells []string
		for _, s := range c.Commands() {
			shells = append(shells, s.Name())
		}
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("missing SHELL: give %s", orList(shells))
			}
			return fmt.Errorf("unknown shell %q: healthprobe completes %s", probe.SanitizeLine(args[0], 40), orList(shells))
		}
	}
	completeChoices(root)
}

// newRootCmdFor builds the tree that the command line args needs. A check,
// batch run, demo or notify command never reads its siblings, so it is built
// alone, without the default completion command: building every
// subcommand's flags costs a single check about 40 page faults (0.15 ms),
// a tenth of its run. Anything else (help, completion, man, contrib, an
// unknown command) gets the whole tree.
func newRootCmdFor(f *globalFlags, rs *runState, args []string) *cobra.Command {
	root := newBareRoot(f, rs)
	subs := subcommands(f, rs)
	for _, sub := range subs {
		root.AddCommand(&cobra.Command{Use: sub.name}) // a placeholder, for Find
	}
	c, _, err := root.Find(args)
	root.ResetCommands()
	if err == nil && c != root {
		if i := slices.IndexFunc(subs, func(s subcommand) bool { return s.name == c.Name() }); i >= 0 && subs[i].alone {
			root.AddCommand(subs[i].build())
			root.CompletionOptions.DisableDefaultCmd = true
			return root
		}
	}
	for _, sub := range subs {
		root.AddCommand(sub.build())
	}
	finishTree(root)
	return root
}

// subcommand is one of root's children; alone says it may be built without
// its siblings (it never reads the tree).
type subcommand struct {
	name  string
	alone bool
	build func() *cobra.Command
}

// subcommands lists root's children.
func subcommands(f *globalFlags, rs *runState) []subcommand {
	subs := make([]subcommand, 0, len(kinds)+5)
	for _, k := range kinds {
		subs = append(subs, subcommand{k.name, true, func() *cobra.Command { return checkCmd(rs.commandEnv(f), k.command()) }})
	}
	cmd := func(build func(*globalFlags, *runState) *cobra.Command) func() *cobra.Command {
		return func() *cobra.Command { return build(f, rs) }
	}
	return append(subs,
		subcommand{"run", true, cmd(newRunCmd)},
		subcommand{"demo", true, cmd(newDemoCmd)},
		subcommand{"notify", true, cmd(newNotifyCmd)},
		subcommand{"man", false, cmd(newManCmd)},
		subcommand{"contrib", false, cmd(newContribCmd)})
}

// checkCmd builds a check subcommand that runs its check once.
func checkCmd(ce *checkEnv, c checkCommand) *cobra.Command {
	c.cmd.Long = strings.TrimSpace(c.cmd.Long) + "\n\n" + rangeHelp
	addGlobalFlags(c.cmd.Flags(), ce.globalFlags, withDeadline|withOutput|withState|withSinks)
	c.cmd.RunE = func(cmd *cobra.Command, args []string) error {
		fn, err := c.build(ce, args)
		if err != nil {
			return err
		}
		attempts := cmd.Flags().Changed("attempts")
		return ce.runCheck(cmd.Context(), fn, attempts, func() string { return commandIdentity(cmd, args) })
	}
	return c.cmd
}

// newBareRoot builds root with its own and the persistent flags.
func newBareRoot(f *globalFlags, rs *runState) *cobra.Command {
	root := &cobra.Command{
		Use:   "healthprobe",
		Short: "Health checks that prove a service can serve, for the terminal, cron and Nagios/Icinga",
		Long: `healthprobe runs one check, prints a Nagios plugin result and exits
0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN.

Start with "healthprobe demo" to see every check run against built-in emulators.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.showVersion {
				fmt.Fprintln(rs.stdout, versionString())
				return nil
			}
			_ = cmd.Help()
			return errShownHelp
		},
	}
	root.Flags().BoolVarP(&f.showVersion, "version", "V", false, "print the version and exit")
	// no persistent flags: each command adds the global flags it takes
	// (addGlobalFlags), so that help shows only those
	root.SetUsageFunc(func(c *cobra.Command) error {
		writeUsage(c.OutOrStderr(), c)
		return nil
	})
	root.PersistentPreRun = func(cmd *cobra.Command, _ []string) {
		if f.verbose >= 2 && rs.signals != nil {
			go rs.announceSignals(cmd.Context())
		}
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError(err) })
	return root
}

// addDeadlineFlags adds the flags that bound one check: also accepted per
// check in a batch file.
func addDeadlineFlags(fs *pflag.FlagSet, f *globalFlags) {
	addTimeoutFlag(fs, f, "total deadline for the whole check: connect, TLS, redirects and body (10 or 10s)")
	addState(fs, &f.timeoutState, "timeout-state", "state reported on a timeout")
}

// rangeHelp ends every check's description: the threshold syntax.
const rangeHelp = `Thresholds (-w, -c and every other RANGE) take the Monitoring Plugins syntax
[@]start:end, the value alerting when it is:

  10      outside 0..10        ~:10     above 10
  10:     below 10             10:20    outside 10..20
  @10:20  inside 10..20, endpoints included

The exit status is the worst state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
(a usage error, or the check could not be carried out).`

// addTimeoutFlag adds -t alone.
func addTimeoutFlag(fs *pflag.FlagSet, f *globalFlags, usage string) {
	fs.VarP(&durationValue{&f.timeout}, "timeout", "t", usage)
}

// checkCommand is a check subcommand: its cobra command and flags, the batch
// file key that names its positional argument, the options its flags write
// to, and build, which turns the parsed flags and arguments into a check
// (validating everything first) that runs with ce.
//
// A batch reuses one checkCommand for every check of its kind: before each
// check it puts opts back as they were when the command was built (a copy
// of the struct) and then sets the check's keys. So opts must be a pointer
// to the struct that holds every flag's value, and the check that build
// returns must keep nothing of opts (it copies what it needs); tests in
// run_plan_test.go hold every kind to this.
type checkCommand struct {
	cmd   *cobra.Command
	arg   string // "url" for http; "" when the command takes no argument
	opts  any    // a pointer to the options struct the flags write to
	build func(ce *checkEnv, args []string) (checkFunc, error)
	// entry, when set, reads the keys of a batch check that are no flags
	// (a flow's file: or steps:), taking them out of c before the others
	// are set on the flags; dir is the batch file's directory, which paths
	// are relative to. It returns the words --dry-run shows for them.
	entry func(c *config.Check, dir string) ([]string, error)
}

func versionString() string {
	v, c, d := version, commit, date
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.time" && d == "":
				d = s.Value
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	out := "healthprobe " + v
	if c != "" {
		out += " (commit " + c
		if d != "" {
			out += ", built " + d
		}
		out += ")"
	}
	return out
}

// checkFunc runs a check once under the given context.
type checkFunc func(ctx context.Context) probe.Result

// runCheck applies the check's deadline, runs it, records its state and
// notifies (when a state or notify flag is given), renders the result
// (redacted) and records the exit code. attempts says --attempts was given;
// identity names the check for its state when --name is not given.
func (ce *checkEnv) runCheck(ctx context.Context, fn checkFunc, attempts bool, identity func() string) error {
	opts, err := ce.outputOptions() // a bad --output fails before the check runs
	if err != nil {
		return err
	}
	tr, id, err := ce.notifier(attempts, identity)
	if err != nil {
		return err
	}
	end := ce.begin(ctx, tr)
	defer end()
	return ce.run.write(ce.track(ctx, tr, id, ce.execute(ctx, "", fn)), opts)
}

// outputOptions validates --output and --color.
func (ce *checkEnv) outputOptions() (output.Options, error) {
	format, err := output.ParseFormat(ce.output)
	if err != nil {
		return output.Options{}, err
	}
	colour, err := ce.run.useColor(ce.color)
	return output.Options{Format: format, Color: colour, Redactor: ce.run.redactor}, err
}

// write renders a result, redacted, and records its exit code.
func (rs *runState) write(res probe.Result, opts output.Options) error {
	if err := output.Write(rs.stdout, res, opts); err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	rs.exitCode = res.State.ExitCode()
	return nil
}

// execute runs one check under its deadline and returns its result. A
// panic in the check becomes an UNKNOWN result, so that in a batch one
// faulty check never takes the others down.
func (ce *checkEnv) execute(ctx context.Context, kind string, fn checkFunc) (res probe.Result) {
	ctx, cancel := context.WithTimeout(ctx, ce.timeout)
	defer cancel()
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			res = probe.Result{Kind: strings.ToUpper(kind), State: nagios.Unknown,
				Summary: "internal error: " + probe.SanitizeLine(fmt.Sprint(p), 200)}
		}
		if res.Duration == 0 {
			res.Duration = time.Since(start)
		}
		res.TidyPerf()
	}()
	return fn(ctx)
}

// useColor validates --color and tells whether to colour the output.
func (rs *runState) useColor(color string) (bool, error) {
	switch color {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		if rs.getenv("NO_COLOR") != "" || rs.getenv("TERM") == "dumb" {
			return false, nil
		}
		f, ok := rs.stdout.(*os.File)
		return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())), nil
	}
	return false, fmt.Errorf("invalid --color %q (want auto, always or never)", color)
}

// clientConfig fills the parts of a probe.ClientConfig that come from the
// global flags and the run: the deadline, verbosity, the run's redactor and
// the check's verbose lines (each one write to the run's masking stderr).
func (ce *checkEnv) clientConfig() probe.ClientConfig {
	return probe.ClientConfig{
		Timeout:      ce.timeout,
		TimeoutState: ce.timeoutState,
		Verbose:      ce.verbose,
		Redactor:     ce.run.redactor,
		Log: func(format string, args ...any) {
			fmt.Fprintf(ce.stderr, format+"\n", args...)
		},
	}
}
