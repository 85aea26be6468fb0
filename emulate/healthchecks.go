package emulate

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The check NewHealthchecks sets up: by UUID, and by ping key and slug.
const (
	HealthchecksUUID    = "5d6c4b2a-8e1f-4a3b-9c7d-0e2f4a6b8c1d"
	HealthchecksPingKey = "hpDemoPingKey42"
	HealthchecksSlug    = "edge-web"
)

// HCPing is one ping a Healthchecks emulator received.
type HCPing struct {
	Time       time.Time
	Method     string
	Kind       string // success, start, fail, log, or exitstatus
	ExitStatus int    // for exitstatus
	Body       []byte // at most the body limit
	RunID      string // the rid parameter
}

// Healthchecks emulates the ping endpoints of Healthchecks (hc-ping.com,
// or /ping/... of a self-hosted one): /<uuid> and /<ping-key>/<slug>, each
// optionally followed by /start, /fail, /log or an exit status /0 to
// /255 (a non-zero one is a failure); HEAD, GET and POST. A POST body is
// kept up to the limit it states in the Ping-Body-Limit answer header
// (BodyLimit, 10000 bytes by default). rid, when given, must be a UUID.
// It answers 200 "OK"; 404 "not found" for an unknown check; 400 for an
// exit status above 255 or a malformed rid; 405 for other methods.
type Healthchecks struct {
	BodyLimit int

	mu     sync.Mutex
	checks map[string]*hcCheck // by UUID
	slugs  map[string]string   // "ping-key/slug" -> UUID
}

type hcCheck struct {
	pings []HCPing
}

// hcUUID matches a check's UUID; compiled on first use, as the demo
// links this package into every healthprobe.
var hcUUID = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
})

// NewHealthchecks serves the check HealthchecksUUID, also reachable as
// HealthchecksPingKey/HealthchecksSlug.
func NewHealthchecks() *Healthchecks {
	h := &Healthchecks{checks: map[string]*hcCheck{}, slugs: map[string]string{}}
	h.AddCheck(HealthchecksUUID, HealthchecksPingKey, HealthchecksSlug)
	return h
}

// AddCheck adds a check, and its slug under a ping key when both are given.
func (h *Healthchecks) AddCheck(uuid, pingKey, slug string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks[strings.ToLower(uuid)] = &hcCheck{}
	if pingKey != "" && slug != "" {
		h.slugs[pingKey+"/"+slug] = strings.ToLower(uuid)
	}
}

// Pings returns the pings the check received, oldest first.
func (h *Healthchecks) Pings(uuid string) []HCPing {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.checks[strings.ToLower(uuid)]; c != nil {
		return slices.Clone(c.pings)
	}
	return nil
}

func (h *Healthchecks) limit() int {
	if h.BodyLimit > 0 {
		return h.BodyLimit
	}
	return 10000
}

func (h *Healthchecks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodHead, http.MethodGet, http.MethodPost:
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	segs := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/ping"), "/"), "/")
	action := ""
	if n := len(segs); n >= 2 && isHCAction(segs[n-1]) && (hcUUID().MatchString(segs[0]) || n == 3) {
		action, segs = segs[n-1], segs[:n-1]
	}
	h.mu.Lock()
	uuid := ""
	switch {
	case len(segs) == 1 && hcUUID().MatchString(segs[0]):
		uuid = strings.ToLower(segs[0])
	case len(segs) == 2:
		uuid = h.slugs[segs[0]+"/"+segs[1]]
	}
	c := h.checks[uuid]
	h.mu.Unlock()
	if c == nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	p := HCPing{Time: time.Now(), Method: r.Method, Kind: "success", RunID: r.URL.Query().Get("rid")}
	switch action {
	case "", "start", "fail", "log":
		if action != "" {
			p.Kind = action
		}
	default:
		code, _ := strconv.Atoi(action)
		if code > 255 {
			http.Error(w, "invalid url format", http.StatusBadRequest)
			return
		}
		p.Kind, p.ExitStatus = "exitstatus", code
	}
	if r.URL.Query().Has("rid") && !hcUUID().MatchString(p.RunID) {
		http.Error(w, "invalid uuid format", http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "reading the body failed", http.StatusBadRequest)
		return
	}
	if len(body) > h.limit() {
		body = body[:h.limit()]
	}
	p.Body = body
	h.mu.Lock()
	c.pings = append(c.pings, p)
	h.mu.Unlock()
	w.Header().Set("Ping-Body-Limit", strconv.Itoa(h.limit()))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if r.Method != http.MethodHead {
		fmt.Fprint(w, "OK")
	}
}

// isHCAction recognises the last path segment of a ping that is not a
// plain success: start, fail, log or a number (an exit status).
func isHCAction(s string) bool {
	switch s {
	case "start", "fail", "log":
		return true
	}
	if s == "" || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
