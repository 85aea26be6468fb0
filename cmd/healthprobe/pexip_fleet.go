package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
)

// pexipFleetKind is the check of every Conferencing Node of a Pexip
// Infinity deployment, from its Management Node.
var pexipFleetKind = kind{
	name:    "pexip-fleet",
	command: newPexipFleetCheck,
	demo:    []demoSection{{"Pexip Infinity fleet probe", pexipFleetDemo}},
	emulators: []emulator{{
		name: "pexip-fleet", // published as PEXIP_FLEET_URL; its nodes are under $PEXIP_FLEET_URL/nodes/NAME
		handler: func(fleet string) (http.Handler, error) {
			m, err := emulate.NewPexipManager(fleet)
			if err != nil {
				return nil, err
			}
			return m, nil
		},
		vars: []demoVar{{"PEXIP_FLEET_USER", emulate.PexipManagerUser}, {"PEXIP_FLEET_PASSWORD", emulate.PexipManagerPassword}},
	}},
	macros: []nagiosMacro{{"password", 14}, {"bearer", 15}, {"pin", 16}, {"oauth2-client-secret", 17}},
	doc:    "docs/pexip-fleet.md",
}

type pexipFleetOptions struct {
	client                   clientFlags
	locations, nodes, types  []string
	staleAfter               time.Duration
	maintenanceState         nagios.State
	loadWarn, loadCrit       string
	includeAcknowledged      bool
	licenceWarn, licenceCrit string
	minNodes                 []string
	testCall                 string
	nodeURL                  string
	concurrency              int
	displayName, callTag     string
	pin                      secretFlags
	guest                    bool
	jq                       jqFlags
}

func newPexipFleetCheck() checkCommand {
	o := &pexipFleetOptions{staleAfter: probe.DefaultStaleAfter, maintenanceState: nagios.Warning}
	cmd := &cobra.Command{
		Use:   "pexip-fleet MANAGER",
		Short: "Check every Pexip Conferencing Node from the Management Node: sync, reports, maintenance, load, alarms, licences, and a test call on each",
		Long: `pexip-fleet asks a Pexip Infinity Management Node's status API (Basic auth,
one request per list and page) about every Conferencing Node, the active alarms
and the licences, and applies rules: a node not SYNCED is WARNING, one whose
last report is older than --stale-after CRITICAL, one in maintenance mode
--maintenance-state, media load against --load-warning/--load-critical;
alarms by level (critical, major, error: CRITICAL; warning, minor: WARNING),
licence use against --licence-warning/--licence-critical, --min-nodes.
Each node is a sub-check (node:NAME). With --test-call, every selected node
not in maintenance gets the test call of "healthprobe pexip" (request_token,
then release_token), a few at once, at https://{hostname}.{domain} from the
configuration API or --node-url; the Management Node's login never goes to a
node. --jq runs on the fleet's JSON (see docs/pexip-fleet.md).

MANAGER is a host, host:port or base URL; https is assumed unless a URL says http.
A login the Management Node refuses is CRITICAL; none given, or an account
that may not read the status API, UNKNOWN.

Perfdata: nodes, nodes_ok, alarms; licence_ports and licence_audio (used, of
the total) with their _pct (%, with the licence thresholds); load_NODE (%,
with the load thresholds) and, with --test-call, call_NODE (s) per node; the
number of each --jq.`,
		Example: `  healthprobe pexip-fleet mgr.pexip.example.com -u monitor --password-env PEXIP_PASSWORD
  healthprobe pexip-fleet mgr.pexip.example.com -u monitor --password-env PEXIP_PASSWORD --location London --min-nodes London=4
  healthprobe pexip-fleet mgr.pexip.example.com -u monitor --password-file /etc/healthprobe/pexip-mgr.pw --test-call probe.testcall -t 30
  healthprobe pexip-fleet mgr.pexip.example.com -u monitor --password-env PEXIP_PASSWORD --test-call probe.testcall --node-url 'https://{address}:8443'`,
		Args: exactArgs(1, "MANAGER"),
	}
	fs := cmd.Flags()
	fs.StringArrayVar(&o.locations, "location", nil, "only nodes in this system location (repeatable; a glob, any case)")
	fs.StringArrayVar(&o.nodes, "node", nil, "only this node (repeatable; a glob on the node's name, any case)")
	addChoiceList(fs, &o.types, "node-type", []string{"conferencing", "proxying"}, "only nodes of this type: conferencing or proxying (repeatable, any case)")
	fs.Var(&durationValue{&o.staleAfter}, "stale-after", "CRITICAL when a node's last report (last_updated) is older than this (300, 5m)")
	addState(fs, &o.maintenanceState, "maintenance-state", "state of a node in maintenance mode")
	inGroup(fs, groupThresholds, func() {
		o.loadWarn = "80"
		addRange(fs, &o.loadWarn, "load-warning", "", "WARNING range for a node's media load, in percent")
		o.loadCrit = "95"
		addRange(fs, &o.loadCrit, "load-critical", "", "CRITICAL range for a node's media load, in percent")
		o.licenceWarn = "85"
		addRange(fs, &o.licenceWarn, "licence-warning", "", "WARNING range for port and audio licence use, in percent")
		o.licenceCrit = "95"
		addRange(fs, &o.licenceCrit, "licence-critical", "", "CRITICAL range for port and audio licence use, in percent")
	})
	fs.BoolVar(&o.includeAcknowledged, "include-acknowledged", false, "count acknowledged alarms too")
	fs.StringArrayVar(&o.minNodes, "min-nodes", nil, "CRITICAL with fewer selected nodes than N, or than N in LOCATION: [LOCATION=]N (repeatable)")
	fs.StringVar(&o.testCall, "test-call", "", "make a test call on this alias on every selected node not in maintenance")
	fs.StringVar(&o.nodeURL, "node-url", "", "a node's base URL for --test-call: {name}, {hostname}, {domain}, {address} (default https://{hostname}.{domain})")
	fs.IntVar(&o.concurrency, "test-call-concurrency", probe.DefaultTestCallConcurrency, "how many test calls run at once")
	fs.StringVar(&o.displayName, "display-name", "healthprobe", "participant name of the test calls, shown in the Live View")
	fs.StringVar(&o.callTag, "call-tag", "healthprobe", "call tag of the test calls")
	addSecretFlags(fs, &o.pin, "pin", "PIN of the --test-call alias", true)
	fs.BoolVar(&o.guest, "guest", false, `join a --test-call room whose hosts need a PIN as a guest (the PIN "none")`)
	addClientFlags(cmd, &o.client, true)
	// a page of 1000 nodes is about 1 MiB: a larger cap per page by default
	o.client.maxBody = probe.DefaultFleetMaxPage
	maxBody := fs.Lookup("max-body")
	maxBody.DefValue, maxBody.Usage = formatSize(o.client.maxBody), "read at most this much of one page of a list (4MiB, 512K); more is reported"
	addJQFlags(cmd, &o.jq)
	return checkCommand{cmd: cmd, arg: "manager", opts: o, build: func(ce *checkEnv, args []string) (checkFunc, error) { return o.build(ce, cmd, args[0]) }}
}

func (o *pexipFleetOptions) build(ce *checkEnv, cmd *cobra.Command, manager string) (checkFunc, error) {
	base, err := pexipManagerURL(manager)
	if err != nil {
		return nil, err
	}
	cfg := probe.PexipFleetConfig{BaseURL: base, StaleAfter: o.staleAfter, MaintenanceState: o.maintenanceState,
		IncludeAcknowledged: o.includeAcknowledged, NodeTypes: o.types}
	for _, f := range []struct {
		flag  string
		globs []string
		dst   *[]string
	}{{"--location", o.locations, &cfg.Locations}, {"--node", o.nodes, &cfg.Nodes}} {
		for _, glob := range f.globs {
			if err := probe.ValidateGlob(f.flag, glob); err != nil {
				return nil, err
			}
		}
		*f.dst = f.globs
	}
	if cfg.Load, err = percentThresholds("--load", o.loadWarn, o.loadCrit); err != nil {
		return nil, err
	}
	if cfg.Licence, err = percentThresholds("--licence", o.licenceWarn, o.licenceCrit); err != nil {
		return nil, err
	}
	for _, s := range o.minNodes {
		mn, err := parseMinNodes(s)
		if err != nil {
			return nil, err
		}
		cfg.MinNodes = append(cfg.MinNodes, mn)
	}
	if cfg.TestCall, err = o.testCallConfig(ce, cmd); err != nil {
		return nil, err
	}
	if strings.EqualFold(o.client.auth, "digest") {
		return nil, fmt.Errorf("--auth digest: the management API takes Basic auth, sent with the first request")
	}
	if cfg.Client, err = o.client.build(ce); err != nil {
		return nil, err
	}
	if cfg.Assertions, err = o.jq.build(); err != nil {
		return nil, err
	}
	return func(ctx context.Context) probe.Result { return probe.PexipFleet(ctx, cfg) }, nil
}

// testCallConfig builds --test-call and the flags that go with it; nil
// without --test-call (then none of them may be given).
func (o *pexipFleetOptions) testCallConfig(ce *checkEnv, cmd *cobra.Command) (*probe.FleetTestCall, error) {
	alias := strings.TrimSpace(o.testCall)
	if alias == "" {
		for _, f := range []string{"node-url", "test-call-concurrency", "display-name", "call-tag", "pin", "pin-env", "pin-file", "guest"} {
			if cmd.Flags().Changed(f) {
				return nil, fmt.Errorf("--%s goes with --test-call ALIAS", f)
			}
		}
		return nil, nil
	}
	tc := &probe.FleetTestCall{Alias: alias, DisplayName: o.displayName, CallTag: o.callTag, NodeURL: strings.TrimSpace(o.nodeURL),
		Concurrency: o.concurrency}
	switch {
	case strings.TrimSpace(o.displayName) == "":
		return nil, fmt.Errorf("--display-name may not be empty: Pexip requires one")
	case o.guest && o.pin.given():
		return nil, fmt.Errorf("give either a PIN or --guest, not both")
	case o.concurrency < 1 || o.concurrency > probe.MaxTestCallConcurrency:
		return nil, fmt.Errorf("--test-call-concurrency %d is out of range (1 to %d)", o.concurrency, probe.MaxTestCallConcurrency)
	}
	if tc.NodeURL != "" {
		if err := probe.ValidateNodeURL(tc.NodeURL); err != nil {
			return nil, err
		}
	}
	switch {
	case o.guest:
		tc.PIN = "none"
	case o.pin.given():
		pin, err := o.pin.resolve(ce)
		if err != nil {
			return nil, err
		}
		if err := headerSafe("--pin", pin); err != nil {
			return nil, err
		}
		tc.PIN = pin
	}
	return tc, nil
}

// percentThresholds parses a --X-warning/--X-critical pair of ranges; an
// empty one is off.
func percentThresholds(prefix, warn, crit string) (nagios.Thresholds, error) {
	var th nagios.Thresholds
	for _, p := range []struct {
		flag, s string
		dst     **nagios.Range
	}{{prefix + "-warning", warn, &th.Warn}, {prefix + "-critical", crit, &th.Crit}} {
		if strings.TrimSpace(p.s) == "" {
			continue
		}
		r, err := nagios.ParseRange(p.s)
		if err != nil {
			return th, fmt.Errorf("%s: %w", p.flag, err)
		}
		*p.dst = &r
	}
	return th, nil
}

// parseMinNodes reads --min-nodes: N, or LOCATION=N.
func parseMinNodes(s string) (probe.MinNodes, error) {
	loc, n, hasLoc := strings.Cut(s, "=")
	if !hasLoc {
		loc, n = "", s
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	switch {
	case hasLoc && strings.TrimSpace(loc) == "":
		return probe.MinNodes{}, fmt.Errorf("--min-nodes %q: give LOCATION=N or N", probe.SanitizeLine(s, 60))
	case err != nil || count < 1 || count > 100000:
		return probe.MinNodes{}, fmt.Errorf("--min-nodes %q: %q is not a number of nodes (1 or more)", probe.SanitizeLine(s, 60), probe.SanitizeLine(n, 20))
	}
	return probe.MinNodes{Location: strings.TrimSpace(loc), N: count}, nil
}

// pexipManagerURL turns MANAGER (host, host:port or URL) into the
// Management Node's base URL, https unless the URL says otherwise.
func pexipManagerURL(manager string) (string, error) {
	s, u, err := targetURL(manager, "MANAGER", "https")
	switch {
	case err != nil:
		return "", err
	case strings.Contains(u.Path, "/api/"):
		return "", fmt.Errorf("MANAGER is the Management Node's address, not an API URL: give %s://%s", u.Scheme, u.Host)
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("invalid MANAGER %q: no query or fragment allowed", probe.RedactURL(manager))
	}
	return strings.TrimRight(s, "/"), nil
}
