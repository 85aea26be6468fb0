package probe

import (
	"context"
	"encoding/pem"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/redact"
)

const kaleyraFixtures = "../testdata/kaleyra/"

// serveKaleyra answers every request with one body and records the query.
func serveKaleyra(t *testing.T, status int, ctype string, body []byte) (*httptest.Server, *url.Values) {
	t.Helper()
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Query()
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func kaleyraFixture(t *testing.T, name string) []byte {
	t.Helper()
	return fixture(t, filepath.Join("kaleyra", name))
}

// lines renders the sub-checks as "STATE name: text".
func lines(r Result) []string {
	out := make([]string, len(r.Details))
	for i, d := range r.Details {
		out[i] = d.State.String() + " " + d.Name + ": " + d.Text
	}
	return out
}

func perfLine(r Result, labels ...string) string {
	var parts []string
	for _, p := range r.Perfdata {
		if slices.Contains(labels, p.Label) {
			parts = append(parts, p.String())
		}
	}
	return strings.Join(parts, " ")
}

var counts = []string{"operational", "warning", "critical", "unknown"}

var incidentsLines = []string{
	"OK number:KA-IN:+878788197367616: KA-IN +878788197367616 operational (karnataka, service all)",
	"OK number:KA-IN:+918040001111: KA-IN +918040001111 operational (karnataka, service all)",
	"WARNING number:DL-IN:+0809900112234: DL-IN +0809900112234 warning (delhi, service all)",
	"CRITICAL number:MH-IN:+912240002222:incoming: MH-IN +912240002222 critical (maharashtra, service incoming)",
	"OK number:TN-IN:+914440003333:outgoing: TN-IN +914440003333 operational (tamil nadu, service outgoing)",
}

const incidentsSummary = "1 critical, 1 warning of 5 numbers: MH-IN +912240002222 critical, DL-IN +0809900112234 warning"

var seedLines = []string{
	"OK number:DL-IN:+0809900112234: DL-IN +0809900112234 operational (karnataka, service all)",
	"OK number:KA-IN:+878788197367616: KA-IN +878788197367616 operational (karnataka, service all)",
}

func TestKaleyraFixtures(t *testing.T) {
	e542 := "E542 User Plugin not found or inactive: enable the Health Check plugin for this account in the voice panel (Plugins)"
	tests := []struct {
		file    string
		format  string
		state   nagios.State
		summary string
		lines   []string // nil: the single line "check" or "api" holding the summary
		perf    string
	}{
		{"ok_seed_two_numbers_operational.xml", "xml", nagios.OK, "2 numbers operational", seedLines, "operational=2 warning=0 critical=0"},
		{"ok_seed_example.json", "json", nagios.OK, "2 numbers operational", seedLines, "operational=2 warning=0 critical=0"},
		{"ok_incidents.xml", "xml", nagios.Critical, incidentsSummary, incidentsLines, "operational=3 warning=1 critical=1"},
		{"ok_incidents_plain_lists.json", "json", nagios.Critical, incidentsSummary, incidentsLines, "operational=3 warning=1 critical=1"},
		{"ok_incidents_api_monitor_wrapped.json", "json", nagios.Critical, incidentsSummary, incidentsLines, "operational=3 warning=1 critical=1"},
		{"ok_single_incident_numeric_numbers.json", "json", nagios.Critical,
			"2 critical of 2 numbers: KA-IN 878788197367616 critical, KA-IN 918040001111 critical", []string{
				"CRITICAL number:KA-IN:878788197367616: KA-IN 878788197367616 critical (karnataka, service all)",
				"CRITICAL number:KA-IN:918040001111: KA-IN 918040001111 critical (karnataka, service all)",
			}, "operational=0 warning=0 critical=2"},
		{"ok_region_code_dash.xml", "xml", nagios.Warning, "1 warning of 1 number: KA-IN +878788197367616 warning", []string{
			"WARNING number:KA-IN:+878788197367616: KA-IN +878788197367616 warning (karnataka, service all)",
		}, "operational=0 warning=1 critical=0"},
		{"ok_unknown_types.xml", "xml", nagios.Unknown,
			`2 unknown of 3 numbers: KA-IN +878788197367616 type "maintenance", DL-IN +0809900112234 no type`, []string{
				`UNKNOWN number:KA-IN:+878788197367616: KA-IN +878788197367616 unknown type "maintenance" (karnataka, service all)`,
				"UNKNOWN number:DL-IN:+0809900112234: DL-IN +0809900112234 no type given (delhi, service all)",
				"OK number:KL-IN:+914840004444: KL-IN +914840004444 operational (kerala, service all)",
			}, "operational=1 warning=0 critical=0 unknown=2"},
		{"ok_region_without_numbers.xml", "xml", nagios.Critical, "1 critical of 2 entries: KA-IN critical", []string{
			"CRITICAL region:KA-IN: KA-IN critical, no numbers listed (karnataka, service all)",
			"OK number:DL-IN:+0809900112234: DL-IN +0809900112234 operational (delhi, service all)",
		}, "operational=1 warning=0 critical=1"},
		{"ok_empty_incidents.xml", "xml", nagios.OK, "no incidents listed (200 OK)", nil, "operational=0 warning=0 critical=0"},
		{"no_incidents_e701.xml", "xml", nagios.OK, "no incidents (E701 No incidents found)", nil, "operational=0 warning=0 critical=0"},
		{"no_incidents_e701.json", "json", nagios.OK, "no incidents (E701 No incidents found)", nil, "operational=0 warning=0 critical=0"},
		{"not_subscribed_e542.xml", "xml", nagios.Unknown, e542, nil, ""},
		{"not_subscribed_e542.json", "json", nagios.Unknown, e542, nil, ""},
		// a key the API refuses is CRITICAL, as every refused credential
		{"error_invalid_key_e101.xml", "xml", nagios.Critical, "E101 Invalid API key: the API key was refused", nil, ""},
		{"error_invalid_key_e101.json", "json", nagios.Critical, "E101 Invalid API key: the API key was refused", nil, ""},
		{"no_status.xml", "xml", nagios.Unknown, `the answer has no status (message "OK")`, nil, ""},
		{"no_status.json", "json", nagios.Unknown, `the answer has no status (message "OK")`, nil, ""},
		// quoted as every message, without backslash escapes
		{"no_status_quoted.json", "json", nagios.Unknown, `the answer has no status (message 'the "monitor" method is off')`, nil, ""},
		{"html_error_page.html", "xml", nagios.Unknown, `the answer is an HTML page "502 Bad Gateway", not the monitor API's XML: check --url`, nil, ""},
		{"html_error_page.html", "json", nagios.Unknown, `the answer is an HTML page "502 Bad Gateway", not the monitor API's JSON: check --url`, nil, ""},
		{"truncated.xml", "xml", nagios.Unknown, "not a monitor API answer: the XML ends early (incomplete answer)", nil, ""},
		{"truncated.json", "json", nagios.Unknown, "not a monitor API answer: the JSON ends early (incomplete answer)", nil, ""},
		{"wrong_root.xml", "xml", nagios.Unknown, "not a monitor API answer: unexpected XML root element <response>, want <api>", nil, ""},
		{"malformed.xml", "xml", nagios.Unknown, "not a monitor API answer: malformed XML (line 2: element <status> closed by </message>)", nil, ""},
		{"unsupported_encoding.xml", "xml", nagios.Unknown, `not a monitor API answer: the XML declares encoding "ISO-8859-1"; only UTF-8 is read`, nil, ""},
		{"not_an_object.json", "json", nagios.Unknown, "not a monitor API answer: the JSON answer is a list, not an object", nil, ""},
		{"wrong_types.json", "json", nagios.Unknown, "not a monitor API answer: unexpected JSON: an object where a string or a number belongs", nil, ""},
		// the wrong format for the answer: the hint says which to use
		{"ok_incidents_plain_lists.json", "xml", nagios.Unknown, "the answer is JSON, not XML: use --format json", nil, ""},
		{"ok_incidents.xml", "json", nagios.Unknown, "the answer is XML, not JSON: use --format xml", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.format, func(t *testing.T) {
			srv, query := serveKaleyra(t, http.StatusOK, "", kaleyraFixture(t, tt.file))
			r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL + "/v1/", APIKey: "k3y", Format: tt.format})
			if r.State != tt.state || r.Summary != tt.summary {
				t.Errorf("got %s %q\nwant %s %q", r.State, r.Summary, tt.state, tt.summary)
			}
			want := tt.lines
			if want == nil {
				// a response code is the "api" sub-check; an answer that
				// could not be read fails the check as a whole
				name := "api"
				if tt.perf == "" && !strings.Contains(tt.summary, "E542") && !strings.Contains(tt.summary, "E101") && !strings.Contains(tt.summary, "no status") {
					name = "check"
				}
				want = []string{tt.state.String() + " " + name + ": " + tt.summary}
			}
			if got := lines(r); !slices.Equal(got, want) {
				t.Errorf("details:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if got := perfLine(r, counts...); got != tt.perf {
				t.Errorf("perfdata %q, want %q", got, tt.perf)
			}
			if !slices.ContainsFunc(r.Perfdata, func(p nagios.Perfdata) bool { return p.Label == "time" }) {
				t.Errorf("no time perfdata in %v", r.Perfdata)
			}
			if q := *query; q.Get("api_key") != "k3y" || q.Get("method") != "monitor" || q.Get("format") != tt.format {
				t.Errorf("query %v", q)
			}
			if r.Target != srv.URL+"/v1/?api_key=xxxxx&format="+tt.format+"&method=monitor" {
				t.Errorf("target %q", r.Target)
			}
			if r.Duration <= 0 {
				t.Errorf("duration %v", r.Duration)
			}
		})
	}
}

func TestKaleyraFilters(t *testing.T) {
	type f = KaleyraConfig
	tests := []struct {
		name    string
		cfg     f
		state   nagios.State
		summary string
		names   []string
		perf    string
	}{
		{"region", f{Regions: []string{"Delhi"}}, nagios.Warning, "1 warning of 1 number: DL-IN +0809900112234 warning",
			[]string{"number:DL-IN:+0809900112234"}, "operational=0 warning=1 critical=0"},
		{"two regions", f{Regions: []string{"karnataka", "TAMIL NADU"}}, nagios.OK, "3 numbers operational",
			[]string{"number:KA-IN:+878788197367616", "number:KA-IN:+918040001111", "number:TN-IN:+914440003333:outgoing"}, "operational=3 warning=0 critical=0"},
		{"region code", f{RegionCodes: []string{"mh-in"}}, nagios.Critical, "1 critical of 1 number: MH-IN +912240002222 critical",
			[]string{"number:MH-IN:+912240002222:incoming"}, "operational=0 warning=0 critical=1"},
		{"number by digits", f{Numbers: []string{"+91 80 4000-1111"}}, nagios.OK, "KA-IN +918040001111 operational",
			[]string{"number:KA-IN:+918040001111"}, "operational=1 warning=0 critical=0"},
		{"number without plus", f{Numbers: []string{"0809900112234"}}, nagios.Warning, "1 warning of 1 number: DL-IN +0809900112234 warning",
			[]string{"number:DL-IN:+0809900112234"}, "operational=0 warning=1 critical=0"},
		{"service incoming keeps all", f{Services: []string{"incoming"}}, nagios.Critical, "1 critical, 1 warning of 4 numbers: MH-IN +912240002222 critical, DL-IN +0809900112234 warning",
			[]string{"number:KA-IN:+878788197367616", "number:KA-IN:+918040001111", "number:DL-IN:+0809900112234", "number:MH-IN:+912240002222:incoming"}, "operational=2 warning=1 critical=1"},
		{"service outgoing", f{Services: []string{"OUTGOING"}}, nagios.Warning, "1 warning of 4 numbers: DL-IN +0809900112234 warning",
			[]string{"number:KA-IN:+878788197367616", "number:KA-IN:+918040001111", "number:DL-IN:+0809900112234", "number:TN-IN:+914440003333:outgoing"}, "operational=3 warning=1 critical=0"},
		{"service all only", f{Services: []string{"all"}}, nagios.Warning, "1 warning of 3 numbers: DL-IN +0809900112234 warning",
			[]string{"number:KA-IN:+878788197367616", "number:KA-IN:+918040001111", "number:DL-IN:+0809900112234"}, "operational=2 warning=1 critical=0"},
		{"filters combine", f{RegionCodes: []string{"KA-IN", "MH-IN"}, Services: []string{"outgoing"}}, nagios.OK, "2 numbers operational",
			[]string{"number:KA-IN:+878788197367616", "number:KA-IN:+918040001111"}, "operational=2 warning=0 critical=0"},
		{"a number that vanished", f{Numbers: []string{"+919999999999"}}, nagios.Unknown,
			"--number +919999999999 matches nothing in the answer (5 numbers listed)",
			[]string{"filter:number:+919999999999"}, "operational=0 warning=0 critical=0"},
		{"one of two numbers vanished", f{Numbers: []string{"+918040001111", "+919999999999"}}, nagios.Unknown,
			"--number +919999999999 matches nothing in the answer (5 numbers listed); KA-IN +918040001111 operational",
			[]string{"number:KA-IN:+918040001111", "filter:number:+919999999999"}, "operational=1 warning=0 critical=0"},
		{"a vanished number does not hide a critical one", f{Numbers: []string{"+912240002222", "+919999999999"}}, nagios.Critical,
			// worst first: the CRITICAL number, then the UNKNOWN filter (the other way round before)
			"1 critical of 1 number: MH-IN +912240002222 critical; --number +919999999999 matches nothing in the answer (5 numbers listed)",
			[]string{"number:MH-IN:+912240002222:incoming", "filter:number:+919999999999"}, "operational=0 warning=0 critical=1"},
		{"unknown region", f{Regions: []string{"kerala"}}, nagios.Unknown,
			"--region kerala matches nothing in the answer (regions listed: delhi, karnataka, maharashtra, tamil nadu)",
			[]string{"filter:region:kerala"}, "operational=0 warning=0 critical=0"},
		{"unknown region with a space", f{Regions: []string{"west bengal"}}, nagios.Unknown,
			`--region "west bengal" matches nothing in the answer (regions listed: delhi, karnataka, maharashtra, tamil nadu)`,
			[]string{"filter:region:west bengal"}, "operational=0 warning=0 critical=0"},
		{"unknown region code", f{RegionCodes: []string{"KL-IN"}}, nagios.Unknown,
			"--region-code KL-IN matches nothing in the answer (region codes listed: DL-IN, KA-IN, MH-IN, TN-IN)",
			[]string{"filter:region-code:kl-in"}, "operational=0 warning=0 critical=0"},
		{"filters that match apart but not together", f{RegionCodes: []string{"DL-IN"}, Numbers: []string{"+878788197367616"}}, nagios.Unknown,
			"no number matches all the filters together (--region-code DL-IN --number +878788197367616)",
			[]string{"filter"}, "operational=0 warning=0 critical=0"},
	}
	body := kaleyraFixture(t, "ok_incidents.xml")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := serveKaleyra(t, http.StatusOK, "text/xml", body)
			cfg := tt.cfg
			cfg.BaseURL, cfg.APIKey = srv.URL+"/v1/", "k3y"
			r := Kaleyra(context.Background(), cfg)
			if r.State != tt.state || r.Summary != tt.summary {
				t.Errorf("got %s %q\nwant %s %q", r.State, r.Summary, tt.state, tt.summary)
			}
			var names []string
			for _, d := range r.Details {
				names = append(names, d.Name)
			}
			if !slices.Equal(names, tt.names) {
				t.Errorf("names %q, want %q", names, tt.names)
			}
			if got := perfLine(r, counts...); got != tt.perf {
				t.Errorf("perfdata %q, want %q", got, tt.perf)
			}
		})
	}
}

// A filter on an answer that lists no incident has nothing to match: the
// API says all is quiet, and the check is OK.
func TestKaleyraFilterOnNoIncidents(t *testing.T) {
	for _, file := range []string{"no_incidents_e701.xml", "ok_empty_incidents.xml"} {
		srv, _ := serveKaleyra(t, http.StatusOK, "text/xml", kaleyraFixture(t, file))
		r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL, APIKey: "k3y", Numbers: []string{"+919999999999"}})
		if r.State != nagios.OK || len(r.Details) != 1 || r.Details[0].Name != "api" {
			t.Errorf("%s: %s %q %v", file, r.State, r.Summary, lines(r))
		}
	}
}

func TestKaleyraHTTPAnswers(t *testing.T) {
	html := kaleyraFixture(t, "html_error_page.html")
	e101 := kaleyraFixture(t, "error_invalid_key_e101.xml")
	tests := []struct {
		name    string
		status  int
		ctype   string
		body    []byte
		state   nagios.State
		summary string
	}{
		{"proxy error page", 502, "text/html", html, nagios.Critical, `HTTP 502 Bad Gateway from the monitor API: an HTML page "502 Bad Gateway"`},
		{"server error, empty body", 503, "", nil, nagios.Critical, "HTTP 503 Service Unavailable from the monitor API: an empty body"},
		{"not found", 404, "text/plain", []byte("404 page not found\n"), nagios.Unknown, `HTTP 404 Not Found: no XML in "404 page not found": check --url`},
		{"unauthorized page", 401, "text/html", []byte("<html><head><title>Denied</title></head></html>"), nagios.Critical, `HTTP 401 Unauthorized: an HTML page "Denied": the API key was refused`},
		{"API error with an HTTP error", 401, "text/xml", e101, nagios.Critical, "E101 Invalid API key (HTTP 401 Unauthorized): the API key was refused"},
		{"an HTML page with status 200", 200, "text/html; charset=utf-8", []byte("<!DOCTYPE html><html><head><title>Sign in</title></head><body><p>login</body></html>"), nagios.Unknown,
			`the answer is an HTML page "Sign in", not the monitor API's XML: check --url`},
		{"HTML without a title, sniffed", 200, "", []byte("<html><body>maintenance<br></body></html>"), nagios.Unknown,
			`the answer is an HTML page "<html><body>maintenance<br></body></html>", not the monitor API's XML: check --url`},
		{"empty 200", 200, "", nil, nagios.Unknown, "not a monitor API answer: an empty body"},
		{"text 200", 200, "text/plain", []byte("OK"), nagios.Unknown, `not a monitor API answer: no XML in "OK"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := serveKaleyra(t, tt.status, tt.ctype, tt.body)
			r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL + "/v1/", APIKey: "k3y"})
			if r.State != tt.state || r.Summary != tt.summary {
				t.Errorf("got %s %q\nwant %s %q", r.State, r.Summary, tt.state, tt.summary)
			}
		})
	}
}

// A redirect is not followed (the key would go where --url does not say)
// and its target is shown without the key.
func TestKaleyraRedirect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://voice.example.com/v2/?"+r.URL.RawQuery, http.StatusMovedPermanently)
	}))
	defer srv.Close()
	r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL + "/v1/", APIKey: "s3cret-key"})
	want := "HTTP 301 Moved Permanently to https://voice.example.com/v2/?api_key=xxxxx&format=xml&method=monitor: give that as --url"
	if r.State != nagios.Unknown || r.Summary != want {
		t.Errorf("got %s %q\nwant %q", r.State, r.Summary, want)
	}
}

func TestKaleyraMaxBody(t *testing.T) {
	var big strings.Builder
	big.WriteString("<api><status>200</status><message>OK</message><data><incidents>")
	for big.Len() < 256<<10 {
		big.WriteString("<monitor><region>karnataka</region><region_code>KA-IN</region_code><type>operational</type><service>all</service><numbers><monitor>+918040001111</monitor></numbers></monitor>")
	}
	big.WriteString("</incidents></data></api>")
	srv, _ := serveKaleyra(t, http.StatusOK, "text/xml", []byte(big.String()))
	r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL, APIKey: "k3y", Client: ClientConfig{MaxBody: 64 << 10}})
	want := "the answer was cut at 64 KiB by --max-body before its end: raise --max-body"
	if r.State != nagios.Unknown || r.Summary != want || len(r.Details) != 1 {
		t.Errorf("got %s %q (%d details)", r.State, r.Summary, len(r.Details))
	}
}

func TestKaleyraDeepXML(t *testing.T) {
	body := "<api>" + strings.Repeat("<data>", 5000) + strings.Repeat("</data>", 5000) + "</api>"
	srv, _ := serveKaleyra(t, http.StatusOK, "text/xml", []byte(body))
	r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL, APIKey: "k3y"})
	want := "not a monitor API answer: the XML is nested deeper than 64 elements"
	if r.State != nagios.Unknown || r.Summary != want {
		t.Errorf("got %s %q", r.State, r.Summary)
	}
}

func TestKaleyraConfigErrors(t *testing.T) {
	tests := []struct {
		cfg  KaleyraConfig
		want string
	}{
		{KaleyraConfig{BaseURL: "http://127.0.0.1:1/", APIKey: "k", Format: "yaml"}, `invalid --format "yaml" (want xml or json)`},
		{KaleyraConfig{BaseURL: "http://127.0.0.1:1/", APIKey: "k", Services: []string{"incoming", "sms"}}, `invalid --service "sms" (want incoming, outgoing or all)`},
		{KaleyraConfig{BaseURL: "http://127.0.0.1:1/", APIKey: "k", Numbers: []string{"+91", "none"}}, `invalid --number "none": no digits`},
		{KaleyraConfig{BaseURL: "ftp://127.0.0.1/", APIKey: "k"}, `invalid URL "ftp://127.0.0.1/": want http(s)://host/path`},
		{KaleyraConfig{BaseURL: "http://127.0.0.1:1/?api_key=in-the-url", APIKey: "k"}, "--url carries an api_key: pass the key with --api-key-env or --api-key-file instead"},
		{KaleyraConfig{BaseURL: "http://127.0.0.1:1/"}, "no API key: give --api-key-env VAR or --api-key-file PATH (the key is on the monitor plugin's configuration page)"},
		{KaleyraConfig{BaseURL: "http://127.0.0.1:1/", APIKey: "k", Client: ClientConfig{CAFile: "/nonexistent/ca.pem"}}, "reading --ca-file: open /nonexistent/ca.pem: no such file or directory"},
	}
	for _, tt := range tests {
		r := Kaleyra(context.Background(), tt.cfg)
		if r.State != nagios.Unknown || r.Summary != tt.want {
			t.Errorf("got %s %q, want UNKNOWN %q", r.State, r.Summary, tt.want)
		}
	}
}

func TestKaleyraConnectionRefused(t *testing.T) {
	r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: "http://127.0.0.1:1/v1/", APIKey: "s3cret-key"})
	if r.State != nagios.Critical || r.Summary != "connection refused by 127.0.0.1:1" {
		t.Errorf("got %s %q", r.State, r.Summary)
	}
}

func TestKaleyraURL(t *testing.T) {
	got, err := kaleyraURL("https://voice.kaleyra.com/v1/?tenant=a b", "k/+&=y", "json")
	want := "https://voice.kaleyra.com/v1/?api_key=k%2F%2B%26%3Dy&format=json&method=monitor&tenant=a+b"
	if err != nil || got != want {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
	if got, err := kaleyraURL("", "k", "xml"); err != nil || got != "https://voice.kaleyra.com/v1/?api_key=k&format=xml&method=monitor" {
		t.Errorf("default: %q, %v", got, err)
	}
}

// The key never appears in a result or a verbose line, whatever happens,
// in plain, URL-encoded or XML-escaped form, nor its head where a text is
// cut: the result's texts and the log lines as they leave the process,
// through the run's redactor.
func TestKaleyraKeyNeverShown(t *testing.T) {
	const key = "S3cr3t/k+y&=x"
	forms := []string{key, url.QueryEscape(key), url.PathEscape(key), "S3cr3t", "k+y&amp;=x"}
	bodies := map[string][]byte{
		"echo":     []byte("<api><status>E101</status><message>Invalid API key " + html.EscapeString(key) + " " + url.QueryEscape(key) + "</message></api>"),
		"echocut":  []byte("<api><message>" + strings.Repeat("y", 380) + key + "</message></api>"), // cut at 400 in the -vvv body line
		"echohtml": []byte("<html><head><title>" + strings.Repeat("x", 50) + key + "</title></head></html>"),
		"ok":       kaleyraFixture(t, "ok_incidents.xml"),
		"e542":     kaleyraFixture(t, "not_subscribed_e542.xml"),
		"html":     kaleyraFixture(t, "html_error_page.html"),
		"trunc":    kaleyraFixture(t, "truncated.xml"),
		"redirect": nil,
	}
	for name, body := range bodies {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if name == "redirect" {
				w.Header().Set("Location", "/v2/?"+r.URL.RawQuery)
				w.WriteHeader(http.StatusFound)
				return
			}
			_, _ = w.Write(body)
		}))
		var log []string
		red := redact.New()
		cc := ClientConfig{Verbose: 3, Redactor: red, Log: func(format string, args ...any) {
			log = append(log, strings.TrimSpace(strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " ")))
		}}
		r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL + "/v1/", APIKey: key, Client: cc})
		srv.Close()
		all := append([]string{r.Target, r.Summary}, log...)
		for _, d := range r.Details {
			all = append(all, d.Name, d.Text)
		}
		for i := range all {
			all[i] = red.String(all[i])
		}
		if name == "echo" && all[1] != "E101 Invalid API key [redacted] [redacted]: the API key was refused" {
			t.Errorf("echo: summary %q", all[1])
		}
		if len(log) == 0 {
			t.Errorf("%s: nothing logged at -vvv", name)
		}
		for _, s := range all {
			for _, f := range forms {
				if strings.Contains(s, f) {
					t.Errorf("%s: the key (%q) shows in %q", name, f, s)
				}
			}
		}
	}
}

// Over TLS the certificate thresholds apply, and their problem leads the
// summary; --insecure is stated.
func TestKaleyraTLS(t *testing.T) {
	body := kaleyraFixture(t, "ok_seed_two_numbers_operational.xml")
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) }))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	warn := 1000000
	r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL, APIKey: "k3y", Client: ClientConfig{CAFile: ca, CertWarnDays: &warn, ExtendedPerf: true}})
	if r.State != nagios.Warning || !strings.HasPrefix(r.Summary, "certificate the served chain expires in ") || !strings.HasSuffix(r.Summary, "; 2 numbers operational") {
		t.Errorf("got %s %q", r.State, r.Summary)
	}
	if !slices.ContainsFunc(r.Perfdata, func(p nagios.Perfdata) bool { return p.Label == "time_tls" }) {
		t.Errorf("no time_tls in %v", r.Perfdata)
	}
	r = Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL, APIKey: "k3y", Client: ClientConfig{Insecure: true}})
	if got := lines(r); r.State != nagios.OK || r.Summary != "2 numbers operational" || got[len(got)-1] != "OK tls: TLS certificate verification disabled (--insecure)" {
		t.Errorf("insecure: %s %q %q", r.State, r.Summary, got)
	}
	r = Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL, APIKey: "k3y"})
	if r.State != nagios.Critical || !strings.HasPrefix(r.Summary, "TLS certificate of 127.0.0.1:") {
		t.Errorf("unknown CA: %s %q", r.State, r.Summary)
	}
}
