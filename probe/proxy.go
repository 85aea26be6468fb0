package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// NoProxy is a --no-proxy list: the hosts a request goes to directly,
// whether the proxy came from --proxy or the environment. Its entries, as
// curl's: "*" (every host), an IP address, a CIDR prefix, or a domain name
// that also covers its subdomains (a leading "." or "*." is the same),
// each optionally with ":PORT".
type NoProxy struct {
	all      bool
	prefixes []netip.Prefix
	names    []noProxyName
}

type noProxyName struct {
	name string // lower case, without a leading dot; an IP address as netip renders it
	port string // "" any
	ip   bool
}

// ParseNoProxy parses a comma-separated --no-proxy list. An entry that is
// none of the forms above is an error naming it.
func ParseNoProxy(list string) (*NoProxy, error) {
	np := &NoProxy{}
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if e == "*" {
			np.all = true
			continue
		}
		if strings.Contains(e, "/") {
			p, err := netip.ParsePrefix(strings.Trim(e, "[]"))
			if err != nil {
				return nil, fmt.Errorf("invalid --no-proxy entry %q: not an address prefix (10.0.0.0/8, fd00::/8)", SanitizeLine(e, 60))
			}
			np.prefixes = append(np.prefixes, p.Masked())
			continue
		}
		n, err := parseNoProxyName(e)
		if err != nil {
			return nil, err
		}
		np.names = append(np.names, n)
	}
	return np, nil
}

func parseNoProxyName(e string) (noProxyName, error) {
	bad := func() (noProxyName, error) {
		return noProxyName{}, fmt.Errorf("invalid --no-proxy entry %q: want a host name, an address or a prefix, with an optional :PORT", SanitizeLine(e, 60))
	}
	if ip, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil { // 10.0.0.1, ::1, [::1]
		return noProxyName{name: ip.Unmap().String(), ip: true}, nil
	}
	host, port := e, ""
	if h, p, err := net.SplitHostPort(e); err == nil {
		host, port = h, p
		if !allDigits(p) {
			return bad()
		}
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return noProxyName{name: ip.Unmap().String(), port: port, ip: true}, nil
	}
	host = strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(host), "*"), ".")
	if host == "" {
		return bad()
	}
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return bad()
		}
	}
	return noProxyName{name: host, port: port}, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Match reports whether a request to u goes directly.
func (np *NoProxy) Match(u *url.URL) bool {
	if np == nil {
		return false
	}
	if np.all {
		return true
	}
	host, p := strings.ToLower(u.Hostname()), port(u)
	ip, ipErr := netip.ParseAddr(host)
	if ipErr == nil {
		ip = ip.Unmap()
		for _, pr := range np.prefixes {
			if pr.Contains(ip) {
				return true
			}
		}
	}
	for _, n := range np.names {
		if n.port != "" && n.port != p {
			continue
		}
		switch {
		case n.ip:
			if ipErr == nil && ip.String() == n.name {
				return true
			}
		case host == n.name || strings.HasSuffix(host, "."+n.name):
			return true
		}
	}
	return false
}

// proxyFunc is the transport's choice of proxy: --proxy or the
// environment's, but never for a host on the --no-proxy list, nor when the
// client chooses the address itself (--address, sticky redirects).
func (cfg *ClientConfig) proxyFunc() (func(*http.Request) (*url.URL, error), error) {
	proxy := http.ProxyFromEnvironment
	if cfg.Proxy != "" {
		u, err := url.Parse(cfg.Proxy)
		if err != nil || u.Host == "" {
			return nil, &ConfigError{fmt.Errorf("invalid --proxy %q", RedactURLText(cfg.Proxy))}
		}
		proxy = http.ProxyURL(u)
	}
	var np *NoProxy
	if cfg.NoProxy != "" {
		var err error
		if np, err = ParseNoProxy(cfg.NoProxy); err != nil {
			return nil, &ConfigError{err}
		}
	}
	direct := cfg.direct()
	return func(req *http.Request) (*url.URL, error) {
		if direct || np.Match(req.URL) {
			return nil, nil
		}
		return proxy(req)
	}, nil
}

// proxyRefusal is a proxy's answer other than 200 to CONNECT.
type proxyRefusal struct {
	proxy, target, status string
}

func (e *proxyRefusal) Error() string {
	return fmt.Sprintf("the proxy %s refused to connect to %s: %s", e.proxy, e.target, e.status)
}

// onProxyConnect turns a refused CONNECT into an error that says so: net/http's
// own is the bare reason phrase ("Forbidden").
func (c *Client) onProxyConnect(_ context.Context, proxyURL *url.URL, req *http.Request, resp *http.Response) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	return &proxyRefusal{proxy: hostPort(proxyURL), target: SanitizeLine(req.Host, 100), status: c.statusLine(resp)}
}

// proxyFailure words a failure that happened on the way to, or at, the
// proxy a request went through: the target is not to blame.
func proxyFailure(err error, proxy, target string, t *tracer) (string, bool) {
	var refusal *proxyRefusal
	if errors.As(err, &refusal) {
		return refusal.Error(), true
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "proxyconnect" {
		// net/http marks its connection to the proxy (and TLS with it) so;
		// a CONNECT that fails before the target's TLS began is the proxy's
		t.mu.Lock()
		p := t.p
		t.mu.Unlock()
		if !p.connDone.IsZero() && p.gotConn.IsZero() && p.tlsStart.IsZero() && !errors.As(err, new(*net.DNSError)) {
			return fmt.Sprintf("the proxy %s failed to connect to %s: %s", proxy, target, SanitizeLine(innermost(err), 120)), true
		}
		return "", false
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		why := dnsErr.Err
		if dnsErr.IsNotFound {
			why = "no such host"
		}
		return fmt.Sprintf("DNS lookup of the proxy %s failed: %s", proxy, why), true
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused by the proxy " + proxy, true
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the proxy " + proxy, true
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return "the proxy " + proxy + " is unreachable", true
	}
	return fmt.Sprintf("connecting to the proxy %s failed: %s", proxy, SanitizeLine(opErr.Err.Error(), 120)), true
}
