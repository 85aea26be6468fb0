package output

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
)

func named(name string, s nagios.State) Named {
	r := sample()
	r.State = s
	return Named{Name: name, Kind: "http", Result: r}
}

// TestBatchNagios: line 1 is the summary, worst first; then each check's
// lines in the order given, without perfdata; then every check's perfdata
// after a |, each label prefixed with its check's name.
func TestBatchNagios(t *testing.T) {
	var b bytes.Buffer
	err := WriteBatch(&b, []Named{named("web", nagios.OK), named("db", nagios.Unknown), named("api", nagios.Critical),
		named("queue", nagios.Warning), named("it's", nagios.OK)}, Options{Format: Nagios})
	if err != nil {
		t.Fatal(err)
	}
	want := `RUN CRITICAL - 1 critical, 1 warning, 1 unknown, 2 ok of 5 checks: api CRITICAL, queue WARNING, db UNKNOWN | checks=5 ok=2 warning=1 critical=1 unknown=1
[web] HTTP OK - 200 OK, keyword "ready" found, 0.004 s
    \_ [OK] status 200 OK
    \_ [OK] keyword "ready" found
[db] HTTP UNKNOWN - 200 OK, keyword "ready" found, 0.004 s
    \_ [OK] status 200 OK
    \_ [OK] keyword "ready" found
[api] HTTP CRITICAL - 200 OK, keyword "ready" found, 0.004 s
    \_ [OK] status 200 OK
    \_ [OK] keyword "ready" found
[queue] HTTP WARNING - 200 OK, keyword "ready" found, 0.004 s
    \_ [OK] status 200 OK
    \_ [OK] keyword "ready" found
[it's] HTTP OK - 200 OK, keyword "ready" found, 0.004 s
    \_ [OK] status 200 OK
    \_ [OK] keyword "ready" found
| web::time=0.004123s;1;2;0;10 web::size=208B;;;0 db::time=0.004123s;1;2;0;10 db::size=208B;;;0 api::time=0.004123s;1;2;0;10 api::size=208B;;;0 queue::time=0.004123s;1;2;0;10 queue::size=208B;;;0 it_s::time=0.004123s;1;2;0;10 it_s::size=208B;;;0
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestBatchSummary(t *testing.T) {
	for _, tt := range []struct {
		states []nagios.State
		want   string
	}{
		{[]nagios.State{nagios.OK}, "RUN OK - 1 ok of 1 check | checks=1 ok=1 warning=0 critical=0 unknown=0"},
		{[]nagios.State{nagios.Unknown, nagios.OK}, "RUN UNKNOWN - 1 unknown, 1 ok of 2 checks: c0 UNKNOWN | checks=2 ok=1 warning=0 critical=0 unknown=1"},
		{[]nagios.State{nagios.Unknown, nagios.Warning}, "RUN WARNING - 1 warning, 1 unknown of 2 checks: c1 WARNING, c0 UNKNOWN | checks=2 ok=0 warning=1 critical=0 unknown=1"},
		// at most ten names of each state, then how many more
		{repeat(nagios.Critical, 12),
			"RUN CRITICAL - 12 critical of 12 checks: c0 CRITICAL, c1 CRITICAL, c2 CRITICAL, c3 CRITICAL, c4 CRITICAL, c5 CRITICAL, c6 CRITICAL, c7 CRITICAL, c8 CRITICAL, c9 CRITICAL, 2 more CRITICAL | checks=12 ok=0 warning=0 critical=12 unknown=0"},
	} {
		b := NewBatch(nil, Options{Format: Nagios})
		for i, s := range tt.states {
			if err := b.Write(b.Render(named(fmt.Sprintf("c%d", i), s))); err != nil {
				t.Fatal(err)
			}
		}
		if got := b.summary(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

func repeat(s nagios.State, n int) []nagios.State {
	out := make([]nagios.State, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestBatchJSONStreams: a JSON line is written as soon as its turn comes,
// not at the end.
func TestBatchJSONStreams(t *testing.T) {
	var w bytes.Buffer
	b := NewBatch(&w, Options{Format: JSON})
	if err := b.Write(b.Render(named("web", nagios.OK))); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.String(), `{"name":"web","kind":"HTTP","status":"OK","code":0,`) || !strings.HasSuffix(w.String(), "}\n") {
		t.Errorf("after one result: %q", w.String())
	}
	if err := b.Write(b.Render(named("db", nagios.Critical))); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(w.String(), "\n"); n != 2 || b.Worst() != nagios.Critical {
		t.Errorf("%d lines, worst %s:\n%s", n, b.Worst(), w.String())
	}
}

// TestBatchPrometheusGroups: each family's samples stay together, in the
// order of the checks.
func TestBatchPrometheusGroups(t *testing.T) {
	got := PrometheusText([]Named{named("web", nagios.OK), {Name: "db", Kind: "pexip", Result: probe.Result{State: nagios.Critical}}})
	want := `# HELP healthprobe_state Check state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
# TYPE healthprobe_state gauge
healthprobe_state{check="web",kind="http"} 0
healthprobe_state{check="db",kind="pexip"} 2
# HELP healthprobe_up 1 when the check is OK or WARNING (the service answers), else 0.
# TYPE healthprobe_up gauge
healthprobe_up{check="web",kind="http"} 1
healthprobe_up{check="db",kind="pexip"} 0
# HELP healthprobe_duration_seconds Wall time of the check.
# TYPE healthprobe_duration_seconds gauge
healthprobe_duration_seconds{check="web",kind="http"} 0
healthprobe_duration_seconds{check="db",kind="pexip"} 0
# HELP healthprobe_perfdata Every perfdata value of the check, in the unit of its uom label.
# TYPE healthprobe_perfdata gauge
healthprobe_perfdata{check="web",kind="http",label="size",uom="B"} 208
healthprobe_perfdata{check="web",kind="http",label="time",uom="s"} 0.004123
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
