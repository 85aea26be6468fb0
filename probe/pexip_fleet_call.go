package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// FleetTestCall is a test call made on every selected node that is not in
// maintenance: the Pexip probe's request_token, then release_token.
type FleetTestCall struct {
	Alias, DisplayName, CallTag string
	PIN                         string // "none" joins as a guest

	// NodeURL is the template of a node's base URL; "" means
	// DefaultNodeURL. Placeholders: {name}, {hostname}, {domain}, {address}.
	NodeURL string
	// Concurrency is how many calls run at once; 0 means
	// DefaultTestCallConcurrency.
	Concurrency  int
	ReleaseGrace time.Duration // see PexipConfig; 0: DefaultReleaseGrace
}

// DefaultNodeURL reaches a node by the FQDN its certificate names.
const DefaultNodeURL = "https://{hostname}.{domain}"

// DefaultTestCallConcurrency is how many test calls run at once.
const DefaultTestCallConcurrency = 4

// MaxTestCallConcurrency bounds --test-call-concurrency.
const MaxTestCallConcurrency = 64

func (c *FleetTestCall) nodeURL() string {
	if strings.TrimSpace(c.NodeURL) == "" {
		return DefaultNodeURL
	}
	return strings.TrimSpace(c.NodeURL)
}

var placeholder = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{[^{}]*\}`) })

// nodeURLFields are the placeholders a node URL template may hold.
var nodeURLFields = []string{"{name}", "{hostname}", "{domain}", "{address}"}

// ValidateNodeURL checks a --node-url template: known placeholders only,
// and once filled in, an http or https URL with a host and no query.
func ValidateNodeURL(tmpl string) error {
	for _, p := range placeholder().FindAllString(tmpl, -1) {
		if !containsString(nodeURLFields, p) {
			return fmt.Errorf("invalid --node-url %q: unknown placeholder %s (use {name}, {hostname}, {domain}, {address})", tmpl, p)
		}
	}
	sample := &fleetNode{status: fleetNodeStatus{Name: "conf-01"},
		config: &fleetNodeConfig{Hostname: "conf-01", Domain: "example.com", Address: "192.0.2.1"}}
	if _, err := expandNodeURL(tmpl, sample); err != nil {
		return fmt.Errorf("invalid --node-url %q: %w", tmpl, err)
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// nodeURLNeedsConfig reports whether a template needs the configuration
// API (any placeholder but {name}).
func nodeURLNeedsConfig(tmpl string) bool {
	for _, p := range nodeURLFields[1:] {
		if strings.Contains(tmpl, p) {
			return true
		}
	}
	return false
}

var hostLabel = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$`)
})

// expandNodeURL fills a template in for one node. A value placed in the
// host must be a host name or address (a hostile Management Node cannot
// steer the call elsewhere with "evil.example/x?"); one in the path is
// path-escaped.
func expandNodeURL(tmpl string, n *fleetNode) (string, error) {
	scheme, rest, ok := strings.Cut(tmpl, "://")
	if !ok {
		return "", errors.New("not a URL (give scheme://host...)")
	}
	authority, pathPart := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, pathPart = rest[:i], rest[i:]
	}
	values := map[string]string{"{name}": string(n.status.Name)}
	if c := n.config; c != nil {
		values["{hostname}"], values["{domain}"], values["{address}"] = string(c.Hostname), string(c.Domain), string(c.Address)
	}
	var missing []string
	fill := func(s string, inHost bool) (string, error) {
		var err error
		out := placeholder().ReplaceAllStringFunc(s, func(p string) string {
			v := strings.TrimSpace(values[p])
			switch {
			case v == "":
				missing = append(missing, strings.Trim(p, "{}"))
				return "x"
			case !inHost:
				return url.PathEscape(v)
			case p == "{address}" && net.ParseIP(v) != nil && strings.Contains(v, ":"):
				return "[" + v + "]"
			case net.ParseIP(v) != nil || hostLabel().MatchString(v):
				return v
			}
			if err == nil {
				err = fmt.Errorf("%s %q is not a host name or address", strings.Trim(p, "{}"), SanitizeLine(v, 60))
			}
			return "x"
		})
		return out, err
	}
	host, err := fill(authority, true)
	if err != nil {
		return "", err
	}
	p, err := fill(pathPart, false)
	if err != nil {
		return "", err
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("the management API gives this node no %s (see --node-url)", strings.Join(missing, " and no "))
	}
	raw := scheme + "://" + host + p
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", fmt.Errorf("%q is not a URL", SanitizeLine(raw, 100))
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New("the scheme must be http or https")
	case u.Host == "" || u.Hostname() == "":
		return "", errors.New("no host")
	case u.RawQuery != "" || u.Fragment != "" || strings.Contains(raw, "?"):
		return "", errors.New("no query or fragment allowed")
	case u.User != nil:
		return "", errors.New("no user name allowed in the URL")
	}
	return strings.TrimRight(raw, "/"), nil
}

// fleetCall is what a node's test call gave.
type fleetCall struct {
	made  bool // request_token was answered
	took  time.Duration
	state nagios.State
	text  string
}

// nodeClientConfig is the client for test calls: the Management Node's
// TLS and connection settings (CA, client certificate, --insecure, TLS and
// HTTP versions, IP version, proxy, User-Agent, certificate days), never
// what is the Management Node's own: its login, bearer token and OAuth2
// client, its headers (-H, which may carry a secret or a Host meant for
// it), its TLS server name, the address it is reached at (-I, sticky
// redirects) and its cookies.
func nodeClientConfig(c ClientConfig) ClientConfig {
	nc := c
	nc.User, nc.Password, nc.Auth, nc.Bearer, nc.OAuth2 = "", "", "", "", nil
	nc.Headers, nc.SNI, nc.Issued = nil, "", nil
	nc.Address, nc.Sticky, nc.Jar = "", "", nil
	nc.MaxBody = 0 // a node's answers are small: the usual cap, not a page's
	if log := c.Log; log != nil {
		// the calls run at once: their verbose lines go out one at a time
		var mu sync.Mutex
		nc.Log = func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			log(format, args...)
		}
	}
	return nc
}

// testCalls calls every selected node not in maintenance, a few at once.
// Calls not yet started when the run ends are not made; a call whose token
// was issued is always released (see PexipConfig.ReleaseGrace), and this
// returns only once every started call has ended.
func (f *fleet) testCalls(ctx context.Context) {
	tc := f.cfg.TestCall
	nc := nodeClientConfig(f.cfg.Client)
	conc := orDefault(tc.Concurrency, DefaultTestCallConcurrency)
	if conc > MaxTestCallConcurrency {
		conc = MaxTestCallConcurrency
	}
	type job struct {
		n   *fleetNode
		url string
	}
	var jobs []job
	for _, n := range f.selected {
		if bool(n.status.MaintenanceMode) {
			n.facts = append(n.facts, "no test call")
			continue
		}
		u, err := expandNodeURL(tc.nodeURL(), n)
		if err != nil {
			why := err.Error()
			if f.configErr != nil && nodeURLNeedsConfig(tc.nodeURL()) {
				why = "the node configuration list could not be read"
			}
			n.call = &fleetCall{state: nagios.Unknown, text: "no test call: " + why}
			continue
		}
		jobs = append(jobs, job{n, u})
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for _, j := range jobs {
		if !acquire(ctx, sem) {
			j.n.call = f.notCalled(ctx)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			j.n.call = f.call(ctx, nc, j.url)
		}()
	}
	wg.Wait()
	for _, n := range f.selected {
		c := n.call
		switch {
		case c == nil:
		case c.state == nagios.OK:
			n.facts = append(n.facts, c.text)
		default:
			n.problems = append(n.problems, fleetFinding{state: c.state, text: c.text})
		}
		sort.SliceStable(n.problems, func(i, j int) bool { return n.problems[i].state.Worse(n.problems[j].state) })
	}
}

// acquire takes a slot, unless the run ends first.
func acquire(ctx context.Context, sem chan struct{}) bool {
	if ctx.Err() != nil {
		return false
	}
	select {
	case sem <- struct{}{}:
		if ctx.Err() != nil {
			<-sem
			return false
		}
		return true
	case <-ctx.Done():
		return false
	}
}

// notCalled is the outcome of a call the run ended before.
func (f *fleet) notCalled(ctx context.Context) *fleetCall {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &fleetCall{state: f.cfg.Client.TimeoutState, text: "no test call: the run's deadline (-t) came before this node's turn"}
	}
	return &fleetCall{state: nagios.Unknown, text: "no test call: the run was interrupted before this node's turn"}
}

// testCall makes one node's test call with the Pexip probe.
func (f *fleet) testCall(ctx context.Context, nc ClientConfig, base string) (c *fleetCall) {
	defer func() {
		if p := recover(); p != nil {
			c = &fleetCall{state: nagios.Unknown, text: "test call: internal error: " + SanitizeLine(fmt.Sprint(p), 200)}
		}
	}()
	tc := f.cfg.TestCall
	r := Pexip(ctx, PexipConfig{
		Client: nc, BaseURL: base, Alias: tc.Alias, DisplayName: tc.DisplayName, CallTag: tc.CallTag, PIN: tc.PIN,
		Release: true, CheckStatus: true, MaintenanceState: f.cfg.MaintenanceState, ReleaseGrace: tc.ReleaseGrace,
	})
	c = &fleetCall{state: r.State}
	for _, p := range r.Perfdata {
		if p.Label == "time" {
			c.made, c.took = true, time.Duration(p.Value*float64(time.Second))
		}
	}
	if r.State == nagios.OK {
		c.text = "test call accepted"
		for _, d := range r.Details {
			if _, role, ok := strings.Cut(d.Text, "call accepted as "); ok && d.Name == "call" {
				role, _, _ = strings.Cut(role, " ")
				c.text += " as " + role
			}
		}
		return c
	}
	c.text = "test call: " + SanitizeLine(r.Summary, 200)
	return c
}

// matchesAny reports whether s matches one of the globs, regardless of
// case; no globs match everything.
func matchesAny(globs []string, s string) bool {
	if len(globs) == 0 {
		return true
	}
	s = strings.ToLower(strings.TrimSpace(s))
	for _, g := range globs {
		if ok, _ := path.Match(strings.ToLower(strings.TrimSpace(g)), s); ok {
			return true
		}
	}
	return false
}

// ValidateGlob checks a filter pattern.
func ValidateGlob(flag, g string) error {
	if strings.TrimSpace(g) == "" {
		return fmt.Errorf("%s may not be empty", flag)
	}
	if _, err := path.Match(g, ""); err != nil {
		return fmt.Errorf("invalid %s %q: a bad pattern (globs: * ? [a-z])", flag, g)
	}
	return nil
}

// configFields are the configuration keys jq sees: where the node is, none
// of its secrets (SNMP community, passwords, SSH keys).
var configFields = []string{"id", "name", "hostname", "domain", "address", "node_type", "system_location", "resource_uri"}

// document is the fleet's JSON, for --jq:
//
//	{"nodes": [STATUS OBJECT + {"configuration": {...}, "healthprobe": {...}}],
//	 "alarms": [ALARM OBJECT...], "licensing": LICENSING OBJECT}
func (f *fleet) document() []byte {
	nodes := make([]any, 0, len(f.selected))
	for _, n := range f.selected {
		obj, _ := decodeObject(n.raw)
		if raw, ok := f.configRaw[n]; ok {
			full, _ := decodeObject(raw)
			c := map[string]any{}
			for _, k := range configFields {
				if v, ok := full[k]; ok {
					c[k] = v
				}
			}
			obj["configuration"] = c
		}
		var findings []string
		for _, p := range n.problems {
			findings = append(findings, p.text)
		}
		hp := map[string]any{"state": n.state().String(), "problems": orEmpty(findings)}
		if c := n.call; c != nil {
			call := map[string]any{"state": c.state.String(), "text": c.text}
			if c.made {
				call["seconds"] = Seconds(c.took)
			}
			hp["test_call"] = call
		}
		obj["healthprobe"] = hp
		nodes = append(nodes, obj)
	}
	doc := map[string]any{"nodes": nodes, "alarms": nil, "licensing": nil}
	if f.alarmsErr == nil {
		alarms := make([]any, 0, len(f.alarmsRaw))
		for _, raw := range f.alarmsRaw {
			a, _ := decodeObject(raw)
			alarms = append(alarms, a)
		}
		doc["alarms"] = alarms
	}
	if f.licensingRaw != nil {
		l, _ := decodeObject(f.licensingRaw)
		doc["licensing"] = l
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return []byte("{}")
	}
	return b
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func decodeObject(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return map[string]any{}, err
	}
	return m, nil
}
