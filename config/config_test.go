package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	f, err := Parse([]byte(`
defaults:
  timeout: 5s
  insecure: true
checks:
  - name: web
    kind: http
    url: http://127.0.0.1/ready
    keyword: [ready, up]
    warning: 0.5
    password_env: WEB_PW
  - {name: node1, kind: pexip, node: conf1.example.com, alias: probe}
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Defaults) != 2 || f.Defaults[0].Key != "timeout" || f.Defaults[1].Values[0] != "true" {
		t.Errorf("defaults: %+v", f.Defaults)
	}
	if len(f.Checks) != 2 {
		t.Fatalf("checks: %+v", f.Checks)
	}
	web := f.Checks[0]
	if web.Name != "web" || web.Kind != "http" || web.Line != 6 {
		t.Errorf("web: %+v", web)
	}
	want := []Option{
		{Key: "url", Values: []string{"http://127.0.0.1/ready"}, Line: 8},
		{Key: "keyword", Values: []string{"ready", "up"}, List: true, Line: 9},
		{Key: "warning", Values: []string{"0.5"}, Line: 10},
		{Key: "password-env", Values: []string{"WEB_PW"}, Line: 11},
	}
	for i, o := range want {
		got := web.Options[i]
		if got.Key != o.Key || strings.Join(got.Values, "|") != strings.Join(o.Values, "|") || got.List != o.List || got.Line != o.Line {
			t.Errorf("option %d: %+v, want %+v", i, got, o)
		}
	}
	if f.Checks[1].Name != "node1" || f.Checks[1].Options[1].Values[0] != "probe" {
		t.Errorf("flow mapping: %+v", f.Checks[1])
	}
}

func TestParseJSON(t *testing.T) {
	f, err := Parse([]byte(`{"checks":[{"name":"a","kind":"http","url":"http://x","keyword":["k"]}]}`))
	if err != nil || f.Checks[0].Options[1].Values[0] != "k" {
		t.Fatalf("%v %+v", err, f)
	}
}

// TestParseJQItems: the items of jq: may be plain values or mappings of
// plain values (a single mapping is one item), in YAML and in JSON; they
// are handed on with their lines, in order.
func TestParseJQItems(t *testing.T) {
	for name, in := range map[string]string{
		"yaml": `
checks:
  - name: api
    kind: http
    jq:
      - .status
      - {expr: .db, warning: 50, critical_: 200}
      - expr: .version
        regex: '^2\.'
`,
		"json": `{"checks":[{"name":"api","kind":"http","jq":[".status",
{"expr":".db","warning":50,"critical_":200},
{"expr":".version","regex":"^2\\."}]}]}`,
	} {
		f, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		o := f.Checks[0].Options[0]
		var got []string
		for _, it := range o.Items {
			s := it.Value
			for _, f := range it.Fields {
				s += fmt.Sprintf("%s=%s@%d ", f.Key, strings.Join(f.Values, "|"), f.Line)
			}
			got = append(got, fmt.Sprintf("%d:%s", it.Line, s))
		}
		want := "6:.status|7:expr=.db@7 warning=50@7 critical-=200@7 |8:expr=.version@8 regex=^2\\.@9 "
		if name == "json" {
			want = "1:.status|2:expr=.db@2 warning=50@2 critical-=200@2 |3:expr=.version@3 regex=^2\\.@3 "
		}
		if o.Key != "jq" || !o.List || len(o.Values) != 3 || o.Values[0] != ".status" || strings.Join(got, "|") != want {
			t.Errorf("%s: %+v\ngot  %s\nwant %s", name, o, strings.Join(got, "|"), want)
		}
	}
	f, err := Parse([]byte("checks:\n  - {name: a, kind: http, jq: .a, k: b}\n  - {name: b, kind: http, jq: {expr: .b}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if o := f.Checks[0].Options[0]; o.List || len(o.Items) != 1 || o.Items[0].Value != ".a" || o.Items[0].Fields != nil {
		t.Errorf("a plain jq: %+v", o)
	}
	if o := f.Checks[0].Options[1]; o.Items != nil {
		t.Errorf("items of another key: %+v", o)
	}
	if o := f.Checks[1].Options[0]; o.List || len(o.Items) != 1 || len(o.Items[0].Fields) != 1 || o.Items[0].Fields[0].Values[0] != ".b" {
		t.Errorf("a single mapping: %+v", o)
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]string{
		"":                        "the file is empty",
		"- a\n- b":                "the file must be a mapping with a checks: list",
		"checks: 1":               "line 1: checks: must be a list",
		"foo: 1\nchecks: []":      `line 1: unknown key "foo" (want defaults or checks)`,
		"checks: []":              "no checks: the file needs a checks: list",
		"checks:\n  - kind: http": "line 2: a check has no name",
		"checks:\n  - name: a":    `line 2: check "a" has no kind`,
		"checks:\n  - name: a\n    kind: http\n  - name: a\n    kind: http": `line 4: check "a" is already defined on line 2`,
		"checks:\n  - name: a\n    kind: http\n    tls: {a: 1}":             `line 4: key "tls" takes a value or a list of values, not a mapping`,
		"checks:\n  - name: a\n    kind: http\n    k: [[1]]":                `line 4: key "k": a list may hold only plain values`,
		"checks:\n  - name: a\n    kind: http\n    k:":                      `line 4: key "k" has no value`,
		"checks:\n  - name: a\n    kind: http\n    a_b: 1\n    a-b: 2":      `line 5: key "a-b" given twice`,
		"checks:\n  - name: [a]\n    kind: http":                            "line 2: name must be one non-empty value",
		"checks:\n  - name: a|b=1\n    kind: http":                          `line 2: check name "a|b=1": a check name may not hold the vertical bar U+007C, which starts the perfdata of a plugin line`,
		"checks:\n  - name: \"a\\tb\"\n    kind: http":                      `line 2: check name "a\tb": a check name may not hold the control character U+0009`,
		"checks: [\n":    "not valid YAML or JSON: ",
		"checks:\n  - x": "line 2: each check must be a mapping with name and kind",
		"checks:\n  - name: a\n    kind: http\n    jq: []":                 `line 4: key "jq": empty list`,
		"checks:\n  - name: a\n    kind: http\n    jq:":                    `line 4: key "jq" has no value`,
		"checks:\n  - name: a\n    kind: http\n    jq: [.a, ~]":            `line 4: key "jq": an item is a plain value or a mapping of plain values`,
		"checks:\n  - name: a\n    kind: http\n    jq: [[.a]]":             `line 4: key "jq": an item is a plain value or a mapping of plain values`,
		"checks:\n  - name: a\n    kind: http\n    jq: [&x .a, *x]":        `line 4: key "jq": YAML aliases are not supported`,
		"checks:\n  - name: a\n    kind: http\n    jq: [{expr: [.a]}]":     `line 4: jq item 1: key "expr" takes one value, not a list`,
		"checks:\n  - name: a\n    kind: http\n    jq: [{jq: {expr: .a}}]": `line 4: jq item 1: key "jq" takes one value, not a mapping`,
		"checks:\n  - name: a\n    kind: http\n    jq: [{c: {d: 1}}]":      `line 4: key "c" takes a value or a list of values, not a mapping`,
		"checks:\n  - name: a\n    kind: http\n    jq: [{c: 1, c: 2}]":     `line 4: key "c" given twice`,
		"checks:\n  - name: a\n    kind: http\n    jq: [{c: }]":            `line 4: key "c" has no value`,
		"checks:\n  - name: a\n    kind: http\n    jq: [{[c]: 1}]":         `line 4: a key must be a plain name`,
		"checks:\n  - name: a\n    kind: http\n    keyword: [{expr: .a}]":  `line 4: key "keyword": a list may hold only plain values`,
	}
	// a mapping of many keys finds a key given twice as one of a few does
	// (a set of them, not a look at every key before each)
	var many strings.Builder
	many.WriteString("defaults:\n")
	for i := range 1000 {
		fmt.Fprintf(&many, "  k%d: 1\n", i)
	}
	many.WriteString("  k7: 2\nchecks:\n  - {name: a, kind: http}\n")
	tests[many.String()] = `line 1002: key "k7" given twice`
	for in, want := range tests {
		_, err := Parse([]byte(in))
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", in, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q): error is not one line: %q", in, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("checks:\n  - name: a\n    kind: http\n    url: x\n"))
	f.Add([]byte(`{"defaults":{"timeout":"1s"},"checks":[{"name":"a","kind":"b","k":[1,2]}]}`))
	f.Add([]byte("a: &x [1]\nb: *x\n"))
	f.Add([]byte("defaults: {jq: .s}\nchecks:\n  - name: a\n    kind: http\n    jq: [.a, {expr: .b, critical: 5, label: b}]\n"))
	f.Add([]byte(`{"checks":[{"name":"a","kind":"b","jq":{"expr":".a","regex":"^2"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for _, c := range file.Checks {
			if c.Name == "" || c.Kind == "" {
				t.Fatalf("accepted a check without name or kind: %+v", c)
			}
			for _, o := range c.Options {
				if len(o.Values) == 0 {
					t.Fatalf("option without value: %+v", o)
				}
				if o.Items == nil {
					continue
				}
				if o.Key != "jq" || len(o.Items) != len(o.Values) {
					t.Fatalf("items: %+v", o)
				}
				for _, it := range o.Items {
					for _, f := range it.Fields {
						if f.List || len(f.Values) != 1 || f.Items != nil && f.Items[0].Fields != nil {
							t.Fatalf("a mapping item's key has not one plain value: %+v", it)
						}
					}
				}
			}
		}
	})
}
