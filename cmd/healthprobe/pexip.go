package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
)

// pexipKind is the check that a Pexip Infinity Conferencing Node takes a
// call.
var pexipKind = kind{
	name:    "pexip",
	command: newPexipCheck,
	demo:    []demoSection{{"Pexip Infinity probe", pexipDemo}},
	emulators: []emulator{{
		name:    "pexip",
		handler: func(string) (http.Handler, error) { return emulate.NewPexip(), nil },
		vars:    []demoVar{{"PEXIP_PIN", emulate.PexipHostPIN}},
	}},
	macros: []nagiosMacro{{"pin", 7}, {"password", 8}, {"bearer", 9}, {"oauth2-client-secret", 13}},
	doc:    "docs/pexip.md",
}

type pexipOptions struct {
	client           clientFlags
	alias            string
	displayName      string
	callTag          string
	pin              secretFlags
	guest            bool
	noRelease        bool
	checkStatus      bool
	maintenanceState nagios.State
	warn, crit       string
	jq               jqFlags
}

func newPexipCheck() checkCommand {
	o := &pexipOptions{maintenanceState: nagios.Warning}
	cmd := &cobra.Command{
		Use:   "pexip NODE --alias ALIAS",
		Short: "Prove a Pexip Infinity Conferencing Node can take a call: request a call token, then release it",
		Long: `pexip asks a Conferencing Node for a call token on ALIAS, as a WebRTC client
does when it joins (POST /api/client/v2/conferences/ALIAS/request_token), and
hands the token straight back (release_token) so the probe's call leaves the
Live View at once. First it asks GET /api/client/v2/status, to tell a node in
maintenance mode from a failing one.

NODE is a host, host:port or base URL; https is assumed unless a URL says http.
Point --alias at a test call service, named so admins know the calls are the probe's.

  call accepted, token released   OK
  maintenance mode                --maintenance-state (WARNING), no call made
  token not released              WARNING: the call lingers up to 120 s
  a PIN the node refuses          CRITICAL; a PIN needed and not given UNKNOWN
  a Virtual Reception or SSO      WARNING: point --alias elsewhere
  unknown alias, 401, 5xx, refused, not a Pexip node   CRITICAL

Perfdata: time (s, the request_token round trip, with -w and -c); the number
of each --jq. See docs/pexip.md.`,
		Example: `  healthprobe pexip conf01.example.com --alias probe.testcall -w 0.5 -c 2
  healthprobe pexip https://conf01.example.com --alias meet.ops --pin-env PEXIP_PIN
  healthprobe pexip 10.0.0.21:8443 --alias meet.ops --guest --ca-file pexip-ca.pem`,
		Args: exactArgs(1, "NODE"),
	}
	fs := cmd.Flags()
	fs.StringVar(&o.alias, "alias", "", "the alias to call (required): a test call service or a room")
	fs.StringVar(&o.displayName, "display-name", "healthprobe", "participant name shown in the Live View")
	fs.StringVar(&o.callTag, "call-tag", "healthprobe", "call tag, so admins and event sinks can tell the probe's calls apart")
	addSecretFlags(fs, &o.pin, "pin", "conference PIN", true)
	fs.BoolVar(&o.guest, "guest", false, `join a room whose hosts need a PIN as a guest (sends the PIN "none", as Pexip's apps do)`)
	fs.BoolVar(&o.noRelease, "no-release", false, "leave the token to expire (the call stays in the Live View for its lifetime, 120 s)")
	fs.BoolVar(&o.checkStatus, "check-status", true, "ask the status endpoint first, to report maintenance mode (--check-status=false skips it)")
	addState(fs, &o.maintenanceState, "maintenance-state", "state of a node in maintenance mode")
	inGroup(fs, groupThresholds, func() {
		addRange(fs, &o.warn, "warning", "w", "WARNING range for the request_token time in seconds (e.g. 0.5)")
		addRange(fs, &o.crit, "critical", "c", "CRITICAL range for the request_token time in seconds (e.g. 2)")
	})
	addClientFlags(cmd, &o.client, true)
	addJQFlags(cmd, &o.jq)
	return checkCommand{cmd: cmd, arg: "node", opts: o, build: func(ce *checkEnv, args []string) (checkFunc, error) { return o.build(ce, args[0]) }}
}

func (o *pexipOptions) build(ce *checkEnv, node string) (checkFunc, error) {
	base, err := pexipBaseURL(node)
	if err != nil {
		return nil, err
	}
	ce.run.redactor.AddURL(base)
	cfg := probe.PexipConfig{
		BaseURL: base, Alias: strings.TrimSpace(o.alias), DisplayName: o.displayName, CallTag: o.callTag,
		Release: !o.noRelease, CheckStatus: o.checkStatus, MaintenanceState: o.maintenanceState,
	}
	switch {
	case cfg.Alias == "":
		return nil, fmt.Errorf("missing --alias: the alias to call, e.g. a test call service")
	case strings.TrimSpace(o.displayName) == "":
		return nil, fmt.Errorf("--display-name may not be empty: Pexip requires one")
	case o.guest && o.pin.given():
		return nil, fmt.Errorf("give either a PIN or --guest, not both")
	}
	if cfg.Client, err = o.client.build(ce); err != nil {
		return nil, err
	}
	switch {
	case o.guest:
		cfg.PIN = "none"
	case o.pin.given():
		if cfg.PIN, err = o.pin.resolve(ce); err != nil {
			return nil, err
		}
		if err := headerSafe("--pin", cfg.PIN); err != nil {
			return nil, err
		}
	}
	if cfg.Time, err = thresholds(o.warn, o.crit); err != nil {
		return nil, err
	}
	if cfg.Assertions, err = o.jq.build(); err != nil {
		return nil, err
	}
	return func(ctx context.Context) probe.Result { return probe.Pexip(ctx, cfg) }, nil
}

// pexipBaseURL turns NODE (host, host:port or URL) into the node's base URL,
// https unless the URL says otherwise.
func pexipBaseURL(node string) (string, error) {
	s, u, err := targetURL(node, "NODE", "https")
	switch {
	case err != nil:
		return "", err
	case strings.Contains(u.Path, "/api/client/"):
		return "", fmt.Errorf("NODE is the node's address, not an API URL: give %s://%s and --alias", u.Scheme, u.Host)
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("invalid NODE %q: no query or fragment allowed", probe.RedactURL(node))
	}
	return strings.TrimRight(s, "/"), nil
}
