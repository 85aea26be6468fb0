package config

import (
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestExpandString(t *testing.T) {
	vars := env(map[string]string{"HOST": "web1", "PORT": "8080", "EMPTY": "", "A_1": "x"})
	for in, want := range map[string]string{
		"plain":                       "plain",
		"http://${HOST}:${PORT}/":     "http://web1:8080/",
		"${A_1}${A_1}":                "xx",
		"ready$":                      "ready$", // a regular expression's $
		"$HOST":                       "$HOST",  // only the braced form
		"$${HOST} is ${HOST}":         "${HOST} is web1",
		"a $ b {c}":                   "a $ b {c}",
		".items[] | select(.x == $v)": ".items[] | select(.x == $v)",
	} {
		got, err := ExpandString(in, vars)
		if err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"${NOPE}":   "${NOPE}: the environment variable NOPE is not set (or empty)",
		"x${EMPTY}": "${EMPTY}: the environment variable EMPTY is not set (or empty)",
		"${1X}":     `"${1X}" is not a variable: write ${NAME} (letters, digits and _), or $${ for a literal ${`,
		"${A-B}":    `"${A-B}" is not a variable: write ${NAME} (letters, digits and _), or $${ for a literal ${`,
		"${}":       `"${}" is not a variable: write ${NAME} (letters, digits and _), or $${ for a literal ${`,
		"${HOST":    `"${HOST" is not a variable: write ${NAME} (letters, digits and _), or $${ for a literal ${`,
	} {
		if _, err := ExpandString(in, vars); err == nil || err.Error() != want {
			t.Errorf("%q: %v; want %q", in, err, want)
		}
	}
}

// TestExpand: every value of the file is expanded, in the defaults, the
// checks and jq: items; names, kinds and keys are not; an unset variable
// names the check, the line and the key.
func TestExpand(t *testing.T) {
	f, err := Parse([]byte(`
defaults:
  user-agent: probe/${VERSION}
checks:
  - name: web-${VERSION}
    kind: http
    url: ${BASE}/ready
    keyword: [ready, "${VERSION}"]
    jq:
      - .status
      - {expr: '.version', equals: "${VERSION}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Expand(env(map[string]string{"VERSION": "2.1", "BASE": "http://x"})); err != nil {
		t.Fatal(err)
	}
	c := f.Checks[0]
	got := []string{f.Defaults[0].Values[0], c.Name, c.Options[0].Values[0], strings.Join(c.Options[1].Values, ","),
		c.Options[2].Items[0].Value, c.Options[2].Items[1].Fields[1].Values[0]}
	want := []string{"probe/2.1", "web-${VERSION}", "http://x/ready", "ready,2.1", ".status", "2.1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q\nwant %q", got, want)
	}

	f, _ = Parse([]byte("checks:\n  - name: web\n    kind: http\n    url: ${BASE}/ready\n"))
	err = f.Expand(env(nil))
	if want := `check "web": line 4: key "url": ${BASE}: the environment variable BASE is not set (or empty)`; err == nil || err.Error() != want {
		t.Errorf("%v; want %q", err, want)
	}
	f, _ = Parse([]byte("defaults:\n  user-agent: ${UA}\nchecks:\n  - {name: web, kind: http, url: x}\n"))
	err = f.Expand(env(nil))
	if want := `line 2: key "user-agent": ${UA}: the environment variable UA is not set (or empty)`; err == nil || err.Error() != want {
		t.Errorf("%v; want %q", err, want)
	}
}

func FuzzExpandString(f *testing.F) {
	for _, s := range []string{"${A}", "$${A}", "${", "$$$", "x${A}y${B}", "${A-B}", "\xff${A}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ExpandString(s, func(string) (string, bool) { return "v", true })
		if err != nil {
			return
		}
		if !strings.Contains(s, "${") && got != s {
			t.Errorf("%q without ${ became %q", s, got)
		}
		if strings.Contains(got, "${") && !strings.Contains(s, "$${") {
			t.Errorf("%q left a reference in %q", s, got)
		}
	})
}

// TestFlowExpand: a flow's step values and json: strings are expanded; its
// names and extract expressions are not.
func TestFlowExpand(t *testing.T) {
	f, err := ParseFlow([]byte("steps:\n  - name: a\n    url: ${U}/x\n    json: {user: u, password: \"${P}\", n: [\"${P}\"]}\n    extract: {t: '.t | \"${U}\"'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"U": "http://h", "P": "pw"}
	if err := f.Expand(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	st := f.Steps[0]
	if got := st.Options[0].Values[0]; got != "http://h/x" {
		t.Errorf("url = %q", got)
	}
	if got := st.JSON.Items[1].Text; got != "pw" {
		t.Errorf("json password = %q", got)
	}
	if got := st.JSON.Items[2].Items[0].Text; got != "pw" {
		t.Errorf("json list item = %q", got)
	}
	if got := st.Extract[0].Expr; got != `.t | "${U}"` {
		t.Errorf("extract expression expanded: %q", got)
	}
	err = f.Expand(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Errorf("a second expansion found a reference: %v", err)
	}
	g, _ := ParseFlow([]byte("steps:\n  - name: a\n    url: ${NOPE}/x\n"))
	if err := g.Expand(func(string) (string, bool) { return "", false }); err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("unset variable: %v", err)
	}
}
