package main

import (
	"context"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/probe"
)

// kaleyraKind is the check of Kaleyra's voice incident API.
var kaleyraKind = kind{
	name:    "kaleyra",
	command: newKaleyraCheck,
	demo:    []demoSection{{"Kaleyra voice incident probe", kaleyraDemo}},
	emulators: []emulator{{
		name:    "kaleyra",
		handler: func(string) (http.Handler, error) { return emulate.Kaleyra(emulate.KaleyraAPIKey), nil },
		vars:    []demoVar{{"KALEYRA_API_KEY", emulate.KaleyraAPIKey}},
	}},
	macros: []nagiosMacro{{"api-key", 10}},
	doc:    "docs/kaleyra.md",
}

type kaleyraOptions struct {
	client      clientFlags
	url         string
	format      string
	apiKey      secretFlags
	regions     []string
	regionCodes []string
	numbers     []string
	services    []string
	jq          jqFlags
}

func newKaleyraCheck() checkCommand {
	o := &kaleyraOptions{}
	cmd := &cobra.Command{
		Use:   "kaleyra",
		Short: "Check Kaleyra voice numbers through the Health Check plugin's incident API (method=monitor)",
		Long: `kaleyra asks Kaleyra's voice incident API (the Health Check plugin, method=monitor)
how every subscribed number stands, region by region: operational is OK,
warning WARNING, critical CRITICAL. Filters narrow the check to regions,
region codes, numbers or services, so that one Nagios service can watch one
number; a filter value that matches nothing in the answer is UNKNOWN.

  E701 (no incidents)          OK
  E542 (plugin not enabled)    UNKNOWN, saying where to enable it
  a key the API refuses        CRITICAL; no key given is a usage error
  an unknown type or code      UNKNOWN, quoted
  HTTP 5xx                     CRITICAL

Perfdata: time (s); operational, warning and critical, the numbers in each
state; the number of each --jq. See docs/kaleyra.md.`,
		Example: `  healthprobe kaleyra --api-key-env KALEYRA_API_KEY
  healthprobe kaleyra --api-key-file /etc/healthprobe/kaleyra.key --number +918040001111
  healthprobe kaleyra --api-key-env KALEYRA_API_KEY --region-code KA-IN --service incoming --format json`,
		Args: exactArgs(0, "arguments"),
	}
	fs := cmd.Flags()
	fs.StringVar(&o.url, "url", probe.KaleyraDefaultURL, "base URL of the voice API")
	o.format = "xml"
	addEnum(fs, &o.format, "format", "format", []string{"xml", "json"}, "answer format to ask for")
	addSecretFlags(fs, &o.apiKey, "api-key", "API key of the monitor plugin", true)
	fs.StringArrayVar(&o.regions, "region", nil, "watch only this region, e.g. karnataka (repeatable; ignores case)")
	fs.StringArrayVar(&o.regionCodes, "region-code", nil, "watch only this region code, e.g. KA-IN (repeatable; ignores case)")
	fs.StringArrayVar(&o.numbers, "number", nil, "watch only this number, compared by its digits: +91 80 4000 1111 (repeatable)")
	addChoiceList(fs, &o.services, "service", []string{"incoming", "outgoing", "all"}, "watch only incidents on this service: incoming, outgoing or all (repeatable)")
	addClientFlags(cmd, &o.client, false)
	addJQFlags(cmd, &o.jq)
	return checkCommand{cmd: cmd, opts: o, build: func(ce *checkEnv, _ []string) (checkFunc, error) { return o.build(ce) }}
}

func (o *kaleyraOptions) build(ce *checkEnv) (checkFunc, error) {
	// the key travels in the query: never default to plain http
	base, _, err := targetURL(o.url, "URL", "https")
	if err != nil {
		return nil, err
	}
	ce.run.redactor.AddURL(base)
	// the probe checks the values of the flags; an empty key is its "no API key"
	key, err := o.apiKey.resolve(ce) // registered for redaction with its URL-encoded forms
	if err != nil {
		return nil, err
	}
	cc, err := o.client.build(ce)
	if err != nil {
		return nil, err
	}
	assertions, err := o.jq.build()
	if err != nil {
		return nil, err
	}
	cfg := probe.KaleyraConfig{
		Client: cc, BaseURL: base, APIKey: key, Format: o.format,
		Regions: o.regions, RegionCodes: o.regionCodes, Numbers: o.numbers, Services: o.services,
		Assertions: assertions,
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return func(ctx context.Context) probe.Result { return probe.Kaleyra(ctx, cfg) }, nil
}
