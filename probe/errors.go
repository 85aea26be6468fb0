package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// classify maps a transport error to a state and an operator's one-line
// reason. A network failure is a service problem (CRITICAL), a timeout takes
// the configured timeout state and says, from what t traced, where the
// request stalled; an interruption is UNKNOWN.
func (c *Client) classify(ctx context.Context, err error, rawURL string, t *tracer) *RequestError {
	var rerr *RequestError
	if errors.As(err, &rerr) {
		return rerr
	}
	proxy := t.proxy()
	if proxy != "" && ctx.Err() == nil && !isTimeout(err) {
		if reason, ok := proxyFailure(err, proxy, hostOf(rawURL), t); ok {
			return &RequestError{State: nagios.Critical, Reason: reason, Err: err}
		}
	}
	rerr = c.classifyTarget(ctx, err, rawURL, t)
	if proxy != "" && !strings.Contains(rerr.Reason, "proxy") {
		rerr.Reason += " (through the proxy " + proxy + ")"
	}
	return rerr
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout()
}

// proxy is the host:port of the proxy the request on the wire went
// through, or "".
func (t *tracer) proxy() string {
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hop == nil || t.hop.proxy == nil {
		return ""
	}
	return hostPort(t.hop.proxy)
}

// hopHost is the host:port of the request on the wire, or "".
func (t *tracer) hopHost() string {
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hop == nil {
		return ""
	}
	return hostPort(t.hop.url)
}

// classifyTarget is classify for a failure that is the target's.
func (c *Client) classifyTarget(ctx context.Context, err error, rawURL string, t *tracer) *RequestError {
	mk := func(state nagios.State, format string, args ...any) *RequestError {
		return &RequestError{State: state, Reason: fmt.Sprintf(format, args...), Err: err}
	}
	host := hostOf(rawURL)
	if h := t.hopHost(); h != "" {
		host = h // a redirect's, or digest's second round trip's
	}
	if to := c.dial.redirected(); to != "" {
		host += " (connected to " + to + ": --onredirect " + c.cfg.Sticky + ")"
	} else if c.cfg.Address != "" {
		host += " (--address " + SanitizeLine(c.cfg.Address, 60) + ")"
	}
	var (
		dnsErr   *net.DNSError
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		recErr   tls.RecordHeaderError
		alertErr tls.AlertError
		authErr  *authError
		decErr   *DecodeError
		noAddr   *noAddressError
		netErr   net.Error
		opErr    *net.OpError
		redirErr *redirectsError
	)
	var uerr *url.Error
	switch {
	case errors.Is(ctx.Err(), context.Canceled) && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		// a signal's cause (os/signal's) says which signal; it also Is
		// context.Canceled, so compare with the plain cancellation itself
		// and where the request was, as a timeout says it
		why := "no answer"
		if s := t.stalled(host, c.statusLine); s.phase != stallUnknown {
			why = s.text(0)
		}
		if cause := context.Cause(ctx); cause != nil && cause != context.Canceled { //nolint:errorlint // identity wanted
			return mk(nagios.Unknown, "interrupted (%s): %s", SanitizeLine(cause.Error(), 60), why)
		}
		return mk(nagios.Unknown, "interrupted: %s", why)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		(errors.As(err, &netErr) && netErr.Timeout()):
		return c.timeout(ctx, err, host, t)
	case errors.As(err, &redirErr) && redirErr.loop:
		return mk(nagios.Critical, "redirect loop back to %s (more than %s)", SanitizeLine(redirErr.to, 120), plural(int64(c.cfg.MaxRedirects), "redirect"))
	case errors.As(err, &redirErr):
		return mk(nagios.Critical, "more than %s (--max-redirects %d)", plural(int64(c.cfg.MaxRedirects), "redirect"), c.cfg.MaxRedirects)
	case errors.As(err, &uerr) && strings.HasPrefix(uerr.Err.Error(), "unsupported protocol scheme"):
		return mk(nagios.Critical, "redirected to %s: only http and https are followed", SanitizeLine(RedactURL(uerr.URL), 120))
	case errors.As(err, &authErr):
		return mk(nagios.Critical, "authentication failed: %s", SanitizeLine(authErr.Error(), 120))
	case errors.As(err, &noAddr):
		return mk(nagios.Critical, "%s", noAddr.Error())
	case c.cfg.HTTPVersion == "2" && strings.Contains(err.Error(), "no application protocol"):
		return mk(nagios.Critical, "%s does not offer HTTP/2 (--http-version 2)", host)
	case c.cfg.HTTPVersion == "2" && strings.Contains(err.Error(), "http2: ") && strings.HasPrefix(rawURL, "http:"):
		return mk(nagios.Critical, "%s does not speak HTTP/2 without TLS (--http-version 2 on http:// sends HTTP/2 at once): %s", host, SanitizeLine(innermost(err), 100))
	case errors.As(err, &dnsErr):
		why := dnsErr.Err
		if dnsErr.IsNotFound {
			why = "no such host"
		}
		return mk(nagios.Critical, "DNS lookup of %s failed: %s", SanitizeLine(dnsErr.Name, 80), why)
	case errors.Is(err, syscall.ECONNREFUSED):
		return mk(nagios.Critical, "connection refused by %s", host)
	case errors.Is(err, syscall.ECONNRESET):
		return mk(nagios.Critical, "connection reset by %s", host)
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return mk(nagios.Critical, "%s is unreachable", host)
	case errors.As(err, &unknown):
		return mk(nagios.Critical, "TLS certificate of %s is signed by an unknown authority (use %s, or %s)", host, c.cfg.Settings.CAFile, c.cfg.Settings.Insecure)
	case errors.As(err, &hostErr):
		hint := ""
		if c.cfg.Settings.ServerName != "" {
			hint = fmt.Sprintf(" (put one of its names in the URL, or in %s)", c.cfg.Settings.ServerName)
		}
		return mk(nagios.Critical, "TLS certificate is not valid for %s%s%s", SanitizeLine(hostErr.Host, 80), certNames(hostErr.Certificate), hint)
	case errors.As(err, &invalid):
		return mk(nagios.Critical, "TLS certificate of %s %s", host, SanitizeLine(invalidReason(invalid), 120))
	case errors.As(err, &recErr) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return mk(nagios.Critical, "TLS handshake with %s failed: the server does not speak TLS", host)
	case errors.As(err, &alertErr):
		return mk(nagios.Critical, "TLS handshake with %s failed: %s", host, alertErr.Error())
	case errors.As(err, &opErr) && opErr.Op == "remote error":
		// a TLS alert from the server; under TLS 1.3 a rejected (or missing)
		// client certificate arrives after the handshake, even before the
		// request is written, so net/http may wrap it in any of its errors
		return mk(nagios.Critical, "TLS with %s failed: the server sent the alert %q%s", host,
			strings.TrimPrefix(opErr.Err.Error(), "tls: "), alertHint(opErr.Err.Error()))
	case errors.As(err, &decErr):
		return mk(nagios.Critical, "the body from %s is not the %s its Content-Encoding announces (%s)", host,
			SanitizeLine(decErr.Encoding, 40), SanitizeLine(decErr.Err.Error(), 60))
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return mk(nagios.Critical, "%s closed the connection before the answer was complete", host)
	}
	if why, ok := protocolError(innermost(err)); ok {
		return mk(nagios.Critical, "%s did not answer with valid HTTP: %s", host, SanitizeLine(why, 160))
	}
	return mk(nagios.Critical, "request to %s failed: %s", host, SanitizeLine(innermost(err), 160))
}

// alertHint suggests the flag an alert usually asks for.
func alertHint(alert string) string {
	switch alert {
	case "tls: certificate required", "tls: bad certificate", "tls: unknown certificate authority", "tls: certificate expired":
		return " (check --cert and --key)"
	case "tls: protocol version not supported":
		return " (check --tls-min and --tls-max)"
	}
	return ""
}

// protocolError recognises net/http's complaints about an answer that is
// not valid HTTP ("malformed HTTP response ...", possibly behind "net/http:
// HTTP/1.x transport connection broken: ") and returns them without Go's
// prefixes.
func protocolError(msg string) (string, bool) {
	const broken = "transport connection broken: "
	if i := strings.LastIndex(msg, broken); i >= 0 {
		msg = msg[i+len(broken):]
	}
	msg = strings.TrimPrefix(strings.TrimPrefix(msg, "net/http: "), "http: ")
	if strings.HasPrefix(msg, "readLoopPeekFailLocked") {
		// net/http's words for bytes that came before the request went out
		return "it sent data before the request", true
	}
	if strings.HasPrefix(msg, "server response headers exceeded ") || strings.HasSuffix(msg, "; PROTOCOL_ERROR; header list too large") {
		// HTTP/1 and HTTP/2's words for headers (interim answers'
		// included) over MaxResponseHeaderBytes
		return fmt.Sprintf("headers longer than %s", FormatBytes(maxHeaderBytes)), true
	}
	return msg, httpProtocolError().MatchString(msg)
}

var httpProtocolError = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(malformed HTTP|malformed MIME header|bad Content-Length|message cannot contain multiple Content-Length|` +
		`invalid Trailer|unsupported transfer encoding|too many transfer encodings|suspiciously long trailer|header line too long|` +
		`http chunk length too large|invalid byte in chunk length|malformed chunked encoding|too many 1xx|http2: too many 1xx)`)
})

// invalidReason completes "TLS certificate of HOST ...".
func invalidReason(e x509.CertificateInvalidError) string {
	if e.Reason != x509.Expired {
		return "is invalid: " + e.Error()
	}
	if e.Cert == nil {
		return "has expired or is not yet valid"
	}
	who := ""
	if cn := SanitizeLine(e.Cert.Subject.CommonName, 60); cn != "" {
		who = " (" + cn + ")"
	}
	if time.Now().Before(e.Cert.NotBefore) {
		return "is not valid before " + e.Cert.NotBefore.UTC().Format(time.DateOnly) + who
	}
	return "expired on " + e.Cert.NotAfter.UTC().Format(time.DateOnly) + who
}

// certNames says whom a certificate is for: ", only for a.example, b.example".
func certNames(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	names := slices.Clone(c.DNSNames)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = []string{c.Subject.CommonName}
	}
	if len(names) == 0 {
		return ""
	}
	if len(names) > 3 {
		names = append(names[:3], "…")
	}
	return ": it is for " + SanitizeLine(strings.Join(names, ", "), 120)
}

// innermost strips url.Error (which carries the URL, maybe with a key in it).
func innermost(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return err.Error()
}

func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "the server"
	}
	return SanitizeLine(u.Host, 100)
}

func redactError(err error, rawURL string) string {
	msg := innermost(err)
	if rawURL != "" {
		msg = strings.ReplaceAll(msg, rawURL, RedactURL(rawURL))
	}
	return SanitizeLine(msg, 160)
}
