package probe

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
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

	Time nagios.Thresholds // on the request_token round trip

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
func Pexip(ctx context.Context, cfg PexipConfig) Result {
	statusURL, requestURL, releaseURL := PexipURLs(cfg.BaseURL, cfg.Alias)
	cc := cfg.Client
	cc.Issued = pexipIssued
	return RunHTTP(ctx, "PEXIP", RedactURL(requestURL), cc, func(ctx context.Context, s *Session) {
		if cfg.CheckStatus && !checkPexipStatus(ctx, s, statusURL, cfg) {
			return
		}
		pexipCall(ctx, s, cfg, requestURL, releaseURL)
	})
}

// pexipCall asks for a call token, releases it and judges the answer.
func pexipCall(ctx context.Context, s *Session, cfg PexipConfig, requestURL, releaseURL string) {
	r := s.R
	body, err := json.Marshal(struct {
		DisplayName string `json:"display_name"`
		CallTag     string `json:"call_tag"`
	}{cfg.DisplayName, cfg.CallTag})
	if err != nil {
		r.Fail(nagios.Unknown, "encoding the request: "+err.Error())
		return
	}
	h := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}
	if cfg.PIN != "" {
		h.Set("Pin", cfg.PIN)
	}
	ex, rerr := s.Do(ctx, http.MethodPost, requestURL, body, h)
	if rerr != nil {
		s.Fail(rerr)
		return
	}
	ans := readRequestToken(ex, cfg.Alias, cfg.PIN != "", cfg.Client.User != "" || cfg.Client.Bearer != "" || cfg.Client.OAuth2 != nil)
	r.Add("call", ans.state, ans.text)
	took := FormatSeconds(ex.Timings.Total)
	var extra []string // what a problem summary adds when the call was taken
	if g := ans.grant; g != nil {
		// the token is a secret of the run from now on, wherever the node
		// or a later request echoes it
		s.Redactor.Add(g.Token)
		// release first, whatever else is wrong: a leaked token is a phantom
		// call in the operator's Live View
		r.Add("version", nagios.OK, g.version())
		released := pexipRelease(ctx, s, releaseURL, g, cfg)
		if ans.state == nagios.OK {
			accepted := "alias " + SanitizeLine(cfg.Alias, 80) + ": call accepted as " + g.role()
			extra = []string{accepted}
			r.Summary = strings.Join([]string{accepted, g.version(), released, took}, ", ")
		}
		checked := *ex
		checked.Body = pexipAssertBody(ex.Body, append(pexipIssued(ex), g.Token))
		for _, a := range cfg.Assertions {
			a.Assert(ctx, &checked, r)
		}
	}
	if st, why := cfg.Time.Judge(Seconds(ex.Timings.Total), "s"); st != nagios.OK {
		r.Add("time", st, "request_token took "+took+", "+why)
	}
	s.CheckCertificate(ex)
	r.AddPerf(TimePerf("time", ex.Timings.Total, cfg.Time))
	r.AddPerf(PhasePerf(ex)...)
	r.SummaryOr(r.Summary, extra...)
}

// checkPexipStatus asks the status endpoint whether the node is in
// maintenance mode. It returns false when the check ends there.
func checkPexipStatus(ctx context.Context, s *Session, statusURL string, cfg PexipConfig) bool {
	r := s.R
	// Connection: close (Client.Do then closes the connection after the
	// answer), so that the call is timed on a connection of its own, as a
	// joining client sees it (connect and TLS included), and is never sent
	// on a pooled connection that the node may have closed in silence
	ex, err := s.Do(ctx, http.MethodGet, statusURL, nil, http.Header{"Accept": {"application/json"}, "Connection": {"close"}})
	if err != nil {
		s.Fail(err)
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
	case http.StatusUnauthorized:
		// a login the check lacks or the node refuses: the credentials
		// rule's state, which the call (asked all the same) says again
		st := CredentialsMissing
		if authProblem(ex, cfg.Client.User != "" || cfg.Client.Bearer != "" || cfg.Client.OAuth2 != nil) != "" {
			st = CredentialsRefused
		}
		r.Add("status", st, "status endpoint answered "+ex.StatusLine+", not 200 or 503")
	default:
		// not maintenance, not in service: let the call decide, but say so
		r.Add("status", nagios.Warning, "status endpoint answered "+ex.StatusLine+", not 200 or 503")
	}
	return true
}

// pexipRelease hands the token back and records how that went. It returns
// the phrase for the OK summary.
func pexipRelease(ctx context.Context, s *Session, releaseURL string, g *pexipGrant, cfg PexipConfig) string {
	r := s.R
	life := strconv.FormatFloat(g.lifetime().Seconds(), 'f', -1, 64) + " s"
	if !cfg.Release {
		r.Add("release", nagios.OK, "token not released (--no-release): the call stays in the Live View until the token expires in "+
			life+"; probe less often than that")
		return "token left to expire in " + life
	}
	stays := "the call stays in the Live View for up to " + life
	if !ValidHeaderValue(g.Token) {
		r.Add("release", nagios.Warning, "token not released: the node issued a token that cannot be sent back in a header; "+stays)
		return ""
	}
	grace := cfg.ReleaseGrace
	if grace <= 0 {
		grace = DefaultReleaseGrace
	}
	rctx, cancel, budget := releaseContext(ctx, grace)
	defer cancel()
	ex, rerr := s.Do(rctx, http.MethodPost, releaseURL, nil, http.Header{"Token": {g.Token}, "Accept": {"application/json"}})
	if rerr != nil {
		reason := rerr.Reason
		if within := budget.Round(time.Millisecond); errors.Is(rctx.Err(), context.DeadlineExceeded) {
			// the release's own budget, not the run's deadline
			reason = "no answer within " + within.String()
			if where, ok := rerr.stalledWithin(within); ok {
				reason = where
			}
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
		why += ": " + ex.Quote(msg, 80)
	} else if ex.Status == http.StatusOK {
		why += ", but not {\"result\": true}"
	}
	r.Add("release", nagios.Warning, "token not released ("+why+"): "+stays)
	return ""
}

// releaseContext is the context a release runs under. It outlives the
// run by grace at most: a release that starts with less than grace left of
// the deadline, or after the run was interrupted, has grace from its start;
// one already on the wire when the deadline passes or a signal comes has
// grace more to finish. So a token is handed back whenever its answer
// arrived (many releases may be in flight in a fleet check when SIGTERM
// comes), and the probe overruns its deadline, or a signal, by grace at
// most. It returns the time the release has.
func releaseContext(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc, time.Duration) {
	detached := context.WithoutCancel(ctx)
	dl, hasDeadline := ctx.Deadline()
	if ctx.Err() != nil || (hasDeadline && time.Until(dl) < grace) {
		c, cancel := context.WithTimeout(detached, grace)
		return c, cancel, grace
	}
	c, cancelDeadline := detached, context.CancelFunc(func() {})
	var budget time.Duration
	if hasDeadline {
		c, cancelDeadline = context.WithDeadline(detached, dl.Add(grace))
		budget = time.Until(dl) + grace
	}
	c, cancel := context.WithCancelCause(c)
	var (
		mu      sync.Mutex
		timer   *time.Timer
		stopped bool
	)
	stopWatch := context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return // the deadline above, grace later, ends the release
		}
		cause := context.Cause(ctx) // a signal: grace from now
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			timer = time.AfterFunc(grace, func() { cancel(cause) })
		}
	})
	return c, func() {
		stopWatch()
		mu.Lock()
		stopped = true
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel(context.Canceled)
		cancelDeadline()
	}, budget
}
