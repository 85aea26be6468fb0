package probe

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/internal/testcert"
	"github.com/healthprobe/healthprobe/nagios"
)

func TestPageSize(t *testing.T) {
	srv := plainServer(t, serveBody([]byte(strings.Repeat("x", 100))))
	tests := []struct {
		rng  string
		want nagios.State
		text string
	}{
		{"50:", nagios.OK, "page size 100 B within 50:"},
		{"100:100", nagios.OK, "page size 100 B within 100:100"},
		{"101:", nagios.Warning, "page size 100 B outside 101: (--pagesize)"},
		{"10:99", nagios.Warning, "page size 100 B outside 10:99 (--pagesize)"},
	}
	for _, tt := range tests {
		r := runHTTP(t, HTTPConfig{URL: srv.URL, PageSize: mustRange(t, tt.rng)})
		d := detailsWith(r, "size")
		if r.State != tt.want || len(d) != 1 || d[0].Text != tt.text {
			t.Errorf("%s: %v %+v", tt.rng, r.State, d)
		}
		if p, _ := perf(r, "size"); p.String() != "size=100B;"+tt.rng+";;0" {
			t.Errorf("%s: perfdata %s", tt.rng, p.String())
		}
	}
}

func TestMaxAge(t *testing.T) {
	date := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	srv := plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if d := q.Get("date"); d != "" {
			w.Header()["Date"] = []string{d}
		} else if q.Get("nodate") != "" {
			w.Header()["Date"] = nil // net/http adds one unless told not to
		}
		if lm := q.Get("lm"); lm != "" {
			w.Header().Set("Last-Modified", lm)
		}
	}))
	at := func(d time.Duration) string { return date.Add(-d).Format(http.TimeFormat) }
	tests := []struct {
		q    string
		want nagios.State
		text string
	}{
		{"?date=" + at(0) + "&lm=" + at(90*time.Minute), nagios.OK, "the document was last modified 1h30m ago"},
		{"?date=" + at(0) + "&lm=" + at(3*time.Hour), nagios.Critical, "the document was last modified 3h ago, more than 2h (--max-age)"},
		{"?date=" + at(0) + "&lm=" + at(50*time.Hour), nagios.Critical, "the document was last modified 2d2h ago, more than 2h (--max-age)"},
		{"?date=" + at(0) + "&lm=" + at(-time.Hour), nagios.Critical, "the document was last modified 1h in the future"},
		{"?date=" + at(0) + "&lm=" + at(-10*time.Second), nagios.OK, "the document was last modified 0s ago"},
		{"?date=" + at(0), nagios.Critical, "the document has no Last-Modified header: its age is unknown (--max-age)"},
		{"?nodate=1&lm=" + at(0), nagios.Unknown, "the answer has no Date header: its document's age is unknown (--max-age)"},
		{"?date=yesterday&lm=" + at(0), nagios.Critical, `the Date header "yesterday" does not parse`},
	}
	for _, tt := range tests {
		r := runHTTP(t, HTTPConfig{URL: srv.URL + "/" + strings.ReplaceAll(tt.q, " ", "%20"), MaxAge: 2 * time.Hour})
		d := detailsWith(r, "max-age")
		if r.State != tt.want || len(d) != 1 || d[0].Text != tt.text {
			t.Errorf("%s: %v %+v", tt.q, r.State, d)
		}
	}
}

// TestRequireTLS translates blackbox_exporter's TestFailIfNotSSL and
// fail_if_ssl: the final answer's transport is judged.
func TestRequireTLS(t *testing.T) {
	plain := plainServer(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	secure := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(secure.Close)
	tests := []struct {
		url              string
		require, forbid  bool
		want             nagios.State
		text             string
		insecure, follow bool
	}{
		{plain.URL, true, false, nagios.Critical, "the final answer came over plain HTTP from 127.0.0.1:", false, false},
		{plain.URL, false, true, nagios.OK, "", false, false},
		{secure.URL, true, false, nagios.OK, "", true, false},
		{secure.URL, false, true, nagios.Critical, "the final answer came over TLS from 127.0.0.1:", true, false},
	}
	for _, tt := range tests {
		r := runHTTP(t, HTTPConfig{URL: tt.url, RequireTLS: tt.require, ForbidTLS: tt.forbid, Client: ClientConfig{Insecure: tt.insecure}})
		d := detailsWith(r, "tls")
		if r.State != tt.want || (tt.text != "" && (len(d) == 0 || !strings.HasPrefix(d[0].Text, tt.text))) {
			t.Errorf("%s require=%v forbid=%v: %v %q", tt.url, tt.require, tt.forbid, r.State, r.Summary)
		}
	}
}

// TestHTTPVersions translates blackbox_exporter's TestValidHTTPVersion
// (HTTP/3 aside, which is out of scope).
func TestHTTPVersions(t *testing.T) {
	srv := plainServer(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, tt := range []struct {
		versions []string
		ok       bool
	}{
		{nil, true},
		{[]string{"HTTP/1.1"}, true},
		{[]string{"HTTP/1.1", "HTTP/2.0"}, true},
		{[]string{"HTTP/2.0"}, false},
		{[]string{"HTTP/1.0"}, false},
	} {
		r := runHTTP(t, HTTPConfig{URL: srv.URL, HTTPVersions: tt.versions})
		if (r.State == nagios.OK) != tt.ok {
			t.Errorf("%v: %v %q", tt.versions, r.State, r.Summary)
		}
		if !tt.ok && !strings.HasPrefix(r.Summary, "answered in HTTP/1.1, not "+strings.Join(tt.versions, " or ")) {
			t.Errorf("summary %q", r.Summary)
		}
	}
}

// TestRegexLines: -r is multi-line (the caller compiles with (?m), as
// check_curl's REG_NEWLINE), --invert-regex inverts the regexes alone, and
// --state-regex sets the state of a failed one.
func TestRegexLines(t *testing.T) {
	srv := plainServer(t, serveBody([]byte("<html>\nstatus: up\nmonitoring\n</html>\n")))
	warn := nagios.Warning
	tests := []struct {
		name string
		cfg  HTTPConfig
		want nagios.State
		text string
	}{
		{"anchored line", HTTPConfig{Regexes: []*regexp.Regexp{regexp.MustCompile(`(?m)^status: up$`)}}, nagios.OK, `regex "^status: up$" matched`},
		{"invert-regex found", HTTPConfig{Regexes: []*regexp.Regexp{regexp.MustCompile(`(?m)monitoring`)}, InvertRegex: true}, nagios.Critical, `regex "monitoring" matched, must not match`},
		{"invert-regex absent", HTTPConfig{Regexes: []*regexp.Regexp{regexp.MustCompile(`(?m)mONiTORing`)}, InvertRegex: true}, nagios.OK, `regex "mONiTORing" not matched`},
		{"invert-regex leaves keywords", HTTPConfig{Keywords: []string{"monitoring"}, InvertRegex: true}, nagios.OK, `keyword "monitoring" found`},
		{"state-regex", HTTPConfig{Regexes: []*regexp.Regexp{regexp.MustCompile(`(?m)down`)}, RegexState: &warn}, nagios.Warning, `regex "down" not matched in "<html> status: up monitoring </html>"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.URL = srv.URL
			r := runHTTP(t, tt.cfg)
			if r.State != tt.want || r.Details[1].Text != tt.text {
				t.Errorf("got %v %+v", r.State, r.Details)
			}
			if n := r.Details[1].Name; strings.Contains(n, "(?m)") {
				t.Errorf("the sub-check's name %q carries the added (?m)", n)
			}
		})
	}
}

// TestTidyPerf: the response time comes first and no label is given
// twice (a --jq-label time, say).
func TestTidyPerf(t *testing.T) {
	r := Result{Perfdata: []nagios.Perfdata{{Label: "time"}, {Label: "cert_days"}, {Label: "time", UOM: "s"}, {Label: "size", UOM: "B"}, {Label: "time"}}}
	r.TidyPerf()
	var got []string
	for _, p := range r.Perfdata {
		got = append(got, p.Label+"/"+p.UOM)
	}
	if strings.Join(got, " ") != "time/s time_2/ cert_days/ size/B time_3/" {
		t.Errorf("got %v", got)
	}
}

// TestCertOnly: check_curl's -C without --continue-after-certificate: the
// certificate alone, not the status nor where it redirects.
func TestCertOnly(t *testing.T) {
	ca, err := testcert.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	srv := tlsServer(t, ca, testcert.Loopback(now.Add(-time.Hour), now.Add(20*24*time.Hour+time.Hour)), nil)
	warn, crit := 30, 7
	for _, path := range []string{"/status/500", "/redirect/1"} {
		r := runHTTP(t, HTTPConfig{URL: srv.URL + path, CertOnly: true,
			Client: ClientConfig{Insecure: true, Follow: true, MaxRedirects: 10, CertWarnDays: &warn, CertCritDays: &crit}})
		if r.State != nagios.Warning || !strings.HasPrefix(r.Summary, "certificate localhost expires in 20 days (") {
			t.Errorf("%s: %v %q", path, r.State, r.Summary)
		}
		if len(detailsWith(r, "status")) != 0 {
			t.Errorf("%s: the status was judged: %+v", path, r.Details)
		}
	}
	plain := plainServer(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := runHTTP(t, HTTPConfig{URL: plain.URL, CertOnly: true})
	if r.State != nagios.Critical || !strings.HasPrefix(r.Summary, "no certificate: 127.0.0.1:") {
		t.Errorf("plain: %v %q", r.State, r.Summary)
	}
}
