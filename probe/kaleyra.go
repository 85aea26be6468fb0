package probe

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// KaleyraDefaultURL is the documented base of the voice API.
const KaleyraDefaultURL = "https://voice.kaleyra.com/v1/"

// KaleyraConfig is a check of Kaleyra's voice monitor API (the Health Check
// plugin): GET BASE?api_key=KEY&method=monitor&format=xml|json.
type KaleyraConfig struct {
	Client  ClientConfig
	BaseURL string // default KaleyraDefaultURL
	APIKey  string // sent in the query string; never shown
	Format  string // xml (default) or json

	// Filters: the values of one are alternatives, different ones must all
	// match. Regions and region codes compare ignoring case, numbers by
	// their digits; a service of incoming or outgoing also keeps incidents
	// on "all" services.
	Regions, RegionCodes, Numbers, Services []string

	// Assertions run on the body of an answer that parsed (jq, say); they
	// need Format json.
	Assertions []BodyAssertion
}

// Kaleyra runs the check once.
func Kaleyra(ctx context.Context, cfg KaleyraConfig) (res Result) {
	start := time.Now()
	format, err := cfg.check()
	var rawURL string
	if err == nil {
		rawURL, err = kaleyraURL(cfg.BaseURL, cfg.APIKey, format)
	}
	if err != nil {
		defer func() { res.Duration = time.Since(start) }()
		r := Result{Kind: "KALEYRA"}
		return r.Fail(nagios.Unknown, err.Error())
	}
	cc := cfg.Client
	cc.Follow = false // a redirect is reported: the key is not sent where --url does not say
	cc.closeEach = true
	return RunHTTP(ctx, "KALEYRA", RedactURL(rawURL), cc, func(ctx context.Context, s *Session) {
		kaleyraCheck(ctx, s, cfg, rawURL, format)
	})
}

func kaleyraCheck(ctx context.Context, s *Session, cfg KaleyraConfig, rawURL, format string) {
	r := s.R
	// the key travels in the query: a server that echoes it, in a body, a
	// redirect or a verbose line, must not get it shown, nor quoted in an
	// excerpt cut short. The body itself is judged as it came: masking the
	// run's secrets in it first would garble its values (a PIN of another
	// check inside a number)
	s.Redactor.Add(cfg.APIKey)
	ex, err := s.Do(ctx, http.MethodGet, rawURL, nil, nil)
	if err != nil {
		if ex != nil {
			r.AddPerf(TimePerf("time", time.Since(s.Start), nagios.Thresholds{}))
		}
		s.Fail(err)
		return
	}
	perf := append([]nagios.Perfdata{TimePerf("time", ex.Timings.Total, nagios.Thresholds{})}, PhasePerf(ex)...)
	filter := kaleyraFilter{Regions: cfg.Regions, RegionCodes: cfg.RegionCodes, Numbers: cfg.Numbers, Services: cfg.Services}
	ans, leads, ok := kaleyraRead(r, ex, format, filter)
	if !ok {
		r.AddPerf(perf...)
		return
	}
	s.Logf("kaleyra: status %q, message %q, %d incidents", SanitizeLine(ans.Status, 20), SanitizeLine(ans.Message, 60), len(ans.Incidents))
	s.CheckCertificate(ex)
	for _, a := range cfg.Assertions {
		a.Assert(ctx, ex, r)
	}
	r.AddPerf(perf...)
	kaleyraExtraProblems(r, leads)
}

// Validate checks the configuration without asking anything: the command
// line reports a bad flag with it before any check runs.
func (cfg KaleyraConfig) Validate() error {
	format, err := cfg.check()
	if err != nil {
		return err
	}
	_, err = kaleyraURL(cfg.BaseURL, cfg.APIKey, format)
	return err
}

// check validates the configuration and returns the format to ask for.
// Its messages name the command line's flags.
func (cfg KaleyraConfig) check() (format string, err error) {
	format = strings.ToLower(strings.TrimSpace(cfg.Format))
	switch format {
	case "":
		format = "xml"
	case "xml", "json":
	default:
		return "", fmt.Errorf("invalid --format %q (want xml or json)", SanitizeLine(cfg.Format, 20))
	}
	for _, s := range cfg.Services {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "incoming", "outgoing", "all":
		default:
			return "", fmt.Errorf("invalid --service %q (want incoming, outgoing or all)", SanitizeLine(s, 20))
		}
	}
	for _, n := range cfg.Numbers {
		if phoneDigits(n) == "" {
			return "", fmt.Errorf("invalid --number %q: no digits", SanitizeLine(n, 30))
		}
	}
	if len(cfg.Assertions) > 0 && format != "json" {
		return "", errors.New("--jq reads JSON: add --format json")
	}
	return format, nil
}

// kaleyraURL builds BASE?api_key=KEY&method=monitor&format=F, keeping any
// other query parameters of BASE. Its errors never hold the key.
func kaleyraURL(base, key, format string) (string, error) {
	if base == "" {
		base = KaleyraDefaultURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("invalid URL %q: want http(s)://host/path", RedactURLText(base))
	}
	q := u.Query()
	if q.Has("api_key") {
		return "", errors.New("--url carries an api_key: pass the key with --api-key-env or --api-key-file instead")
	}
	if key == "" {
		return "", errors.New("no API key: give --api-key-env VAR or --api-key-file PATH (the key is on the monitor plugin's configuration page)")
	}
	q.Set("api_key", key)
	q.Set("method", "monitor")
	q.Set("format", format)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// kaleyraRead parses a body and reports it on r. When the body is not a
// monitor answer it fails r and returns false.
// The answer's parts of line 1 are returned, with their states.
func kaleyraRead(r *Result, ex *Exchange, format string, f kaleyraFilter) (kaleyraAnswer, []Lead, bool) {
	parse := parseKaleyraXML
	if format == "json" {
		parse = parseKaleyraJSON
	}
	ans, err := parse(ex.Body)
	if err != nil {
		st, reason := kaleyraNotAnswer(ex, format, err)
		r.Fail(st, reason)
		return ans, nil, false
	}
	leads := kaleyraStatus(r, ex, ans, f)
	r.Summary = WorstFirst(leads)
	return ans, leads, true
}

// kaleyraStatus reports a parsed answer by its response code, and returns
// its parts of line 1.
func kaleyraStatus(r *Result, ex *Exchange, a kaleyraAnswer, f kaleyraFilter) []Lead {
	code := strings.ToUpper(a.Status)
	httpNote := ""
	if ex.Status < 200 || ex.Status > 299 {
		httpNote = " (HTTP " + ex.StatusLine + ")"
	}
	switch code {
	case "200", "OK":
		return kaleyraIncidents(r, a, f)
	case "E701":
		text := "no incidents (" + kaleyraCode(a) + ")"
		r.Add("api", nagios.OK, text)
		r.AddPerf(kaleyraCounts{}.perfdata()...)
		return []Lead{{nagios.OK, text}}
	case "E542":
		text := kaleyraCode(a) + httpNote + ": enable the Health Check plugin for this account in the voice panel (Plugins)"
		r.Add("api", nagios.Unknown, text)
		return []Lead{{nagios.Unknown, text}}
	case "":
		text := "the answer has no status"
		if a.Message != "" {
			text += " (message " + Quote(a.Message, 60) + ")"
		}
		r.Add("api", nagios.Unknown, text+httpNote)
		return []Lead{{nagios.Unknown, text + httpNote}}
	default:
		// an undocumented code: UNKNOWN, unless it says the key was refused
		text, st := "API error "+kaleyraCode(a)+httpNote, nagios.Unknown
		if kaleyraKeyRefused(ex, a) {
			text, st = kaleyraCode(a)+httpNote+": the API key was refused", CredentialsRefused
		}
		r.Add("api", st, text)
		return []Lead{{st, text}}
	}
}

// kaleyraKeyRefused tells an answer that refuses the API key: an HTTP 401
// or 403, or a code whose message names the key (E101 "Invalid API key").
func kaleyraKeyRefused(ex *Exchange, a kaleyraAnswer) bool {
	msg := strings.ToLower(a.Message)
	return ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden ||
		strings.Contains(msg, "api key") || strings.Contains(msg, "api_key") || strings.Contains(msg, "apikey")
}

// kaleyraExtraProblems adds problems found after the answer (certificate,
// jq assertions) to the answer's parts of line 1, worst first.
func kaleyraExtraProblems(r *Result, leads []Lead) {
	for _, d := range r.Details {
		if d.State == nagios.OK || d.Name == "api" || d.Name == "filter" ||
			strings.HasPrefix(d.Name, "number:") || strings.HasPrefix(d.Name, "region:") || strings.HasPrefix(d.Name, "filter:") {
			continue
		}
		leads = append(leads, Lead{d.State, d.Text})
	}
	r.Summary = WorstFirst(leads)
}

// kaleyraNotAnswer explains a body that is not a monitor answer: its state
// and one line. A server error is CRITICAL like a refused connection; the
// rest means the check could not be done (wrong URL, key or format): UNKNOWN.
func kaleyraNotAnswer(ex *Exchange, format string, perr error) (nagios.State, string) {
	switch {
	case ex.Status >= 500:
		return nagios.Critical, fmt.Sprintf("HTTP %s from the monitor API: %s", ex.StatusLine, bodyKind(ex, perr))
	case ex.Status >= 300 && ex.Status < 400:
		loc := ex.Line(RedactURL(ex.Header.Get("Location")), 120)
		return nagios.Unknown, fmt.Sprintf("HTTP %s to %s: give that as --url", ex.StatusLine, loc)
	case ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden:
		return CredentialsRefused, fmt.Sprintf("HTTP %s: %s: the API key was refused", ex.StatusLine, bodyKind(ex, perr))
	case ex.Status < 200 || ex.Status > 299:
		return nagios.Unknown, fmt.Sprintf("HTTP %s: %s: check --url", ex.StatusLine, bodyKind(ex, perr))
	case ex.Truncated:
		return nagios.Unknown, fmt.Sprintf("the answer was cut at %s by --max-body before its end: raise --max-body", FormatBytes(int64(len(ex.Body))))
	case bodyIsHTML(ex):
		return nagios.Unknown, fmt.Sprintf("the answer is %s, not the monitor API's %s: check --url", bodyKind(ex, perr), strings.ToUpper(format))
	case format == "xml" && errors.Is(perr, errKaleyraNoElement):
		if _, err := parseKaleyraJSON(ex.Body); err == nil {
			return nagios.Unknown, "the answer is JSON, not XML: use --format json"
		}
	case format == "json" && !errors.Is(perr, io.ErrUnexpectedEOF):
		if _, err := parseKaleyraXML(ex.Body); err == nil {
			return nagios.Unknown, "the answer is XML, not JSON: use --format xml"
		}
	}
	return nagios.Unknown, "not a monitor API answer: " + bodyKind(ex, perr)
}

// bodyKind says in a few words what a body that did not parse holds.
func bodyKind(ex *Exchange, perr error) string {
	switch {
	case len(bytes.TrimSpace(ex.Body)) == 0:
		return "an empty body"
	case bodyIsHTML(ex):
		if t := htmlPageTitle(ex.Body); t != "" {
			return "an HTML page " + ex.Quote(t, 60)
		}
		return "an HTML page " + ex.QuoteBody(60)
	case errors.Is(perr, errKaleyraNoElement):
		return "no XML in " + ex.QuoteBody(60)
	case errors.Is(perr, errKaleyraNoJSON):
		return "no JSON in " + ex.QuoteBody(60)
	}
	return perr.Error()
}

// htmlPageTitle returns the <title> of an HTML page, read leniently with
// encoding/xml's HTML settings (entities decoded) on one line, or "". It
// is not cut: the caller shows it through Exchange.Line, which masks the
// run's secrets first.
func htmlPageTitle(body []byte) string {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	in := false
	var title strings.Builder
	for range 500 { // the title is near the top: do not walk a whole page
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			in = strings.EqualFold(t.Name.Local, "title")
		case xml.CharData:
			if in {
				title.Write(t)
			}
		case xml.EndElement:
			if in {
				return SanitizeLine(title.String(), -1)
			}
		}
	}
	return ""
}
