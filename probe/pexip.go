package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// PexipConfig proves that a Pexip Infinity Conferencing Node can take a call:
// it asks for a call token on an alias the way a WebRTC client does, then
// hands the token back so the probe's call leaves the Live View at once.
type PexipConfig struct {
	Client  ClientConfig
	BaseURL string // scheme://host[:port][/prefix] of the node, no trailing API path

	Alias       string
	DisplayName string
	CallTag     string
	PIN         string // sent in the "pin" header; "none" joins as a guest

	Release          bool         // release the token after the call was accepted
	CheckStatus      bool         // ask the status endpoint first (maintenance mode)
	MaintenanceState nagios.State // the state of a node in maintenance mode

	Time                       nagios.Thresholds // on the request_token round trip
	CertWarnDays, CertCritDays *int

	// ReleaseGrace is how long the release may take once the run's deadline
	// is (nearly) spent; 0 means DefaultReleaseGrace.
	ReleaseGrace time.Duration

	// Assertions run on the request_token answer, its token masked.
	Assertions []BodyAssertion
}

// DefaultReleaseGrace bounds a release started when less than this is left
// of the run's deadline: the release then runs on a detached context of its
// own, so a token is not leaked merely because the call took most of the
// time, and the probe overruns its deadline by this much at most.
const DefaultReleaseGrace = 2 * time.Second

// pexipAPI is the client API's path below a node's base URL.
const pexipAPI = "/api/client/v2"

// PexipURLs returns the status, request_token and release_token URLs for a
// node and alias (the alias path-escaped).
func PexipURLs(base, alias string) (status, request, release string) {
	api := strings.TrimRight(base, "/") + pexipAPI
	conf := api + "/conferences/" + url.PathEscape(alias)
	return api + "/status", conf + "/request_token", conf + "/release_token"
}

// Pexip runs the check once.
func Pexip(ctx context.Context, cfg PexipConfig) (r Result) {
	start := time.Now()
	statusURL, requestURL, releaseURL := PexipURLs(cfg.BaseURL, cfg.Alias)
	r = Result{Kind: "PEXIP", Target: redactURL(requestURL)}
	defer func() { r.Duration = time.Since(start) }()
	cc := cfg.Client
	cc.RedactBody = redactPexipBody
	client, err := NewClient(cc)
	if err != nil {
		return r.Fail(nagios.Unknown, err.Error())
	}
	defer client.Close()
	defer client.NoteInsecure(&r)

	if cfg.CheckStatus && !checkPexipStatus(ctx, client, statusURL, cfg, &r) {
		return r
	}
	body, err := json.Marshal(struct {
		DisplayName string `json:"display_name"`
		CallTag     string `json:"call_tag"`
	}{cfg.DisplayName, cfg.CallTag})
	if err != nil {
		return r.Fail(nagios.Unknown, "encoding the request: "+err.Error())
	}
	h := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}
	if cfg.PIN != "" {
		h.Set("Pin", cfg.PIN)
	}
	ex, err := client.Do(ctx, http.MethodPost, requestURL, body, h)
	if err != nil {
		var rerr *RequestError
		if !errors.As(err, &rerr) {
			return r.Fail(nagios.Unknown, SanitizeLine(err.Error(), 200))
		}
		return r.Fail(rerr.State, rerr.Reason)
	}
	ans := readRequestToken(ex, cfg.Alias, cfg.PIN != "")
	r.Add("call", ans.state, ans.text)
	took := FormatSeconds(ex.Timings.Total)
	var extra []string // what a problem summary adds when the call was taken
	if g := ans.grant; g != nil {
		// release first, whatever else is wrong: a leaked token is a phantom
		// call in the operator's Live View
		r.Add("version", nagios.OK, g.version())
		released := pexipRelease(ctx, client, releaseURL, g, cfg, &r)
		if ans.state == nagios.OK {
			accepted := "alias " + SanitizeLine(cfg.Alias, 80) + ": call accepted as " + g.role()
			extra = []string{accepted, took}
			r.Summary = strings.Join([]string{accepted, g.version(), released, took}, ", ")
		}
		checked := *ex
		checked.Body = redactPexipBody(ex.Body)
		for _, a := range cfg.Assertions {
			a.Assert(ctx, &checked, &r)
		}
	}
	if st := cfg.Time.Evaluate(Seconds(ex.Timings.Total)); st != nagios.OK {
		r.Add("time", st, fmt.Sprintf("request_token took %s, outside the %s range", took, strings.ToLower(st.String())))
	}
	checkCertificate(&r, HTTPConfig{CertWarnDays: cfg.CertWarnDays, CertCritDays: cfg.CertCritDays}, ex)
	r.AddPerf(TimePerf("time", ex.Timings.Total, cfg.Time))
	r.AddPerf(PhasePerf(ex)...)
	r.SummaryOr(r.Summary, extra...)
	return r
}

// checkPexipStatus asks the status endpoint whether the node is in
// maintenance mode. It returns false when the check ends there.
func checkPexipStatus(ctx context.Context, client *Client, statusURL string, cfg PexipConfig, r *Result) bool {
	// Connection: close, so that the call is timed on a connection of its
	// own, as a joining client sees it (connect and TLS included)
	ex, err := client.Do(ctx, http.MethodGet, statusURL, nil, http.Header{"Accept": {"application/json"}, "Connection": {"close"}})
	if err != nil {
		var rerr *RequestError
		if !errors.As(err, &rerr) {
			r.Fail(nagios.Unknown, SanitizeLine(err.Error(), 200))
			return false
		}
		r.Fail(rerr.State, rerr.Reason)
		return false
	}
	switch ex.Status {
	case http.StatusOK:
		r.Add("status", nagios.OK, "node in service (status "+ex.StatusLine+")")
	case http.StatusServiceUnavailable:
		text := "node in maintenance mode (status " + ex.StatusLine + "): no call attempted"
		r.Add("status", cfg.MaintenanceState, text)
		r.Summary = text
		return false
	default:
		// not maintenance, not in service: let the call decide, but say so
		r.Add("status", nagios.Warning, "status endpoint answered "+ex.StatusLine+", not 200 or 503")
	}
	return true
}

// pexipRelease hands the token back and records how that went. It returns
// the phrase for the OK summary.
func pexipRelease(ctx context.Context, client *Client, releaseURL string, g *pexipGrant, cfg PexipConfig, r *Result) string {
	life := strconv.FormatFloat(g.lifetime().Seconds(), 'f', -1, 64) + " s"
	if !cfg.Release {
		r.Add("release", nagios.OK, "token not released (--no-release): the call stays in the Live View until the token expires in "+
			life+"; probe less often than that")
		return "token left to expire in " + life
	}
	stays := "the call stays in the Live View for up to " + life
	if !validHeaderValue(g.Token) {
		r.Add("release", nagios.Warning, "token not released: the node issued a token that cannot be sent back in a header; "+stays)
		return ""
	}
	grace := cfg.ReleaseGrace
	if grace <= 0 {
		grace = DefaultReleaseGrace
	}
	rctx, cancel, budget := releaseContext(ctx, grace)
	defer cancel()
	ex, err := client.Do(rctx, http.MethodPost, releaseURL, nil, http.Header{"Token": {g.Token}, "Accept": {"application/json"}})
	if err != nil {
		reason := "request failed"
		var rerr *RequestError
		errors.As(err, &rerr)
		switch within := budget.Round(time.Millisecond); {
		case errors.Is(rctx.Err(), context.DeadlineExceeded):
			// the release's own budget, not the run's deadline
			reason = "no answer within " + within.String()
			if where, ok := rerr.stalledWithin(within); ok {
				reason = where
			}
		case rerr != nil:
			reason = rerr.Reason
		}
		r.Add("release", nagios.Warning, "token not released ("+reason+"): "+stays)
		return ""
	}
	var env pexipEnvelope
	envErr := json.Unmarshal(ex.Body, &env)
	var ok bool
	if ex.Status == http.StatusOK && envErr == nil && json.Unmarshal(env.Result, &ok) == nil && ok {
		r.Add("release", nagios.OK, "token released: the call left the Live View")
		return "token released"
	}
	why := ex.StatusLine
	if msg, isText := resultString(ex.Body, env, envErr); isText && msg != "" {
		why += ": " + quoteText(msg)
	} else if ex.Status == http.StatusOK {
		why += ", but not {\"result\": true}"
	}
	r.Add("release", nagios.Warning, "token not released ("+why+"): "+stays)
	return ""
}

// releaseContext is the context a release runs under: the run's own when
// enough of it is left, else a detached one of its own (grace long), so a
// token is still handed back when the call used up the deadline or the run
// was interrupted. It returns the time the release has.
func releaseContext(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc, time.Duration) {
	dl, hasDeadline := ctx.Deadline()
	if ctx.Err() == nil && (!hasDeadline || time.Until(dl) >= grace) {
		c, cancel := context.WithCancel(ctx)
		return c, cancel, time.Until(dl)
	}
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	return c, cancel, grace
}

// validHeaderValue reports whether s can be sent as a header value.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return false
		}
	}
	return s != ""
}
