package probe

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// HTTPConfig is a generic HTTP(S) check.
type HTTPConfig struct {
	Client  ClientConfig
	URL     string
	Method  string
	Body    []byte
	Headers http.Header

	// Expect lists acceptable status codes; empty means the check_curl rule:
	// 1xx-3xx OK, 4xx WARNING, 5xx CRITICAL.
	Expect StatusSet
	// OnRedirect, when set, stops at a 3xx answer and gives it this state;
	// nil follows redirects (up to Client.MaxRedirects).
	OnRedirect *nagios.State

	Keywords []string
	// Regexes are compiled by the caller: with (?m), so that ^ and $ match
	// at line breaks as check_curl's POSIX REG_NEWLINE does, and (?i) when
	// ignoring case.
	Regexes     []*regexp.Regexp
	Invert      bool // keywords and regexes must be absent
	InvertRegex bool // regexes must not match (keywords are left alone)
	// RegexState is the state of a failed regex; nil means CRITICAL.
	RegexState  *nagios.State
	IgnoreCase  bool
	HeaderMatch []HeaderMatch

	// CertOnly checks the certificate alone, as check_curl's -C does
	// without --continue-after-certificate: no redirect is followed, the
	// status and body are not looked at. The thresholds are the client's
	// CertWarnDays and CertCritDays.
	CertOnly bool
	Time     nagios.Thresholds

	// PageSize, when set, is the range the body's size in bytes must be
	// in (check_curl's -m MIN:MAX); outside it is a WARNING.
	PageSize *nagios.Range
	// MaxAge, when positive, is the oldest a document may be: Last-Modified
	// against the answer's Date (check_curl's -M).
	MaxAge time.Duration
	// RequireTLS and ForbidTLS want the final answer over TLS, or not
	// (blackbox_exporter's fail_if_not_ssl and fail_if_ssl).
	RequireTLS, ForbidTLS bool
	// HTTPVersions, when set, lists the protocol versions the answer may
	// come in: "HTTP/1.0", "HTTP/1.1", "HTTP/2.0".
	HTTPVersions []string

	// Assertions run on the body after the content checks (jq, say).
	Assertions []BodyAssertion

	// OwnCredentials says the request carries credentials of the check's
	// own making, not of -u or a token flag: a flow's login form, or the
	// token or session cookie an earlier step got. A 401 is then their
	// refusal (CredentialsRefused), never a lack the check could fix with
	// -u (probe/auth.go).
	OwnCredentials bool
}

// HeaderMatch requires a response header to match a regular expression
// (any of its values, when it is repeated), or with Negate, none of its
// values to match. A missing header fails either way, unless AllowMissing.
type HeaderMatch struct {
	Name         string
	Re           *regexp.Regexp
	Negate       bool
	AllowMissing bool
}

// BodyAssertion is a sub-check over a response body that adds its own lines
// and perfdata to the result.
type BodyAssertion interface {
	Assert(ctx context.Context, ex *Exchange, r *Result)
}

// HTTP runs the check once.
func HTTP(ctx context.Context, cfg HTTPConfig) Result {
	if cfg.CertOnly {
		// the certificate of the URL's own host, not of where it redirects;
		// the body is not looked at
		cfg.Client.Follow, cfg.Client.MaxBody = false, 1
	}
	cfg.Client.closeEach = true // as check_curl and blackbox_exporter
	return RunHTTP(ctx, "HTTP", RedactURL(cfg.URL), cfg.Client, func(ctx context.Context, s *Session) {
		httpCheck(ctx, s, cfg)
	})
}

func httpCheck(ctx context.Context, s *Session, cfg HTTPConfig) {
	r := s.R
	method := cfg.Method
	if method == "" {
		method = http.MethodGet
		if cfg.Body != nil {
			method = http.MethodPost
		}
	}
	ex, err := s.Do(ctx, method, cfg.URL, cfg.Body, cfg.Headers)
	if err != nil {
		if ex != nil {
			r.AddPerf(TimePerf("time", time.Since(s.Start), cfg.Time))
		}
		s.Fail(err)
		return
	}
	took := FormatSeconds(ex.Timings.Total)
	r.AddPerf(TimePerf("time", ex.Timings.Total, cfg.Time)) // time first, always
	if cfg.CertOnly {
		s.CheckCertificate(ex)
		if len(r.Details) == 0 {
			r.Fail(nagios.Critical, "no certificate: "+hostPort(ex.URL)+" answered without TLS")
			return
		}
		r.AddPerf(PhasePerf(ex)...)
		r.SummaryOr(r.Details[0].Text + ", " + took)
		return
	}
	size := nagios.Perfdata{Label: "size", Value: float64(len(ex.Body)), UOM: "B", Min: nagios.Float(0), Warn: cfg.PageSize}
	r.AddPerf(size)
	checkStatus(r, cfg, ex)
	if ex.Downgraded {
		r.Add("redirect", nagios.Warning, "redirected from https to http")
	}
	if ex.Truncated {
		r.Add("body", nagios.Warning, fmt.Sprintf("body cut at %s (--max-body): checks saw only the start", FormatBytes(int64(len(ex.Body)))))
	}
	checkTransport(r, cfg, ex)
	passes := checkContent(r, cfg, ex)
	checkPageSize(r, cfg, ex)
	checkMaxAge(r, cfg, ex)
	s.CheckCertificate(ex)
	for _, a := range cfg.Assertions {
		a.Assert(ctx, ex, r)
	}
	if st, why := cfg.Time.Judge(Seconds(ex.Timings.Total), "s"); st != nagios.OK {
		r.Add("time", st, "response time "+took+" "+why)
	}
	r.AddPerf(PhasePerf(ex)...)
	r.TidyPerf()
	ok := append(append([]string{ex.StatusLine}, passes...), took)
	r.SummaryOr(strings.Join(ok, ", "), r.context(ex.StatusLine)...)
}

// PhasePerf returns the per-phase timings of an exchange as perfdata, when
// the client was asked for them (-E, --extended-perfdata, as check_curl):
// none otherwise.
func PhasePerf(ex *Exchange) []nagios.Perfdata {
	if !ex.extended {
		return nil
	}
	none := nagios.Thresholds{}
	p := []nagios.Perfdata{
		TimePerf("time_dns", ex.Timings.DNS, none),
		TimePerf("time_connect", ex.Timings.Connect, none),
	}
	if ex.TLS != nil {
		p = append(p, TimePerf("time_tls", ex.Timings.TLS, none))
	}
	return append(p,
		TimePerf("time_firstbyte", ex.Timings.FirstByte, none),
		TimePerf("time_transfer", ex.Timings.Transfer, none))
}

func checkStatus(r *Result, cfg HTTPConfig, ex *Exchange) {
	code := ex.Status
	haveCredentials := cfg.Client.User != "" || cfg.Client.Bearer != "" || cfg.Client.OAuth2 != nil
	switch {
	case code == http.StatusUnauthorized && !cfg.Expect.Contains(code) && authProblem(ex, haveCredentials) != "":
		r.Add("status", CredentialsRefused, authProblem(ex, haveCredentials))
	case code == http.StatusUnauthorized && !cfg.Expect.Contains(code) && cfg.OwnCredentials:
		r.Add("status", CredentialsRefused, "status "+ex.StatusLine+": credentials refused")
	case code == http.StatusUnauthorized && !cfg.Expect.Contains(code) && !haveCredentials:
		r.Add("status", CredentialsMissing, "status "+ex.StatusLine+": the page needs a login: give -u and --password-env (or --bearer-env)")
	case cfg.OnRedirect != nil && code >= 300 && code < 400:
		loc := ex.Line(RedactURL(ex.Header.Get("Location")), 100)
		r.Add("status", *cfg.OnRedirect, fmt.Sprintf("%s, redirect to %s", ex.StatusLine, loc))
	case len(cfg.Expect) > 0:
		if cfg.Expect.Contains(code) {
			r.Add("status", nagios.OK, "status "+ex.StatusLine)
		} else {
			r.Add("status", nagios.Critical, fmt.Sprintf("status %s, expected %s", ex.StatusLine, cfg.Expect))
		}
	default:
		st := nagios.OK
		switch {
		case code >= 500:
			st = nagios.Critical
		case code >= 400:
			st = nagios.Warning
		}
		text := "status " + ex.StatusLine
		if code >= 500 && ex.Proxy != "" {
			text += " (through the proxy " + ex.Proxy + ")" // which may be who answered
		}
		r.Add("status", st, text)
	}
}

func checkContent(r *Result, cfg HTTPConfig, ex *Exchange) []string {
	var passes []string
	body := ex.Body
	lowered := body
	if cfg.IgnoreCase && len(cfg.Keywords) > 0 {
		lowered = bytes.ToLower(body)
	}
	excerpt := func() string {
		if len(body) == 0 {
			return "empty body"
		}
		return ex.QuoteBody(60)
	}
	for _, kw := range cfg.Keywords {
		needle := []byte(kw)
		if cfg.IgnoreCase {
			needle = bytes.ToLower(needle)
		}
		found := bytes.Contains(lowered, needle)
		name := "keyword:" + kw
		q := Quote(kw, 60)
		switch {
		case found && !cfg.Invert:
			r.Add(name, nagios.OK, "keyword "+q+" found")
			passes = append(passes, "keyword "+q+" found")
		case !found && cfg.Invert:
			r.Add(name, nagios.OK, "keyword "+q+" absent")
			passes = append(passes, "keyword "+q+" absent")
		case found:
			r.Add(name, nagios.Critical, "keyword "+q+" found, must be absent")
		default:
			r.Add(name, nagios.Critical, "keyword "+q+" not found in "+excerpt())
		}
	}
	failed := nagios.Critical
	if cfg.RegexState != nil {
		failed = *cfg.RegexState
	}
	invert := cfg.Invert || cfg.InvertRegex
	for _, re := range cfg.Regexes {
		matched := re.Match(body)
		pattern := strings.TrimPrefix(re.String(), "(?m)") // the sub-check's name is the pattern as given
		name := "regex:" + pattern
		q := Quote(strings.TrimPrefix(pattern, "(?i)"), 60)
		switch {
		case matched && !invert:
			r.Add(name, nagios.OK, "regex "+q+" matched")
			passes = append(passes, "regex "+q+" matched")
		case !matched && invert:
			r.Add(name, nagios.OK, "regex "+q+" not matched")
			passes = append(passes, "regex "+q+" not matched")
		case matched:
			r.Add(name, failed, "regex "+q+" matched, must not match")
		default:
			r.Add(name, failed, "regex "+q+" not matched in "+excerpt())
		}
	}
	for _, hm := range cfg.HeaderMatch {
		checkHeader(r, hm, ex)
	}
	return passes
}

// context returns the status for a problem summary, unless a problem line
// already says it. The response time is left to the perfdata (and to its
// own line when it crossed a threshold): after the problems, a lone
// "; 0.000 s" would read as one more.
func (r *Result) context(status string) []string {
	if r.detailOK("status") {
		return []string{status}
	}
	return nil
}

// detailOK reports whether no sub-check of that name is a problem.
func (r *Result) detailOK(name string) bool {
	for _, d := range r.Details {
		if d.Name == name && d.State != nagios.OK {
			return false
		}
	}
	return true
}

// checkHeader adds the sub-check of one header match. Each value of a
// repeated header (Set-Cookie, say) is matched on its own, as
// blackbox_exporter does: any value matching is a match.
func checkHeader(r *Result, hm HeaderMatch, ex *Exchange) {
	name := "header:" + http.CanonicalHeaderKey(hm.Name)
	if hm.Negate {
		name = "header-not:" + http.CanonicalHeaderKey(hm.Name)
	}
	vals := ex.Header.Values(hm.Name)
	quoted := func(vs []string) string {
		q := make([]string, 0, len(vs))
		for i, v := range vs {
			if i == 3 {
				q = append(q, "…")
				break
			}
			q = append(q, ex.Quote(v, 60)) // masked first: a cookie a server sets is a secret
		}
		return strings.Join(q, ", ")
	}
	re := Quote(hm.Re.String(), 60)
	i := slices.IndexFunc(vals, hm.Re.MatchString)
	switch {
	case len(vals) == 0 && hm.AllowMissing:
		r.Add(name, nagios.OK, "header "+hm.Name+" absent (allowed)")
	case len(vals) == 0:
		r.Add(name, nagios.Critical, "header "+hm.Name+" missing")
	case hm.Negate && i >= 0:
		r.Add(name, nagios.Critical, fmt.Sprintf("header %s %s matches %s, must not", hm.Name, quoted(vals[i:i+1]), re))
	case hm.Negate:
		r.Add(name, nagios.OK, fmt.Sprintf("header %s does not match %s", hm.Name, re))
	case i >= 0:
		r.Add(name, nagios.OK, fmt.Sprintf("header %s %s matches", hm.Name, quoted(vals[i:i+1])))
	default:
		r.Add(name, nagios.Critical, fmt.Sprintf("header %s %s does not match %s", hm.Name, quoted(vals), re))
	}
}
