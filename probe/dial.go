package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
)

// The client's dialer decides where a connection goes: check_curl's -I
// (connect to an address of one's choosing while the URL's host stays in
// Host, SNI and the certificate check), its sticky redirects, -4/-6, and
// blackbox_exporter's preferred IP protocol with fallback.

// Redirect handling of ClientConfig.Sticky.
const (
	StickyNone = ""           // a redirect goes wherever Location says
	Sticky     = "sticky"     // ... but every connection goes to the first one's IP
	StickyPort = "stickyport" // ... to the first one's IP and port
)

// dialer connects for one client.
type dialer struct {
	c  *Client
	nd *net.Dialer

	mu     sync.Mutex
	sticky netip.AddrPort // the first connection's peer, once made
	last   string         // where the last sticky dial went
}

// redirected says where the last connection went when a sticky redirect
// chose it, or "".
func (d *dialer) redirected() string {
	if d == nil {
		return ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last
}

// noAddressError is a host without an address of the family asked for.
type noAddressError struct {
	host   string
	family int
}

func (e *noAddressError) Error() string {
	return fmt.Sprintf("%s has no IPv%d address (-%d)", e.host, e.family, e.family)
}

// direct reports whether the client decides addresses itself, so that no
// proxy may stand in between.
func (cfg *ClientConfig) direct() bool { return cfg.Address != "" || cfg.Sticky != StickyNone }

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	cfg := &d.c.cfg
	if t := tracerOf(ctx); t != nil {
		t.mu.Lock()
		proxied := t.hop != nil && t.hop.proxy != nil
		t.mu.Unlock()
		if proxied { // a connection to the proxy goes where the proxy is
			return d.nd.DialContext(ctx, network, addr)
		}
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	sticky := d.sticky
	d.mu.Unlock()
	if sticky.IsValid() {
		if cfg.Sticky == StickyPort {
			p = fmt.Sprint(sticky.Port())
		}
		d.mu.Lock()
		d.last = net.JoinHostPort(sticky.Addr().String(), p)
		d.mu.Unlock()
		return d.dialIPs(ctx, network, []netip.Addr{sticky.Addr()}, p, false)
	}
	// a connection to the URL's own host and port: --address applies, and
	// sticky redirects keep to where it went (an OAuth2 token endpoint
	// elsewhere is neither)
	o := d.c.origin.Load()
	origin := o != nil && strings.EqualFold(host, o.Hostname()) && p == port(o)
	if origin && cfg.Address != "" {
		host, p = addressOverride(cfg.Address, p)
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip.Unmap()}
	} else if cfg.IPVersion == 0 && cfg.PreferIP == 0 {
		// Go's own Happy Eyeballs over every address of the name
		c, err := d.nd.DialContext(ctx, network, net.JoinHostPort(host, p))
		return d.record(c, err, origin)
	} else {
		lookup := cfg.lookup
		if lookup == nil {
			lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
				return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
			}
		}
		addrs, err := lookup(ctx, host)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			ips = append(ips, a.Unmap())
		}
	}
	ips = orderIPs(ips, cfg.IPVersion, cfg.PreferIP)
	if len(ips) == 0 {
		return nil, &noAddressError{host: SanitizeLine(host, 80), family: cfg.IPVersion}
	}
	return d.dialIPs(ctx, network, ips, p, origin)
}

// addressOverride splits --address ADDRESS[:PORT]; without a port, the
// URL's is kept.
func addressOverride(address, port string) (string, string) {
	if h, p, err := net.SplitHostPort(address); err == nil {
		return strings.Trim(h, "[]"), p
	}
	return strings.Trim(address, "[]"), port
}

// orderIPs keeps the addresses of the family asked for (4 or 6), or puts
// the preferred family first, in the resolver's order otherwise.
func orderIPs(ips []netip.Addr, only, prefer int) []netip.Addr {
	family := func(ip netip.Addr) int {
		if ip.Is4() {
			return 4
		}
		return 6
	}
	if only != 0 {
		return slices.DeleteFunc(slices.Clone(ips), func(ip netip.Addr) bool { return family(ip) != only })
	}
	if prefer != 0 {
		out := slices.Clone(ips)
		slices.SortStableFunc(out, func(a, b netip.Addr) int {
			switch fa, fb := family(a) == prefer, family(b) == prefer; {
			case fa && !fb:
				return -1
			case fb && !fa:
				return 1
			}
			return 0
		})
		return out
	}
	return ips
}

// dialIPs tries the addresses in turn, within the context: the first
// connection made wins. The error is the first address's.
func (d *dialer) dialIPs(ctx context.Context, network string, ips []netip.Addr, port string, origin bool) (net.Conn, error) {
	var first error
	for i, ip := range ips {
		c, err := d.nd.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return d.record(c, nil, origin)
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil || i == len(ips)-1 {
			break
		}
		d.c.logf(1, "> no connection to %s, trying the next address", net.JoinHostPort(ip.String(), port))
	}
	if first == nil {
		first = errors.New("no address to connect to")
	}
	return nil, first
}

// record keeps the first connection's peer to the URL's host for sticky
// redirects, and logs where a connection went.
func (d *dialer) record(c net.Conn, err error, origin bool) (net.Conn, error) {
	if err != nil {
		return nil, err
	}
	ap, perr := netip.ParseAddrPort(c.RemoteAddr().String())
	if perr == nil {
		d.c.logf(2, "> connected to %s", ap)
		d.mu.Lock()
		if origin && !d.sticky.IsValid() && d.c.cfg.Sticky != StickyNone {
			d.sticky = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		}
		d.mu.Unlock()
	}
	return c, nil
}
