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
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
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

	ConnectTimeout time.Duration // limit on connecting alone (0: only the context's deadline)

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

	MaxBody int64 // 0: DefaultMaxBody

	// Log receives verbose lines when Verbose > 0. It never gets a secret:
	// headers that carry credentials are masked before they are logged.
	Log     func(format string, args ...any)
	Verbose int
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
}

// Client performs requests for a probe.
type Client struct {
	cfg      ClientConfig
	http     *http.Client
	authSent *atomic.Bool
}

// RequestError is a request that could not be completed, already mapped to
// a plugin state and a one-line reason that holds no secret.
type RequestError struct {
	State  nagios.State
	Reason string
	Err    error
}

func (e *RequestError) Error() string { return e.Reason }
func (e *RequestError) Unwrap() error { return e.Err }

// ConfigError is a problem with the probe's own configuration (a CA file that
// does not load, say): UNKNOWN, not a service problem.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

var errTooManyRedirects = errors.New("too many redirects")

// NewClient builds a client. It fails only on local configuration problems.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	tlsCfg := &tls.Config{InsecureSkipVerify: cfg.Insecure, ServerName: cfg.SNI} //nolint:gosec // user's explicit choice
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, &ConfigError{fmt.Errorf("reading --ca-file: %w", err)}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &ConfigError{fmt.Errorf("--ca-file %s holds no PEM certificate", cfg.CAFile)}
		}
		tlsCfg.RootCAs = pool
	}
	if cfg.CertFile != "" || cfg.KeyFile != "" {
		if cfg.CertFile == "" || cfg.KeyFile == "" {
			return nil, &ConfigError{errors.New("--cert and --key go together")}
		}
		pair, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, &ConfigError{fmt.Errorf("loading client certificate: %w", err)}
		}
		tlsCfg.Certificates = []tls.Certificate{pair}
	}
	proxy := http.ProxyFromEnvironment
	if cfg.Proxy != "" {
		u, err := url.Parse(cfg.Proxy)
		if err != nil || u.Host == "" {
			return nil, &ConfigError{fmt.Errorf("invalid --proxy %q", redactURL(cfg.Proxy))}
		}
		proxy = http.ProxyURL(u)
	}
	base := &http.Transport{
		Proxy:                  proxy,
		DialContext:            (&net.Dialer{KeepAlive: -1, Timeout: cfg.ConnectTimeout}).DialContext,
		TLSClientConfig:        tlsCfg,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: maxHeaderBytes,
		DisableCompression:     false,
	}
	c := &Client{cfg: cfg, authSent: new(atomic.Bool)}
	var rt http.RoundTripper = &markTransport{base: base, c: c}
	if cfg.User != "" {
		mode := strings.ToLower(cfg.Auth)
		switch mode {
		case "", "auto", "digest":
			rt = &authTransport{
				digest: &digest.Transport{Username: cfg.User, Password: cfg.Password, Transport: rt, NoReuse: true},
				plain:  rt, basic: mode != "digest", user: cfg.User, pass: cfg.Password,
			}
		case "basic":
			rt = &basicTransport{base: rt, user: cfg.User, pass: cfg.Password}
		default:
			return nil, &ConfigError{fmt.Errorf("invalid --auth %q (want auto, basic or digest)", cfg.Auth)}
		}
	}
	c.http = &http.Client{Transport: rt, CheckRedirect: c.checkRedirect}
	return c, nil
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if !c.cfg.Follow {
		return http.ErrUseLastResponse
	}
	if len(via) > c.cfg.MaxRedirects {
		return errTooManyRedirects
	}
	c.logf(1, "> redirect to %s", redactURL(req.URL.String()))
	return nil
}

func (c *Client) logf(level int, format string, args ...any) {
	if c.cfg.Log != nil && c.cfg.Verbose >= level {
		c.cfg.Log(format, args...)
	}
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Do sends one request (following redirects as configured) and reads the
// body up to the cap. Every failure is a *RequestError.
func (c *Client) Do(ctx context.Context, method, rawURL string, body []byte, header http.Header) (*Exchange, error) {
	start := time.Now()
	var body0 io.Reader
	if body != nil {
		body0 = bytes.NewReader(body)
	}
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
	if c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	if c.cfg.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Bearer)
	}
	if h := req.Header.Get("Host"); h != "" {
		req.Host = h
	}
	c.authSent.Store(false)
	tr := &tracer{}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), tr.trace()))

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.classify(ctx, err, rawURL)
	}
	defer resp.Body.Close()
	ex := &Exchange{
		Status:     resp.StatusCode,
		StatusLine: statusLine(resp),
		Header:     resp.Header,
		TLS:        resp.TLS,
		URL:        resp.Request.URL,
		AuthSent:   c.authSent.Load(),
	}
	for r := resp.Request; r != nil && r.Response != nil; r = r.Response.Request {
		ex.Redirects++
		if r.Response.Request.URL.Scheme == "https" && r.URL.Scheme == "http" {
			ex.Downgraded = true
		}
	}
	limited := io.LimitReader(resp.Body, c.cfg.MaxBody+1)
	ex.Body, err = io.ReadAll(limited)
	end := time.Now()
	if err != nil {
		rerr := c.classify(ctx, err, rawURL)
		rerr.Reason = fmt.Sprintf("reading body failed after %d bytes: %s", len(ex.Body), rerr.Reason)
		return ex, rerr
	}
	if int64(len(ex.Body)) > c.cfg.MaxBody {
		ex.Body = ex.Body[:c.cfg.MaxBody]
		ex.Truncated = true
	}
	if c.cfg.Verbose >= 3 {
		c.logf(3, "< body (%d bytes): %s", len(ex.Body), Excerpt(ex.Body, 400))
	}
	ex.Timings = tr.timings(start, end)
	return ex, nil
}

func statusLine(resp *http.Response) string {
	text := http.StatusText(resp.StatusCode)
	if s := strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode))); s != "" {
		text = s
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", resp.StatusCode, sanitizeLine(text, 60)))
}

// sensitiveHeaders are masked in verbose logs.
var sensitiveHeaders = map[string]bool{
	"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true,
	"Pin": true, "Token": true, "X-Api-Key": true,
}

func logHeaders(log func(string, ...any), dir string, h http.Header) {
	if log == nil {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			if sensitiveHeaders[http.CanonicalHeaderKey(k)] {
				v = "[redacted]"
			}
			log("%s %s: %s", dir, k, sanitizeLine(v, 200))
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
	c.logf(1, "> %s %s", req.Method, redactURL(req.URL.String()))
	if c.cfg.Verbose >= 2 {
		logHeaders(c.cfg.Log, ">", req.Header)
	}
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		c.logf(1, "< %s %s", resp.Proto, statusLine(resp))
		if c.cfg.Verbose >= 2 {
			logHeaders(c.cfg.Log, "<", resp.Header)
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
		return nil, &authError{err}
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

// tracer records the phases of the last request through httptrace.
type tracer struct {
	getConn, dnsStart, dnsDone, connStart, connDone, tlsStart, tlsDone, wrote, firstByte time.Time
}

func (t *tracer) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn:  func(string) { *t = tracer{getConn: time.Now()} },
		DNSStart: func(httptrace.DNSStartInfo) { t.dnsStart = time.Now() },
		DNSDone:  func(httptrace.DNSDoneInfo) { t.dnsDone = time.Now() },
		ConnectStart: func(string, string) {
			if t.connStart.IsZero() {
				t.connStart = time.Now()
			}
		},
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				t.connDone = time.Now()
			}
		},
		TLSHandshakeStart:    func() { t.tlsStart = time.Now() },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { t.tlsDone = time.Now() },
		WroteRequest:         func(httptrace.WroteRequestInfo) { t.wrote = time.Now() },
		GotFirstResponseByte: func() { t.firstByte = time.Now() },
	}
}

func span(a, b time.Time) time.Duration {
	if a.IsZero() || b.IsZero() || b.Before(a) {
		return 0
	}
	return b.Sub(a)
}

func (t *tracer) timings(start, end time.Time) Timings {
	return Timings{
		DNS:       span(t.dnsStart, t.dnsDone),
		Connect:   span(t.connStart, t.connDone),
		TLS:       span(t.tlsStart, t.tlsDone),
		FirstByte: span(t.wrote, t.firstByte),
		Transfer:  span(t.firstByte, end),
		Total:     end.Sub(start),
	}
}
