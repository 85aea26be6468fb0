package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/healthprobe/healthprobe/internal/limitfile"

	"github.com/healthprobe/healthprobe/internal/oneline"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/redact"
	"github.com/icholy/digest"
)

// DefaultMaxBody is the default cap on the bytes of a body that are read.
const DefaultMaxBody = 1 << 20

// maxHeaderBytes caps response headers: a server whose headers never end is
// cut off here rather than filling memory.
const maxHeaderBytes = 256 << 10

// ClientConfig is what every HTTP-based probe shares: connection, TLS, auth,
// redirects, body cap and the state a timeout maps to.
type ClientConfig struct {
	Timeout      time.Duration // the run's total deadline, for messages (the context enforces it)
	TimeoutState nagios.State

	Insecure bool
	CAFile   string
	CertFile string
	KeyFile  string
	SNI      string
	Proxy    string // empty: the usual proxy environment variables
	NoProxy  string // hosts reached directly, with --proxy or the environment's (ParseNoProxy)

	// TLSMin and TLSMax bound the TLS versions offered (tls.VersionTLS12 ...); 0: Go's defaults.
	TLSMin, TLSMax uint16
	// HTTPVersion forces a protocol: "1.1", or "2" (over TLS by ALPN, over
	// http:// with prior knowledge), and an answer in another is a failure;
	// "" lets TLS negotiate HTTP/2 or HTTP/1.1.
	HTTPVersion string

	// IPVersion, 4 or 6, connects over that IP version only (-4, -6);
	// PreferIP, 4 or 6, tries that version's addresses first and the
	// others after. 0: every address, Go's Happy Eyeballs.
	IPVersion, PreferIP int
	// Address, when set, is where connections to the URL's host and port
	// go instead ("ADDRESS" or "ADDRESS:PORT"), while Host, SNI and the
	// certificate check stay the URL's (check_curl's -I). No proxy is used.
	Address string
	// Sticky: StickyNone, Sticky or StickyPort (check_curl's --onredirect
	// sticky and stickyport): redirects keep to the first connection's
	// address (and port). No proxy is used.
	Sticky string

	// lookup resolves a name for the dialer when it picks the addresses
	// itself (IPVersion, PreferIP); nil: net.DefaultResolver. For tests.
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)

	// Jar keeps cookies across the redirects of a check; set it to share
	// one jar between the steps of a multi-step check. nil: a fresh jar per
	// client.
	Jar *CookieJar

	ConnectTimeout time.Duration // limit on connecting alone (0: only the context's deadline)

	// MaxConnsPerHost bounds the connections to one host and keeps as many
	// idle for reuse (0: net/http's defaults, two idle and no bound). A
	// client shared by many concurrent requests to one server (a batch's
	// results to Icinga 2) sets it, so they reuse a few connections.
	MaxConnsPerHost int

	// closeEach asks the server to close the connection after each answer
	// ("Connection: close") and opens a fresh one for each request, a
	// redirect or a second round of authentication included: what
	// check_curl ("be nice to servers") and blackbox_exporter (keep-alives
	// disabled) do for their one URL. Set by the probes of one target
	// (http, kaleyra); a flow or a Pexip call keeps its connections for its
	// next requests.
	closeEach bool

	// Settings names the TLS settings in messages, as the caller's user
	// knows them (default: the flags --ca-file and --insecure).
	Settings TLSSettings

	UserAgent string
	Headers   http.Header // added to every request

	// MaxRedirects is how many redirects are followed; with Follow false no
	// redirect is followed and the 3xx answer is returned.
	MaxRedirects int
	Follow       bool

	User     string
	Password string
	Auth     string // auto (default), basic or digest
	Bearer   string
	OAuth2   *OAuth2 // a client-credentials token fetched first, sent as Bearer

	MaxBody int64 // 0: DefaultMaxBody

	// ExtendedPerf adds the phase timings of the last request to the
	// perfdata (-E, --extended-perfdata); PhasePerf gives none otherwise.
	ExtendedPerf bool

	// Log receives verbose lines when Verbose > 0. It never gets a secret:
	// headers that carry credentials are masked before they are logged.
	Log     func(format string, args ...any)
	Verbose int

	// Redactor is the run's one redactor. The client adds to it every
	// secret it holds (the password and its Basic value, the bearer token,
	// credential headers, a proxy's and each request URL's credentials) and
	// every one a server issues (cookies, credential headers of an answer,
	// and what Issued finds), and masks them in what it logs and in the
	// texts of an Exchange, before these are cut to length. nil masks
	// nothing; RunHTTP gives a session a fresh one when none is set.
	Redactor *redact.Redactor
	// Issued, when set, returns the secrets a server issued in an answer (a
	// Pexip call token): they join the Redactor before anything of the
	// answer is logged or returned.
	Issued func(ex *Exchange) []string

	// CertWarnDays and CertCritDays, when set, are the days before the
	// earliest certificate of the served chain expires at which a probe's
	// certificate sub-check turns WARNING and CRITICAL.
	CertWarnDays, CertCritDays *int
}

// TLSSettings are the names of the TLS settings in messages: a notify sink
// has keys (ca_file, verify_tls: false), a check has flags.
type TLSSettings struct {
	CAFile     string // default --ca-file
	Insecure   string // default --insecure
	ServerName string // the setting that names the server to verify; empty: not suggested
}

func (s TLSSettings) withDefaults() TLSSettings {
	if s.CAFile == "" {
		s.CAFile = "--ca-file"
	}
	if s.Insecure == "" {
		s.Insecure = "--insecure"
	}
	return s
}

// Timings are the phases of the last request of an exchange.
type Timings struct {
	DNS, Connect, TLS, FirstByte, Transfer, Total time.Duration
}

// Exchange is a completed request: the final response with its body read up
// to the cap.
type Exchange struct {
	Status     int
	StatusLine string // "200 OK"
	Header     http.Header
	Body       []byte
	Truncated  bool // the body was longer than MaxBody; Body holds the first MaxBody bytes
	TLS        *tls.ConnectionState
	Timings    Timings
	URL        *url.URL // the URL of the final response
	Redirects  int
	Downgraded bool // a redirect went from https to http
	AuthSent   bool // credentials were sent on the final request
	// CrossOrigin: a redirect took the final request to another scheme,
	// host or port than the URL asked for, where no credentials are sent.
	CrossOrigin bool
	Origin      *url.URL // the URL asked for
	Proto       string   // of the final answer: HTTP/1.1, HTTP/2.0
	Proxy       string   // host:port of the proxy the final request went through, or ""

	extended bool // PhasePerf gives the phases (ClientConfig.ExtendedPerf)

	red *redact.Redactor // the run's: texts of the answer are shown through it
}

// Excerpt is a short one-line excerpt of the body (at most n runes), the
// run's secrets masked before it is cut. Only the start of a long body is
// masked: what n runes can show lies in its first 4n bytes, or a little
// more where white space folds; the cut mark stands for the rest, so a
// secret cut there is masked too.
func (ex *Exchange) Excerpt(n int) string {
	if limit := 4*n + excerptSlack; len(ex.Body) > limit {
		return ex.Line(string(ex.Body[:limit])+oneline.Cut, n)
	}
	return ex.Line(string(ex.Body), n)
}

// excerptSlack is how much white space an excerpt may fold away before
// it shows what follows.
const excerptSlack = 16 << 10

// QuoteBody is Excerpt in quotes, as Quote writes it.
func (ex *Exchange) QuoteBody(n int) string { return quoted(ex.Excerpt(n)) }

// Line makes a text of the answer (a header value, a field of the body) one
// safe line of at most n runes, the run's secrets masked before it is cut.
func (ex *Exchange) Line(s string, n int) string { return SanitizeLine(ex.red.String(s), n) }

// Quote is Line in quotes, as Quote writes it.
func (ex *Exchange) Quote(s string, n int) string { return quoted(ex.Line(s, n)) }

// Client performs requests for a probe.
type Client struct {
	cfg      ClientConfig
	http     *http.Client
	base     *http.Transport // under the wrappers, which hide its CloseIdleConnections
	authSent *atomic.Bool
	origin   atomic.Pointer[url.URL]
	usedTLS  atomic.Bool // a request went, or tried to go, over https
	dial     *dialer

	tokenMu sync.Mutex
	token   string // the OAuth2 Authorization value, once fetched
}

// RequestError is a request that could not be completed, already mapped to
// a plugin state and a one-line reason that holds no secret.
type RequestError struct {
	State  nagios.State
	Reason string
	Err    error
	stall  *stall // a timeout: where the request stalled
}

func (e *RequestError) Error() string { return e.Reason }
func (e *RequestError) Unwrap() error { return e.Err }

// ConfigError is a problem with the probe's own configuration (a CA file that
// does not load, say): UNKNOWN, not a service problem.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// redirectsError is a redirect past --max-redirects; loop says the chain
// came back to an address it had already asked (else it was only long).
type redirectsError struct {
	loop bool
	to   string // the address it came back to, for a loop
}

func (e *redirectsError) Error() string { return "too many redirects" }

var errUnaskedUpgrade = errors.New("101 Switching Protocols to a request without Upgrade")

// NewClient builds a client. It fails only on local configuration problems.
func NewClient(cfg ClientConfig) (*Client, error) {
	p, err := cfg.prepare()
	if err != nil {
		return nil, err
	}
	return p.client(), nil
}

// Validate checks the config as NewClient does (its auth scheme, CA,
// client certificate, TLS versions and proxy load) and adds its secrets to
// its redactor, without building a client: a command validates its flags
// with it before anything runs, and the probe builds its client when it
// runs.
func (cfg ClientConfig) Validate() error {
	_, err := cfg.prepare()
	return err
}

// preparedClient is a config that was checked, with what building its
// client needs.
type preparedClient struct {
	cfg   ClientConfig
	mode  string            // the auth scheme
	roots *x509.CertPool    // from CAFile; nil: the system's
	certs []tls.Certificate // the client certificate
	proxy func(*http.Request) (*url.URL, error)
}

func (cfg ClientConfig) prepare() (preparedClient, error) {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	cfg.register()
	cfg.Settings = cfg.Settings.withDefaults()
	mode, err := authScheme(cfg.Auth)
	if err != nil {
		return preparedClient{}, &ConfigError{err}
	}
	p := preparedClient{mode: mode}
	if cfg.CAFile != "" {
		pem, err := readPEMFile(cfg.CAFile)
		if err != nil {
			return preparedClient{}, &ConfigError{fmt.Errorf("reading %s: %w", cfg.Settings.CAFile, err)}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return preparedClient{}, &ConfigError{fmt.Errorf("%s %s holds no PEM certificate", cfg.Settings.CAFile, cfg.CAFile)}
		}
		p.roots = pool
	}
	if cfg.CertFile != "" || cfg.KeyFile != "" {
		if cfg.CertFile == "" || cfg.KeyFile == "" {
			return preparedClient{}, &ConfigError{errors.New("--cert and --key go together")}
		}
		certPEM, err := readPEMFile(cfg.CertFile)
		if err != nil {
			return preparedClient{}, &ConfigError{fmt.Errorf("reading --cert: %w", err)}
		}
		keyPEM, err := readPEMFile(cfg.KeyFile)
		if err != nil {
			return preparedClient{}, &ConfigError{fmt.Errorf("reading --key: %w", err)}
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return preparedClient{}, &ConfigError{fmt.Errorf("loading client certificate: %w", err)}
		}
		p.certs = []tls.Certificate{pair}
	}
	if cfg.TLSMin != 0 && cfg.TLSMax != 0 && cfg.TLSMin > cfg.TLSMax {
		return preparedClient{}, &ConfigError{errors.New("--tls-min is above --tls-max")}
	}
	if (cfg.IPVersion != 0 && cfg.IPVersion != 4 && cfg.IPVersion != 6) || (cfg.PreferIP != 0 && cfg.PreferIP != 4 && cfg.PreferIP != 6) {
		return preparedClient{}, &ConfigError{errors.New("the IP version is 4 or 6")}
	}
	switch cfg.Sticky {
	case StickyNone, Sticky, StickyPort:
	default:
		return preparedClient{}, &ConfigError{fmt.Errorf("invalid sticky mode %q", cfg.Sticky)}
	}
	switch cfg.HTTPVersion {
	case "", "1.1", "2":
	default:
		return preparedClient{}, &ConfigError{fmt.Errorf("invalid --http-version %q (want 1.1 or 2)", cfg.HTTPVersion)}
	}
	proxy, err := cfg.proxyFunc()
	if err != nil {
		return preparedClient{}, err
	}
	p.cfg, p.proxy = cfg, proxy
	return p, nil
}

// client builds the client of a checked config.
func (p *preparedClient) client() *Client {
	cfg, mode, proxy := p.cfg, p.mode, p.proxy
	tlsCfg := &tls.Config{ //nolint:gosec // InsecureSkipVerify: the user's explicit choice
		InsecureSkipVerify: cfg.Insecure, ServerName: cfg.SNI, RootCAs: p.roots, Certificates: p.certs,
		MinVersion: cfg.TLSMin, MaxVersion: cfg.TLSMax,
	}
	if cfg.Jar == nil {
		cfg.Jar = NewCookieJar()
	}
	base := &http.Transport{
		Proxy:                  traceProxy(proxy),
		TLSClientConfig:        tlsCfg,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: maxHeaderBytes,
		DisableCompression:     true, // decoded in Do, whatever Accept-Encoding was sent (decode.go)
		MaxConnsPerHost:        cfg.MaxConnsPerHost,
		MaxIdleConnsPerHost:    cfg.MaxConnsPerHost,
		DisableKeepAlives:      cfg.closeEach,
	}
	switch cfg.HTTPVersion {
	case "1.1":
		base.Protocols = new(http.Protocols)
		base.Protocols.SetHTTP1(true)
	case "2":
		base.Protocols = new(http.Protocols)
		base.Protocols.SetHTTP2(true)
		base.Protocols.SetUnencryptedHTTP2(true)
	}
	c := &Client{cfg: cfg, base: base, authSent: new(atomic.Bool)}
	base.OnProxyConnectResponse = c.onProxyConnect
	c.dial = &dialer{c: c, nd: &net.Dialer{KeepAlive: -1, Timeout: cfg.ConnectTimeout}}
	base.DialContext = c.dial.DialContext
	mark := &markTransport{base: base, c: c}
	var rt http.RoundTripper = mark
	if cfg.User != "" {
		switch mode {
		case "auto", "digest":
			under := tagErrors{base: mark, max401: cfg.MaxBody + 1}
			rt = &authTransport{
				digest: &digest.Transport{Username: cfg.User, Password: cfg.Password, Transport: under, NoReuse: true},
				plain:  mark, basic: mode != "digest", user: cfg.User, pass: cfg.Password,
			}
		case "basic":
			rt = &basicTransport{base: mark, user: cfg.User, pass: cfg.Password}
		}
	}
	rt = &originTransport{c: c, auth: rt, plain: mark}
	c.http = &http.Client{Transport: rt, CheckRedirect: c.checkRedirect, Jar: cfg.Jar}
	return c
}

// register adds the secrets of the config to its redactor.
func (cfg *ClientConfig) register() {
	red := cfg.Redactor
	if red == nil {
		return
	}
	red.AddBasic(cfg.User, cfg.Password)
	red.Add(cfg.Bearer)
	red.AddURL(cfg.Proxy)
	for name, vs := range cfg.Headers {
		for _, v := range vs {
			red.AddHeader(name, v)
		}
	}
}

// maxPEMFile caps a CA bundle, certificate or key file: the largest
// system bundles are a few hundred KiB, and /dev/zero never ends.
const maxPEMFile = 4 << 20

func readPEMFile(path string) ([]byte, error) {
	return limitfile.Read(context.Background(), path, maxPEMFile)
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if !c.cfg.Follow {
		return http.ErrUseLastResponse
	}
	if len(via) > c.cfg.MaxRedirects {
		// a URL asked before makes a loop; a chain of new ones is only long
		// (a login that comes back once, with its cookie, is no loop until
		// the limit is reached)
		for _, v := range via {
			if v.URL.String() == req.URL.String() {
				return &redirectsError{loop: true, to: RedactURL(req.URL.String())}
			}
		}
		return &redirectsError{}
	}
	c.logf(1, "> redirect to %s", RedactURL(req.URL.String()))
	return nil
}

func (c *Client) logf(level int, format string, args ...any) {
	if c.cfg.Log != nil && c.cfg.Verbose >= level {
		c.cfg.Log(format, args...)
	}
}

// Close releases idle connections and cancels dials no request waits for
// any more (a connection that a timeout gave up on). The http.Client's own
// CloseIdleConnections would not reach the transport under the wrappers.
func (c *Client) Close() { c.base.CloseIdleConnections() }

// Do sends one request (following redirects as configured) and reads the
// body up to the cap. Every failure is a *RequestError.
func (c *Client) Do(ctx context.Context, method, rawURL string, body []byte, header http.Header) (*Exchange, error) {
	start := time.Now()
	var body0 io.Reader
	if body != nil {
		body0 = bytes.NewReader(body)
	}
	c.cfg.Redactor.AddURL(rawURL)
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body0)
	if err != nil {
		return nil, &RequestError{State: nagios.Unknown, Reason: "invalid request: " + redactError(err, rawURL), Err: err}
	}
	for k, vs := range c.cfg.Headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for k, vs := range header {
		req.Header.Del(k)
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if c.cfg.UserAgent != "" && req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent) // a User-Agent header given with -H wins
	}
	if _, ok := req.Header["Accept-Encoding"]; !ok && req.Header.Get("Range") == "" && method != http.MethodHead {
		req.Header.Set("Accept-Encoding", defaultAcceptEncoding)
	}
	if c.cfg.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Bearer)
	}
	if h := req.Header.Get("Host"); h != "" {
		req.Host = h
	}
	// Go's transport pools an HTTP/1 connection unless the request's Close
	// field is set, whatever its Connection header says: a request that asks
	// for "Connection: close" (a probe's own, or -H) gets a connection of its
	// own, closed after the answer, so no later request is sent on one the
	// server may have closed without saying so
	req.Close = wantsClose(req.Header)
	c.origin.Store(req.URL)
	c.authSent.Store(false)
	if c.cfg.OAuth2 != nil {
		auth, err := c.authorization(ctx)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", auth)
	}
	tr := &tracer{}
	req = req.WithContext(tr.context(req.Context()))

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.classify(ctx, err, rawURL, tr)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// The connection now speaks another protocol, and Go hands it over
		// as the body, out of reach of the context: reading it waits for
		// the server, past any deadline. It is closed unread.
		resp.Body.Close()
		if resp.Request.Header.Get("Upgrade") == "" {
			return nil, &RequestError{State: nagios.Critical, Err: errUnaskedUpgrade,
				Reason: hostPort(resp.Request.URL) + " answered 101 Switching Protocols to a request that asked for no upgrade"}
		}
		resp.Body = http.NoBody
	}
	if c.cfg.HTTPVersion == "2" && resp.ProtoMajor != 2 {
		return nil, &RequestError{State: nagios.Critical, Err: errors.New("HTTP/2 not granted"),
			Reason: fmt.Sprintf("%s answered in %s: HTTP/2 was not granted (--http-version 2)", hostPort(resp.Request.URL), SanitizeLine(resp.Proto, 20))}
	}
	ex := &Exchange{
		Status:     resp.StatusCode,
		StatusLine: c.statusLine(resp),
		Header:     wireHeader(resp),
		TLS:        resp.TLS,
		URL:        resp.Request.URL,
		AuthSent:   c.authSent.Load(),
		Origin:     req.URL,
		red:        c.cfg.Redactor,
		Proto:      resp.Proto,
		Proxy:      tr.proxy(),
		extended:   c.cfg.ExtendedPerf,
	}
	ex.CrossOrigin = !sameOrigin(req.URL, resp.Request.URL)
	for r := resp.Request; r != nil && r.Response != nil; r = r.Response.Request {
		ex.Redirects++
		if r.Response.Request.URL.Scheme == "https" && r.URL.Scheme == "http" {
			ex.Downgraded = true
		}
	}
	decoded, err := decodeBody(resp.Header, resp.Body)
	if err == nil {
		ex.Body, err = io.ReadAll(io.LimitReader(decoded, c.cfg.MaxBody+1))
	}
	end := time.Now()
	if err == nil {
		if lerr := late(ctx, end); lerr != nil {
			return ex, c.classify(ctx, lerr, rawURL, tr)
		}
	}
	if err != nil {
		rerr := c.classify(ctx, err, rawURL, tr)
		if rerr.stall == nil { // a timeout's reason already says what arrived
			rerr.Reason = fmt.Sprintf("reading body failed after %s: %s", plural(int64(len(ex.Body)), "byte"), rerr.Reason)
		}
		return ex, rerr
	}
	if int64(len(ex.Body)) > c.cfg.MaxBody {
		ex.Body = ex.Body[:c.cfg.MaxBody]
		ex.Truncated = true
	}
	if c.cfg.Issued != nil {
		for _, s := range c.cfg.Issued(ex) {
			c.cfg.Redactor.Add(s)
		}
		ex.StatusLine = c.statusLine(resp) // masked with them
	}
	if c.cfg.Verbose >= 3 {
		c.logf(3, "< body (%d bytes): %s", len(ex.Body), ex.Excerpt(400))
	}
	ex.Timings = tr.timings(start, end)
	return ex, nil
}

// wantsClose reports whether a Connection header holds the token "close".
func wantsClose(h http.Header) bool {
	for _, v := range h.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "close") {
				return true
			}
		}
	}
	return false
}

// wireHeader returns the headers of an answer as the server sent them:
// net/http moves Transfer-Encoding, Trailer and (on HTTP/1.1) a
// Connection: close out of the map into fields of its own, where
// --header-match and -vv would never see them. Content-Length stays,
// since nothing here decodes a body behind net/http's back any more.
func wireHeader(resp *http.Response) http.Header {
	h := resp.Header
	restore := map[string]string{}
	if len(resp.TransferEncoding) > 0 && h.Get("Transfer-Encoding") == "" {
		restore["Transfer-Encoding"] = strings.Join(resp.TransferEncoding, ", ")
	}
	if len(resp.Trailer) > 0 && h.Get("Trailer") == "" {
		restore["Trailer"] = strings.Join(slices.Sorted(maps.Keys(resp.Trailer)), ", ")
	}
	if resp.Close && resp.ProtoMajor == 1 && resp.ProtoMinor >= 1 && h.Get("Connection") == "" {
		restore["Connection"] = "close" // net/http deletes it on HTTP/1.1 only when it says close
	}
	if len(restore) == 0 {
		return h
	}
	h = h.Clone()
	if h == nil {
		h = http.Header{}
	}
	for k, v := range restore {
		h.Set(k, v)
	}
	return h
}

// statusLine is "200 OK": the code and the server's reason phrase, masked
// and cut to one short line.
func (c *Client) statusLine(resp *http.Response) string {
	text := http.StatusText(resp.StatusCode)
	s := strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode)))
	if s != "" && s != fmt.Sprintf("status code %d", resp.StatusCode) { // Go's filler for unknown codes
		text = s
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", resp.StatusCode, SanitizeLine(c.mask(text), 60)))
}

// SensitiveHeader reports whether a header carries a credential
// (Authorization, Cookie, Pexip's pin and token, X-Api-Key ...): its value
// is masked in logs and redacted from output. The names are the one list
// of redact.SecretName.
func SensitiveHeader(name string) bool { return redact.SecretName(name) }

// mask hides the run's secrets in a text about to be logged.
func (c *Client) mask(s string) string { return c.cfg.Redactor.String(s) }

// authScheme checks an authentication scheme (--auth): auto (the default,
// also for ""), basic or digest, in any case.
func authScheme(s string) (string, error) {
	switch mode := strings.ToLower(s); mode {
	case "", "auto":
		return "auto", nil
	case "basic", "digest":
		return mode, nil
	}
	return "", fmt.Errorf("invalid --auth %q (want auto, basic or digest)", s)
}

func logHeaders(log func(string, ...any), dir string, h http.Header, mask func(string) string) {
	if log == nil {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			switch ck := http.CanonicalHeaderKey(k); {
			case SensitiveHeader(ck):
				v = "[redacted]"
			case ck == "Location" || ck == "Content-Location":
				v = RedactURL(v) // a redirect may carry the query's api_key
			}
			log("%s %s: %s", dir, k, SanitizeLine(mask(v), 200))
		}
	}
}

// markTransport sits next to the wire: it records whether a request carried
// credentials and logs each request and response as actually exchanged
// (digest retries and redirects included), credentials masked.
type markTransport struct {
	base http.RoundTripper
	c    *Client
}

func (t *markTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := t.c
	c.authSent.Store(req.Header.Get("Authorization") != "")
	if req.URL.Scheme == "https" {
		c.usedTLS.Store(true)
	}
	// every credential header as it goes on the wire (a digest answer, a
	// cookie from a jar, a PIN) is a secret of the run, wherever it is echoed
	for name, vs := range req.Header {
		for _, v := range vs {
			c.cfg.Redactor.AddHeader(name, v)
		}
	}
	c.logf(1, "> %s %s", req.Method, RedactURL(req.URL.String()))
	if c.cfg.Verbose >= 2 {
		shown := req.Header
		h1 := c.cfg.HTTPVersion == "1.1" || (req.URL.Scheme == "http" && c.cfg.HTTPVersion != "2")
		if c.cfg.closeEach && h1 && !wantsClose(shown) {
			// net/http adds it as it writes an HTTP/1 request: shown as
			// sent (over HTTPS, HTTP/2 may be chosen in the handshake,
			// which has no such header)
			shown = shown.Clone()
			shown.Add("Connection", "close")
		}
		logHeaders(c.cfg.Log, ">", shown, c.mask)
	}
	h := startHop(req)
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		h.answered(resp)
		// what the server issues (a cookie, a credential header) is a
		// secret of the run from now on, wherever it is echoed
		for name, vs := range resp.Header {
			for _, v := range vs {
				c.cfg.Redactor.AddHeader(name, v)
			}
		}
		c.logf(1, "< %s %s", resp.Proto, c.statusLine(resp))
		if c.cfg.Verbose >= 2 {
			logHeaders(c.cfg.Log, "<", wireHeader(resp), c.mask)
		}
	}
	return resp, err
}

// basicTransport sends basic credentials up front.
type basicTransport struct {
	base       http.RoundTripper
	user, pass string
}

func (t *basicTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.SetBasicAuth(t.user, t.pass)
	return t.base.RoundTrip(r)
}

// authTransport answers whatever the server's 401 challenge asks for:
// digest (MD5, SHA-256 ...) through icholy/digest, or basic when allowed.
type authTransport struct {
	digest     *digest.Transport
	plain      http.RoundTripper
	basic      bool
	user, pass string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.digest.RoundTrip(req)
	if err != nil {
		var inner *innerError
		if errors.As(err, &inner) {
			return nil, inner.err // a network or TLS failure, not an auth one
		}
		return nil, &authError{err}
	}
	if resp.StatusCode == http.StatusUnauthorized && resp.Request.Header.Get("Authorization") == "" {
		// icholy/digest v1.2.0 drains and closes the body of a 401 whose
		// challenge it cannot answer (none, or an algorithm it lacks) before
		// returning it: give the caller an empty body rather than a closed one.
		resp.Body = http.NoBody
	}
	if !t.basic || resp.StatusCode != http.StatusUnauthorized || !hasChallenge(resp.Header, "basic") ||
		resp.Request.Header.Get("Authorization") != "" {
		return resp, nil
	}
	// a basic challenge: send again with basic credentials
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		if r.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	r.SetBasicAuth(t.user, t.pass)
	return t.plain.RoundTrip(r)
}

// tagErrors marks the errors of the transport under digest, so that only
// digest's own failures are reported as authentication failures. It also
// caps the body of a 401 at max401 bytes: digest drains that body to its
// end before it answers the challenge, and a hostile server's never ends.
type tagErrors struct {
	base   http.RoundTripper
	max401 int64
}

type innerError struct{ err error }

func (e *innerError) Error() string { return e.err.Error() }
func (e *innerError) Unwrap() error { return e.err }

func (t tagErrors) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, &innerError{err}
	}
	if resp.StatusCode == http.StatusUnauthorized {
		resp.Body = cappedBody{Reader: io.LimitReader(resp.Body, t.max401), Closer: resp.Body}
	}
	return resp, nil
}

type cappedBody struct {
	io.Reader
	io.Closer
}

// originTransport keeps credentials to the origin (scheme, host and port)
// of the URL a probe asked for, as curl does without --location-trusted: a
// request that a redirect sends elsewhere goes without the login, the
// bearer token and any header that carries a secret (-H 'X-Api-Key: ...').
// Go's client alone would send a bearer token to another port of the same
// host, and transport-level auth answers any host's challenge.
type originTransport struct {
	c           *Client
	auth, plain http.RoundTripper
}

func (t *originTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if o := t.c.origin.Load(); o == nil || sameOrigin(o, req.URL) {
		return t.auth.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	for name := range r.Header {
		if SensitiveHeader(name) {
			r.Header.Del(name)
		}
	}
	for _, ck := range t.c.cfg.Jar.Cookies(r.URL) {
		r.AddCookie(ck) // the jar's own, which it keeps by domain and path, go on
	}
	t.c.logf(1, "> no credentials for %s: they go only to %s", hostPort(req.URL), hostPort(t.c.origin.Load()))
	return t.plain.RoundTrip(r)
}

// sameOrigin reports whether two URLs share scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

func hostPort(u *url.URL) string { return SanitizeLine(u.Host, 100) }

// NoteInsecure states on r that certificates were not verified, when
// --insecure was given and the probe spoke, or tried to speak, https:
// whatever the outcome, the output must not pass for a verified check.
func (c *Client) NoteInsecure(r *Result) {
	if c.cfg.Insecure && c.usedTLS.Load() {
		r.Add("tls", nagios.OK, "TLS certificate verification disabled (--insecure)")
	}
}

// authError marks a failure to build digest credentials from a challenge.
type authError struct{ err error }

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

func hasChallenge(h http.Header, scheme string) bool {
	for _, v := range h.Values("WWW-Authenticate") {
		if len(v) >= len(scheme) && strings.EqualFold(v[:len(scheme)], scheme) {
			return true
		}
	}
	return false
}

// tracer records the phases of the last request through httptrace, and
// (stall.go) which request of the exchange is on the wire. Over HTTP/2 some
// callbacks (WroteRequest) run on the connection's own goroutine and may
// come after the answer was read, hence the lock. A phase that failed is
// not marked done: a timeout is then placed in it.
type tracer struct {
	mu  sync.Mutex
	p   phases
	hop *hop
}

type phases struct {
	getConn, dnsStart, dnsDone, connStart, connDone, tlsStart, tlsDone, gotConn, wrote, firstByte time.Time

	dnsHost string // the name looked up
}

// mark runs f on the phases under the lock.
func (t *tracer) mark(f func(p *phases, now time.Time)) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	f(&t.p, now)
}

// context returns ctx with t tracing the requests made under it.
func (t *tracer) context(ctx context.Context) context.Context {
	return context.WithValue(httptrace.WithClientTrace(ctx, t.trace()), tracerKey{}, t)
}

func (t *tracer) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) { t.mark(func(p *phases, now time.Time) { *p = phases{getConn: now} }) },
		DNSStart: func(info httptrace.DNSStartInfo) {
			t.mark(func(p *phases, now time.Time) { p.dnsStart, p.dnsHost = now, info.Host })
		},
		DNSDone: func(info httptrace.DNSDoneInfo) {
			if info.Err == nil {
				t.mark(func(p *phases, now time.Time) { p.dnsDone = now })
			}
		},
		ConnectStart: func(string, string) {
			t.mark(func(p *phases, now time.Time) {
				if p.connStart.IsZero() {
					p.connStart = now
				}
			})
		},
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				t.mark(func(p *phases, now time.Time) { p.connDone = now })
			}
		},
		TLSHandshakeStart: func() { t.mark(func(p *phases, now time.Time) { p.tlsStart = now }) },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err == nil {
				t.mark(func(p *phases, now time.Time) { p.tlsDone = now })
			}
		},
		GotConn: func(httptrace.GotConnInfo) { t.mark(func(p *phases, now time.Time) { p.gotConn = now }) },
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				t.mark(func(p *phases, now time.Time) { p.wrote = now })
			}
		},
		GotFirstResponseByte: func() { t.mark(func(p *phases, now time.Time) { p.firstByte = now }) },
	}
}

func span(a, b time.Time) time.Duration {
	if a.IsZero() || b.IsZero() || b.Before(a) {
		return 0
	}
	return b.Sub(a)
}

func (t *tracer) timings(start, end time.Time) Timings {
	t.mu.Lock()
	p := t.p
	t.mu.Unlock()
	return Timings{
		DNS:       span(p.dnsStart, p.dnsDone),
		Connect:   span(p.connStart, p.connDone),
		TLS:       span(p.tlsStart, p.tlsDone),
		FirstByte: span(p.wrote, p.firstByte),
		Transfer:  span(p.firstByte, end),
		Total:     end.Sub(start),
	}
}

// late says whether an exchange that ended at end came too late to count:
// its context was done, or its deadline had passed (the context's timer can
// fire a moment after the clock passes it). net/http hands over an answer
// that raced the request's cancellation, and a TLS server can answer the
// close_notify a client sends as it gives up: such an answer arrived after
// the deadline and is a timeout, never a result.
func late(ctx context.Context, end time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !end.Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}
