package probe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// A timeout names the phase of the request that stalled: the tracer's
// phases (client.go) say how far the request on the wire got, and its hop
// which request of the exchange that was (a redirect, digest's second round
// trip) and what of the answer had arrived.

// tracerKey carries an exchange's tracer in its requests' context, for the
// transports under the http.Client (markTransport, the proxy function).
type tracerKey struct{}

func tracerOf(ctx context.Context) *tracer {
	t, _ := ctx.Value(tracerKey{}).(*tracer)
	return t
}

// hop is one request of an exchange as sent on the wire: a redirect and
// each of digest's round trips is a hop of its own. Once the headers of its
// answer arrived, it stands in for the answer's body, to count its bytes.
type hop struct {
	t         *tracer
	url       *url.URL
	redirects int
	proxy     *url.URL       // the proxy it went through, if any
	resp      *http.Response // set once the headers arrived
	body      io.ReadCloser  // the answer's own body
	received  atomic.Int64   // body bytes read so far
}

// startHop records req as the request on the wire; nil when the exchange
// is not traced. A request whose context has already ended goes nowhere:
// the stall was in the hop before (net/http and digest drain the body of a
// redirect or a 401 before the next request, and ignore a timeout there).
func startHop(req *http.Request) *hop {
	t := tracerOf(req.Context())
	if t == nil || req.Context().Err() != nil {
		return nil
	}
	h := &hop{t: t, url: req.URL}
	for r := req; r.Response != nil && r.Response.Request != nil; r = r.Response.Request {
		h.redirects++
	}
	t.mu.Lock()
	t.hop = h
	t.mu.Unlock()
	return h
}

// answered records that the headers of the hop's answer arrived and counts
// the bytes of its body as they are read.
func (h *hop) answered(resp *http.Response) {
	if h == nil {
		return
	}
	h.t.mu.Lock()
	h.resp = resp
	h.t.mu.Unlock()
	if resp.Body != nil {
		h.body, resp.Body = resp.Body, h
	}
}

func (h *hop) Read(p []byte) (int, error) {
	n, err := h.body.Read(p)
	h.received.Add(int64(n))
	return n, err
}

func (h *hop) Close() error { return h.body.Close() }

// traceProxy wraps a transport's proxy function to record on the hop the
// proxy its request goes through.
func traceProxy(proxy func(*http.Request) (*url.URL, error)) func(*http.Request) (*url.URL, error) {
	return func(req *http.Request) (*url.URL, error) {
		u, err := proxy(req)
		if u != nil {
			if t := tracerOf(req.Context()); t != nil {
				t.mu.Lock()
				if t.hop != nil {
					t.hop.proxy = u
				}
				t.mu.Unlock()
			}
		}
		return u, err
	}
}

// stallPhase is where a request stalled.
type stallPhase int

const (
	stallUnknown stallPhase = iota // before anything was traced
	stallDNS
	stallConnect
	stallProxy // connecting through a proxy (connect, CONNECT, TLS)
	stallTLS
	stallRequest // connected, the request not all written
	stallAnswer  // request written, no byte of an answer
	stallHeaders // an answer begun, its headers not complete
	stallBody    // headers arrived, the body did not end
)

// stall is what a timeout's reason is made of.
type stall struct {
	phase     stallPhase
	host      string // host[:port] of the request that stalled
	dnsHost   string
	proxy     string // host:port of its proxy
	status    string // the answer's status line (stallBody)
	received  int64  // body bytes (stallBody)
	redirects int
}

// stalled says where the request on the wire stalled; host names it when
// nothing was traced, status writes the status line of an answer begun.
func (t *tracer) stalled(host string, status func(*http.Response) string) stall {
	s := stall{host: host}
	if t == nil {
		return s
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	p, h := t.p, t.hop
	s.dnsHost = SanitizeLine(p.dnsHost, 80)
	if h != nil {
		s.host = hostPort(h.url)
		s.redirects = h.redirects
		if h.proxy != nil {
			s.proxy = hostPort(h.proxy)
		}
		if h.resp != nil {
			s.phase, s.status, s.received = stallBody, status(h.resp), h.received.Load()
			return s
		}
	}
	s.phase = phaseOf(p, s.proxy != "")
	return s
}

// phaseOf places a stall among the phases a request went through.
func phaseOf(p phases, proxied bool) stallPhase {
	switch {
	case !p.firstByte.IsZero():
		return stallHeaders
	case !p.wrote.IsZero():
		return stallAnswer
	case proxied && p.gotConn.IsZero():
		return stallProxy
	case !p.tlsStart.IsZero() && p.tlsDone.IsZero():
		return stallTLS
	case !p.connStart.IsZero() && p.connDone.IsZero():
		return stallConnect
	case !p.dnsStart.IsZero() && p.dnsDone.IsZero():
		return stallDNS
	case !p.gotConn.IsZero():
		return stallRequest
	}
	return stallUnknown
}

// connecting reports whether the stall is in what a dialer's own timeout
// (ClientConfig.ConnectTimeout) covers.
func (s stall) connecting() bool {
	return s.phase == stallDNS || s.phase == stallConnect || s.phase == stallProxy
}

// text is the reason without "timeout: "; within is left out when zero.
func (s stall) text(within time.Duration) string {
	in := ""
	if within > 0 {
		in = " within " + within.String()
	}
	var notes []string
	var what string
	switch s.phase {
	case stallDNS:
		name := s.dnsHost
		if name == "" {
			name = s.host
		}
		what = "DNS lookup of " + name + " not answered" + in
	case stallConnect:
		what = "no TCP connection to " + s.host + in
	case stallProxy:
		what = "no connection to " + s.host + " through the proxy " + s.proxy + in
	case stallTLS:
		what = "TLS handshake with " + s.host + " not finished" + in
	case stallRequest:
		what = s.host + " accepted the connection but did not take the whole request" + in
	case stallAnswer:
		what = s.host + " accepted the request but sent no answer" + in
	case stallHeaders:
		what = s.host + " began its answer but did not finish the headers" + in
	case stallBody:
		what = s.host + " sent the headers (" + s.status + ") but not the whole body" + in
		notes = append(notes, sizeText(s.received)+" received")
	default:
		what = "no complete answer from " + s.host + in
	}
	if s.proxy != "" && s.phase != stallProxy {
		notes = append(notes, "through the proxy "+s.proxy)
	}
	if s.redirects > 0 {
		notes = append(notes, "after "+plural(int64(s.redirects), "redirect"))
	}
	if len(notes) > 0 {
		what += " (" + strings.Join(notes, ", ") + ")"
	}
	return what
}

// sizeText is a byte count for a reader: 15 B, 12.1 KiB, 3.0 MiB.
func sizeText(n int64) string {
	if n < 1<<10 {
		return fmt.Sprintf("%d B", n)
	}
	if k := float64(n) / (1 << 10); k < 1023.95 {
		return fmt.Sprintf("%.1f KiB", k)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// timeout is classify's answer to a timeout: where the request stalled,
// and within which deadline.
func (c *Client) timeout(ctx context.Context, err error, host string, t *tracer) *RequestError {
	s := t.stalled(host, c.statusLine)
	within := c.cfg.Timeout
	if ctx.Err() == nil && c.cfg.ConnectTimeout > 0 && s.connecting() {
		within = c.cfg.ConnectTimeout // the dialer's own limit, not the run's
	}
	return &RequestError{State: c.cfg.TimeoutState, Reason: "timeout: " + s.text(within), Err: err, stall: &s}
}

// stalledWithin says where a timed-out request stalled, with another
// deadline than the client's (a request under a budget of its own).
func (e *RequestError) stalledWithin(within time.Duration) (string, bool) {
	if e == nil || e.stall == nil {
		return "", false
	}
	return e.stall.text(within), true
}
