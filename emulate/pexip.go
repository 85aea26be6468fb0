package emulate

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Aliases, PINs and version of the Pexip emulator.
const (
	PexipTestCall    = "edge.kuma"    // a test call service: anyone joins as HOST
	PexipPINRoom     = "meet.pin"     // a room with a host PIN and a guest PIN
	PexipHostPINRoom = "meet.hostpin" // a room with a host PIN; guests join with the PIN "none"
	PexipReception   = "reception"    // a Virtual Reception
	PexipSSORoom     = "meet.sso"     // a room that needs single sign-on

	PexipHostPIN  = "7391846"
	PexipGuestPIN = "5802713"

	PexipVersion       = "36"
	PexipPseudoVersion = "79050.0.0"

	// PexipTokenPrefix starts every token the emulator issues, so that tests
	// can assert that no token ever shows in healthprobe's output.
	PexipTokenPrefix = "pexemu-"
)

// Hang, given as a fault, makes an endpoint never answer: it waits until the
// client gives up.
const Hang = -1

// PexipRequest is one request the emulator saw, as sent.
type PexipRequest struct {
	Method      string
	Path        string // escaped, as on the wire
	PIN         string
	HasPIN      bool
	Token       string
	HasToken    bool
	ContentType string
	Body        []byte
}

// PexipToken is a token the emulator issued.
type PexipToken struct {
	Token, Alias, Role, DisplayName, CallTag string
}

// Pexip emulates the client API (v2) of a Pexip Infinity Conferencing Node:
//
//	GET  /api/client/v2/status                             200, or 503 in maintenance mode
//	POST /api/client/v2/conferences/ALIAS/request_token    a token, or why not (PIN, Virtual Reception, SSO, 404)
//	POST /api/client/v2/conferences/ALIAS/release_token    hands a token back (header "token")
//	POST /api/client/v2/conferences/ALIAS/refresh_token    replaces a token by a new one
//	GET  /emulator/tokens                                  {"issued":N,"released":N,"outstanding":N}, for scripts
//
// It records every request, and which tokens were issued and released, so
// tests can assert what a probe sent and that it left no call behind.
// Safe for concurrent use.
type Pexip struct {
	mux *http.ServeMux

	mu           sync.Mutex
	maintenance  bool
	requestFault int
	releaseFault int
	requests     []PexipRequest
	issued       []PexipToken
	released     []string
	live         map[string]PexipToken
}

// NewPexip returns a node in service.
func NewPexip() *Pexip {
	p := &Pexip{mux: http.NewServeMux(), live: map[string]PexipToken{}}
	const conf = "/api/client/v2/conferences/{alias}/"
	p.mux.HandleFunc("GET /api/client/v2/status", p.status)
	p.mux.HandleFunc("POST "+conf+"request_token", p.requestToken)
	p.mux.HandleFunc("POST "+conf+"release_token", p.releaseToken)
	p.mux.HandleFunc("POST "+conf+"refresh_token", p.refreshToken)
	p.mux.HandleFunc("GET /emulator/tokens", p.tokens)
	p.mux.Handle("/", NotPexip())
	return p
}

// SetMaintenance puts the node in or out of maintenance mode: the status
// endpoint and request_token answer 503.
func (p *Pexip) SetMaintenance(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.maintenance = on
}

// FailRequestToken makes request_token answer with this status code (503:
// an overloaded node, 502: a proxy that lost it), or never answer (Hang);
// 0 restores normal answers.
func (p *Pexip) FailRequestToken(code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requestFault = code
}

// FailRelease makes release_token answer with this status code, or Hang; 0
// restores normal answers. A failed release keeps the token outstanding.
func (p *Pexip) FailRelease(code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.releaseFault = code
}

// Requests returns every request seen so far (the emulator's own
// /emulator/ paths excepted).
func (p *Pexip) Requests() []PexipRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]PexipRequest(nil), p.requests...)
}

// Issued returns the tokens issued so far, in order.
func (p *Pexip) Issued() []PexipToken {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]PexipToken(nil), p.issued...)
}

// Released returns the tokens handed back so far, in order.
func (p *Pexip) Released() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.released...)
}

// Outstanding returns the tokens issued and neither released nor refreshed:
// the calls a real node would still show in its Live View.
func (p *Pexip) Outstanding() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, t := range p.issued {
		if _, ok := p.live[t.Token]; ok {
			out = append(out, t.Token)
		}
	}
	return out
}

func (p *Pexip) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/emulator/") {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := PexipRequest{Method: r.Method, Path: r.URL.EscapedPath(), ContentType: r.Header.Get("Content-Type"), Body: body}
		rec.PIN, rec.HasPIN = header(r, "Pin")
		rec.Token, rec.HasToken = header(r, "Token")
		p.mu.Lock()
		p.requests = append(p.requests, rec)
		p.mu.Unlock()
	}
	p.mux.ServeHTTP(w, r)
}

func header(r *http.Request, name string) (string, bool) {
	v, ok := r.Header[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// answer writes the client API's envelope around result.
func answer(w http.ResponseWriter, code int, result any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(struct {
		Status string `json:"status"`
		Result any    `json:"result"`
	}{"success", result})
}

// fault answers with a configured fault; it reports whether it did.
func fault(w http.ResponseWriter, r *http.Request, code int) bool {
	switch {
	case code == Hang:
		<-r.Context().Done()
		return true
	case code > 0:
		answer(w, code, http.StatusText(code))
		return true
	}
	return false
}

func (p *Pexip) status(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	maintenance := p.maintenance
	p.mu.Unlock()
	if maintenance {
		answer(w, http.StatusServiceUnavailable, "Maintenance mode")
		return
	}
	answer(w, http.StatusOK, "OK")
}

func (p *Pexip) requestToken(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	maintenance, code := p.maintenance, p.requestFault
	p.mu.Unlock()
	if maintenance {
		answer(w, http.StatusServiceUnavailable, "Maintenance mode")
		return
	}
	if fault(w, r, code) {
		return
	}
	var req struct {
		DisplayName string `json:"display_name"`
		CallTag     string `json:"call_tag"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.DisplayName == "" {
		answer(w, http.StatusBadRequest, "display_name is required")
		return
	}
	alias := r.PathValue("alias")
	pin, hasPIN := header(r, "Pin")
	grant := func(role, service, name string) {
		p.grant(w, PexipToken{Alias: alias, Role: role, DisplayName: req.DisplayName, CallTag: req.CallTag}, service, name)
	}
	switch alias {
	case PexipTestCall:
		grant("HOST", "test_call", "Edge test call")
	case PexipPINRoom, PexipHostPINRoom:
		guestPIN := alias == PexipPINRoom
		switch {
		case !hasPIN && guestPIN:
			answer(w, http.StatusForbidden, map[string]string{"pin": "required", "guest_pin": "required"})
		case !hasPIN:
			answer(w, http.StatusForbidden, map[string]string{"pin": "required", "guest_pin": "none"})
		case pin == PexipHostPIN:
			grant("HOST", "conference", "Team room")
		case guestPIN && pin == PexipGuestPIN, !guestPIN && pin == "none":
			grant("GUEST", "conference", "Team room")
		default:
			answer(w, http.StatusForbidden, "Invalid PIN")
		}
	case PexipReception:
		answer(w, http.StatusForbidden, map[string]string{"pin": "none", "guest_pin": "none", "conference_extension": "standard"})
	case PexipSSORoom:
		answer(w, http.StatusForbidden, map[string]any{"idp": []map[string]string{
			{"name": "Example Entra ID", "uuid": newUUID()}, {"name": "Example Okta", "uuid": newUUID()},
		}})
	default:
		answer(w, http.StatusNotFound, "Neither conference nor gateway found")
	}
}

// tokenResult is the result of a successful request_token, with the keys of
// a real node's answer (testdata/pexip/request_token_ok.json).
type tokenResult struct {
	Token              string `json:"token"`
	Expires            string `json:"expires"`
	DisplayName        string `json:"display_name"`
	ParticipantUUID    string `json:"participant_uuid"`
	CurrentServiceType string `json:"current_service_type"`
	ServiceType        string `json:"service_type"`
	RouteViaRegistrar  bool   `json:"route_via_registrar"`
	Role               string `json:"role"`
	CallTag            string `json:"call_tag"`
	Version            struct {
		VersionID     string `json:"version_id"`
		PseudoVersion string `json:"pseudo_version"`
	} `json:"version"`
	IDPUUID                   string  `json:"idp_uuid"`
	FECCEnabled               bool    `json:"fecc_enabled"`
	TrickleICEEnabled         bool    `json:"trickle_ice_enabled"`
	DirectMedia               bool    `json:"direct_media"`
	DataChannelID             int     `json:"pex_datachannel_id"`
	ClientStatsUpdateInterval float64 `json:"client_stats_update_interval"`
	ConferenceName            string  `json:"conference_name"`
	ServiceName               string  `json:"service_name"`
	CallType                  string  `json:"call_type"`
	GuestsCanPresent          bool    `json:"guests_can_present"`
	Stun                      []stun  `json:"stun"`
	Turn                      []turn  `json:"turn"`
	UseRelayCandidatesOnly    bool    `json:"use_relay_candidates_only"`
	ChatEnabled               bool    `json:"chat_enabled"`
	AnalyticsEnabled          bool    `json:"analytics_enabled"`
}

type stun struct {
	URL string `json:"url"`
}

type turn struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username"`
	Credential string   `json:"credential"`
}

func (p *Pexip) grant(w http.ResponseWriter, t PexipToken, service, name string) {
	t.Token = newToken()
	res := tokenResult{
		Token: t.Token, Expires: "120", DisplayName: t.DisplayName, ParticipantUUID: newUUID(),
		CurrentServiceType: service, ServiceType: service, Role: t.Role, CallTag: t.CallTag,
		TrickleICEEnabled: true, DataChannelID: 3, ClientStatsUpdateInterval: 4000,
		ConferenceName: name, ServiceName: name, CallType: "video", GuestsCanPresent: true,
		Stun:        []stun{{URL: "stun:stun.example.net:3478"}},
		Turn:        []turn{{URLs: []string{"turn:turn.example.net:3478?transport=udp"}, Username: "emulator", Credential: newToken()}},
		ChatEnabled: true,
	}
	res.Version.VersionID, res.Version.PseudoVersion = PexipVersion, PexipPseudoVersion
	p.mu.Lock()
	p.issued = append(p.issued, t)
	p.live[t.Token] = t
	p.mu.Unlock()
	answer(w, http.StatusOK, res)
}

// take removes a live token of this alias; it reports whether there was one.
func (p *Pexip) take(r *http.Request) (PexipToken, bool) {
	tok, _ := header(r, "Token")
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.live[tok]
	if !ok || t.Alias != r.PathValue("alias") {
		return PexipToken{}, false
	}
	delete(p.live, tok)
	return t, true
}

func (p *Pexip) releaseToken(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	code := p.releaseFault
	p.mu.Unlock()
	if fault(w, r, code) {
		return
	}
	t, ok := p.take(r)
	if !ok {
		answer(w, http.StatusForbidden, "Invalid token")
		return
	}
	p.mu.Lock()
	p.released = append(p.released, t.Token)
	p.mu.Unlock()
	answer(w, http.StatusOK, true)
}

func (p *Pexip) refreshToken(w http.ResponseWriter, r *http.Request) {
	t, ok := p.take(r)
	if !ok {
		answer(w, http.StatusForbidden, "Invalid token")
		return
	}
	t.Token = newToken()
	p.mu.Lock()
	p.issued = append(p.issued, t)
	p.live[t.Token] = t
	p.mu.Unlock()
	answer(w, http.StatusOK, map[string]string{"token": t.Token, "expires": "120"})
}

func (p *Pexip) tokens(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	counts := map[string]int{"issued": len(p.issued), "released": len(p.released), "outstanding": len(p.live)}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(counts)
}

// NotPexip is a web server that is not a Pexip node: every path is a 404
// HTML page.
func NotPexip() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"+
			"<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n")
	})
}

func newToken() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	return PexipTokenPrefix + hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
