package redact

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"

	"github.com/healthprobe/healthprobe/internal/oneline"
)

// Forms are the forms a secret takes on the way out, each at least MinLen
// bytes, without duplicates:
//
//   - as given, and as a server or an encoder may write it back (Escapes);
//   - each of those as a plugin line shows it: folded onto one line (a
//     line break or a run of white space as one space, a pipe as ¦, a bad
//     byte as U+FFFD), trimmed or not;
//   - each of those quoted as Go's %q and strconv.Quote write it (a
//     summary quotes what a server said).
func Forms(s string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if len(f) >= MinLen && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, e := range Escapes(s) {
		add(e)
		if plain(e) {
			continue // folding and quoting leave it as it is
		}
		fold := oneline.Fold(e)
		for _, l := range []string{e, fold, strings.TrimSpace(fold)} {
			add(l)
			add(quoteInner(l))
		}
	}
	return out
}

// plain reports whether s is printable ASCII without a pipe, a quote or a
// backslash: a line shows it, and %q quotes it, as it is.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '|' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// Escapes are s as given and as it is written into a URL, a JSON string and
// XML or HTML text by the usual encoders (duplicates dropped):
//
//   - URL: query escape (a space as +), path escape, every reserved byte
//     escaped (a space as %20), JavaScript's encodeURIComponent; each with
//     upper- and lower-case hex digits;
//   - JSON: Go's encoder (<, > and & as \u003c, \u003e, \u0026) and without
//     that, each also with / as \/ (PHP); every non-ASCII character as
//     \uXXXX (Python, PHP), with and without \/;
//   - XML and HTML: only &, < and > escaped (a text node); Go's xml and html
//     escaping (&#34; &#39;, and &#xA; for a line break); &quot; with
//     &apos;, &#039; (PHP), &#x27; (Python) or ' left as it is.
func Escapes(s string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	add(s)
	for _, f := range urlEscapes(s) {
		add(f)
		add(lowerHex(f))
	}
	for _, f := range jsonEscapes(s) {
		add(f)
	}
	for _, f := range markupEscapes(s) {
		add(f)
	}
	return out
}

func urlEscapes(s string) []string {
	if percentEscape(s, "-_.~") == s {
		return nil // nothing to escape
	}
	q := url.QueryEscape(s)
	return []string{q, url.PathEscape(s), strings.ReplaceAll(q, "+", "%20"), percentEscape(s, "-_.!~*'()")}
}

// percentEscape escapes every byte but ASCII letters, digits and keep.
func percentEscape(s, keep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// lowerHex writes the hex digits of every %XX escape in lower case.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lowerByte(b[i+1]), lowerByte(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

func jsonEscapes(s string) []string {
	if plain(s) && !strings.ContainsAny(s, "<>&/") {
		return nil
	}
	var out []string
	goHTML, _ := json.Marshal(s)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	plain := strings.TrimSuffix(buf.String(), "\n")
	for _, q := range []string{string(goHTML), plain, asciiJSON(plain)} {
		inner := q[1 : len(q)-1]
		out = append(out, inner, strings.ReplaceAll(inner, "/", `\/`))
	}
	return out
}

// asciiJSON writes every non-ASCII character of a JSON text as \uXXXX
// (a surrogate pair above U+FFFF), in lower-case hex as Python and PHP do.
func asciiJSON(q string) string {
	var b strings.Builder
	for _, r := range q {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

func markupEscapes(s string) []string {
	if !strings.ContainsAny(s, "&<>\"'\t\n\r") {
		return nil
	}
	var x strings.Builder
	_ = xml.EscapeText(&x, []byte(s))
	return []string{
		entities(s, `"`, "'"), // a text node: only &, < and >
		html.EscapeString(s),
		x.String(),
		entities(s, "&quot;", "&apos;"),
		entities(s, "&quot;", "&#039;"),
		entities(s, "&quot;", "&#x27;"),
		entities(s, "&quot;", "'"),
	}
}

// entities escapes &, < and > as &amp;, &lt; and &gt;, and a double and a
// single quote as quot and apos.
func entities(s, quot, apos string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString(quot)
		case '\'':
			b.WriteString(apos)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// quoteInner is s as strconv.Quote writes it, without the quotes.
func quoteInner(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
