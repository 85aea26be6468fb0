package probe

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/healthprobe/healthprobe/redact"
)

// FuzzSanitizeLine: any text becomes one safe line: valid UTF-8, no control
// or bidirectional formatting character, no pipe, at most n runes and an
// ellipsis.
func FuzzSanitizeLine(f *testing.F) {
	for _, s := range []string{"ok", "a\nb", "x|y", "\xff\xfe", "\u202eevil", "\x1b[31mred", strings.Repeat("é", 100)} {
		f.Add(s, uint8(20))
	}
	f.Fuzz(func(t *testing.T, s string, n uint8) {
		out := SanitizeLine(s, int(n))
		if !utf8.ValidString(out) || strings.Contains(out, "|") {
			t.Fatalf("%q -> %q", s, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || (unicode.IsSpace(r) && r != ' ') {
				t.Fatalf("%q -> %q holds %U", s, out, r)
			}
		}
		if utf8.RuneCountInString(out) > int(n)+1 {
			t.Fatalf("%q -> %q is longer than %d", s, out, n)
		}
	})
}

// FuzzRedactURL: a password in the URL or a secret-looking query value
// never survives, and the result is one line.
func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{"https://u:p4ss@h/x", "http://h/?api_key=k3y&x=1", "::", "http://h/?token=%zz", "http://[::1]:80/?pin=1234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out := RedactURL(raw)
		if strings.ContainsAny(out, "\r\n") && !strings.ContainsAny(raw, "\r\n") {
			t.Fatalf("%q -> %q", raw, out)
		}
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		if p, ok := u.User.Password(); ok && len(p) >= 6 && strings.Contains(out, p) && !strings.Contains(strings.Replace(raw, p, "", 1), p) {
			t.Fatalf("%q -> %q shows the password", raw, out)
		}
		for k, vs := range u.Query() {
			for _, v := range vs {
				if redact.SecretName(k) && len(v) >= 6 && strings.Contains(out, url.QueryEscape(v)) && !strings.Contains(v, "xxxxx") {
					t.Fatalf("%q -> %q shows %s=%s", raw, out, k, v)
				}
			}
		}
	})
}

// FuzzDecodeJSON: any body decodes or gives a one-line reason.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,2]`, `{"a":`, ``, `  `, `1 2`, `{"a":"\u0000"}`, "\xff", strings.Repeat("[", 20000)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := DecodeJSON(b); err != nil && strings.ContainsAny(err.Error(), "\r\n") {
			t.Fatalf("%q: %q", b, err)
		}
	})
}

// FuzzProtocolError: whatever Go says, the reason is one line.
func FuzzProtocolError(f *testing.F) {
	for _, s := range []string{"net/http: HTTP/1.x transport connection broken: malformed HTTP response \"x\"", "http: suspiciously long trailer after chunked body", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		why, ok := protocolError(msg)
		if ok && (strings.Contains(why, "transport connection broken: ") || strings.HasPrefix(why, "net/http: ")) {
			t.Fatalf("%q -> %q", msg, why)
		}
	})
}
