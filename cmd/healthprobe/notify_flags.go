package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
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

	pushes                    []string // --push KIND=URL
	icingaHost, icingaService string   // this check's Icinga 2 service, over an icinga2 sink's
}

// addNotifyFlags adds the state and the sink flags: all a check takes.
func addNotifyFlags(fs *pflag.FlagSet, n *notifyFlags) {
	addStateFlags(fs, n)
	addSinkFlags(fs, n)
}

// addStateFlags adds the flags of the state kept between runs.
func addStateFlags(fs *pflag.FlagSet, n *notifyFlags) {
	fs.StringVar(&n.stateDir, "state-dir", "", "keep state between runs in DIR (default $XDG_STATE_HOME/healthprobe, /var/lib/healthprobe for root, else ~/.local/state/healthprobe); state is kept only when a state or notify flag is given")
	fs.StringVar(&n.name, "name", "", "name of the check in its state and events (default derived from the command and its options)")
	fs.Var(&optDuration{durationValue{&n.failAfter}}, "fail-after", "a problem becomes hard, and is notified, once it has lasted this long (e.g. 20m)")
	fs.IntVar(&n.attempts, "attempts", 0, "a problem becomes hard, and is notified, after N consecutive failing runs")
	fs.Var(&n.remind, "remind-every", "notify a lasting problem again after a duration (6h) or a number of runs (12runs); off by default")
}

// addSinkFlags adds the flags that name the sinks.
func addSinkFlags(fs *pflag.FlagSet, n *notifyFlags) {
	addList(fs, &n.urls, "notify", "", "POST a JSON event to URL when the hard state changes (repeatable)")
	fs.StringVar(&n.configFile, "notify-config", "", "read sinks from this YAML or JSON file (see docs/notify.md)")
	addList(fs, &n.pushes, "push", "", "report every run's result to KIND=URL: uptime-kuma=PUSH-URL, healthchecks=PING-URL or pushgateway=URL (repeatable; the URL's token is a secret, see docs/report.md)")
	fs.StringVar(&n.icingaHost, "icinga2-host", "", "the Icinga 2 host an icinga2 sink reports this check's result to (default the sink's host, else the target's host)")
	fs.StringVar(&n.icingaService, "icinga2-service", "", "the Icinga 2 service an icinga2 sink reports this check's result to (default the sink's service, else --name)")
}

// clone copies the flags, lists included.
func (n notifyFlags) clone() notifyFlags {
	n.urls = slices.Clone(n.urls)
	n.pushes = slices.Clone(n.pushes)
	return n
}

func (n *notifyFlags) enabled() bool {
	return n.stateDir != "" || n.name != "" || n.failAfter > 0 || n.attempts != 0 || len(n.urls) > 0 ||
		n.configFile != "" || n.remind.every > 0 || n.remind.runs > 0 || len(n.pushes) > 0
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

// pushSink reads --push KIND=URL. Its errors never quote the URL: a push
// URL's path is its secret.
func pushSink(v string) (notify.SinkConfig, error) {
	kind, u, ok := strings.Cut(v, "=")
	kind = strings.ToLower(strings.TrimSpace(kind))
	if !ok || !slices.Contains(notify.PushFormats, kind) {
		return notify.SinkConfig{}, fmt.Errorf("--push: want KIND=URL with KIND %s (an icinga2 sink, with its credentials, goes in --notify-config)",
			strings.Join(notify.PushFormats, ", "))
	}
	if strings.TrimSpace(u) == "" {
		return notify.SinkConfig{}, fmt.Errorf("--push %s=: the URL is missing", kind)
	}
	return notify.SinkConfig{Format: kind, URL: strings.TrimSpace(u)}, nil
}

// sinkCache shares sinks between the checks of a run (a batch's): each
// check builds its sinks from the same flags and file, and gets the one
// Sink (and so the one HTTP client, with its reused connections) per
// configuration.
type sinkCache struct {
	mu    sync.Mutex
	files map[string]notify.FileConfig
	sinks map[string]*notify.Sink
}

// loadConfig reads a config file once per run, with read (its size cap).
func (c *sinkCache) loadConfig(path string, read func(string, int64) ([]byte, error)) (notify.FileConfig, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if fc, ok := c.files[path]; ok {
		return fc, nil
	}
	data, err := read(path, notify.MaxConfig)
	if err != nil {
		return notify.FileConfig{}, err
	}
	fc, err := notify.ParseConfig(data, strings.EqualFold(filepath.Ext(path), ".json"))
	if err == nil {
		if c.files == nil {
			c.files = map[string]notify.FileConfig{}
		}
		c.files[path] = fc
	}
	return fc, err
}

// share returns the sink built before from the same configuration, or
// keeps s, logging on the run's stderr, for the next check that asks.
func (c *sinkCache) share(rs *runState, cfg notify.SinkConfig, s *notify.Sink) *notify.Sink {
	key, err := json.Marshal(cfg)
	if err != nil {
		return s
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.sinks[string(key)]; ok {
		return old
	}
	s.Redactor = rs.redactor
	s.Log = func(format string, args ...any) {
		rs.logMu.Lock() // sinks deliver concurrently; keep each line whole
		defer rs.logMu.Unlock()
		fmt.Fprintln(rs.stderr, "notify "+fmt.Sprintf(format, args...)) // the run's stderr masks its secrets
	}
	if c.sinks == nil {
		c.sinks = map[string]*notify.Sink{}
	}
	c.sinks[string(key)] = s
	return s
}

// sinks builds the sinks of --notify, --push and --notify-config,
// registering their secrets with the run's redactor. It also returns the
// config file's outbox limits. The checks of a run share one Sink per
// configuration.
func (ce *checkEnv) sinks() ([]*notify.Sink, notify.FileConfig, error) {
	n := &ce.notify
	cache := &ce.run.sinks
	var cfgs []notify.SinkConfig
	for _, u := range n.urls {
		nu, _, err := targetURL(u, "URL", "http")
		if err != nil {
			return nil, notify.FileConfig{}, fmt.Errorf("--notify: %w", err)
		}
		cfgs = append(cfgs, notify.SinkConfig{URL: nu})
	}
	for _, p := range n.pushes {
		c, err := pushSink(p)
		if err != nil {
			return nil, notify.FileConfig{}, err
		}
		cfgs = append(cfgs, c)
	}
	sinks, err := notify.BuildSinks(cfgs, ce.run.getenv)
	if err != nil {
		return nil, notify.FileConfig{}, fmt.Errorf("--notify/--push: %w", err)
	}
	var fc notify.FileConfig
	if n.configFile != "" {
		if fc, err = cache.loadConfig(n.configFile, ce.readFile); err != nil {
			return nil, fc, fmt.Errorf("--notify-config %s: %w", n.configFile, err)
		}
		more, err := notify.BuildSinks(fc.Sinks, ce.run.getenv)
		if err != nil {
			return nil, fc, fmt.Errorf("--notify-config %s: %w", n.configFile, err)
		}
		for _, m := range more {
			for _, s := range sinks {
				if s.Key == m.Key {
					return nil, fc, fmt.Errorf("--notify-config %s: %s is also given with --notify or --push", n.configFile, m.Label)
				}
			}
		}
		sinks = append(sinks, more...)
		cfgs = append(cfgs, fc.Sinks...)
	}
	for i, s := range sinks {
		for _, sec := range s.Secrets() {
			ce.run.redactor.Add(sec)
		}
		s.UserAgent, s.Verbose = "healthprobe/"+shortVersion(), ce.verbose
		sinks[i] = cache.share(ce.run, cfgs[i], s)
	}
	return sinks, fc, nil
}

// tracker builds the notify.Tracker of a check run, or nil when no state or
// notify flag is given. attempts says --attempts was given on the command
// line (where 0 is refused).
func (ce *checkEnv) tracker(attempts bool) (*notify.Tracker, error) {
	n := &ce.notify
	if n.name != "" {
		if err := nagios.CheckName(n.name); err != nil {
			return nil, fmt.Errorf("--name %q: %w", n.name, err)
		}
	}
	if !n.enabled() {
		return nil, nil
	}
	if n.attempts < 0 || (attempts && n.attempts < 1) {
		return nil, errors.New("--attempts must be 1 or more")
	}
	dir := n.stateDir
	if dir == "" {
		var err error
		if dir, err = defaultStateDir(ce.run.getenv); err != nil {
			return nil, err
		}
	}
	if stateDirGuard != nil {
		if err := stateDirGuard(dir); err != nil {
			return nil, err
		}
	}
	sinks, fc, err := ce.sinks()
	if err != nil {
		return nil, err
	}
	return &notify.Tracker{
		Dir: dir, Sinks: sinks, Version: shortVersion(), Host: n.icingaHost, Service: n.icingaService, Redactor: ce.run.redactor,
		Policy:    notify.Policy{Attempts: n.attempts, FailAfter: n.failAfter, RemindEvery: n.remind.every, RemindRuns: n.remind.runs},
		OutboxCap: fc.OutboxCap, OutboxMaxAge: time.Duration(fc.OutboxMaxAge),
	}, nil
}

// notifier is the tracker of a check run and the check's identity, or nil
// when no state or notify flag is given. identity names the check when
// --name is not given; it is asked only when state is kept, and its
// answer is redacted.
func (ce *checkEnv) notifier(attempts bool, identity func() string) (*notify.Tracker, string, error) {
	tr, err := ce.tracker(attempts)
	if tr == nil || err != nil {
		return nil, "", err
	}
	if ce.notify.name != "" {
		return tr, "name:" + ce.notify.name, nil
	}
	if identity == nil {
		return nil, "", errors.New("cannot tell which check this is: give --name")
	}
	return tr, ce.run.redactor.String(identity()), nil
}

// commandIdentity names a check for its state from its command line: the
// command, its arguments and the options that change what it checks. Left
// out: the global options (timeout, output, verbosity, state and notify
// flags) and every secret option (--password, --password-env,
// --password-file ...); secret-looking header values and URL parameters
// are masked (and notifier redacts every secret the run knows, those of a
// URL given without a scheme included), so the
// identity never holds one.
func commandIdentity(cmd *cobra.Command, args []string) string {
	parts := []string{strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")}
	for _, a := range args {
		if strings.Contains(a, "://") {
			a = probe.RedactURL(a)
		}
		parts = append(parts, a)
	}
	fs := cmd.Flags()
	fs.Visit(func(f *pflag.Flag) {
		if isGlobalFlag(f) || isSecretFlag(fs, f.Name) {
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
	return strings.Join(parts, " ")
}

// isSecretFlag recognises the flags of a secretFlags (--X, --X-env, --X-file),
// which are single values: --header-env and --header-file, repeatable, name
// headers and where their values come from, not secrets.
func isSecretFlag(fs *pflag.FlagSet, name string) bool {
	base := strings.TrimSuffix(strings.TrimSuffix(name, "-env"), "-file")
	env := fs.Lookup(base + "-env")
	return env != nil && env.Value.Type() == "string" && fs.Lookup(base+"-file") != nil
}

// begin starts a check's run for the sinks that measure it (a
// healthchecks sink's /start, sent while the check runs). The returned
// function ends what is still waiting; call it once the result is tracked.
// The pings have the check's time and its delivery window, as the result.
func (ce *checkEnv) begin(ctx context.Context, tr *notify.Tracker) context.CancelFunc {
	if tr == nil {
		return func() {}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*ce.timeout)
	tr.Begin(ctx)
	return cancel
}

// track records a check's result and notifies, within a delivery window as
// long as --timeout that starts when the check is done (a check that timed
// out still gets its notification out). Problems are WARNING lines: they
// never stop the result from being reported.
func (ce *checkEnv) track(ctx context.Context, tr *notify.Tracker, identity string, res probe.Result) probe.Result {
	if tr == nil {
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, ce.timeout)
	defer cancel()
	if err := tr.Process(ctx, identity, ce.notify.name, &res); err != nil {
		before := res.State
		res.Add("notify", nagios.Warning, "notify: "+err.Error())
		res.Mention(before, nagios.Warning, "notify: failed")
	}
	return res
}
