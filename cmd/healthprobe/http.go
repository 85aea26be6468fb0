package main

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
)

// httpKind is the check of an HTTP(S) endpoint; its emulator is a small web
// application.
var httpKind = kind{
	name:    "http",
	command: newHTTPCheck,
	demo:    []demoSection{{"HTTP(S) probe", httpDemo}},
	emulators: []emulator{{
		name:    "web",
		handler: func(string) (http.Handler, error) { return emulate.Web(), nil },
		vars:    []demoVar{{"WEB_USER", emulate.WebUser}, {"WEB_PASSWORD", emulate.WebPassword}},
	}},
	macros: []nagiosMacro{{"password", 3}, {"bearer", 4}},
}

// clientFlags are the connection, TLS and auth flags shared by every probe
// that speaks HTTP.
type clientFlags struct {
	insecure           bool
	caFile, cert, key  string
	sni, proxy, agent  string
	user, auth         string
	password, bearer   secretFlags
	maxBody            int64
	headers            []string
	certWarn, certCrit *int
}

func addClientFlags(cmd *cobra.Command, c *clientFlags, withAuth bool) {
	fs := cmd.Flags()
	fs.BoolVarP(&c.insecure, "insecure", "k", false, "do not verify the server's TLS certificate (stated in the output)")
	fs.StringVar(&c.caFile, "ca-file", "", "verify the server against the CA certificates in this PEM file")
	fs.StringVar(&c.cert, "cert", "", "client certificate (PEM) for mutual TLS")
	fs.StringVar(&c.key, "key", "", "private key (PEM) of --cert")
	fs.StringVar(&c.sni, "sni", "", "TLS server name to send and verify, when it differs from the URL's host")
	fs.StringVar(&c.proxy, "proxy", "", "proxy URL (default: the HTTP_PROXY, HTTPS_PROXY and NO_PROXY variables)")
	fs.StringVarP(&c.agent, "user-agent", "A", "healthprobe/"+shortVersion(), "User-Agent header")
	fs.StringArrayVarP(&c.headers, "header", "H", nil, "request header 'Name: value' (repeatable)")
	c.maxBody = probe.DefaultMaxBody
	fs.Var(&sizeValue{&c.maxBody}, "max-body", "read at most this much of a body (1048576, 512K, 1MiB); more is reported")
	fs.Var(&daysValue{&c.certWarn}, "cert-warning", "WARNING when the earliest certificate in the served chain expires within DAYS")
	fs.Var(&daysValue{&c.certCrit}, "cert-critical", "CRITICAL when the earliest certificate in the served chain expires within DAYS")
	if withAuth {
		fs.StringVarP(&c.user, "user", "u", "", "user name for HTTP authentication")
		addSecretFlags(fs, &c.password, "password", "password for --user", true)
		fs.StringVar(&c.auth, "auth", "auto", "authentication scheme: auto (answer the server's challenge), basic or digest")
		addSecretFlags(fs, &c.bearer, "bearer", "bearer token for the Authorization header", false)
	}
}

// build turns the flags into a client config, resolving secrets.
func (c *clientFlags) build(ce *checkEnv) (probe.ClientConfig, error) {
	cc := ce.clientConfig()
	cc.Insecure, cc.CAFile, cc.CertFile, cc.KeyFile = c.insecure, c.caFile, c.cert, c.key
	cc.SNI, cc.Proxy, cc.UserAgent, cc.MaxBody = c.sni, c.proxy, c.agent, c.maxBody
	cc.User, cc.Auth = c.user, c.auth
	cc.CertWarnDays, cc.CertCritDays = c.certWarn, c.certCrit
	if err := headerSafe("--user-agent", c.agent); err != nil {
		return cc, err
	}
	if err := headerSafe("--user", c.user); err != nil {
		return cc, err
	}
	var err error
	if c.password.given() {
		if c.user == "" {
			return cc, fmt.Errorf("a password needs --user")
		}
		if cc.Password, err = c.password.resolve(ce.run); err != nil {
			return cc, err
		}
	}
	if c.bearer.given() {
		if cc.Bearer, err = c.bearer.resolve(ce.run); err != nil {
			return cc, err
		}
		if err := headerSafe("--bearer", cc.Bearer); err != nil {
			return cc, err
		}
	}
	if cc.Headers, err = parseHeaders(c.headers); err != nil {
		return cc, err
	}
	for name, values := range cc.Headers {
		if probe.SensitiveHeader(name) {
			for _, v := range values {
				ce.run.redactor.Add(v)
			}
		}
	}
	// an auth scheme it does not know, or a CA, client certificate or proxy
	// that does not load, is a problem of the command line: report it now,
	// before anything runs
	if _, err := probe.NewClient(cc); err != nil {
		return cc, err
	}
	return cc, nil
}

// headerSafe checks a value sent in a request header: no control
// characters, which net/http would refuse only when the request is sent.
func headerSafe(what, v string) error {
	if !probe.ValidHeaderValue(v) {
		return fmt.Errorf("%s may not contain control characters (a line break, say)", what)
	}
	return nil
}

// isToken reports whether s is an HTTP token (a method or a header name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > 0x7e || r <= 0x20 || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

func parseHeaders(list []string) (http.Header, error) {
	h := http.Header{}
	for _, raw := range list {
		name, value, ok := strings.Cut(raw, ":")
		name = strings.TrimSpace(name)
		if !ok || !isToken(name) {
			return nil, fmt.Errorf("invalid header %q (want 'Name: value')", probe.SanitizeLine(raw, 60))
		}
		if err := headerSafe("header "+name, value); err != nil {
			return nil, err
		}
		h.Add(name, strings.TrimSpace(value))
	}
	return h, nil
}

type httpOptions struct {
	client       clientFlags
	method       string
	data         string
	dataFile     string
	jsonBody     bool
	maxRedirects int
	onRedirect   string
	expect       string
	keywords     []string
	regexes      []string
	invert       bool
	ignoreCase   bool
	headerMatch  []string
	warn, crit   string
	jq           jqFlags
}

func newHTTPCheck() checkCommand {
	o := &httpOptions{}
	cmd := &cobra.Command{
		Use:   "http URL",
		Short: "Check an HTTP(S) endpoint: status, content, auth, TLS certificate and response time",
		Example: `  healthprobe http https://example.com/health -s '"status":"up"' -w 0.5 -c 2
  healthprobe http https://api.example.com/ready --expect-status 200-299 --cert-warning 30 --cert-critical 7
  healthprobe http http://10.0.0.5:8077/status -u admin --password-env ITGRIX_PASSWORD --auth digest`,
		Args: exactArgs(1, "URL"),
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.method, "method", "X", "", "request method (default GET, or POST when a body is given)")
	fs.StringVarP(&o.data, "data", "d", "", "request body")
	fs.StringVar(&o.dataFile, "data-file", "", "read the request body from this file")
	fs.BoolVar(&o.jsonBody, "json", false, "send the body as JSON (Content-Type and Accept: application/json)")
	fs.IntVar(&o.maxRedirects, "max-redirects", 10, "follow at most N redirects (0: do not follow)")
	fs.StringVar(&o.onRedirect, "onredirect", "follow", "on a 3xx answer: follow, or stop with state ok, warning or critical")
	fs.StringVar(&o.expect, "expect-status", "", "acceptable status codes, e.g. 200-299,301 (default: 2xx/3xx OK, 4xx WARNING, 5xx CRITICAL)")
	fs.StringArrayVarP(&o.keywords, "keyword", "s", nil, "the body must contain this text (repeatable: all must be present)")
	fs.StringArrayVarP(&o.regexes, "regex", "r", nil, "the body must match this regular expression (repeatable)")
	fs.BoolVar(&o.invert, "invert", false, "keywords and regexes must be absent")
	fs.BoolVar(&o.ignoreCase, "ignore-case", false, "match keywords and regexes ignoring case")
	fs.StringArrayVar(&o.headerMatch, "header-match", nil, "a response header must match: 'Name: regex' (repeatable)")
	fs.StringVarP(&o.warn, "warning", "w", "", "WARNING range for the response time in seconds (e.g. 0.5)")
	fs.StringVarP(&o.crit, "critical", "c", "", "CRITICAL range for the response time in seconds (e.g. 2)")
	addClientFlags(cmd, &o.client, true)
	addJQFlags(cmd, &o.jq)
	return checkCommand{cmd: cmd, arg: "url", opts: o, build: func(ce *checkEnv, args []string) (checkFunc, error) { return o.build(ce, args[0]) }}
}

func (o *httpOptions) build(ce *checkEnv, rawURL string) (checkFunc, error) {
	u, _, err := targetURL(rawURL, "URL", "http")
	if err != nil {
		return nil, err
	}
	cc, err := o.client.build(ce)
	if err != nil {
		return nil, err
	}
	cfg := probe.HTTPConfig{URL: u, Method: strings.ToUpper(o.method), Keywords: o.keywords, Invert: o.invert, IgnoreCase: o.ignoreCase}
	if o.method != "" && !isToken(o.method) {
		return nil, fmt.Errorf("invalid --method %q (want GET, HEAD, POST ...)", probe.SanitizeLine(o.method, 30))
	}
	for _, kw := range o.keywords {
		if kw == "" {
			return nil, fmt.Errorf("--keyword may not be empty: every body contains the empty text")
		}
	}
	if o.data != "" && o.dataFile != "" {
		return nil, fmt.Errorf("give only one of --data and --data-file")
	}
	if o.data != "" {
		cfg.Body = []byte(o.data)
	}
	if o.dataFile != "" {
		if cfg.Body, err = readLimited(o.dataFile, maxDataFile); err != nil {
			return nil, fmt.Errorf("--data-file: %w", err)
		}
	}
	if o.jsonBody {
		if cc.Headers.Get("Content-Type") == "" {
			cc.Headers.Set("Content-Type", "application/json")
		}
		if cc.Headers.Get("Accept") == "" {
			cc.Headers.Set("Accept", "application/json")
		}
	}
	if o.maxRedirects < 0 {
		return nil, fmt.Errorf("--max-redirects must be 0 or more")
	}
	cc.MaxRedirects = o.maxRedirects
	switch strings.ToLower(o.onRedirect) {
	case "follow":
		cc.Follow = o.maxRedirects > 0
	case "ok", "warning", "critical":
		st, _ := nagios.ParseState(o.onRedirect)
		cfg.OnRedirect = &st
	default:
		return nil, fmt.Errorf("invalid --onredirect %q (want follow, ok, warning or critical)", o.onRedirect)
	}
	cfg.Client = cc
	if o.expect != "" {
		if cfg.Expect, err = probe.ParseStatusSet(o.expect); err != nil {
			return nil, fmt.Errorf("--expect-status: %w", err)
		}
	}
	for _, expr := range o.regexes {
		if expr == "" {
			return nil, fmt.Errorf("--regex may not be empty: it matches every body")
		}
		if o.ignoreCase {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("invalid --regex: %w", err)
		}
		cfg.Regexes = append(cfg.Regexes, re)
	}
	for _, hm := range o.headerMatch {
		name, expr, ok := strings.Cut(hm, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("invalid --header-match %q (want 'Name: regex')", probe.SanitizeLine(hm, 60))
		}
		expr = strings.TrimSpace(expr)
		if o.ignoreCase {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("invalid --header-match for %s: %w", strings.TrimSpace(name), err)
		}
		cfg.HeaderMatch = append(cfg.HeaderMatch, probe.HeaderMatch{Name: strings.TrimSpace(name), Re: re})
	}
	if cfg.Time, err = thresholds(o.warn, o.crit); err != nil {
		return nil, err
	}
	if cfg.Assertions, err = o.jq.build(); err != nil {
		return nil, err
	}
	return func(ctx context.Context) probe.Result { return probe.HTTP(ctx, cfg) }, nil
}

// thresholds parses a -w/-c pair; empty means no threshold.
func thresholds(warn, crit string) (nagios.Thresholds, error) {
	var th nagios.Thresholds
	for _, p := range []struct {
		flag, s string
		dst     **nagios.Range
	}{{"--warning", warn, &th.Warn}, {"--critical", crit, &th.Crit}} {
		if p.s == "" {
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

// exactArgs is cobra.ExactArgs with a message that names what is missing.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < n:
			return fmt.Errorf("missing %s: usage: %s", what, cmd.UseLine())
		case len(args) > n:
			return fmt.Errorf("too many arguments (%s): usage: %s", probe.SanitizeLine(strings.Join(args[n:], " "), 80), cmd.UseLine())
		}
		return nil
	}
}

// maxDataFile caps a request body read with --data-file.
const maxDataFile = 16 << 20

func shortVersion() string {
	if version != "" {
		return version
	}
	return "dev"
}
