package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Placeholders are the names a template may use, each written {name}:
// {response} is the event as JSON, the others are its fields.
var Placeholders = []string{"response", "name", "state", "previous", "summary", "target", "time", "kind", "seq", "event"}

func knownPlaceholder(name string) bool {
	for _, p := range Placeholders {
		if p == name {
			return true
		}
	}
	return false
}

// escaping is how a value is written into one place of a request.
type escaping int

const (
	inPath  escaping = iota // URL path: percent-encoded path segment
	inQuery                 // URL query or fragment: query-escaped
	inForm                  // form body: query-escaped
	inJSON                  // raw JSON body: JSON string escape, {response} as is
)

// tmpl is a parsed template: literal text and {name} placeholders. Only
// "{" + lower-case letters and _ + "}" is a placeholder, so JSON such as
// {"a":1} stays literal; an unknown name is an error, to catch typos.
type tmpl struct{ parts []tmplPart }

type tmplPart struct {
	lit  string
	name string // a placeholder when not empty
}

func parseTemplate(s string) (tmpl, error) {
	var t tmpl
	lit := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '{' {
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] == '_') {
			j++
		}
		if j == i+1 || j >= len(s) || s[j] != '}' {
			continue
		}
		name := s[i+1 : j]
		if !knownPlaceholder(name) {
			return tmpl{}, fmt.Errorf("unknown placeholder {%s} (known: {%s})", name, strings.Join(Placeholders, "}, {"))
		}
		if lit < i {
			t.parts = append(t.parts, tmplPart{lit: s[lit:i]})
		}
		t.parts = append(t.parts, tmplPart{name: name})
		lit = j + 1
		i = j
	}
	if lit < len(s) {
		t.parts = append(t.parts, tmplPart{lit: s[lit:]})
	}
	return t, nil
}

// has reports whether the template uses any placeholder.
func (t tmpl) has() bool {
	for _, p := range t.parts {
		if p.name != "" {
			return true
		}
	}
	return false
}

// render fills the placeholders, escaping each value for where it lands.
// In a URL, values before the first literal "?" are path-escaped and
// values after it query-escaped.
func (t tmpl) render(values map[string]string, esc escaping) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.name == "" {
			b.WriteString(p.lit)
			if esc == inPath && strings.ContainsAny(p.lit, "?#") {
				esc = inQuery
			}
			continue
		}
		v := values[p.name]
		switch esc {
		case inPath:
			b.WriteString(url.PathEscape(v))
		case inQuery, inForm:
			b.WriteString(url.QueryEscape(v))
		case inJSON:
			if p.name == "response" {
				b.WriteString(v)
			} else {
				b.WriteString(jsonStringBody(v))
			}
		}
	}
	return b.String()
}

// jsonStringBody is v escaped as the inside of a JSON string (no quotes).
func jsonStringBody(v string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a string always encodes
	s := strings.TrimSuffix(buf.String(), "\n")
	return s[1 : len(s)-1]
}

// checkURLTemplate makes sure placeholders can only land in the path, query
// or fragment of an http(s) URL, never in its scheme, credentials or host.
func checkURLTemplate(t tmpl) error {
	if t.has() {
		prefix := ""
		if t.parts[0].name == "" {
			prefix = t.parts[0].lit
		}
		_, authority, ok := strings.Cut(prefix, "://")
		if !ok || !strings.ContainsAny(authority, "/?#") {
			return fmt.Errorf("placeholders may only be in the path or the query")
		}
	}
	u, err := url.Parse(t.render(map[string]string{}, inPath))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("not an http(s) URL with a host")
	}
	return nil
}
