package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/probe"
)

// itgrixKind is the check of the Itgrix connector's /status.
var itgrixKind = kind{
	name:    "itgrix",
	command: newItgrixCheck,
	demo:    []demoSection{{"Itgrix status probe", itgrixDemo}},
	emulators: []emulator{{
		// every case is also served at ITGRIX_URL/CASE
		name: "itgrix",
		handler: func(variant string) (http.Handler, error) {
			e, err := emulate.NewItgrix(variant)
			if err != nil {
				return nil, err
			}
			return e, nil
		},
		vars: []demoVar{{"ITGRIX_USER", emulate.ItgrixUser}, {"ITGRIX_PASSWORD", emulate.ItgrixPassword}},
	}},
	macros: []nagiosMacro{{"password", 5}, {"bearer", 6}, {"oauth2-client-secret", 12}},
	doc:    "docs/itgrix.md",
}

type itgrixOptions struct {
	client           clientFlags
	port             int
	scheme           string
	licWarn, licCrit int
	licTypes         []string
	path             string
	jq               jqFlags
}

func newItgrixCheck() checkCommand {
	o := &itgrixOptions{}
	cmd := &cobra.Command{
		Use:   "itgrix HOST",
		Short: "Check the Itgrix connector's /status: application state and status, error text, licence type and end date",
		Long: `itgrix asks the Itgrix connector (Bitrix24/Kommo and Asterisk) for GET /status on
port 8077, with the admin-panel login over HTTP digest auth, and checks:
app_state ("" running, restarting, stopped), app_status (Ok, Warning, Error),
app_err (quoted when not empty), license.type (--license-type) and
license.valid_till (the licence's last valid day, against --license-warning
and --license-critical). HOST may also be a full base URL (https://pbx:8443).

  app_state           "" OK, restarting WARNING, stopped CRITICAL
  app_status          Ok, Warning, Error: OK, WARNING, CRITICAL
  license.type        one of --license-type OK, another WARNING
  license.valid_till  WARNING under --license-warning days left, CRITICAL
                      under --license-critical and once expired
  anything absent     UNKNOWN (the nesting differs between versions)
  login               refused CRITICAL; none given where asked for UNKNOWN

Perfdata: time (s), license_days (with its thresholds), the number of each
--jq. See docs/itgrix.md.`,
		Example: `  healthprobe itgrix 10.0.0.5 -u admin --password-env ITGRIX_PASSWORD
  healthprobe itgrix pbx.example.com -u admin --password-file /etc/healthprobe/itgrix.pw --license-type Professional
  healthprobe itgrix https://pbx.example.com:8443 -u admin --password-env ITGRIX_PASSWORD --path app_state
  healthprobe itgrix 10.0.0.5 -u admin --password-env ITGRIX_PASSWORD --jq '.app.calls_queue.calls' --jq-warning 50`,
		Args: exactArgs(1, "HOST"),
	}
	fs := cmd.Flags()
	fs.IntVar(&o.port, "port", probe.ItgrixPort, "port of the Itgrix API (when HOST is not a full URL)")
	o.scheme = "http"
	addEnum(fs, &o.scheme, "scheme", "scheme", []string{"http", "https"}, "the scheme when HOST is not a full URL")
	fs.IntVar(&o.licWarn, "license-warning", probe.ItgrixLicenseWarnDays, "WARNING when fewer than DAYS days of the licence are left")
	fs.IntVar(&o.licCrit, "license-critical", probe.ItgrixLicenseCritDays, "CRITICAL when fewer than DAYS days of the licence are left")
	fs.StringSliceVar(&o.licTypes, "license-type", probe.ItgrixLicenseTypes, "acceptable licence types (repeatable or comma-separated); another type is WARNING")
	fs.StringVar(&o.path, "path", "", "ask for one element through the path request parameter (app_state, license.type ...) and check just that")
	addClientFlags(cmd, &o.client, true)
	addJQFlags(cmd, &o.jq)
	return checkCommand{cmd: cmd, arg: "host", opts: o, build: func(ce *checkEnv, args []string) (checkFunc, error) { return o.build(ce, cmd, args[0]) }}
}

func (o *itgrixOptions) build(ce *checkEnv, cmd *cobra.Command, host string) (checkFunc, error) {
	fs := cmd.Flags()
	base, err := itgrixBaseURL(host, o.port, o.scheme, fs.Changed("port"), fs.Changed("scheme"))
	if err != nil {
		return nil, err
	}
	ce.run.redactor.AddURL(base)
	if o.licWarn < 0 || o.licCrit < 0 {
		return nil, fmt.Errorf("--license-warning and --license-critical take a number of days (0 or more)")
	}
	var types []string
	for _, t := range o.licTypes {
		if t = strings.TrimSpace(t); t != "" {
			types = append(types, t)
		}
	}
	if len(types) == 0 {
		return nil, fmt.Errorf("--license-type: give at least one licence type")
	}
	if strings.ContainsAny(o.path, "&#?= \t\r\n") {
		return nil, fmt.Errorf("invalid --path %q: give an element name such as app_state or license.type", probe.SanitizeLine(o.path, 60))
	}
	cc, err := o.client.build(ce)
	if err != nil {
		return nil, err
	}
	cc.Follow, cc.MaxRedirects = true, 5
	cfg := probe.ItgrixConfig{
		Client: cc, BaseURL: base, Path: o.path,
		LicenseWarnDays: o.licWarn, LicenseCritDays: o.licCrit, LicenseTypes: types,
	}
	if cfg.Assertions, err = o.jq.build(); err != nil {
		return nil, err
	}
	return func(ctx context.Context) probe.Result { return probe.Itgrix(ctx, cfg) }, nil
}

// itgrixBaseURL builds http://HOST:8077 from HOST, --port and --scheme, or
// takes HOST as a full base URL (a trailing /status is dropped).
func itgrixBaseURL(host string, port int, scheme string, portSet, schemeSet bool) (string, error) {
	host = strings.TrimSpace(host)
	if host == "" {
		return "", fmt.Errorf("missing HOST")
	}
	if strings.Contains(host, "://") {
		if portSet || schemeSet {
			return "", fmt.Errorf("HOST is a full URL: give the port and scheme in it, not with --port or --scheme")
		}
		_, pu, err := targetURL(host, "URL", "http")
		if err != nil {
			return "", err
		}
		if pu.RawQuery != "" || pu.Fragment != "" {
			return "", fmt.Errorf("invalid HOST %q: a base URL takes no query; use --path for one element", probe.RedactURL(host))
		}
		pu.Path = strings.TrimSuffix(strings.TrimRight(pu.Path, "/"), "/status")
		pu.RawPath = ""
		return strings.TrimRight(pu.String(), "/"), nil
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("invalid --scheme %q (want http or https)", scheme)
	}
	if port < 1 || port > 65535 {
		return "", fmt.Errorf("invalid --port %d (want 1 to 65535)", port)
	}
	if strings.ContainsAny(host, "/?#@ ") {
		return "", fmt.Errorf("invalid HOST %q: give a host name or address, or a full base URL such as http://%s", probe.SanitizeLine(host, 60), "pbx:8077")
	}
	h, p := host, strconv.Itoa(port)
	if hh, pp, err := net.SplitHostPort(host); err == nil {
		if portSet {
			return "", fmt.Errorf("the port is given twice: in HOST %q and with --port", probe.SanitizeLine(host, 60))
		}
		h, p = hh, pp
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("invalid port %q in HOST", probe.SanitizeLine(p, 10))
		}
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if h == "" {
		return "", fmt.Errorf("invalid HOST %q: no host name", probe.SanitizeLine(host, 60))
	}
	base := scheme + "://" + net.JoinHostPort(h, p)
	if _, err := url.Parse(base); err != nil {
		return "", fmt.Errorf("invalid HOST %q: not a host name or address", probe.SanitizeLine(host, 60))
	}
	return base, nil
}
