package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
)

func sample() probe.Result {
	w, _ := nagios.ParseRange("1")
	c, _ := nagios.ParseRange("2")
	r := probe.Result{Kind: "HTTP", Target: "http://x/ready", Summary: "200 OK, keyword \"ready\" found, 0.004 s"}
	r.Add("status", nagios.OK, "status 200 OK")
	r.Add("keyword:ready", nagios.OK, "keyword \"ready\" found")
	r.AddPerf(nagios.Perfdata{Label: "time", Value: 0.004123, UOM: "s", Warn: &w, Crit: &c, Min: nagios.Float(0), Max: nagios.Float(10)},
		nagios.Perfdata{Label: "size", Value: 208, UOM: "B", Min: nagios.Float(0)})
	return r
}

func TestNagiosText(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample(), Options{Format: Nagios}); err != nil {
		t.Fatal(err)
	}
	want := `HTTP OK - 200 OK, keyword "ready" found, 0.004 s | time=0.004123s;1;2;0;10 size=208B;;;0
\_ [OK] status 200 OK
\_ [OK] keyword "ready" found
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestNagiosTextSanitizes(t *testing.T) {
	r := probe.Result{Kind: "HTTP", State: nagios.Critical, Summary: "line\nbreak | pipe"}
	r.Add("x", nagios.Critical, "detail\r\nwith | pipe")
	got := NagiosText(r, false, "  ")
	want := "  HTTP CRITICAL - line break ¦ pipe\n  \\_ [CRITICAL] detail with ¦ pipe\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSingleFailureHasNoRepeatedLongOutput(t *testing.T) {
	r := probe.Result{Kind: "HTTP"}
	r.Fail(nagios.Critical, "connection refused by 127.0.0.1:1")
	if got := NagiosText(r, false, ""); got != "HTTP CRITICAL - connection refused by 127.0.0.1:1\n" {
		t.Errorf("got %q", got)
	}
}

func TestColour(t *testing.T) {
	r := sample()
	r.Add("time", nagios.Warning, "slow")
	got := NagiosText(r, true, "")
	if !strings.Contains(got, "\x1b[33;1mWARNING\x1b[0;22m") || !strings.Contains(got, "[\x1b[32;1mOK\x1b[0;22m]") {
		t.Errorf("no colour codes in %q", got)
	}
	if plain := NagiosText(r, false, ""); strings.Contains(plain, "\x1b[") {
		t.Errorf("colour without asking: %q", plain)
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	r := sample()
	r.Perfdata = append(r.Perfdata, nagios.Perfdata{Label: "bad"}) // value 0, no unit
	if err := Write(&b, r, Options{Format: JSON}); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["status"] != "OK" || got["code"] != 0.0 || got["summary"] != r.Summary || got["target"] != "http://x/ready" {
		t.Errorf("top level: %v", got)
	}
	details := got["details"].([]any)
	if len(details) != 2 || details[1].(map[string]any)["name"] != "keyword:ready" || details[1].(map[string]any)["status"] != "OK" {
		t.Errorf("details: %v", details)
	}
	p := got["perfdata"].([]any)[0].(map[string]any)
	if p["label"] != "time" || p["value"] != 0.004123 || p["uom"] != "s" || p["warn"] != "1" || p["crit"] != "2" || p["min"] != 0.0 || p["max"] != 10.0 {
		t.Errorf("perfdata: %v", p)
	}
	if s := got["perfdata"].([]any)[1].(map[string]any); s["warn"] != nil || s["max"] != nil {
		t.Errorf("absent thresholds must be null: %v", s)
	}
}

func TestParseFormat(t *testing.T) {
	if f, err := ParseFormat("JSON"); err != nil || f != JSON {
		t.Errorf("%v %v", f, err)
	}
	if _, err := ParseFormat("xml"); err == nil || err.Error() != `invalid --output "xml" (want nagios or json)` {
		t.Errorf("%v", err)
	}
}

func TestPrometheusText(t *testing.T) {
	warn := sample()
	warn.State = nagios.Warning
	down := probe.Result{Kind: "PEXIP", State: nagios.Critical, Duration: 1500 * time.Millisecond}
	got := PrometheusText([]Named{{Name: "web", Kind: "http", Result: warn}, {Name: `a "b"`, Kind: "pexip", Result: down}})
	for _, line := range []string{
		"# TYPE healthprobe_state gauge",
		`healthprobe_state{check="web",kind="http"} 1`,
		`healthprobe_state{check="a \"b\"",kind="pexip"} 2`,
		"# TYPE healthprobe_up gauge",
		`healthprobe_up{check="web",kind="http"} 1`,
		`healthprobe_up{check="a \"b\"",kind="pexip"} 0`,
		`healthprobe_duration_seconds{check="a \"b\"",kind="pexip"} 1.5`,
		`healthprobe_perfdata{check="web",kind="http",label="size",uom="B"} 208`,
		`healthprobe_perfdata{check="web",kind="http",label="time",uom="s"} 0.004123`,
	} {
		if !strings.Contains(got, "\n"+line+"\n") {
			t.Errorf("no line %q in\n%s", line, got)
		}
	}
}
