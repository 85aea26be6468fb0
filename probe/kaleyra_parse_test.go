package probe

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/healthprobe/healthprobe/nagios"
)

var incidentsAnswer = []kaleyraIncident{
	{"karnataka", "KA-IN", "operational", "all", []string{"+878788197367616", "+918040001111"}},
	{"delhi", "DL-IN", "warning", "all", []string{"+0809900112234"}},
	{"maharashtra", "MH-IN", "critical", "incoming", []string{"+912240002222"}},
	{"tamil nadu", "TN-IN", "operational", "outgoing", []string{"+914440003333"}},
}

func TestParseKaleyraXMLSeed(t *testing.T) {
	got, err := parseKaleyraXML(kaleyraFixture(t, "ok_seed_two_numbers_operational.xml"))
	want := kaleyraAnswer{Status: "200", Message: "OK", Incidents: []kaleyraIncident{
		{"karnataka", "DL-IN", "operational", "all", []string{"+0809900112234"}},
		{"karnataka", "KA-IN", "operational", "all", []string{"+878788197367616"}},
	}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v\nwant %+v", got, err, want)
	}
}

// Every accepted shape of the incidents answer reads the same.
func TestParseKaleyraShapes(t *testing.T) {
	for _, file := range []string{"ok_incidents.xml", "ok_incidents_plain_lists.json", "ok_incidents_api_monitor_wrapped.json"} {
		parse := parseKaleyraJSON
		if strings.HasSuffix(file, ".xml") {
			parse = parseKaleyraXML
		}
		got, err := parse(kaleyraFixture(t, file))
		want := kaleyraAnswer{Status: "200", Message: "OK", Incidents: incidentsAnswer}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, %v", file, got, err)
		}
	}
}

func TestParseKaleyraJSON(t *testing.T) {
	one := func(code string, numbers ...string) []kaleyraIncident {
		return []kaleyraIncident{{"karnataka", code, "critical", "all", numbers}}
	}
	tests := []parseCase{
		{"numbers as JSON numbers, single incident object, region-code, top-level incidents",
			string(kaleyraFixture(t, "ok_single_incident_numeric_numbers.json")),
			kaleyraAnswer{Status: "OK", Message: "OK", Incidents: one("KA-IN", "878788197367616", "918040001111")}, ""},
		{"single number as a string", `{"status":"200","data":{"incidents":[{"region":"karnataka","region_code":"KA-IN","type":"critical","service":"all","numbers":"+91"}]}}`,
			kaleyraAnswer{Status: "200", Incidents: one("KA-IN", "+91")}, ""},
		{"single number under monitor", `{"status":200,"data":{"incidents":{"monitor":{"region":"karnataka","region_code":"KA-IN","type":"critical","service":"all","numbers":{"monitor":918}}}}}`,
			kaleyraAnswer{Status: "200", Incidents: one("KA-IN", "918")}, ""},
		{"region_code wins over region-code", `{"status":200,"incidents":[{"region":"karnataka","region_code":"KA-IN","region-code":"XX","type":"critical","service":"all"}]}`,
			kaleyraAnswer{Status: "200", Incidents: one("KA-IN")}, ""},
		{"data as a list of incidents", `{"status":200,"data":[{"region":"karnataka","region_code":"KA-IN","type":"critical","service":"all","numbers":[]}]}`,
			kaleyraAnswer{Status: "200", Incidents: one("KA-IN")}, ""},
		{"empty forms", `{"status":"E701","message":"No incidents found","data":null,"incidents":""}`,
			kaleyraAnswer{Status: "E701", Message: "No incidents found"}, ""},
		{"empty data string and object incidents", `{"status":"E701","data":"","incidents":{}}`, kaleyraAnswer{Status: "E701"}, ""},
		{"status under api, with null message", `{"api":{"status":"E542","message":null}}`, kaleyraAnswer{Status: "E542"}, ""},
		{"keys in other case", `{"Status":"200","Message":"OK","Data":{"Incidents":[]}}`, kaleyraAnswer{Status: "200", Message: "OK"}, ""},
		{"Monitor in another case", `{"STATUS":200,"Incidents":{"Monitor":[{"Region":"karnataka","Region_Code":"KA-IN","Type":"critical","Service":"all","Numbers":{"MONITOR":"+91"}}]}}`,
			kaleyraAnswer{Status: "200", Incidents: one("KA-IN", "+91")}, ""},
		{"monitor inside monitor is not unwrapped twice", `{"status":200,"incidents":{"monitor":{"monitor":[]}}}`,
			kaleyraAnswer{Status: "200", Incidents: []kaleyraIncident{{}}}, ""},
		{"status as an object", `{"status":{"code":200}}`, kaleyraAnswer{}, "unexpected JSON: an object where a string or a number belongs"},
		{"status as a boolean", `{"status":true}`, kaleyraAnswer{}, "unexpected JSON: a boolean where a string or a number belongs"},
		{"data as a number", `{"status":200,"data":5}`, kaleyraAnswer{}, "unexpected JSON: a number where an object (data) belongs"},
		{"api as a string", `{"api":"down"}`, kaleyraAnswer{}, "unexpected JSON: api is a string"},
		{"a string", `"OK"`, kaleyraAnswer{}, "the JSON answer is a string, not an object"},
		{"empty", ``, kaleyraAnswer{}, "the JSON ends early (incomplete answer)"},
		{"text", `404 page not found`, kaleyraAnswer{}, "no JSON object"},
		{"garbage", `{"status":200,}`, kaleyraAnswer{}, "malformed JSON (at byte 15: invalid character '}' looking for beginning of object key string)"},
	}
	runParseCases(t, parseKaleyraJSON, tests)
}

func TestParseKaleyraXML(t *testing.T) {
	tests := []parseCase{
		{"white space trimmed, empty numbers dropped",
			"<api>\n <status> 200 </status>\n <data><incidents><monitor><region> karnataka </region><region_code>KA-IN</region_code><type> critical\n</type><service>all</service><numbers><monitor> +91 </monitor><monitor> </monitor></numbers></monitor></incidents></data></api>",
			kaleyraAnswer{Status: "200", Incidents: []kaleyraIncident{{"karnataka", "KA-IN", "critical", "all", []string{"+91"}}}}, ""},
		{"comments and a doctype before the root", "<!-- x --><!DOCTYPE api><api><status>E701</status></api>", kaleyraAnswer{Status: "E701"}, ""},
		{"unknown elements ignored", "<api><status>E701</status><extra><deep>x</deep></extra></api>", kaleyraAnswer{Status: "E701"}, ""},
		{"empty", "", kaleyraAnswer{}, "no XML element"},
		{"no element", "just text", kaleyraAnswer{}, "no XML element"},
		{"undefined entity", "<api><status>&bogus;</status></api>", kaleyraAnswer{}, "malformed XML (line 1: invalid character entity &bogus;)"},
		{"unclosed root", "<api><status>200</status>", kaleyraAnswer{}, "the XML ends early (incomplete answer)"},
		{"html", "<!DOCTYPE html><html><body>x</body></html>", kaleyraAnswer{}, "unexpected XML root element <html>, want <api>"},
	}
	runParseCases(t, parseKaleyraXML, tests)
}

// parseCase is a body and the answer, or the error, a parser gives for it.
type parseCase struct {
	name, body string
	want       kaleyraAnswer
	err        string
}

func runParseCases(t *testing.T, parse func([]byte) (kaleyraAnswer, error), tests []parseCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse([]byte(tt.body))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Errorf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}

func TestHTMLPageTitle(t *testing.T) {
	for body, want := range map[string]string{
		"<html><head><title>502 Bad Gateway</title></head></html>":   "502 Bad Gateway",
		"<HTML><HEAD><TITLE>Sign &amp; in</TITLE><BODY><BR></BODY>":  "Sign & in",
		"<html><body><p>no title<br></body></html>":                  "",
		"<html><head><title>  multi\n line \t title </title></head>": "multi line title",
	} {
		if got := htmlPageTitle([]byte(body)); got != want {
			t.Errorf("htmlPageTitle(%q) = %q, want %q", body, got, want)
		}
	}
}

// addKaleyraSeeds gives a fuzz target every fixture as a starting point.
func addKaleyraSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(kaleyraFixtures, "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
		f.Add(b, "KA-IN")
	}
}

// fuzzKaleyra reads a body as the probe does after the request and checks
// the plugin contract: a state 0-3, a one-line summary, valid perfdata.
func fuzzKaleyra(t *testing.T, format string, body []byte, filter string) {
	ex := &Exchange{Status: 200, StatusLine: "200 OK", Header: http.Header{}, Body: body}
	var f kaleyraFilter
	if filter != "" {
		f = kaleyraFilter{Regions: []string{filter}, RegionCodes: []string{filter}, Numbers: []string{filter}, Services: []string{filter}}
	}
	r := Result{Kind: "KALEYRA"}
	kaleyraRead(&r, ex, format, f)
	if r.State < nagios.OK || r.State > nagios.Unknown {
		t.Fatalf("state %d", r.State)
	}
	if r.Summary == "" || strings.ContainsAny(r.Summary, "\r\n") {
		t.Fatalf("summary %q", r.Summary)
	}
	if len(r.Details) == 0 {
		t.Fatal("no sub-check")
	}
	for _, d := range r.Details {
		if d.State < nagios.OK || d.State > nagios.Unknown || strings.ContainsAny(d.Text, "\r\n") || strings.ContainsAny(d.Name, "\r\n") {
			t.Fatalf("detail %+v", d)
		}
	}
	for _, p := range r.Perfdata {
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzKaleyraXML(f *testing.F) {
	addKaleyraSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte, filter string) { fuzzKaleyra(t, "xml", body, filter) })
}

func FuzzKaleyraJSON(f *testing.F) {
	addKaleyraSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte, filter string) { fuzzKaleyra(t, "json", body, filter) })
}
