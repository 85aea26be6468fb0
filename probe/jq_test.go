package probe

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

func rng(t *testing.T, s string) *nagios.Range {
	t.Helper()
	r, err := nagios.ParseRange(s)
	if err != nil {
		t.Fatal(err)
	}
	return &r
}

func str(s string) *string { return &s }

func state(s nagios.State) *nagios.State { return &s }

// TestJQAssertions runs every jq rule through the HTTP probe against a
// digest-protected server, and checks each expression's line and perfdata.
func TestJQAssertions(t *testing.T) {
	health := fixture(t, "jq/service_health.json")
	tests := []struct {
		name    string
		body    []byte
		specs   []JQSpec
		missing nagios.State // default UNKNOWN
		invalid nagios.State // default UNKNOWN
		maxBody int64
		timeout time.Duration
		want    []Detail
		perf    []string
	}{
		{name: "true is OK", specs: []JQSpec{{Expr: ".checks.db.ok"}},
			want: []Detail{{"jq:.checks.db.ok", nagios.OK, "jq .checks.db.ok is true"}}},
		{name: "false is CRITICAL", specs: []JQSpec{{Expr: ".checks.queue.ok"}},
			want: []Detail{{"jq:.checks.queue.ok", nagios.Critical, "jq .checks.queue.ok is false"}}},
		{name: "false with --jq-state warning", specs: []JQSpec{{Expr: ".checks.queue.ok", FailState: state(nagios.Warning)}},
			want: []Detail{{"jq:.checks.queue.ok", nagios.Warning, "jq .checks.queue.ok is false"}}},
		{name: "a comparison is a boolean", specs: []JQSpec{{Expr: `.status == "up"`}},
			want: []Detail{{`jq:.status == "up"`, nagios.OK, `jq '.status == "up"' is true`}}},
		{name: "a number is perfdata", specs: []JQSpec{{Expr: ".checks.db.latency_ms"}},
			want: []Detail{{"jq:.checks.db.latency_ms", nagios.OK, "jq .checks.db.latency_ms = 12"}},
			perf: []string{"checks.db.latency_ms=12"}},
		{name: "a number inside its ranges", specs: []JQSpec{{Expr: ".checks.db.latency_ms", Thresholds: nagios.Thresholds{Warn: rng(t, "20"), Crit: rng(t, "50")}}},
			want: []Detail{{"jq:.checks.db.latency_ms", nagios.OK, "jq .checks.db.latency_ms = 12"}},
			perf: []string{"checks.db.latency_ms=12;20;50"}},
		{name: "a number outside the warning range", specs: []JQSpec{{Expr: ".checks.db.latency_ms", Thresholds: nagios.Thresholds{Warn: rng(t, "10"), Crit: rng(t, "50")}}},
			want: []Detail{{"jq:.checks.db.latency_ms", nagios.Warning, "jq .checks.db.latency_ms = 12, above the warning threshold 10"}},
			perf: []string{"checks.db.latency_ms=12;10;50"}},
		{name: "a number outside the critical range", specs: []JQSpec{{Expr: ".checks.queue.depth", Thresholds: nagios.Thresholds{Warn: rng(t, "1"), Crit: rng(t, "@3:5")}}},
			want: []Detail{{"jq:.checks.queue.depth", nagios.Critical, "jq .checks.queue.depth = 3, inside the critical range @3:5"}},
			perf: []string{"checks.queue.depth=3;1;@3:5"}},
		{name: "--jq-label names the perfdata", specs: []JQSpec{{Expr: ".checks.db.latency_ms", Label: "db latency"}},
			want: []Detail{{"jq:.checks.db.latency_ms", nagios.OK, "jq .checks.db.latency_ms = 12"}},
			perf: []string{"'db latency'=12"}},
		{name: "labels derived from expressions stay unique", specs: []JQSpec{{Expr: ".nodes | length"}, {Expr: ".nodes|length"}, {Expr: "1"}},
			want: []Detail{
				{"jq:.nodes | length", nagios.OK, "jq '.nodes ¦ length' = 2"},
				{"jq:.nodes|length", nagios.OK, "jq .nodes¦length = 2"},
				{"jq:1", nagios.OK, "jq 1 = 1"}},
			perf: []string{"nodes_length=2", "nodes_length_2=2", "1=1"}},
		// perfdata writes no exponent, and a number of 1e21 or more only as
		// U: a jq value of 1e300 came out as 301 digits
		{name: "a big integer keeps its digits in the text", specs: []JQSpec{{Expr: ".big"}},
			want: []Detail{{"jq:.big", nagios.OK, "jq .big = 100000000000000000000000000001"}},
			perf: []string{"big=U"}},
		{name: "a huge number is U in the perfdata", specs: []JQSpec{{Expr: "1e300", Label: "huge"}, {Expr: "1e20", Label: "large"}},
			want: []Detail{{"jq:1e300", nagios.OK, "jq 1e300 = 1e+300"}, {"jq:1e20", nagios.OK, "jq 1e20 = 100000000000000000000"}},
			perf: []string{"huge=U", "large=100000000000000000000"}},
		{name: "a string is reported", specs: []JQSpec{{Expr: ".version"}},
			want: []Detail{{"jq:.version", nagios.OK, `jq .version = "1.4.2"`}}},
		{name: "--jq-equals on a string", specs: []JQSpec{{Expr: ".status", Equals: str("up")}},
			want: []Detail{{"jq:.status", nagios.OK, `jq .status = "up"`}}},
		{name: "--jq-equals mismatch", specs: []JQSpec{{Expr: ".status", Equals: str("down")}},
			want: []Detail{{"jq:.status", nagios.Critical, `jq .status = "up", want "down"`}}},
		// quotes without escapes, as every other message: a string holding
		// a double quote is shown in single quotes
		{name: "--jq-equals mismatch with a double quote", specs: []JQSpec{{Expr: ".status", Equals: str(`"up"`)}},
			want: []Detail{{"jq:.status", nagios.Critical, `jq .status = "up", want '"up"'`}}},
		{name: "a string holding a double quote", specs: []JQSpec{{Expr: `"say \"up\""`}},
			want: []Detail{{`jq:"say \"up\""`, nagios.OK, `jq '"say \"up\""' = 'say "up"'`}}},
		{name: "--jq-equals mismatch with --jq-state", specs: []JQSpec{{Expr: ".status", Equals: str("down"), FailState: state(nagios.Warning)}},
			want: []Detail{{"jq:.status", nagios.Warning, `jq .status = "up", want "down"`}}},
		{name: "--jq-equals on a number compares numbers", specs: []JQSpec{{Expr: ".checks.db.latency_ms", Equals: str("12.0")}},
			want: []Detail{{"jq:.checks.db.latency_ms", nagios.OK, "jq .checks.db.latency_ms = 12"}},
			perf: []string{"checks.db.latency_ms=12"}},
		{name: "--jq-equals on a number, mismatch", specs: []JQSpec{{Expr: ".checks.db.latency_ms", Equals: str("13")}},
			want: []Detail{{"jq:.checks.db.latency_ms", nagios.Critical, "jq .checks.db.latency_ms = 12, want 13"}},
			perf: []string{"checks.db.latency_ms=12"}},
		{name: "--jq-equals that is not JSON never equals a number", specs: []JQSpec{{Expr: ".checks.db.latency_ms", Equals: str("twelve")}},
			want: []Detail{{"jq:.checks.db.latency_ms", nagios.Critical, "jq .checks.db.latency_ms = 12, want twelve"}},
			perf: []string{"checks.db.latency_ms=12"}},
		{name: "--jq-equals on an array and a boolean", specs: []JQSpec{{Expr: ".nodes", Equals: str(`["a", "b"]`)}, {Expr: ".checks.db.ok", Equals: str("true")}},
			want: []Detail{
				{"jq:.nodes", nagios.OK, `jq .nodes = ["a","b"]`},
				{"jq:.checks.db.ok", nagios.OK, "jq .checks.db.ok = true"}}},
		{name: "--jq-equals null accepts an absent element", specs: []JQSpec{{Expr: ".nothing", Equals: str("null")}},
			want: []Detail{{"jq:.nothing", nagios.OK, "jq .nothing = null"}}},
		{name: "--jq-regex matches", specs: []JQSpec{{Expr: ".version", Regex: regexp.MustCompile(`^1\.4\.`)}},
			want: []Detail{{"jq:.version", nagios.OK, `jq .version = "1.4.2", matches "^1\.4\."`}}},
		{name: "--jq-regex does not match", specs: []JQSpec{{Expr: ".version", Regex: regexp.MustCompile(`^2\.`)}},
			want: []Detail{{"jq:.version", nagios.Critical, `jq .version = "1.4.2", does not match "^2\."`}}},
		{name: "--jq-regex on a number matches its JSON", specs: []JQSpec{{Expr: ".ratio", Regex: regexp.MustCompile(`^0\.2`)}},
			want: []Detail{{"jq:.ratio", nagios.OK, `jq .ratio = 0.25, matches "^0\.2"`}},
			perf: []string{"ratio=0.25"}},
		{name: "a number that passes --jq-equals still meets its thresholds", specs: []JQSpec{{Expr: ".checks.db.latency_ms", Equals: str("12"), Thresholds: nagios.Thresholds{Crit: rng(t, "10")}}},
			want: []Detail{{"jq:.checks.db.latency_ms", nagios.Critical, "jq .checks.db.latency_ms = 12, above the critical threshold 10"}},
			perf: []string{"checks.db.latency_ms=12;;10"}},
		{name: "null is an absent element", specs: []JQSpec{{Expr: ".nothing"}, {Expr: ".no.such.key"}},
			want: []Detail{
				{"jq:.nothing", nagios.Unknown, "jq .nothing is null: the element is absent"},
				{"jq:.no.such.key", nagios.Unknown, "jq .no.such.key is null: the element is absent"}}},
		{name: "--jq-missing-state critical", specs: []JQSpec{{Expr: ".nothing"}}, missing: nagios.Critical,
			want: []Detail{{"jq:.nothing", nagios.Critical, "jq .nothing is null: the element is absent"}}},
		{name: "nothing yielded", specs: []JQSpec{{Expr: ".empty[]"}},
			want: []Detail{{"jq:.empty[]", nagios.Unknown, "jq .empty[] yielded nothing"}}},
		{name: "several values yielded", specs: []JQSpec{{Expr: ".nodes[]"}},
			want: []Detail{{"jq:.nodes[]", nagios.Unknown, `jq .nodes[] yielded several values (the first: "a"), want one`}}},
		{name: "an endless stream stops at two", specs: []JQSpec{{Expr: "repeat(1)"}},
			want: []Detail{{"jq:repeat(1)", nagios.Unknown, "jq repeat(1) yielded several values (the first: 1), want one"}}},
		{name: "an error names the expression", specs: []JQSpec{{Expr: ".status.code"}},
			want: []Detail{{"jq:.status.code", nagios.Unknown, `jq .status.code failed: expected an object but got: string ("up")`}}},
		{name: "error() is an error", specs: []JQSpec{{Expr: `error("boom")`}},
			want: []Detail{{`jq:error("boom")`, nagios.Unknown, `jq error("boom") failed: error: boom`}}},
		{name: "thresholds on a string", specs: []JQSpec{{Expr: ".status", Thresholds: nagios.Thresholds{Warn: rng(t, "1")}}},
			want: []Detail{{"jq:.status", nagios.Unknown, `jq .status = "up", not a number to compare with the thresholds`}}},
		{name: "a runaway expression is cut by the time bound", specs: []JQSpec{{Expr: "last(range(1e15))"}}, timeout: 50 * time.Millisecond,
			want: []Detail{{"jq:last(range(1e15))", nagios.Unknown, "jq last(range(1e15)) did not finish within 50ms"}}},
		{name: "the environment is not readable", specs: []JQSpec{{Expr: "$ENV | length"}, {Expr: "env | length"}},
			want: []Detail{
				{"jq:$ENV | length", nagios.OK, "jq '$ENV ¦ length' = 0"},
				{"jq:env | length", nagios.OK, "jq 'env ¦ length' = 0"}},
			perf: []string{"ENV_length=0", "env_length=0"}},
		{name: "each expression has its own line, in order", specs: []JQSpec{{Expr: ".checks.queue.ok"}, {Expr: ".status", Equals: str("up")}, {Expr: ".nothing"}},
			want: []Detail{
				{"jq:.checks.queue.ok", nagios.Critical, "jq .checks.queue.ok is false"},
				{"jq:.status", nagios.OK, `jq .status = "up"`},
				{"jq:.nothing", nagios.Unknown, "jq .nothing is null: the element is absent"}}},
		{name: "an HTML page is not JSON", body: fixture(t, "itgrix/login_page.html"), specs: []JQSpec{{Expr: ".a"}, {Expr: ".b"}},
			want: []Detail{{"jq", nagios.Unknown, "jq: body is not JSON: invalid character '<' looking for beginning of value at byte 1: <html><head><title>Itgrix</title></head><body>Log in to the…"}}},
		{name: "--invalid-json-state critical", body: []byte("not json"), specs: []JQSpec{{Expr: ".a"}}, invalid: nagios.Critical,
			want: []Detail{{"jq", nagios.Critical, "jq: body is not JSON: invalid character 'o' in literal null (expecting 'u') at byte 2: not json"}}},
		{name: "a body cut in the middle", body: fixture(t, "itgrix/status_malformed.json"), specs: []JQSpec{{Expr: ".a"}},
			want: []Detail{{"jq", nagios.Unknown, `jq: body is not JSON: it ends in the middle of a value: {"app":{"app_state":"","app_status":"Ok","c2c":{"connected":…`}}},
		{name: "an empty body", body: []byte(" \n"), specs: []JQSpec{{Expr: ".a"}},
			want: []Detail{{"jq", nagios.Unknown, "jq: body is empty, not JSON"}}},
		{name: "two documents", body: []byte(`{"a":1} {"a":2}`), specs: []JQSpec{{Expr: ".a"}},
			want: []Detail{{"jq", nagios.Unknown, `jq: body is not JSON: more data after the first value at byte 7: {"a":1} {"a":2}`}}},
		{name: "a body cut by --max-body", body: []byte(`{"a":"` + strings.Repeat("x", 100) + `"}`), maxBody: 64, specs: []JQSpec{{Expr: ".a"}},
			want: []Detail{{"jq", nagios.Unknown, "jq: body cut at 64 B by --max-body, not checked as JSON"}}},
		{name: "a huge body within the cap is fine", body: []byte(`{"pad":"` + strings.Repeat("x", 900<<10) + `","ok":true}`), specs: []JQSpec{{Expr: ".ok"}},
			want: []Detail{{"jq:.ok", nagios.OK, "jq .ok is true"}}},
		{name: "a top-level scalar", body: []byte(`42`), specs: []JQSpec{{Expr: ".", Thresholds: nagios.Thresholds{Crit: rng(t, "40")}}},
			want: []Detail{{"jq:.", nagios.Critical, "jq . = 42, above the critical threshold 40"}},
			perf: []string{"jq=42;;40"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == nil {
				body = health
			}
			missing, invalid := nagios.Unknown, nagios.Unknown
			if tt.missing != nagios.OK {
				missing = tt.missing
			}
			if tt.invalid != nagios.OK {
				invalid = tt.invalid
			}
			a, err := NewJQAssertion(tt.specs, missing, invalid)
			if err != nil {
				t.Fatal(err)
			}
			a.Timeout = tt.timeout
			srv := digestServer(t, "", serveBody(body))
			cc := loginConfig()
			cc.MaxBody = tt.maxBody
			r := HTTP(context.Background(), HTTPConfig{Client: cc, URL: srv.URL + "/health", Assertions: []BodyAssertion{a}})
			got := detailsWith(r, "jq")
			if !slices.Equal(got, tt.want) {
				t.Errorf("details:\n got %q\nwant %q", got, tt.want)
			}
			if perf := perfStrings(r, "time", "size"); !slices.Equal(perf, tt.perf) {
				t.Errorf("perfdata: got %q, want %q", perf, tt.perf)
			}
			want := nagios.OK
			for _, d := range tt.want {
				want = nagios.Worst(want, d.State)
			}
			if tt.maxBody > 0 {
				want = nagios.Worst(want, nagios.Warning) // the HTTP probe's own "body cut" line
			}
			if r.State != want {
				t.Errorf("state %v, want %v (summary %q)", r.State, want, r.Summary)
			}
		})
	}
}

func TestJQProblemsReachTheSummary(t *testing.T) {
	a, err := NewJQAssertion([]JQSpec{{Expr: ".checks.queue.ok"}, {Expr: ".version"}}, nagios.Unknown, nagios.Unknown)
	if err != nil {
		t.Fatal(err)
	}
	srv := digestServer(t, "SHA-256", serveBody(fixture(t, "jq/service_health.json")))
	r := HTTP(context.Background(), HTTPConfig{Client: loginConfig(), URL: srv.URL, Assertions: []BodyAssertion{a}})
	if r.State != nagios.Critical || r.Summary != "jq .checks.queue.ok is false; 200 OK" {
		t.Errorf("got %v %q", r.State, r.Summary)
	}
}

func TestCompileJQErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{".a[", "invalid jq expression .a[: unexpected EOF after 3 characters"},
		{".a | ", "invalid jq expression '.a ¦': unexpected EOF after 5 characters"},
		{"foo(1)", "invalid jq expression foo(1): function not defined: foo/1"},
		{"input", "invalid jq expression input: input(s)/0 is not allowed"},
		{`"\x"`, `invalid jq expression "\x": invalid escape sequence "\x" in string literal after 3 characters`},
		{`$nope`, "invalid jq expression $nope: variable not defined: $nope"},
		{`import "a" as a; .`, `invalid jq expression 'import "a" as a; .': cannot load module: "a"`},
	}
	for _, tt := range tests {
		_, err := NewJQAssertion([]JQSpec{{Expr: ".ok"}, {Expr: tt.expr}}, nagios.Unknown, nagios.Unknown)
		var syn *JQSyntaxError
		if !errors.As(err, &syn) || syn.Expr != tt.expr {
			t.Errorf("%q: error %v is not a JQSyntaxError naming the expression", tt.expr, err)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%q:\n got %q\nwant %q", tt.expr, err.Error(), tt.want)
		}
	}
}

func TestJQLabel(t *testing.T) {
	for expr, want := range map[string]string{
		".checks.db.latency_ms":  "checks.db.latency_ms",
		".items | length":        "items_length",
		`.["a b"]`:               "a_b",
		"'quoted'":               "quoted",
		".":                      "jq",
		"":                       "jq",
		strings.Repeat("a", 100): strings.Repeat("a", 40),
		".x == \"=\"":            "x",
	} {
		if got := JQLabel(expr); got != want {
			t.Errorf("JQLabel(%q) = %q, want %q", expr, got, want)
		}
	}
}

// FuzzJQ runs random expressions over random documents: no panic, every
// state a plugin state, every line a single line.
func FuzzJQ(f *testing.F) {
	f.Add(`{"status":"up","n":3}`, ".status")
	f.Add(`{"a":[1,2,3]}`, ".a[]")
	f.Add(`[1,2]`, ". | length > 1")
	f.Add(`{"a":{"b":null}}`, ".a.b")
	f.Add(`"text"`, "tonumber")
	f.Add(`1e400`, ". * 2")
	f.Add(`{"a":1}{`, ".a")
	f.Add(`<html>`, ".")
	f.Add(`{"x":"12"}`, `.x | test("\\d+")`)
	f.Add(`null`, `error(.)`)
	f.Fuzz(func(t *testing.T, doc, expr string) {
		if len(expr) > 200 || len(doc) > 4096 {
			return
		}
		if _, err := CompileJQ(expr); err != nil {
			var syn *JQSyntaxError
			if !errors.As(err, &syn) || strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("compile error %q is not a one-line JQSyntaxError", err)
			}
			return
		}
		a, err := NewJQAssertion([]JQSpec{
			{Expr: expr},
			{Expr: expr, Equals: str(doc), Thresholds: nagios.Thresholds{Warn: rng(t, "10")}},
			{Expr: expr, Regex: regexp.MustCompile("^[a-z]")},
		}, nagios.Unknown, nagios.Critical)
		if err != nil {
			t.Fatal(err)
		}
		a.Timeout = 20 * time.Millisecond
		var r Result
		a.Assert(context.Background(), &Exchange{Status: 200, Body: []byte(doc)}, &r)
		if r.State < nagios.OK || r.State > nagios.Unknown {
			t.Fatalf("state %d", r.State)
		}
		if len(r.Details) == 0 {
			t.Fatal("no detail")
		}
		for _, d := range r.Details {
			if d.State < nagios.OK || d.State > nagios.Unknown || strings.ContainsAny(d.Text, "\n\r|") {
				t.Fatalf("bad detail %+v", d)
			}
		}
		for _, p := range r.Perfdata {
			if strings.ContainsAny(p.String(), "\n\r|") {
				t.Fatalf("bad perfdata %q", p.String())
			}
		}
	})
}
