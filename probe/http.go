package probe

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
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

	Keywords    []string
	Regexes     []*regexp.Regexp // compiled by the caller, with (?i) when ignoring case
	Invert      bool             // keywords and regexes must be absent
	IgnoreCase  bool
	HeaderMatch []HeaderMatch

	Time nagios.Thresholds

	// Assertions run on the body after the content checks (jq, say).
	Assertions []BodyAssertion
}

// HeaderMatch requires a response header to match a regular expression.
type HeaderMatch struct {
	Name string
	Re   *regexp.Regexp
}

// BodyAssertion is a sub-check over a response body that adds its own lines
// and perfdata to the result.
type BodyAssertion interface {
	Assert(ex *Exchange, r *Result)
}

// HTTP runs the check once.
func HTTP(ctx context.Context, cfg HTTPConfig) Result {
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
	checkStatus(r, cfg, ex)
	if ex.Downgraded {
		r.Add("redirect", nagios.Warning, "redirected from https to http")
	}
	if ex.Truncated {
		r.Add("body", nagios.Warning, fmt.Sprintf("body cut at %s (--max-body): checks saw only the start", FormatBytes(int64(len(ex.Body)))))
	}
	passes := checkContent(r, cfg, ex)
	s.CheckCertificate(ex)
	for _, a := range cfg.Assertions {
		a.Assert(ex, r)
	}
	if st := cfg.Time.Evaluate(Seconds(ex.Timings.Total)); st != nagios.OK {
		r.Add("time", st, fmt.Sprintf("response time %s outside the %s range", FormatSeconds(ex.Timings.Total), strings.ToLower(st.String())))
	}
	r.AddPerf(TimePerf("time", ex.Timings.Total, cfg.Time))
	r.AddPerf(nagios.Perfdata{Label: "size", Value: float64(len(ex.Body)), UOM: "B", Min: nagios.Float(0)})
	r.AddPerf(PhasePerf(ex)...)
	took := FormatSeconds(ex.Timings.Total)
	ok := append(append([]string{ex.StatusLine}, passes...), took)
	r.SummaryOr(strings.Join(ok, ", "), r.context(ex.StatusLine, took)...)
}

// PhasePerf returns the per-phase timings of an exchange as perfdata.
func PhasePerf(ex *Exchange) []nagios.Perfdata {
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
	haveCredentials := cfg.Client.User != "" || cfg.Client.Bearer != ""
	switch {
	case code == http.StatusUnauthorized && !cfg.Expect.Contains(code) && authProblem(ex, haveCredentials) != "":
		r.Add("status", nagios.Critical, authProblem(ex, haveCredentials))
	case cfg.OnRedirect != nil && code >= 300 && code < 400:
		loc := SanitizeLine(ex.Header.Get("Location"), 100)
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
		if code == http.StatusUnauthorized {
			text += " (credentials required: use -u and --password-env)"
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
		return strconv.Quote(Excerpt(body, 60))
	}
	for _, kw := range cfg.Keywords {
		needle := []byte(kw)
		if cfg.IgnoreCase {
			needle = bytes.ToLower(needle)
		}
		found := bytes.Contains(lowered, needle)
		name := "keyword:" + kw
		q := strconv.Quote(SanitizeLine(kw, 60))
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
	for _, re := range cfg.Regexes {
		matched := re.Match(body)
		name := "regex:" + re.String()
		q := strconv.Quote(SanitizeLine(strings.TrimPrefix(re.String(), "(?i)"), 60))
		switch {
		case matched && !cfg.Invert:
			r.Add(name, nagios.OK, "regex "+q+" matched")
			passes = append(passes, "regex "+q+" matched")
		case !matched && cfg.Invert:
			r.Add(name, nagios.OK, "regex "+q+" not matched")
			passes = append(passes, "regex "+q+" not matched")
		case matched:
			r.Add(name, nagios.Critical, "regex "+q+" matched, must not match")
		default:
			r.Add(name, nagios.Critical, "regex "+q+" not matched in "+excerpt())
		}
	}
	for _, hm := range cfg.HeaderMatch {
		name := "header:" + http.CanonicalHeaderKey(hm.Name)
		vals := ex.Header.Values(hm.Name)
		v := strings.Join(vals, ", ")
		switch {
		case len(vals) == 0:
			r.Add(name, nagios.Critical, "header "+hm.Name+" missing")
		case hm.Re.MatchString(v):
			r.Add(name, nagios.OK, fmt.Sprintf("header %s %q matches", hm.Name, SanitizeLine(v, 60)))
		default:
			r.Add(name, nagios.Critical, fmt.Sprintf("header %s %q does not match %q", hm.Name, SanitizeLine(v, 60), hm.Re.String()))
		}
	}
	return passes
}

// context returns the status and time for a problem summary, leaving out
// what a problem line already says.
func (r *Result) context(status, took string) []string {
	var out []string
	if r.detailOK("status") {
		out = append(out, status)
	}
	if r.detailOK("time") {
		out = append(out, took)
	}
	return out
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
