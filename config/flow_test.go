package config

import (
	"regexp"
	"strings"
	"testing"
)

const orderFlow = `name: orders-api
timeout: 15s
show: [id]
steps:
  - name: login
    method: POST
    url: https://app.example.com/api/login
    json: {"user": "monitor", "password": "${APP_PASSWORD}", "n": 12.50, "hex": 0x1F, "on": true, "none": null, "list": [1, "a"]}
    expect_status: 200
    extract:
      token: .access_token
      id: .user.id
  - name: orders
    url: https://app.example.com/api/orders?limit=1
    header: ["Authorization: Bearer {{token}}"]
    jq: ['.items | length >= 1', {expr: .count, warning: 5}]
    warning: 0.5
    json: true
    timeout: 2s
  - name: logout
    always: true
    method: POST
    url: https://app.example.com/api/logout
`

func TestParseFlow(t *testing.T) {
	f, err := ParseFlow([]byte(orderFlow))
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "orders-api" || f.Timeout != "15s" || f.TimeoutLine != 2 || len(f.Show) != 1 || f.Show[0] != "id" || len(f.Steps) != 3 {
		t.Fatalf("%+v", f)
	}
	login, orders, logout := f.Steps[0], f.Steps[1], f.Steps[2]
	if login.Name != "login" || login.Line != 5 || login.Always || len(login.Extract) != 2 ||
		login.Extract[0] != (Extract{"token", ".access_token", 11}) || login.Extract[1].Name != "id" {
		t.Errorf("login %+v", login)
	}
	var keys []string
	for _, o := range login.Options {
		keys = append(keys, o.Key+"="+strings.Join(o.Values, ","))
	}
	if got := strings.Join(keys, " "); got != "method=POST url=https://app.example.com/api/login expect-status=200" {
		t.Errorf("login options %s", got)
	}
	j := login.JSON
	if j == nil || j.Kind != JSONObject || strings.Join(j.Keys, ",") != "user,password,n,hex,on,none,list" {
		t.Fatalf("json %+v", j)
	}
	for i, want := range []struct {
		kind JSONKind
		text string
	}{{JSONString, "monitor"}, {JSONString, "${APP_PASSWORD}"}, {JSONNumber, "12.50"}, {JSONNumber, "31"}, {JSONBool, "true"}, {JSONNull, ""}} {
		if it := j.Items[i]; it.Kind != want.kind || it.Text != want.text {
			t.Errorf("json %s: %+v, want %+v", j.Keys[i], it, want)
		}
	}
	if l := j.Items[6]; l.Kind != JSONArray || len(l.Items) != 2 || l.Items[1].Text != "a" {
		t.Errorf("json list %+v", l)
	}
	if orders.Timeout != "2s" || orders.JSON != nil {
		t.Errorf("orders %+v", orders)
	}
	keys = nil
	for _, o := range orders.Options {
		keys = append(keys, o.Key)
	}
	if got := strings.Join(keys, " "); got != "url header jq warning json" {
		t.Errorf("orders options %s", got)
	}
	if !logout.Always {
		t.Errorf("logout %+v", logout)
	}
}

func TestParseFlowErrors(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"", "the file is empty"},
		{"steps: [\n", "not valid YAML or JSON: line 1: did not find expected node content"},
		{"- a\n", "the file must be a mapping with a steps: list"},
		{"name: x\n", "no steps: the flow needs a steps: list"},
		{"steps: []\n", "line 1: steps: must be a list of steps"},
		{"stepz: []\n", `line 1: unknown key "stepz" (want name, timeout, show, steps)`},
		{"steps:\n  - url: x\n", "line 2: a step has no name"},
		{"steps:\n  - name: a b\n", `line 2: step name "a b": use letters, digits, '-', '_' and '.' (at most 63, starting with a letter or digit)`},
		{"steps:\n  - name: a\n  - name: a\n", `line 3: step "a" is already defined on line 2`},
		{"steps:\n  - name: a\n    always: maybe\n", "line 3: always must be true or false"},
		{"steps:\n  - name: a\n    extract: .x\n", "line 3: extract: must be a mapping of names to jq expressions (token: .access_token)"},
		{"steps:\n  - name: a\n    extract: {1x: .x}\n", `line 3: extract: "1x" is not a name (letters, digits and '_', starting with a letter or '_')`},
		{"steps:\n  - name: a\n    extract: {x: }\n", "line 3: extract: x needs a jq expression"},
		{"steps:\n  - name: a\n    header: {a: b}\n", `line 3: key "header" takes a value or a list of values, not a mapping`},
		{"steps:\n  - name: a\n    json: {a: .inf}\n", "line 3: json: .inf is not a number JSON can carry (quote it for a string)"},
		{"steps:\n  - name: a\n    json: &x [1, *x]\n", "line 3: json: YAML aliases are not supported"},
		{"steps:\n  - name: a\n    json: {a: 1, a: 2}\n", `line 3: json: key "a" given twice`},
		{"steps:\n  - name: a\n    url: x\n    url: y\n", `line 4: key "url" given twice`},
		{"show: [a-b]\nsteps:\n  - name: a\n", "line 1: show: want the names of extracted values"},
		{"steps:\n  - name: a\n---\nsteps: []\n", "the file holds more than one YAML document: one flow per file"},
		{"name: \"a\\nb\"\nsteps:\n  - name: a\n", "line 1: name must be one line of text (at most 200 characters)"},
		{"steps:\n  - name: a\n    json: " + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "\n", "line 3: json: nested more than 64 deep"},
		{strings.Repeat("#", MaxFlowSize+1), "the file is larger than 1048576 bytes"},
	} {
		_, err := ParseFlow([]byte(tt.text))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%.40q: %v\nwant %s", tt.text, err, tt.want)
		}
	}
}

func TestInlineFlow(t *testing.T) {
	file, err := Parse([]byte(`checks:
  - name: orders
    kind: flow
    timeout: 15s
    show: id
    steps:
      - {name: login, url: "https://x/login", extract: {id: .id}}
  - name: from-file
    kind: flow
    file: flows/orders.yaml
    state_dir: /tmp/s
  - {name: both, kind: flow, file: a.yaml, steps: [{name: a}]}
  - {name: neither, kind: flow}
  - {name: web, kind: http, steps: [{name: a}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	f, path, rest, err := InlineFlow(file.Checks[0])
	if err != nil || path != "" || f.Name != "orders" || len(f.Show) != 1 || len(f.Steps) != 1 || f.Steps[0].Extract[0].Name != "id" ||
		len(rest) != 1 || rest[0].Key != "timeout" {
		t.Errorf("inline: %+v %q %+v %v", f, path, rest, err)
	}
	f, path, rest, err = InlineFlow(file.Checks[1])
	if err != nil || f != nil || path != "flows/orders.yaml" || len(rest) != 1 || rest[0].Key != "state-dir" {
		t.Errorf("from a file: %+v %q %+v %v", f, path, rest, err)
	}
	if _, _, _, err := InlineFlow(file.Checks[2]); err == nil || err.Error() != "line 12: give either file: or steps:, not both" {
		t.Errorf("both: %v", err)
	}
	if _, _, _, err := InlineFlow(file.Checks[3]); err == nil || err.Error() != "line 13: a flow needs the key file (a flow file) or steps" {
		t.Errorf("neither: %v", err)
	}
	// another kind gets steps: as a key, which its flags refuse
	if o := file.Checks[4].Options[0]; o.Key != "steps" || len(o.Values) != 1 {
		t.Errorf("steps of an http check: %+v", o)
	}
}

func FuzzParseFlow(f *testing.F) {
	f.Add([]byte(orderFlow))
	f.Add([]byte(`{"steps":[{"name":"a","url":"x","json":{"a":[1,{"b":null}]},"extract":{"t":".t"}}]}`))
	f.Add([]byte("steps:\n  - name: a\n    json: &x [1, *x]\n"))
	f.Add([]byte("steps:\n  - {name: a, jq: [.a, {expr: .b, critical: 5}], always: true}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		flow, err := ParseFlow(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if len(flow.Steps) == 0 {
			t.Fatal("accepted a flow without steps")
		}
		names := map[string]bool{}
		for _, st := range flow.Steps {
			if !validStepName(st.Name) || names[st.Name] {
				t.Fatalf("accepted step name %q", st.Name)
			}
			names[st.Name] = true
			for _, x := range st.Extract {
				if !validExtractName(x.Name) || strings.TrimSpace(x.Expr) == "" {
					t.Fatalf("accepted extract %+v", x)
				}
			}
			for _, o := range st.Options {
				if len(o.Values) == 0 {
					t.Fatalf("option without value: %+v", o)
				}
			}
		}
	})
}

// TestNamesAsThePatternsSay: the step and extract name checks say what
// their patterns say.
func TestNamesAsThePatternsSay(t *testing.T) {
	step := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)
	extract := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
	for _, s := range []string{"", "a", "login", "step-1.b_c", "_x", "-a", ".a", "9", "a b", "é", "a\n",
		strings.Repeat("a", 63), strings.Repeat("a", 64), "A9_", "x-y", "token"} {
		if got, want := validStepName(s), step.MatchString(s); got != want {
			t.Errorf("validStepName(%q) = %v, want %v", s, got, want)
		}
		if got, want := validExtractName(s), extract.MatchString(s); got != want {
			t.Errorf("validExtractName(%q) = %v, want %v", s, got, want)
		}
	}
}
