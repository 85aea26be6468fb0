package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/notify"
	"github.com/healthprobe/healthprobe/probe"
)

// notifyFlags turn on state between runs and notifications. Without any of
// them a check is stateless and writes nothing, as a Nagios plugin should.
type notifyFlags struct {
	stateDir   string
	name       string
	failAfter  time.Duration
	attempts   int
	urls       []string
	configFile string
	remind     remindValue
}

func addNotifyFlags(fs *pflag.FlagSet, n *notifyFlags) {
	fs.StringVar(&n.stateDir, "state-dir", "", "keep state between runs in DIR (default $XDG_STATE_HOME/healthprobe, /var/lib/healthprobe for root, else ~/.local/state/healthprobe); state is kept only when a state or notify flag is given")
	fs.StringVar(&n.name, "name", "", "name of the check in its state and events (default: derived from the command and its options)")
	fs.Var(&optDuration{durationValue{&n.failAfter}}, "fail-after", "a problem becomes hard, and is notified, once it has lasted this long (e.g. 20m)")
	fs.IntVar(&n.attempts, "attempts", 0, "a problem becomes hard, and is notified, after N consecutive failing runs")
	fs.StringArrayVar(&n.urls, "notify", nil, "POST a JSON event to URL when the hard state changes (repeatable)")
	fs.StringVar(&n.configFile, "notify-config", "", "read sinks from this YAML or JSON file (see docs/notify.md)")
	fs.Var(&n.remind, "remind-every", "notify a lasting problem again after a duration (6h) or a number of runs (12runs); off by default")
}

// clone copies the flags, lists included.
func (n notifyFlags) clone() notifyFlags {
	n.urls = slices.Clone(n.urls)
	return n
}

func (n *notifyFlags) enabled() bool {
	return n.stateDir != "" || n.name != "" || n.failAfter > 0 || n.attempts != 0 || len(n.urls) > 0 ||
		n.configFile != "" || n.remind.every > 0 || n.remind.runs > 0
}

// optDuration is a durationValue that is off by default (no "(default 0s)").
type optDuration struct{ durationValue }

func (v *optDuration) String() string {
	if v.d == nil || *v.d == 0 {
		return ""
	}
	return v.d.String()
}

// remindValue is a duration (6h) or a number of runs (12runs).
type remindValue struct {
	every time.Duration
	runs  int
}

func (v *remindValue) Set(s string) error {
	t := strings.TrimSpace(strings.ToLower(s))
	if n, ok := strings.CutSuffix(t, "runs"); ok {
		k, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil || k < 1 {
			return fmt.Errorf("%q: want a number of runs such as 12runs", s)
		}
		v.runs, v.every = k, 0
		return nil
	}
	d, err := time.ParseDuration(t)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q: want a duration such as 6h or a number of runs such as 12runs", s)
	}
	v.every, v.runs = d, 0
	return nil
}

func (v *remindValue) String() string {
	switch {
	case v == nil:
		return ""
	case v.runs > 0:
		return strconv.Itoa(v.runs) + "runs"
	case v.every > 0:
		return v.every.String()
	}
	return ""
}

func (v *remindValue) Type() string { return "when" }

// stateDirGuard, when set, vets the state directory of every run. Only the
// tests set it (TestMain), to refuse a directory outside their temporary
// ones: no test may write to the real /var/lib/healthprobe or ~/.local/state.
var stateDirGuard func(dir string) error

// defaultStateDir: $XDG_STATE_HOME/healthprobe when set, /var/lib/healthprobe
// for root, else ~/.local/state/healthprobe.
func defaultStateDir(getenv func(string) string) (string, error) {
	if x := getenv("XDG_STATE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "healthprobe"), nil
	}
	if os.Geteuid() == 0 {
		return "/var/lib/healthprobe", nil
	}
	if h := getenv("HOME"); h != "" && filepath.IsAbs(h) {
		return filepath.Join(h, ".local", "state", "healthprobe"), nil
	}
	return "", errors.New("no state directory: give --state-dir (neither XDG_STATE_HOME nor HOME is set)")
}

// sinks builds the sinks of --notify and --notify-config, registering
// their secrets for redaction. It also returns the config file's outbox
// limits.
func (g *globalOptions) sinks() ([]*notify.Sink, notify.FileConfig, error) {
	var cfgs []notify.SinkConfig
	for _, u := range g.notify.urls {
		nu, err := normalizeURL(u)
		if err != nil {
			return nil, notify.FileConfig{}, fmt.Errorf("--notify: %w", err)
		}
		cfgs = append(cfgs, notify.SinkConfig{URL: nu})
	}
	sinks, err := notify.BuildSinks(cfgs, g.getenv)
	if err != nil {
		return nil, notify.FileConfig{}, fmt.Errorf("--notify: %w", err)
	}
	var fc notify.FileConfig
	if g.notify.configFile != "" {
		if fc, err = notify.LoadConfig(g.notify.configFile); err != nil {
			return nil, fc, fmt.Errorf("--notify-config %s: %w", g.notify.configFile, err)
		}
		more, err := notify.BuildSinks(fc.Sinks, g.getenv)
		if err != nil {
			return nil, fc, fmt.Errorf("--notify-config %s: %w", g.notify.configFile, err)
		}
		for _, m := range more {
			for _, s := range sinks {
				if s.Key == m.Key {
					return nil, fc, fmt.Errorf("--notify-config %s: %s is also given with --notify", g.notify.configFile, m.Label)
				}
			}
		}
		sinks = append(sinks, more...)
	}
	var mu sync.Mutex // sinks deliver concurrently; the log writer may not be safe
	log := g.clientConfig().Log
	for _, s := range sinks {
		for _, sec := range s.Secrets() {
			g.addSecret(sec)
		}
		s.UserAgent, s.Verbose = "healthprobe/"+shortVersion(), g.verbose
		s.Log = func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			log("notify "+format, args...)
		}
	}
	return sinks, fc, nil
}

// tracker builds the notify.Tracker of a check run, or nil when no state or
// notify flag is given.
func (g *globalOptions) tracker() (*notify.Tracker, error) {
	n := &g.notify
	if n.name != "" || g.cmd != nil && g.cmd.Flags().Changed("name") {
		if err := nagios.CheckName(n.name); err != nil {
			return nil, fmt.Errorf("--name %q: %w", n.name, err)
		}
	}
	if !n.enabled() {
		return nil, nil
	}
	if n.attempts < 0 || (g.cmd != nil && g.cmd.Flags().Changed("attempts") && n.attempts < 1) {
		return nil, errors.New("--attempts must be 1 or more")
	}

	dir := n.stateDir
	if dir == "" {
		var err error
		if dir, err = defaultStateDir(g.getenv); err != nil {
			return nil, err
		}
	}
	if stateDirGuard != nil {
		if err := stateDirGuard(dir); err != nil {
			return nil, err
		}
	}
	sinks, fc, err := g.sinks()
	if err != nil {
		return nil, err
	}
	return &notify.Tracker{
		Dir: dir, Sinks: sinks, Version: shortVersion(),
		Policy:    notify.Policy{Attempts: n.attempts, FailAfter: n.failAfter, RemindEvery: n.remind.every, RemindRuns: n.remind.runs},
		OutboxCap: fc.OutboxCap, OutboxMaxAge: time.Duration(fc.OutboxMaxAge),
	}, nil
}

// notifier is the tracker of a check run and the check's identity, or nil
// when no state or notify flag is given.
func (g *globalOptions) notifier() (*notify.Tracker, string, error) {
	tr, err := g.tracker()
	if tr == nil || err != nil {
		return nil, "", err
	}
	identity, err := g.identity()
	return tr, identity, err
}

// identity names a check for its state: --name, or the command, its
// arguments and the options that change what it checks. Left out: the
// global options (timeout, output, verbosity, state and notify flags) and
// every secret option (--password, --password-env, --password-file ...);
// secret-looking header values and URL parameters are masked, and any
// secret that was resolved is redacted, so the identity never holds one.
func (g *globalOptions) identity() (string, error) {
	if g.notify.name != "" {
		return "name:" + g.notify.name, nil
	}
	cmd := g.cmd
	if cmd == nil {
		return "", errors.New("cannot tell which check this is: give --name")
	}
	parts := []string{strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")}
	for _, a := range g.args {
		if strings.Contains(a, "://") {
			a = probe.RedactURL(a)
		}
		parts = append(parts, a)
	}
	fs, global := cmd.Flags(), cmd.Root().PersistentFlags()
	fs.Visit(func(f *pflag.Flag) {
		if global.Lookup(f.Name) != nil || isSecretFlag(fs, f.Name) {
			return
		}
		values := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			values = sv.GetSlice()
		}
		for _, v := range values {
			if name, _, ok := strings.Cut(v, ":"); ok && f.Name == "header" && probe.SensitiveHeader(name) {
				v = name + ": [redacted]"
			}
			parts = append(parts, "--"+f.Name+"="+v)
		}
	})
	return g.redact(strings.Join(parts, " ")), nil
}

// isSecretFlag recognises the flags of a secretFlags (--X, --X-env, --X-file).
func isSecretFlag(fs *pflag.FlagSet, name string) bool {
	base := strings.TrimSuffix(strings.TrimSuffix(name, "-env"), "-file")
	return fs.Lookup(base+"-env") != nil && fs.Lookup(base+"-file") != nil
}

// track records a check's result and notifies, within a delivery window as
// long as --timeout that starts when the check is done (a check that timed
// out still gets its notification out). Problems are WARNING lines: they
// never stop the result from being reported.
func (g *globalOptions) track(ctx context.Context, tr *notify.Tracker, identity string, res probe.Result) probe.Result {
	if tr == nil {
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	if err := tr.Process(ctx, identity, g.notify.name, &res); err != nil {
		before := res.State
		res.Add("notify", nagios.Warning, "notify: "+err.Error())
		if res.State.Worse(before) {
			res.Summary = "notify: failed; " + res.Summary
		}
	}
	return res
}
