package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

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
	macros: []nagiosMacro{{"password", 3}, {"bearer", 4}, {"oauth2-client-secret", 11}},
	doc:    "docs/http.md",
}

// clientFlags are the connection, TLS and auth flags shared by every probe
// that speaks HTTP.
type clientFlags struct {
	insecure, extended     bool
	caFile, cert, key      string
	sni, proxy, agent      string
	noProxy, address       string
	ipv4, ipv6             bool
	preferIP               string
	tlsMin, tlsMax         string
	httpVersion            string
	user, auth             string
	password, bearer       secretFlags
	maxBody                int64
	headers                []string
	headerEnv, headerFile  []string
	certWarn, certCrit     *int
	oauthURL, oauthID      string
	oauthSecret            secretFlags
	oauthScopes, oauthArgs []string
}

func addClientFlags(cmd *cobra.Command, c *clientFlags, withAuth bool) {
	fs := cmd.Flags()
	inGroup(fs, groupTLS, func() {
		fs.BoolVarP(&c.insecure, "insecure", "k", false, "do not verify the server's TLS certificate (stated in the output)")
		fs.StringVar(&c.caFile, "ca-file", "", "verify the server against the CA certificates in this PEM file")
		fs.StringVar(&c.cert, "cert", "", "client certificate (PEM) for mutual TLS")
		fs.StringVar(&c.key, "key", "", "private key (PEM) of --cert")
		fs.StringVar(&c.sni, "sni", "", "TLS server name to send and verify, when it differs from the URL's host")
		addEnum(fs, &c.tlsMin, "tls-min", "version", tlsVersions, "lowest TLS version to offer: 1.0, 1.1, 1.2 or 1.3 (default 1.2)")
		addEnum(fs, &c.tlsMax, "tls-max", "version", tlsVersions, "highest TLS version to offer")
		fs.Var(&daysValue{&c.certWarn}, "cert-warning", "WARNING when the earliest certificate in the served chain expires within DAYS")
		fs.Var(&daysValue{&c.certCrit}, "cert-critical", "CRITICAL when the earliest certificate in the served chain expires within DAYS")
	})
	inGroup(fs, groupConnection, func() {
		fs.StringVar(&c.proxy, "proxy", "", "proxy URL (default the HTTP_PROXY, HTTPS_PROXY and NO_PROXY variables)")
		fs.StringVar(&c.noProxy, "no-proxy", "", "hosts reached without the proxy, with --proxy too: names (and their subdomains), addresses, CIDR prefixes, * (comma-separated)")
		fs.StringVarP(&c.address, "address", "I", "", "connect to ADDRESS[:PORT] instead, the URL's host staying in Host, SNI and the certificate check (check_curl -I)")
		fs.BoolVarP(&c.ipv4, "ipv4", "4", false, "connect over IPv4 only")
		fs.BoolVarP(&c.ipv6, "ipv6", "6", false, "connect over IPv6 only")
		addEnum(fs, &c.preferIP, "prefer-ip", "version", []string{"4", "6"}, "try this IP version's addresses first, then the other's")
		addEnum(fs, &c.httpVersion, "http-version", "version", []string{"1.1", "2"}, "speak this HTTP version only, 1.1 or 2, and fail when it is not granted (default HTTP/2 when TLS offers it)")
		c.maxBody = probe.DefaultMaxBody
		addSize(fs, &c.maxBody, "max-body", "read at most this much of a body (1048576, 512K, 1MiB); more is reported")
	})
	inGroup(fs, groupRequest, func() {
		fs.StringVarP(&c.agent, "user-agent", "A", "healthprobe/"+shortVersion(), "User-Agent header (a -H 'User-Agent: ...' wins)")
		addList(fs, &c.headers, "header", "H", "request header 'Name: value' (repeatable)")
		addList(fs, &c.headerEnv, "header-env", "", "request header 'Name: VAR' whose value is the environment variable VAR's, kept secret (repeatable)")
		addList(fs, &c.headerFile, "header-file", "", "request header 'Name: PATH' whose value is the first line of the file PATH, kept secret (repeatable)")
	})
	inGroup(fs, groupThresholds, func() {
		fs.BoolVarP(&c.extended, "extended-perfdata", "E", false, "add the phase timings to the perfdata: time_dns, time_connect, time_tls, time_firstbyte, time_transfer")
	})
	if withAuth {
		inGroup(fs, groupAuth, func() {
			fs.StringVarP(&c.user, "user", "u", "", "user name for HTTP authentication")
			addSecretFlags(fs, &c.password, "password", "password for --user", true)
			c.auth = "auto"
			addEnum(fs, &c.auth, "auth", "scheme", []string{"auto", "basic", "digest"}, "authentication scheme: auto (answer the server's challenge), basic or digest")
			addSecretFlags(fs, &c.bearer, "bearer", "bearer token for the Authorization header", false)
			fs.StringVar(&c.oauthURL, "oauth2-token-url", "", "get a bearer token first from this OAuth2 token endpoint (client credentials grant)")
			fs.StringVar(&c.oauthID, "oauth2-client-id", "", "OAuth2 client id")
			addSecretFlags(fs, &c.oauthSecret, "oauth2-client-secret", "OAuth2 client secret", true)
			addList(fs, &c.oauthScopes, "oauth2-scope", "", "OAuth2 scope to ask for (repeatable)")
			addList(fs, &c.oauthArgs, "oauth2-param", "", "more OAuth2 token request parameters 'name=value' (repeatable)")
		})
	}
}

// tlsVersions are the values of --tls-min and --tls-max.
var tlsVersions = []string{"1.0", "1.1", "1.2", "1.3"}

// build turns the flags into a client config, resolving secrets.
func (c *clientFlags) build(ce *checkEnv) (probe.ClientConfig, error) {
	cc := ce.clientConfig()
	cc.Insecure, cc.CAFile, cc.CertFile, cc.KeyFile = c.insecure, c.caFile, c.cert, c.key
	cc.SNI, cc.Proxy, cc.UserAgent, cc.MaxBody = c.sni, c.proxy, c.agent, c.maxBody
	cc.User, cc.Auth, cc.ExtendedPerf = c.user, c.auth, c.extended
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
		if cc.Password, err = c.password.resolve(ce); err != nil {
			return cc, err
		}
	}
	if c.bearer.given() {
		if cc.Bearer, err = c.bearer.resolve(ce); err != nil {
			return cc, err
		}
		if err := headerSafe("--bearer", cc.Bearer); err != nil {
			return cc, err
		}
	}
	if cc.Headers, err = parseHeaders(c.headers); err != nil {
		return cc, err
	}
	if err := c.secretHeaders(ce, cc.Headers); err != nil {
		return cc, err
	}
	if err := c.connection(&cc); err != nil {
		return cc, err
	}
	if cc.OAuth2, err = c.oauth2(ce); err != nil {
		return cc, err
	}
	// an auth scheme it does not know, or a CA, client certificate or proxy
	// that does not load, is a problem of the command line: report it now,
	// before anything runs. Validating the client adds its secrets to the
	// run's redactor (the Basic value of the login, credential headers, the
	// proxy's password): a batch's are all known before any check runs.
	return cc, cc.Validate()
}

// secretHeaders adds the headers whose values come from the environment
// (--header-env 'Name: VAR') or a file's first line (--header-file 'Name:
// PATH'): each value is a secret.
func (c *clientFlags) secretHeaders(ce *checkEnv, h http.Header) error {
	for _, src := range []struct {
		flag  string
		specs []string
		read  func(string) (string, error)
	}{
		{"--header-env", c.headerEnv, func(v string) (string, error) {
			if s := ce.run.getenv(v); s != "" {
				return s, nil
			}
			return "", fmt.Errorf("environment variable %s is not set or empty", v)
		}},
		{"--header-file", c.headerFile, ce.readFirstLine},
	} {
		for _, spec := range src.specs {
			name, from, ok := strings.Cut(spec, ":")
			name, from = strings.TrimSpace(name), strings.TrimSpace(from)
			if !ok || !isToken(name) || from == "" {
				return fmt.Errorf("invalid %s %q (want 'Name: %s')", src.flag, probe.SanitizeLine(spec, 60),
					map[string]string{"--header-env": "VAR", "--header-file": "PATH"}[src.flag])
			}
			v, err := src.read(from)
			if err != nil {
				return fmt.Errorf("%s %s: %w", src.flag, name, err)
			}
			if err := headerSafe(src.flag+" "+name, v); err != nil {
				return err
			}
			ce.run.redactor.Add(v)
			h.Add(name, v)
		}
	}
	return nil
}

// connection fills where and how the client connects.
func (c *clientFlags) connection(cc *probe.ClientConfig) error {
	switch {
	case c.ipv4 && c.ipv6:
		return errors.New("give only one of -4 and -6")
	case c.ipv4:
		cc.IPVersion = 4
	case c.ipv6:
		cc.IPVersion = 6
	}
	switch c.preferIP {
	case "":
	case "4", "ipv4", "ip4":
		cc.PreferIP = 4
	case "6", "ipv6", "ip6":
		cc.PreferIP = 6
	default:
		return fmt.Errorf("invalid --prefer-ip %q (want 4 or 6)", probe.SanitizeLine(c.preferIP, 20))
	}
	if cc.PreferIP != 0 && cc.IPVersion != 0 {
		return errors.New("--prefer-ip goes with neither -4 nor -6: they allow one version only")
	}
	var err error
	if cc.TLSMin, err = tlsVersion("--tls-min", c.tlsMin); err != nil {
		return err
	}
	if cc.TLSMax, err = tlsVersion("--tls-max", c.tlsMax); err != nil {
		return err
	}
	switch v := strings.TrimPrefix(strings.ToUpper(c.httpVersion), "HTTP/"); v {
	case "":
	case "1.1":
		cc.HTTPVersion = "1.1"
	case "2", "2.0":
		cc.HTTPVersion = "2"
	case "1.0", "1":
		return errors.New("--http-version 1.0 cannot be spoken here: Go sends HTTP/1.1 (use --expect-http-version to require an HTTP/1.0 answer)")
	case "3", "3.0":
		return errors.New("--http-version 3 (QUIC) is not supported")
	default:
		return fmt.Errorf("invalid --http-version %q (want 1.1 or 2)", probe.SanitizeLine(c.httpVersion, 20))
	}
	cc.NoProxy = c.noProxy
	if c.noProxy != "" {
		if _, err := probe.ParseNoProxy(c.noProxy); err != nil {
			return err
		}
	}
	if c.address != "" {
		if strings.ContainsAny(c.address, "/?#@ ") {
			return fmt.Errorf("invalid --address %q (want ADDRESS or ADDRESS:PORT)", probe.SanitizeLine(c.address, 60))
		}
		if c.proxy != "" {
			return errors.New("--address and --proxy do not go together: through a proxy, the proxy chooses the address")
		}
		cc.Address = c.address
	}
	return nil
}

// tlsVersion parses a --tls-min/--tls-max value.
func tlsVersion(flag, v string) (uint16, error) {
	switch strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(v), "tls"), "v") {
	case "":
		return 0, nil
	case "1.0", "1":
		return tls.VersionTLS10, nil
	case "1.1":
		return tls.VersionTLS11, nil
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("invalid %s %q (want 1.0, 1.1, 1.2 or 1.3)", flag, probe.SanitizeLine(v, 20))
}

// oauth2 builds the OAuth2 client-credentials settings, nil without
// --oauth2-token-url.
func (c *clientFlags) oauth2(ce *checkEnv) (*probe.OAuth2, error) {
	if c.oauthURL == "" {
		if c.oauthID != "" || c.oauthSecret.given() || len(c.oauthScopes) > 0 || len(c.oauthArgs) > 0 {
			return nil, errors.New("the --oauth2-* flags need --oauth2-token-url")
		}
		return nil, nil
	}
	u, _, err := targetURL(c.oauthURL, "--oauth2-token-url", "https")
	if err != nil {
		return nil, err
	}
	if c.oauthID == "" || !c.oauthSecret.given() {
		return nil, errors.New("--oauth2-token-url needs --oauth2-client-id and --oauth2-client-secret (-env, -file)")
	}
	if c.bearer.given() || c.user != "" {
		return nil, errors.New("give only one of --oauth2-token-url, --bearer and --user: each sets the Authorization header")
	}
	o := &probe.OAuth2{TokenURL: u, ClientID: c.oauthID, Scopes: c.oauthScopes, Params: url.Values{}}
	if o.ClientSecret, err = c.oauthSecret.resolve(ce); err != nil {
		return nil, err
	}
	for _, a := range c.oauthArgs {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid --oauth2-param %q (want name=value)", probe.SanitizeLine(a, 60))
		}
		o.Params.Add(k, v)
	}
	return o, nil
}

// readFirstLine reads the first line of a small file: a secret's.
func (ce *checkEnv) readFirstLine(path string) (string, error) {
	b, err := ce.readFile(path, maxSecretFile)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return line, nil
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
	client         clientFlags
	method         string
	data           string
	dataFile       string
	jsonBody       bool
	maxRedirects   int
	onRedirect     string
	expect         string
	keywords       []string
	regexes        []string
	invert         bool
	invertRegex    bool
	stateRegex     string
	ignoreCase     bool
	headerMatch    []string
	headerNotMatch []string
	headerMissing  []string
	warn, crit     string
	pageSize       string
	maxAge         string
	certOnly       bool
	requireTLS     bool
	forbidTLS      bool
	httpVersions   string
	cookieJar      string
	jq             jqFlags
}

func newHTTPCheck() checkCommand {
	o, cmd := newHTTPCommand()
	return checkCommand{cmd: cmd, arg: "url", opts: o, build: func(ce *checkEnv, args []string) (checkFunc, error) { return o.build(ce, args[0]) }}
}

// newHTTPCommand builds the http command and its flags: the one schema of
// an http check, on the command line, in a batch file and in a flow's
// steps.
func newHTTPCommand() (*httpOptions, *cobra.Command) {
	o := &httpOptions{}
	cmd := &cobra.Command{
		Use:   "http URL",
		Short: "Check an HTTP(S) endpoint: status, content, auth, TLS certificate and response time",
		Long: `http asks URL once (GET, or POST when a body is given; a URL without a scheme
gets http://) and judges the answer, each part a sub-check with its own state:

  status       1xx to 3xx OK, 4xx WARNING, 5xx CRITICAL; with --expect-status,
               the codes given are OK and any other CRITICAL
  login        a 401 to credentials sent is CRITICAL (authentication failed),
               a 401 without credentials UNKNOWN (give -u and --password-env)
  content      each --keyword, --regex, --header-match and --jq: a failed one is
               CRITICAL (--state-regex, --jq-state) and quotes what the page said
  time         the whole exchange against -w and -c, in seconds
  certificate  the earliest expiry in the served chain against --cert-warning
               and --cert-critical, in days
  network      refused, DNS and TLS failures CRITICAL; a timeout --timeout-state

Redirects are followed, at most --max-redirects; -t bounds the whole check,
redirects and body included. Line 1 reads "HTTP STATE - summary | perfdata",
the problems first, worst first; one line per sub-check follows. Perfdata:
time (s, the whole exchange, with -w and -c), size (B, the body read); with
-E the phases time_dns, time_connect, time_tls, time_firstbyte and
time_transfer; the number of each --jq, under its label.`,
		Example: `  healthprobe http https://example.com/health -s '"status":"up"' -w 0.5 -c 2
  healthprobe http https://api.example.com/ready --expect-status 200-299 --cert-warning 30 --cert-critical 7
  healthprobe http http://10.0.0.5:8077/status -u admin --password-env ITGRIX_PASSWORD --auth digest`,
		Args: exactArgs(1, "URL"),
	}
	fs := cmd.Flags()
	inGroup(fs, groupRequest, func() {
		fs.StringVarP(&o.method, "method", "X", "", "request method (default GET, or POST when a body is given)")
		fs.StringVarP(&o.data, "data", "d", "", "request body")
		fs.StringVar(&o.dataFile, "data-file", "", "read the request body from this file")
		fs.BoolVar(&o.jsonBody, "json", false, "send the body as JSON (Content-Type and Accept: application/json)")
	})
	inGroup(fs, groupConnection, func() {
		fs.IntVar(&o.maxRedirects, "max-redirects", 10, "follow at most N redirects (0: do not follow)")
		o.onRedirect = "follow"
		addEnum(fs, &o.onRedirect, "onredirect", "mode", []string{"follow", "sticky", "stickyport", "ok", "warning", "critical"},
			"on a 3xx answer: follow; sticky or stickyport (follow, connecting to the first address, and port); or stop with state ok, warning or critical")
		fs.StringVar(&o.cookieJar, "cookie-jar", "", "read cookies from this Netscape cookie file, if it exists, and write them back after the check (curl's format)")
	})
	inGroup(fs, groupContent, func() {
		fs.StringVar(&o.expect, "expect-status", "", "acceptable status codes, e.g. 200-299,301 (default 2xx/3xx OK, 4xx WARNING, 5xx CRITICAL)")
		fs.StringVar(&o.httpVersions, "expect-http-version", "", "the answer must come in one of these HTTP versions: 1.0, 1.1, 2 (comma-separated)")
		fs.BoolVar(&o.requireTLS, "require-tls", false, "CRITICAL when the final answer came over plain HTTP")
		fs.BoolVar(&o.forbidTLS, "forbid-tls", false, "CRITICAL when the final answer came over TLS")
		addList(fs, &o.keywords, "keyword", "s", "the body must contain this text (repeatable: all must be present)")
		addList(fs, &o.regexes, "regex", "r", "the body must match this regular expression, ^ and $ matching at line breaks (repeatable)")
		fs.BoolVar(&o.invert, "invert", false, "keywords and regexes must be absent")
		fs.BoolVar(&o.invertRegex, "invert-regex", false, "the regexes must not match (keywords are left alone)")
		addEnum(fs, &o.stateRegex, "state-regex", "state", []string{"warning", "critical"}, "state of a failed --regex: warning or critical (default critical)")
		fs.BoolVar(&o.ignoreCase, "ignore-case", false, "match keywords and regexes ignoring case")
		addList(fs, &o.headerMatch, "header-match", "", "a response header must match: 'Name: regex', any value of a repeated header (repeatable)")
		addList(fs, &o.headerNotMatch, "header-not-match", "", "a response header must not match: 'Name: regex', no value of a repeated header (repeatable)")
		addList(fs, &o.headerMissing, "header-allow-missing", "", "the --header-match and --header-not-match of this header pass when it is absent (repeatable)")
		fs.StringVarP(&o.pageSize, "pagesize", "m", "", "the body's size in bytes must be at least MIN, and at most MAX: MIN[:MAX] (WARNING otherwise)")
		fs.StringVarP(&o.maxAge, "max-age", "M", "", "CRITICAL when the document's Last-Modified is older than this, by the answer's Date: 90 (seconds), 10m, 12h, 7d")
		fs.BoolVar(&o.certOnly, "cert-only", false, "check the certificate alone: no redirect, no status or content check (check_curl -C without --continue-after-certificate)")
	})
	inGroup(fs, groupThresholds, func() {
		addRange(fs, &o.warn, "warning", "w", "WARNING range for the response time in seconds (e.g. 0.5)")
		addRange(fs, &o.crit, "critical", "c", "CRITICAL range for the response time in seconds (e.g. 2)")
	})
	addClientFlags(cmd, &o.client, true)
	addJQFlags(cmd, &o.jq)
	return o, cmd
}

func (o *httpOptions) build(ce *checkEnv, rawURL string) (checkFunc, error) {
	cfg, err := o.config(ce, rawURL)
	if err != nil {
		return nil, err
	}
	if o.cookieJar == "" {
		return func(ctx context.Context) probe.Result { return probe.HTTP(ctx, cfg) }, nil
	}
	jar, err := loadCookieJar(ce, o.cookieJar)
	if err != nil {
		return nil, err
	}
	for _, v := range jar.Values() {
		ce.run.redactor.Add(v) // a session cookie is a credential
	}
	cfg.Client.Jar = jar
	return func(ctx context.Context) probe.Result {
		r := probe.HTTP(ctx, cfg)
		if err := saveCookieJar(o.cookieJar, jar); err != nil {
			text := "cookies not saved: " + probe.SanitizeLine(err.Error(), 160)
			before := r.State
			r.Add("cookie-jar", nagios.Warning, text)
			r.Mention(before, nagios.Warning, text)
		}
		return r
	}, nil
}

// config turns the flags into the check's config, validating everything
// (but --cookie-jar, which build reads).
func (o *httpOptions) config(ce *checkEnv, rawURL string) (probe.HTTPConfig, error) {
	var cfg probe.HTTPConfig
	u, _, err := targetURL(rawURL, "URL", "http")
	if err != nil {
		return cfg, err
	}
	ce.run.redactor.AddURL(u)
	cc, err := o.client.build(ce)
	if err != nil {
		return cfg, err
	}
	// the method goes as given: methods are case-sensitive (RFC 9110 9.1)
	cfg = probe.HTTPConfig{URL: u, Method: o.method, Keywords: o.keywords, Invert: o.invert, InvertRegex: o.invertRegex, IgnoreCase: o.ignoreCase}
	if o.method != "" && !isToken(o.method) {
		return cfg, fmt.Errorf("invalid --method %q (want GET, HEAD, POST ...)", probe.SanitizeLine(o.method, 30))
	}
	for _, kw := range o.keywords {
		if kw == "" {
			return cfg, fmt.Errorf("--keyword may not be empty: every body contains the empty text")
		}
	}
	if o.data != "" && o.dataFile != "" {
		return cfg, fmt.Errorf("give only one of --data and --data-file")
	}
	if o.data != "" {
		cfg.Body = []byte(o.data)
	}
	if o.dataFile != "" {
		if cfg.Body, err = ce.readFile(o.dataFile, maxDataFile); err != nil {
			return cfg, fmt.Errorf("--data-file: %w", err)
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
		return cfg, fmt.Errorf("--max-redirects must be 0 or more")
	}
	cc.MaxRedirects = o.maxRedirects
	switch mode := strings.ToLower(o.onRedirect); mode {
	case "follow", "sticky", "stickyport":
		cc.Follow = o.maxRedirects > 0
		if mode != "follow" {
			if o.client.proxy != "" {
				return cfg, fmt.Errorf("--onredirect %s and --proxy do not go together: through a proxy, the proxy chooses the address", mode)
			}
			cc.Sticky = mode
		}
	case "ok", "warning", "critical":
		st, _ := nagios.ParseState(o.onRedirect)
		cfg.OnRedirect = &st
	default:
		return cfg, fmt.Errorf("invalid --onredirect %q (want follow, sticky, stickyport, ok, warning or critical)", o.onRedirect)
	}
	cfg.Client = cc
	if o.expect != "" {
		if cfg.Expect, err = probe.ParseStatusSet(o.expect); err != nil {
			return cfg, fmt.Errorf("--expect-status: %w", err)
		}
	}
	for _, expr := range o.regexes {
		if expr == "" {
			return cfg, fmt.Errorf("--regex may not be empty: it matches every body")
		}
		if o.ignoreCase {
			expr = "(?i)" + expr
		}
		if _, err := regexp.Compile(expr); err != nil {
			return cfg, fmt.Errorf("invalid --regex: %w", err) // naming the pattern as given
		}
		// multi-line, as check_curl's POSIX REG_NEWLINE: ^ and $ match at
		// line breaks ((?-m) in the pattern undoes it)
		re, err := regexp.Compile("(?m)" + expr)
		if err != nil {
			return cfg, fmt.Errorf("invalid --regex: %w", err)
		}
		cfg.Regexes = append(cfg.Regexes, re)
	}
	if o.stateRegex != "" {
		st, err := nagios.ParseState(o.stateRegex)
		if err != nil || (st != nagios.Warning && st != nagios.Critical) {
			return cfg, fmt.Errorf("invalid --state-regex %q (want warning or critical)", probe.SanitizeLine(o.stateRegex, 20))
		}
		cfg.RegexState = &st
	}
	allowMissing := map[string]bool{}
	for _, name := range o.headerMissing {
		if !isToken(strings.TrimSpace(name)) {
			return cfg, fmt.Errorf("invalid --header-allow-missing %q (want a header name)", probe.SanitizeLine(name, 60))
		}
		allowMissing[http.CanonicalHeaderKey(strings.TrimSpace(name))] = true
	}
	used := map[string]bool{}
	for _, spec := range []struct {
		flag   string
		list   []string
		negate bool
	}{{"--header-match", o.headerMatch, false}, {"--header-not-match", o.headerNotMatch, true}} {
		for _, hm := range spec.list {
			name, expr, ok := strings.Cut(hm, ":")
			name = strings.TrimSpace(name)
			if !ok || !isToken(name) {
				return cfg, fmt.Errorf("invalid %s %q (want 'Name: regex')", spec.flag, probe.SanitizeLine(hm, 60))
			}
			expr = strings.TrimSpace(expr)
			if o.ignoreCase {
				expr = "(?i)" + expr
			}
			re, err := regexp.Compile(expr)
			if err != nil {
				return cfg, fmt.Errorf("invalid %s for %s: %w", spec.flag, name, err)
			}
			used[http.CanonicalHeaderKey(name)] = true
			cfg.HeaderMatch = append(cfg.HeaderMatch, probe.HeaderMatch{Name: name, Re: re, Negate: spec.negate,
				AllowMissing: allowMissing[http.CanonicalHeaderKey(name)]})
		}
	}
	for name := range allowMissing {
		if !used[name] {
			return cfg, fmt.Errorf("--header-allow-missing %s: no --header-match or --header-not-match names it", name)
		}
	}
	if err := o.documentChecks(&cfg, u); err != nil {
		return cfg, err
	}
	if cfg.Time, err = thresholds(o.warn, o.crit); err != nil {
		return cfg, err
	}
	if cfg.Assertions, err = o.jq.build(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// documentChecks reads the flags that judge the answer beyond its status
// and content: page size, age, certificate alone, TLS, HTTP version.
func (o *httpOptions) documentChecks(cfg *probe.HTTPConfig, u string) error {
	if o.pageSize != "" {
		r, err := parsePageSize(o.pageSize)
		if err != nil {
			return err
		}
		cfg.PageSize = &r
	}
	if o.maxAge != "" {
		d, err := parseAge(o.maxAge)
		if err != nil {
			return fmt.Errorf("--max-age: %w", err)
		}
		cfg.MaxAge = d
	}
	if o.certOnly && !strings.HasPrefix(strings.ToLower(u), "https://") {
		return errors.New("--cert-only needs an https:// URL")
	}
	cfg.CertOnly = o.certOnly
	if o.requireTLS && o.forbidTLS {
		return errors.New("give only one of --require-tls and --forbid-tls")
	}
	cfg.RequireTLS, cfg.ForbidTLS = o.requireTLS, o.forbidTLS
	if o.httpVersions != "" {
		for _, v := range strings.Split(o.httpVersions, ",") {
			switch strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(v)), "HTTP/") {
			case "1.0":
				cfg.HTTPVersions = append(cfg.HTTPVersions, "HTTP/1.0")
			case "1.1":
				cfg.HTTPVersions = append(cfg.HTTPVersions, "HTTP/1.1")
			case "2", "2.0":
				cfg.HTTPVersions = append(cfg.HTTPVersions, "HTTP/2.0")
			case "3", "3.0":
				return errors.New("--expect-http-version: HTTP/3 (QUIC) is not supported")
			default:
				return fmt.Errorf("invalid --expect-http-version %q (want 1.0, 1.1 or 2, comma-separated)", probe.SanitizeLine(v, 20))
			}
		}
	}
	return nil
}

// parsePageSize reads --pagesize MIN[:MAX]: sizes in bytes (512, 4K, 1MiB);
// MIN alone is a minimum, as check_curl's help and check_http say.
func parsePageSize(s string) (nagios.Range, error) {
	minText, maxText, hasMax := strings.Cut(strings.TrimSpace(s), ":")
	bad := fmt.Errorf("invalid --pagesize %q (want MIN[:MAX] in bytes: 100, 1K:64K, :512)", probe.SanitizeLine(s, 30))
	size := func(t string) (float64, error) {
		if strings.TrimSpace(t) == "0" {
			return 0, nil
		}
		n, err := parseSize(t)
		return float64(n), err
	}
	r := nagios.Range{End: math.Inf(1)}
	var err error
	if minText != "" {
		if r.Start, err = size(minText); err != nil {
			return r, bad
		}
	}
	if hasMax && maxText != "" {
		if r.End, err = size(maxText); err != nil || r.End < r.Start {
			return r, bad
		}
	}
	if minText == "" && maxText == "" {
		return r, bad
	}
	return r, nil
}

// parseAge reads --max-age: seconds, or a number with s, m, h or d (as
// check_curl's -M), or a Go duration.
func parseAge(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	unit := time.Second
	switch {
	case strings.HasSuffix(t, "d"):
		unit, t = 24*time.Hour, strings.TrimSuffix(t, "d")
	case strings.HasSuffix(t, "h"):
		unit, t = time.Hour, strings.TrimSuffix(t, "h")
	case strings.HasSuffix(t, "m"):
		unit, t = time.Minute, strings.TrimSuffix(t, "m")
	case strings.HasSuffix(t, "s"):
		t = strings.TrimSuffix(t, "s")
	}
	if n, err := strconv.ParseUint(t, 10, 32); err == nil && n > 0 {
		return time.Duration(n) * unit, nil
	}
	if d, err := time.ParseDuration(strings.TrimSpace(s)); err == nil && d >= time.Second {
		return d, nil
	}
	return 0, fmt.Errorf("%q is not an age (90, 10m, 12h, 7d)", probe.SanitizeLine(s, 30))
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
