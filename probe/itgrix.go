package probe

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// Itgrix defaults.
const (
	ItgrixPort            = 8077
	ItgrixLicenseWarnDays = 14
	ItgrixLicenseCritDays = 3
)

// ItgrixLicenseTypes are the licence types accepted when none are given:
// a drop to Free (when a licence lapses, or the licensing server cannot be
// reached) is what the check catches by default.
var ItgrixLicenseTypes = []string{"Professional", "Subscription"}

// ItgrixConfig is a check of the Itgrix connector's /status answer.
type ItgrixConfig struct {
	Client  ClientConfig
	BaseURL string // http://HOST:8077, without /status
	// Path, when set, asks the server for one element through the path
	// request parameter and checks just that element.
	Path string

	LicenseWarnDays, LicenseCritDays int
	LicenseTypes                     []string // acceptable licence types; empty: ItgrixLicenseTypes

	Assertions []BodyAssertion

	Now func() time.Time // nil: time.Now
}

// StatusURL is the URL the check requests.
func (cfg ItgrixConfig) StatusURL() string {
	u := strings.TrimRight(cfg.BaseURL, "/") + "/status"
	if p := cfg.element(); p != "" {
		u += "?path=" + url.QueryEscape(p)
	}
	return u
}

// element is --path without a jq-style leading dot.
func (cfg ItgrixConfig) element() string {
	return strings.TrimPrefix(strings.TrimSpace(cfg.Path), ".")
}

// Itgrix runs the check once.
func Itgrix(ctx context.Context, cfg ItgrixConfig) Result {
	statusURL := cfg.StatusURL()
	return RunHTTP(ctx, "ITGRIX", RedactURL(statusURL), cfg.Client, func(ctx context.Context, s *Session) {
		itgrixCheck(ctx, s, cfg, statusURL)
	})
}

func itgrixCheck(ctx context.Context, s *Session, cfg ItgrixConfig, statusURL string) {
	r := s.R
	ex, err := s.Do(ctx, http.MethodGet, statusURL, nil, http.Header{"Accept": {"application/json"}})
	if err != nil {
		s.Fail(err)
		return
	}
	r.AddPerf(TimePerf("time", ex.Timings.Total, nagios.Thresholds{}))
	if st, reason := itgrixHTTPStatus(ex, cfg.Client.User != ""); reason != "" {
		r.Fail(st, reason)
		return
	}
	s.CheckCertificate(ex)
	if ex.Downgraded {
		r.Add("redirect", nagios.Warning, "redirected from https to http")
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	okText, ok := checkItgrixBody(r, cfg, ex, now())
	if !ok {
		return
	}
	for _, a := range cfg.Assertions {
		a.Assert(ctx, ex, r)
	}
	r.Summary = itgrixSummary(r, okText)
}

// itgrixHTTPStatus turns an answer that is not a 2xx into a reason.
func itgrixHTTPStatus(ex *Exchange, withLogin bool) (nagios.State, string) {
	switch code := ex.Status; {
	case code >= 200 && code < 300:
		return nagios.OK, ""
	case authProblem(ex, withLogin) != "":
		return CredentialsRefused, authProblem(ex, withLogin)
	case code == http.StatusUnauthorized:
		return CredentialsMissing, "the status page needs the admin-panel login: give -u and --password-env (" + ex.StatusLine + ")"
	case code == http.StatusNotFound:
		return nagios.Critical, "no status page here (" + ex.StatusLine + "): it needs Itgrix bx 3.6.0 or Kommo 2.13.0 or later"
	default:
		text := "status page answered " + ex.StatusLine
		if len(ex.Body) > 0 {
			text += ": " + ex.QuoteBody(60)
		}
		return nagios.Critical, text
	}
}

// checkItgrixBody decodes the answer and applies the built-in rules. It
// returns the summary for when all is well, and false when the body could
// not be read as JSON at all (the result then says why, and is complete).
func checkItgrixBody(r *Result, cfg ItgrixConfig, ex *Exchange, now time.Time) (okText string, ok bool) {
	if ex.Truncated {
		r.Fail(nagios.Unknown, fmt.Sprintf("status answer larger than %s (--max-body): not checked", FormatBytes(int64(len(ex.Body)))))
		return "", false
	}
	doc, err := DecodeJSON(ex.Body)
	if err != nil {
		r.Fail(nagios.Unknown, "status answer is "+err.Error())
		return "", false
	}
	rules := itgrixRules{
		warn: cfg.LicenseWarnDays, crit: cfg.LicenseCritDays,
		types: cfg.LicenseTypes, today: now,
	}
	if len(rules.types) == 0 {
		rules.types = ItgrixLicenseTypes
	}
	if el := cfg.element(); el != "" {
		return rules.checkElement(r, doc, el), true
	}
	return rules.checkStatus(r, doc), true
}
