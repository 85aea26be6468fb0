package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/output"
	"github.com/healthprobe/healthprobe/probe"
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

// globalOptions are the flags every check shares, and what a run collects.
type globalOptions struct {
	env
	timeout      time.Duration
	timeoutState nagios.State
	verbose      int
	output       string
	color        string
	showVersion  bool

	secrets   []string // values resolved from secret flags: redacted from all output
	secretsMu sync.RWMutex
	logMu     *sync.Mutex // keeps the verbose lines of a batch's concurrent checks whole
	exitCode  int

	notify notifyFlags
	cmd    *cobra.Command // the command being run, and its arguments (for the check's identity)
	args   []string
}

// Main runs healthprobe with the process's arguments and returns the exit code.
func Main() int {
	// net/http writes some complaints about a server to the standard
	// logger ("Unsolicited response received on idle HTTP channel"); the
	// check reports what matters in its result, and stderr is for -v.
	log.SetOutput(io.Discard)
	ctx, signals, stop := watchSignals(context.Background(), signalGrace)
	defer stop()
	return run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, signals: signals})
}

// run executes one command line. It is the single place that turns errors
// and panics into an exit code; nothing below it exits.
func run(ctx context.Context, args []string, e env) (code int) {
	g := &globalOptions{env: e, timeout: 10 * time.Second, timeoutState: nagios.Critical, output: "nagios", color: "auto"}
	kind := "HEALTHPROBE"
	defer func() {
		if p := recover(); p != nil {
			g.writeFailure(kind, "internal error: "+probe.SanitizeLine(fmt.Sprint(p), 200))
			if g.verbose > 0 {
				fmt.Fprintf(e.stderr, "%s\n", debug.Stack())
			}
			code = nagios.Unknown.ExitCode()
		}
	}()
	ctx, cancel := context.WithCancel(ctx) // ends what the run started
	defer cancel()
	root := newRootCmdFor(g, args)
	if c, _, err := root.Find(args); err == nil && c != root {
		kind = strings.ToUpper(c.Name())
		if k := c.Annotations["kind"]; k != "" {
			kind = k
		}
	}
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	_, err := root.ExecuteContextC(ctx)
	if err != nil {
		if errors.Is(err, errShownHelp) {
			return nagios.Unknown.ExitCode()
		}
		if jsonRequested(args) {
			g.output = string(output.JSON) // a flag error may stop parsing before --output
		}
		g.writeFailure(kind, err.Error())
		return nagios.Unknown.ExitCode()
	}
	return g.exitCode
}

// writeFailure prints a run that could not be carried out (bad input, an
// internal fault) as an UNKNOWN result: line 1, or one JSON object when
// --output json was asked for, so that a script reading JSON gets JSON.
func (g *globalOptions) writeFailure(kind, msg string) {
	res := probe.Result{Kind: kind, State: nagios.Unknown, Summary: g.redact(probe.SanitizeLine(msg, 300))}
	format, err := output.ParseFormat(g.output)
	if err != nil {
		format = output.Nagios
	}
	_ = output.Write(g.stdout, res, output.Options{Format: format})
}

var errShownHelp = errors.New("help shown")

// newRootCmd builds the whole command tree: help, completion, man pages and
// the contrib generators read all of it.
func newRootCmd(g *globalOptions) *cobra.Command {
	root := newBareRoot(g)
	for _, sub := range subcommands(g) {
		root.AddCommand(sub.build())
	}
	return root
}

// newRootCmdFor builds the tree that the command line args needs. A check,
// batch run, demo or notify command never reads its siblings, so it is built
// alone, without the default completion command: building every
// subcommand's flags costs a single check about 40 page faults (0.15 ms),
// a tenth of its run. Anything else (help, completion, man, contrib, an
// unknown command) gets the whole tree.
func newRootCmdFor(g *globalOptions, args []string) *cobra.Command {
	root := newBareRoot(g)
	subs := subcommands(g)
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
func subcommands(g *globalOptions) []subcommand {
	subs := make([]subcommand, 0, len(checkKinds)+5)
	for _, kind := range checkKinds {
		subs = append(subs, subcommand{kind.name, true, func() *cobra.Command { return g.checkCmd(kind.new) }})
	}
	cmd := func(build func(*globalOptions) *cobra.Command) func() *cobra.Command {
		return func() *cobra.Command { return build(g) }
	}
	return append(subs,
		subcommand{"run", true, cmd(newRunCmd)},
		subcommand{"demo", true, cmd(newDemoCmd)},
		subcommand{"notify", true, cmd(newNotifyCmd)},
		subcommand{"man", false, cmd(newManCmd)},
		subcommand{"contrib", false, cmd(newContribCmd)})
}

// checkCmd builds a check subcommand that runs its check once.
func (g *globalOptions) checkCmd(newCheck func(g *globalOptions) checkCommand) *cobra.Command {
	c := newCheck(g)
	c.cmd.RunE = func(cmd *cobra.Command, args []string) error {
		fn, err := c.build(args)
		if err != nil {
			return err
		}
		return g.runCheck(cmd.Context(), fn)
	}
	return c.cmd
}

// newBareRoot builds root with its own and the persistent flags.
func newBareRoot(g *globalOptions) *cobra.Command {
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
			if g.showVersion {
				fmt.Fprintln(g.stdout, versionString())
				return nil
			}
			_ = cmd.Help()
			return errShownHelp
		},
	}
	root.Flags().BoolVarP(&g.showVersion, "version", "V", false, "print the version and exit")
	pf := root.PersistentFlags()
	addDeadlineFlags(pf, g)
	pf.CountVarP(&g.verbose, "verbose", "v", "more detail on stderr (repeat up to -vvv); secrets are never shown")
	pf.StringVar(&g.output, "output", g.output, "output format: nagios or json")
	pf.StringVar(&g.color, "color", g.color, "colour the state: auto (on a terminal), always or never; NO_COLOR is honoured")
	addNotifyFlags(pf, &g.notify)
	root.PersistentPreRun = func(cmd *cobra.Command, args []string) {
		g.cmd, g.args = cmd, args
		if g.verbose >= 2 && g.signals != nil {
			if g.logMu == nil {
				g.logMu = new(sync.Mutex) // shared with a batch's checks, set before they start
			}
			go g.announceSignals(cmd.Context(), g.logMu)
		}
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError(err) })
	return root
}

// addDeadlineFlags adds the flags that bound one check: also accepted per
// check in a batch file.
func addDeadlineFlags(fs *pflag.FlagSet, g *globalOptions) {
	fs.VarP(&durationValue{&g.timeout}, "timeout", "t", "total deadline for the whole check: connect, TLS, redirects and body (10 or 10s)")
	fs.Var(&g.timeoutState, "timeout-state", "state reported on a timeout: ok, warning, critical or unknown")
}

// checkCommand is a check subcommand: its cobra command and flags, the batch
// file key that names its positional argument, and build, which turns the
// parsed flags and arguments into a check (validating everything first).
type checkCommand struct {
	cmd   *cobra.Command
	arg   string // "url" for http; "" when the command takes no argument
	build func(args []string) (checkFunc, error)
}

// checkKinds lists the check subcommands. Each constructor returns a fresh
// command bound to g, so a batch run builds one per check.
var checkKinds = []struct {
	name string
	new  func(g *globalOptions) checkCommand
}{
	{"http", newHTTPCheck},
	{"itgrix", newItgrixCheck},
	{"pexip", newPexipCheck},
	{"kaleyra", newKaleyraCheck},
}

func findKind(name string) (func(g *globalOptions) checkCommand, bool) {
	for _, k := range checkKinds {
		if k.name == name {
			return k.new, true
		}
	}
	return nil, false
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

// runCheck applies the run's deadline, runs the check, records its state
// and notifies (when a state or notify flag is given), redacts and renders
// the result, and records the exit code.
func (g *globalOptions) runCheck(ctx context.Context, fn checkFunc) error {
	opts, err := g.outputOptions() // a bad --output fails before the check runs
	if err != nil {
		return err
	}
	tr, identity, err := g.notifier()
	if err != nil {
		return err
	}
	return g.write(g.track(ctx, tr, identity, g.execute(ctx, "", fn)), opts)
}

// outputOptions validates --output and --color.
func (g *globalOptions) outputOptions() (output.Options, error) {
	format, err := output.ParseFormat(g.output)
	if err != nil {
		return output.Options{}, err
	}
	colour, err := g.useColor()
	return output.Options{Format: format, Color: colour}, err
}

// write redacts and renders a result, and records its exit code.
func (g *globalOptions) write(res probe.Result, opts output.Options) error {
	res = g.redactResult(res)
	if err := output.Write(g.stdout, res, opts); err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	g.exitCode = res.State.ExitCode()
	return nil
}

// execute runs one check under its deadline and returns its redacted
// result. A panic in the check becomes an UNKNOWN result, so that in a batch
// one faulty check never takes the others down.
func (g *globalOptions) execute(ctx context.Context, kind string, fn checkFunc) (res probe.Result) {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
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
		res = g.redactResult(res)
	}()
	return fn(ctx)
}

func (g *globalOptions) useColor() (bool, error) {
	switch g.color {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		if g.getenv("NO_COLOR") != "" || g.getenv("TERM") == "dumb" {
			return false, nil
		}
		f, ok := g.stdout.(*os.File)
		return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())), nil
	}
	return false, fmt.Errorf("invalid --color %q (want auto, always or never)", g.color)
}

// clientConfig fills the parts of a probe.ClientConfig that come from the
// global flags.
func (g *globalOptions) clientConfig() probe.ClientConfig {
	return probe.ClientConfig{
		Timeout:      g.timeout,
		TimeoutState: g.timeoutState,
		Verbose:      g.verbose,
		Redact:       g.redact,
		Log: func(format string, args ...any) {
			fmt.Fprintln(g.stderr, g.redact(fmt.Sprintf(format, args...)))
		},
	}
}

// minSecretLen: shorter values are not redacted, since replacing every
// occurrence of one or two characters would garble the output.
const minSecretLen = 3

// addSecret registers a value to redact, with the forms it takes in a URL
// (a server may echo a query or path that carried it).
// A check may learn a secret while it runs (an OAuth2 token), on its own
// goroutine, while a dial's goroutine logs: secretsMu guards the list.
func (g *globalOptions) addSecret(s string) {
	if len(s) < minSecretLen {
		return
	}
	g.secretsMu.Lock()
	defer g.secretsMu.Unlock()
	for _, form := range probe.SecretForms(s) {
		if !slices.Contains(g.secrets, form) {
			g.secrets = append(g.secrets, form)
		}
	}
}

func (g *globalOptions) redact(s string) string {
	g.secretsMu.RLock()
	defer g.secretsMu.RUnlock()
	for _, sec := range g.secrets {
		s = strings.ReplaceAll(s, sec, "[redacted]")
	}
	return s
}

func (g *globalOptions) redactResult(r probe.Result) probe.Result {
	g.secretsMu.RLock()
	none := len(g.secrets) == 0
	g.secretsMu.RUnlock()
	if none {
		return r
	}
	r.Summary = g.redact(r.Summary)
	r.Target = g.redact(r.Target)
	details := make([]probe.Detail, len(r.Details))
	for i, d := range r.Details {
		d.Text = g.redact(d.Text)
		d.Name = g.redact(d.Name)
		details[i] = d
	}
	r.Details = details
	return r
}
