package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/config"
)

// TestBatchJQ: the jq keys of a batch file become the --jq flags of the
// check in command-line order (the command line --dry-run prints), each
// expression paired with its own value flags; a file that cannot say which
// expression a value belongs to is refused in one exact line.
func TestBatchJQ(t *testing.T) {
	const head = "checks:\n  - name: api\n    kind: http\n    url: http://127.0.0.1:1/json\n"
	tests := []struct {
		name, file string
		code       int
		want       string // stdout, "FILE" for the file's path
	}{
		{"one expression, a plain value", head + "    jq: .status\n", 0,
			"[api] healthprobe http http://127.0.0.1:1/json --jq=.status\n" +
				"    \\_ jq .status\n"},
		{"a value key beside one expression binds to it, before or after jq:", head + "    jq-critical: 10\n    jq-label: db\n    jq: .db\n", 0,
			"[api] healthprobe http http://127.0.0.1:1/json --jq=.db --jq-critical=10 --jq-label=db\n" +
				"    \\_ jq .db: critical=10 label=db\n"},
		{"each mapping its own value flags, in its order", head + `    jq:
      - .status
      - {expr: .checks.db.latency_ms, warning: 50, critical: 200, label: db_ms}
      - {expr: .status, equals: up}
      - {expr: .version, regex: '^2\.', state: warning}
      - expr: .checks | all(.ok)
`, 0,
			"[api] healthprobe http http://127.0.0.1:1/json --jq=.status --jq=.checks.db.latency_ms --jq-warning=50 --jq-critical=200 --jq-label=db_ms " +
				"--jq=.status --jq-equals=up --jq=.version '--jq-regex=^2\\.' --jq-state=warning '--jq=.checks | all(.ok)'\n" +
				"    \\_ jq .status\n" +
				"    \\_ jq .checks.db.latency_ms: warning=50 critical=200 label=db_ms\n" +
				"    \\_ jq .status: equals=up\n" +
				"    \\_ jq .version: regex='^2\\.' state=warning\n" +
				"    \\_ jq '.checks | all(.ok)'\n"},
		{"a single mapping, and a value key beside it for another flag", head + "    jq: {expr: .db, warning: 5}\n    jq_critical: 10\n", 0,
			"[api] healthprobe http http://127.0.0.1:1/json --jq=.db --jq-warning=5 --jq-critical=10\n" +
				"    \\_ jq .db: warning=5 critical=10\n"},
		{"JSON takes the same shapes", `{"checks":[{"name":"api","kind":"http","url":"http://127.0.0.1:1/json","jq":[".status",{"expr":".db","critical":10,"label":"db"}]}]}`, 0,
			"[api] healthprobe http http://127.0.0.1:1/json --jq=.status --jq=.db --jq-critical=10 --jq-label=db\n" +
				"    \\_ jq .status\n" +
				"    \\_ jq .db: critical=10 label=db\n"},
		{"the defaults' jq: with its value keys, one overridden by the check", "defaults:\n  jq: .status\n  jq-equals: up\n  jq-state: warning\n" + head + "    jq-equals: down\n", 0,
			"[api] healthprobe http http://127.0.0.1:1/json --jq=.status --jq-state=warning --jq-equals=down\n" +
				"    \\_ jq .status: state=warning equals=down\n"},
		{"a check's own jq: replaces the defaults' jq block", "defaults:\n  jq: .status\n  jq-equals: up\n  jq-missing-state: critical\n" + head + "    jq: [.a, {expr: .b, critical: 1}]\n", 0,
			"[api] healthprobe http http://127.0.0.1:1/json --jq-missing-state=critical --jq=.a --jq=.b --jq-critical=1\n" +
				"    \\_ jq .a\n" +
				"    \\_ jq .b: critical=1\n"},

		{"a value key beside several expressions", head + "    jq: [.a, .b]\n    jq-critical: 10\n", 3,
			`RUN UNKNOWN - FILE: check "api" (line 6): key "jq-critical" cannot say which of the 2 jq expressions it belongs to: give it in the jq: item, as {expr: EXPR, critical: 10}` + "\n"},
		{"a value key both beside jq: and in a mapping", head + "    jq:\n      - .a\n      - {expr: .b, critical: 5}\n    jq-critical: 10\n", 3,
			`RUN UNKNOWN - FILE: check "api" (line 8): key "jq-critical" is also given in jq item 2 (line 7): give it once, in the item` + "\n"},
		{"the same with one expression", head + "    jq: {expr: .b, critical: 5}\n    jq-critical: 10\n", 3,
			`RUN UNKNOWN - FILE: check "api" (line 6): key "jq-critical" is also given in jq item 1 (line 5): give it once, in the item` + "\n"},
		{"a mapping without expr", head + "    jq:\n      - .a\n      - critical: 5\n        label: x\n", 3,
			`RUN UNKNOWN - FILE: check "api" (line 7): jq item 2 has no expr: write {expr: EXPR, critical: RANGE, ...}` + "\n"},
		{"an unknown key in a mapping", head + "    jq:\n      - expr: .a\n        warn: 5\n", 3,
			`RUN UNKNOWN - FILE: check "api" (line 7): jq item 1: unknown key "warn" (want expr, warning, critical, label, equals, regex, state)` + "\n"},
		{"a value flag's name in a mapping", head + "    jq: [{expr: .a, jq-critical: 5}]\n", 3,
			`RUN UNKNOWN - FILE: check "api" (line 5): jq item 1: unknown key "jq-critical": write it without jq-, as critical` + "\n"},
		{"a check-wide jq flag in a mapping", head + "    jq: [{expr: .a, missing_state: critical}]\n", 3,
			`RUN UNKNOWN - FILE: check "api" (line 5): jq item 1: unknown key "missing-state": it applies to every expression of the check, so it goes beside jq:, as jq-missing-state` + "\n"},
		{"a bad range in a mapping", head + "    jq: [.a, {expr: .b, critical: '9:1'}]\n", 3,
			`RUN UNKNOWN - FILE: check "api" (line 5): jq item 2: key "critical": invalid range "9:1": start is greater than end` + "\n"},
		{"a bad state beside jq:", head + "    jq: .a\n    jq-state: maybe\n", 3,
			`RUN UNKNOWN - FILE: check "api" (line 6): key "jq-state": invalid state "maybe" (want ok, warning, critical or unknown)` + "\n"},
		{"a value key as a list", head + "    jq: .a\n    jq-critical: [1, 2]\n", 3,
			`RUN UNKNOWN - FILE: check "api" (line 6): key "jq-critical" takes one value, not a list: to give each jq expression its own, write them in its jq: item` + "\n"},
		{"a value key without any jq:", head + "    jq-equals: up\n", 3,
			`RUN UNKNOWN - FILE: check "api" (line 5): key "jq-equals" has no jq: expression to bind to: give jq: beside it` + "\n"},
		{"a default value key without a default jq:", "defaults:\n  jq-critical: 10\n" + head + "    jq: .a\n", 3,
			`RUN UNKNOWN - FILE: defaults: line 2: key "jq-critical" has no jq: expression to bind to: give jq: beside it` + "\n"},
		{"a default value key beside several default expressions", "defaults:\n  jq: [.a, .b]\n  jq-equals: up\n" + head, 3,
			`RUN UNKNOWN - FILE: defaults: line 3: key "jq-equals" cannot say which of the 2 jq expressions it belongs to: give it in the jq: item, as {expr: EXPR, equals: up}` + "\n"},
		{"a check's value key also in the defaults' mapping", "defaults:\n  jq: {expr: .a, critical: 1}\n" + head + "    jq-critical: 2\n", 3,
			`RUN UNKNOWN - FILE: check "api" (line 7): key "jq-critical" is also given in the defaults' jq item 1 (line 2): give it once, in the item` + "\n"},
		{"a bad expression is the command's own error", head + "    jq: [{expr: '.a['}]\n", 3,
			`RUN UNKNOWN - FILE: check "api" (line 2): --jq: invalid jq expression .a[: unexpected EOF after 3 characters` + "\n"},
		{"mappings only under jq:", head + "    keyword: [{expr: a}]\n", 3,
			`RUN UNKNOWN - FILE: line 5: key "keyword": a list may hold only plain values` + "\n"},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, "c"+string(rune('a'+i))+".yaml")
			if err := os.WriteFile(file, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runArgs(t, nil, "run", "-c", file, "--dry-run")
			want := strings.ReplaceAll(tt.want, "FILE", file)
			if code != tt.code || out != want || errOut != "" {
				t.Errorf("exit %d, stdout:\n%s\nstderr: %q\nwant exit %d, stdout:\n%s", code, out, errOut, tt.code, want)
			}
		})
	}
}

// FuzzBatchJQ: any batch file gives each check's jq flags with every value
// flag after a --jq (so the command pairs them all), or one-line errors.
func FuzzBatchJQ(f *testing.F) {
	f.Add([]byte("checks:\n  - {name: a, kind: http, jq: [.a, {expr: .b, critical: 5}], jq-label: x}\n"))
	f.Add([]byte("defaults: {jq: .s, jq-equals: up}\nchecks:\n  - {name: a, kind: http, jq-equals: down}\n"))
	f.Add([]byte(`{"checks":[{"name":"a","kind":"http","jq":{"expr":".a","regex":"(","state":"x"}}]}`))
	f.Add([]byte("checks:\n  - {name: a, kind: http, jq: [{critical: 1}, {expr: .b, warn: 1}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := config.Parse(data)
		if err != nil {
			return
		}
		oneLine := func(err error) {
			if err == nil || err.Error() == "" || strings.ContainsAny(err.Error(), "\r\n") && !strings.ContainsAny(string(data), "\r\n") {
				t.Fatalf("%q: error %q", data, err)
			}
		}
		defaults, lerr := readJQBlock(file.Defaults, true)
		if lerr == nil {
			_, lerr = bindJQ(defaults)
		}
		if lerr != nil {
			oneLine(lerr.in(""))
			return
		}
		for _, c := range file.Checks {
			own, lerr := readJQBlock(c.Options, false)
			if lerr != nil {
				oneLine(lerr.in(c.Name))
				continue
			}
			items, lerr := jqBatchItems(own, defaults)
			if lerr != nil {
				oneLine(lerr.in(c.Name))
				continue
			}
			groups, err := jqGroups(items)
			exprs := len(own.exprs)
			if !own.has {
				exprs = len(defaults.exprs)
			}
			if err != nil || len(groups) != exprs {
				t.Fatalf("%q: %d expressions, groups %v, %v", data, exprs, groups, err)
			}
		}
	})
}

// In a batch, a check whose jq never ends (or outgrows its memory) is
// stopped at its deadline, UNKNOWN, and the other checks finish on time
// with their own results (a deadline of 2s: the endless checks hold two
// cores busy until theirs, and the race detector slows the others tenfold).
func TestBatchJQStopsAtTheDeadline(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok","pad":"`+strings.Repeat("x", 64<<10)+`"}`)
	}))
	defer srv.Close()
	batch := filepath.Join(t.TempDir(), "checks.yaml")
	err := os.WriteFile(batch, fmt.Appendf(nil, `defaults:
  timeout: 2s
checks:
  - {name: plain, kind: http, url: %[1]s/, jq: .status, jq-equals: ok}
  - {name: endless, kind: http, url: %[1]s/, jq: ['def f: f; f', 'last(range(1e18))', '.status']}
  - {name: regex, kind: http, url: %[1]s/, jq: '[.pad | match("."; "g")] | length'}
  - {name: huge, kind: http, url: %[1]s/, jq: '.pad * 1e9'}
`, srv.URL), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	// A late answer is tried again, twice, as in the fault suite.
	var code int
	var out, errOut string
	var took time.Duration
	for attempt := 1; attempt <= 3; attempt++ {
		start := time.Now()
		code, out, errOut = runArgs(t, nil, "run", "-c", batch)
		if took = time.Since(start); took <= 2*time.Second+300*time.Millisecond {
			break
		}
		t.Logf("attempt %d answered after %v", attempt, took)
	}
	if took > 2*time.Second+300*time.Millisecond {
		t.Errorf("took %v, each check's deadline is 2s", took)
	}
	stopped := `(did not finish within 1s|stopped at the run's deadline \(-t\))`
	for _, line := range []string{
		`^\[plain\] HTTP OK - 200 OK, [0-9.]+ s$`,
		`^\[endless\] HTTP UNKNOWN - jq 'def f: f; f' ` + stopped + `; jq last\(range\(1e18\)\) ` + stopped + `; `,
		`^    \\_ \[UNKNOWN\] jq \.status ` + stopped + `$`,
		`^\[regex\] HTTP (UNKNOWN - jq '\[\.pad ¦ match\("\."; "g"\)\] ¦ length' (stopped: it needed more than 64 MiB of memory|` + stopped + `); |OK - )200 OK`,
		`^\[huge\] HTTP UNKNOWN - jq '\.pad \* 1e9' stopped: "x+ \.\.\." \* 1000000000 would build a string of 59\.6 TiB, more than 16 MiB; 200 OK`,
		`\ARUN UNKNOWN - [23] unknown, [12] ok of 4 checks: endless UNKNOWN, (regex UNKNOWN, )?huge UNKNOWN \|`,
	} {
		if !regexp.MustCompile(`(?m)` + line).MatchString(out) {
			t.Errorf("no line %s", line)
		}
	}
	if code != 3 {
		t.Errorf("exit %d", code)
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr: %s", out, errOut)
	}
}
