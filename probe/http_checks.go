package probe

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// checkPageSize compares the body's size with --pagesize: WARNING outside
// the range, as check_curl's -m.
func checkPageSize(r *Result, cfg HTTPConfig, ex *Exchange) {
	if cfg.PageSize == nil {
		return
	}
	n := len(ex.Body)
	if cfg.PageSize.Alert(float64(n)) {
		r.Add("size", nagios.Warning, fmt.Sprintf("page size %d B outside %s (--pagesize)", n, cfg.PageSize))
		return
	}
	r.Add("size", nagios.OK, fmt.Sprintf("page size %d B within %s", n, cfg.PageSize))
}

// futureSlack is how far in the future a Last-Modified may be before it
// is a problem (check_curl allows 30 s of skew too).
const futureSlack = 30 * time.Second

// checkMaxAge compares Last-Modified with the answer's Date, as
// check_curl's -M: a document older than --max-age, or of unknown age, is
// CRITICAL; an answer without a Date cannot be judged (UNKNOWN).
func checkMaxAge(r *Result, cfg HTTPConfig, ex *Exchange) {
	if cfg.MaxAge <= 0 {
		return
	}
	const name = "max-age"
	dateText, modText := ex.Header.Get("Date"), ex.Header.Get("Last-Modified")
	switch {
	case dateText == "":
		r.Add(name, nagios.Unknown, "the answer has no Date header: its document's age is unknown (--max-age)")
		return
	case modText == "":
		r.Add(name, nagios.Critical, "the document has no Last-Modified header: its age is unknown (--max-age)")
		return
	}
	date, err := http.ParseTime(dateText)
	if err != nil {
		r.Add(name, nagios.Critical, fmt.Sprintf("the Date header %s does not parse", Quote(dateText, 60)))
		return
	}
	mod, err := http.ParseTime(modText)
	if err != nil {
		r.Add(name, nagios.Critical, fmt.Sprintf("the Last-Modified header %s does not parse", Quote(modText, 60)))
		return
	}
	age := date.Sub(mod)
	switch {
	case age < -futureSlack:
		r.Add(name, nagios.Critical, fmt.Sprintf("the document was last modified %s in the future", roundAge(-age)))
	case age > cfg.MaxAge:
		r.Add(name, nagios.Critical, fmt.Sprintf("the document was last modified %s ago, more than %s (--max-age)", roundAge(age), roundAge(cfg.MaxAge)))
	default:
		r.Add(name, nagios.OK, fmt.Sprintf("the document was last modified %s ago", roundAge(max(age, 0))))
	}
}

// roundAge renders an age for a reader, in its two largest units: 45s,
// 12m30s, 5h2m, 3d4h.
func roundAge(d time.Duration) string {
	units := []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for i, u := range units {
		if d < u.d && i < len(units)-1 {
			continue
		}
		if i == len(units)-1 {
			return fmt.Sprintf("%d%s", d.Round(time.Second)/time.Second, u.name)
		}
		next := units[i+1]
		d = d.Round(next.d)
		if i > 0 && d >= units[i-1].d { // 59m59.6s is 1h
			u, next = units[i-1], u
		}
		s := fmt.Sprintf("%d%s", d/u.d, u.name)
		if rest := (d % u.d) / next.d; rest > 0 {
			s += fmt.Sprintf("%d%s", rest, next.name)
		}
		return s
	}
	return "0s"
}

// checkTransport judges how the final answer came: over TLS or not
// (--require-tls, --forbid-tls), and in which HTTP version.
func checkTransport(r *Result, cfg HTTPConfig, ex *Exchange) {
	switch {
	case cfg.RequireTLS && ex.TLS == nil:
		r.Add("tls", nagios.Critical, "the final answer came over plain HTTP from "+hostPort(ex.URL)+" (--require-tls)")
	case cfg.ForbidTLS && ex.TLS != nil:
		r.Add("tls", nagios.Critical, "the final answer came over TLS from "+hostPort(ex.URL)+" (--forbid-tls)")
	}
	if len(cfg.HTTPVersions) > 0 && !slices.Contains(cfg.HTTPVersions, ex.Proto) {
		r.Add("http-version", nagios.Critical, fmt.Sprintf("answered in %s, not %s", SanitizeLine(ex.Proto, 20), strings.Join(cfg.HTTPVersions, " or ")))
	}
}
