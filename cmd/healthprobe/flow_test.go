package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// recorder answers /values with values that need escaping, and keeps what
// every other request carried.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, r)
	rec.body = append(rec.body, string(b))
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/values":
		_, _ = io.WriteString(w, `{"s": "a b&c/\"d?%", "n": 42.50, "nl": "x\ny", "ctl": "a\u0001b"}`)
	default:
		_, _ = io.WriteString(w, `{"s": "a b&c/\"d?%", "n": 42.50}`)
	}
}

func writeFlow(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "flow.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Each key writes a value as it needs it: percent-encoded in a URL, as it
// is in a header, a JSON string (or the number itself) in json:, escaped in
// a jq string, quoted in a regex, as it is in jq-equals.
func TestFlowFillsValuesPerKey(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	flow := writeFlow(t, `show: [s, n]
steps:
  - {name: values, url: "`+srv.URL+`/values", extract: {s: .s, n: .n}}
  - name: use
    method: PUT
    url: "`+srv.URL+`/p/{{s}}?q={{ s }}&n={{n}}"
    header: ["X-S: {{s}}", "X-N: {{n}}"]
    json: {"s": "{{s}}", "n": "{{n}}", "text": "n={{n}}", "list": ["{{s}}", 1, true, null]}
    jq:
      - {expr: '.s == "{{s}}"'}
      - {expr: '.n == {{n}}'}
      - {expr: .s, equals: "{{s}}"}
      - {expr: .s, regex: "^{{s}}$"}
`)
	code, out, errOut := runArgs(t, nil, "flow", flow)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, `step values: 200 OK, `) || !strings.Contains(out, `; extracted s='a b&c/"d?%', n="42.50"`) {
		t.Errorf("output:\n%s", out)
	}
	r, body := rec.reqs[1], rec.body[1]
	if got := r.URL.EscapedPath(); got != "/p/a%20b%26c%2F%22d%3F%25" {
		t.Errorf("path %s", got)
	}
	if got := r.URL.Query(); got.Get("q") != `a b&c/"d?%` || got.Get("n") != "42.50" {
		t.Errorf("query %s", r.URL.RawQuery)
	}
	if r.Header.Get("X-S") != `a b&c/"d?%` || r.Header.Get("X-N") != "42.50" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", r.Header)
	}
	if want := `{"s":"a b&c/\"d?%","n":42.50,"text":"n=42.50","list":["a b&c/\"d?%",1,true,null]}`; body != want {
		t.Errorf("body\n%s\nwant\n%s", body, want)
	}
	if !json.Valid([]byte(body)) || r.Method != "PUT" {
		t.Errorf("%s, valid JSON %v", r.Method, json.Valid([]byte(body)))
	}
}

// A value that would break the key it goes into fails its step, naming
// the value and not showing it.
func TestFlowRefusesAValueThatDoesNotFit(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	for _, tt := range []struct{ name, step, want string }{
		{"header", `header: ["X-A: {{nl}}"]`, "step use: the value nl cannot be sent in a header: it holds a control character (a line break, say)"},
		{"jq outside a string", `jq: ['.n == {{s}}']`, "step use: a jq expression has {{s}} outside a string, and the value s is not a number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			flow := writeFlow(t, `steps:
  - {name: values, url: "`+srv.URL+`/values", extract: {s: .s, nl: .nl}}
  - name: use
    url: "`+srv.URL+`/use"
    `+tt.step+`
`)
			code, out, _ := runArgs(t, nil, "flow", flow, "-vvv")
			if code != 3 || !strings.Contains(out, "\\_ [UNKNOWN] "+tt.want+"\n") {
				t.Errorf("exit %d:\n%s", code, out)
			}
			if strings.Contains(out, "b&c") {
				t.Errorf("the value shows:\n%s", out)
			}
		})
	}
}

// A value read back from the answer is not read for references again: a
// server cannot make a flow send what it names.
func TestFlowValuesAreNotExpandedAgain(t *testing.T) {
	var got []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.RawQuery)
		mu.Unlock()
		_, _ = io.WriteString(w, `{"a": "{{b}}", "b": "second"}`)
	}))
	defer srv.Close()
	flow := writeFlow(t, `steps:
  - {name: one, url: "`+srv.URL+`/", extract: {b: .b, a: .a}}
  - {name: two, url: "`+srv.URL+`/?x={{a}}"}
`)
	if code, out, _ := runArgs(t, nil, "flow", flow); code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if len(got) != 2 || got[1] != "x=%7B%7Bb%7D%7D" {
		t.Errorf("requests %q", got)
	}
}
