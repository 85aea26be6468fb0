package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/healthprobe/healthprobe/internal/oneline"
)

// nasty are secrets with every character that an encoding changes: a
// pipe, quotes, markup, a slash, a line break, a tab, a percent sign, a
// plus, non-ASCII letters, an emoji and a line separator.
var nasty = []string{
	`pa|ss"w<o>r&d'/x`,
	"two\nlines\tand tab",
	"100%+sure=yes;no",
	"é-ünïcødé-😀-\u2028-sep",
	`back\slash"quote`,
	"  padded secret  ",
}

// encoders are independent of the package: each writes a secret the way a
// server, an encoder or a plugin line does.
var encoders = map[string]func(string) string{
	"given":       func(s string) string { return s },
	"query":       url.QueryEscape,
	"path":        url.PathEscape,
	"query %20":   func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") },
	"query lower": func(s string) string { return strings.ToLower(url.QueryEscape(s)) },
	"json": func(s string) string {
		b, _ := json.Marshal(s)
		return string(b)
	},
	"json no html": func(s string) string {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		return strings.TrimSpace(buf.String())
	},
	"json \\/": func(s string) string {
		b, _ := json.Marshal(s)
		return strings.ReplaceAll(string(b), "/", `\/`)
	},
	"html": html.EscapeString,
	"xml": func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	},
	"xml text node": func(s string) string {
		return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	},
	"xml &quot;&apos;": func(s string) string {
		return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace(s)
	},
	"php htmlspecialchars": func(s string) string {
		return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#039;").Replace(s)
	},
	"python html.escape": func(s string) string {
		return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;").Replace(s)
	},
	"nagios line": func(s string) string { return oneline.Sanitize("x "+s+" y", -1) },
	"%q":          func(s string) string { return fmt.Sprintf("%q", s) },
	"%q of a line": func(s string) string {
		return strconv.Quote(oneline.Sanitize("said: "+s+" end", -1))
	},
	"%q of escaped json": func(s string) string {
		b, _ := json.Marshal(s)
		return strconv.Quote(oneline.Sanitize(`{"k":`+string(b)+`}`, -1))
	},
}

// Every nasty secret, written by every encoder inside a longer text, is
// masked: nothing of the text's middle survives.
func TestEveryForm(t *testing.T) {
	r := New()
	for _, s := range nasty {
		r.Add(s)
	}
	for _, s := range nasty {
		for name, enc := range encoders {
			text := "before " + enc(s) + " after"
			got := r.String(text)
			if strings.Contains(got, strings.TrimSpace(s)) || !strings.Contains(got, Mask) {
				t.Errorf("%s of %q: %q -> %q", name, s, text, got)
			}
		}
	}
}

// A JSON encoder that writes every non-ASCII character as \uXXXX (Python's
// json.dumps, PHP's json_encode) does not hide a secret either.
func TestJSONASCII(t *testing.T) {
	s := "é-ünï/cødé-😀"
	r := New()
	r.Add(s)
	for _, text := range []string{
		`{"k": "\u00e9-\u00fcn\u00ef/c\u00f8d\u00e9-\ud83d\ude00"}`, // Python
		`{"k":"\u00e9-\u00fcn\u00ef\/c\u00f8d\u00e9-\ud83d\ude00"}`, // PHP
	} {
		if got := r.String(text); strings.Contains(got, `n\u00ef`) {
			t.Errorf("%s -> %s", text, got)
		}
	}
}

// A secret cut short by a cut mark does not show its first characters,
// wherever the cut falls; a lone letter at the end of a cut word is left.
func TestCutHeads(t *testing.T) {
	for _, s := range []string{"s3cr3t-t0ken-value", "two\nlines|pipe", `q"uote&amp`} {
		r := New()
		r.Add(s)
		line := oneline.Sanitize(s, -1)
		for _, prefix := range []string{"token=", "answer: ", `"`, ""} {
			text := prefix + s + " and more text after it"
			for n := 1; n < utf8.RuneCountInString(prefix+line)+3; n++ {
				cut := oneline.Sanitize(text, n)
				got := r.String(cut)
				head, _, _ := strings.Cut(got, oneline.Cut)
				for k := 1; k <= len(line); k++ {
					if !utf8.RuneStart(line[k%len(line)]) && k < len(line) {
						continue
					}
					h := strings.TrimSpace(line[:k])
					if h != "" && strings.HasSuffix(head, h) && (len(h) >= MinLen || strings.HasSuffix(head, prefix+h)) {
						t.Errorf("%q cut at %d: %q -> %q shows the head %q", text, n, cut, got, h)
					}
				}
			}
		}
	}
	r := New()
	r.Add("nope-secret")
	if got := r.String(`answer "a json…"`); got != `answer "a json…"` {
		t.Errorf("a word's last letter was taken for a secret: %q", got)
	}
	if got := r.String(`token n…`); got != `token [redacted]…` {
		t.Errorf("a secret's first letter after a space was shown: %q", got)
	}
}

// A secret is masked as given and in the forms a URL gives it; too short a
// secret is not; adding one twice adds nothing.
func TestAddForms(t *testing.T) {
	r := New()
	r.Add("p@ss w/rd")
	n := r.Len()
	r.Add("p@ss w/rd") // once is enough
	r.Add("ab")        // too short to redact
	if r.Len() != n {
		t.Errorf("adding again or too short a secret added forms: %d, then %d", n, r.Len())
	}
	for in, want := range map[string]string{
		"as given p@ss w/rd":      "as given [redacted]",
		"query ?pw=p%40ss+w%2Frd": "query ?pw=[redacted]",
		"path /p@ss%20w%2Frd/x":   "path /[redacted]/x",
		"ab stays":                "ab stays",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
		if got := string(r.Bytes([]byte(in))); got != want {
			t.Errorf("Bytes(%q) = %q, want %q", in, got, want)
		}
	}
}

// A login's Basic value, a header's credentials, each cookie and a URL's
// password and secret-looking query values are secrets.
func TestAddHelpers(t *testing.T) {
	r := New()
	r.AddBasic("demo", "pw-basic-1")
	r.AddHeader("Authorization", "Bearer tok-bearer-2")
	r.AddHeader("X-Api-Key", "key-header-3")
	r.AddHeader("Cookie", "lang=en; sid=cookie-sid-4")
	r.AddHeader("Set-Cookie", "session=cookie-set-5; Path=/; HttpOnly")
	r.AddHeader("Accept", "text/plain-not-secret")
	r.AddHeader("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("u:pw-header-6")))
	r.AddURL("https://user:url-pass-7@host/x?api_key=query-key-8&page=page-9&access_token=tok-10")
	for _, s := range []string{
		"pw-basic-1", base64.StdEncoding.EncodeToString([]byte("demo:pw-basic-1")), "tok-bearer-2", "key-header-3",
		"cookie-sid-4", "cookie-set-5", "pw-header-6", "url-pass-7",
		base64.StdEncoding.EncodeToString([]byte("user:url-pass-7")), "query-key-8", "tok-10",
	} {
		if got := r.String("x " + s + " y"); got != "x [redacted] y" {
			t.Errorf("%q: %q", s, got)
		}
	}
	if got := r.String("Set-Cookie: session=cookie-set-5; Path=/; HttpOnly"); got != "Set-Cookie: session=[redacted]; Path=/; HttpOnly" {
		t.Errorf("a cookie's name and attributes are no secret: %q", got)
	}
	for _, s := range []string{"text/plain-not-secret", "page-9", "lang=en"} {
		if got := r.String(s); got != s {
			t.Errorf("%q is no secret, got %q", s, got)
		}
	}
}

// The one list of secret names: headers, query parameters and fields.
func TestSecretName(t *testing.T) {
	for _, n := range []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "api_key",
		"access_token", "password", "passwd", "client_secret", "sig", "signature", "pin", "PIN", "token", "sessionid", "credential", "pwd"} {
		if !SecretName(n) {
			t.Errorf("%q is a secret name", n)
		}
	}
	for _, n := range []string{"Accept", "Content-Type", "page", "format", "method", "ping", "User-Agent", "Location"} {
		if SecretName(n) {
			t.Errorf("%q is not a secret name", n)
		}
	}
}

// A secret that contains another is masked whole, whichever came first; the
// mask itself is never masked again.
func TestLongestFirst(t *testing.T) {
	r := New()
	r.Add("abc")
	r.Add("abcdef")
	r.Add("red")
	if got := r.String("x abcdef y abc z red"); got != "x [redacted] y [redacted] z [redacted]" {
		t.Errorf("got %q", got)
	}
}

// A nil or empty redactor gives the text back as it is.
func TestNilAndEmpty(t *testing.T) {
	var r *Redactor
	r.Add("ignored")
	r.AddURL("http://u:p@h/")
	r.AddHeader("Cookie", "a=bcd")
	if r.String("a secret") != "a secret" || string(r.Bytes([]byte("x"))) != "x" || r.Len() != 0 {
		t.Error("a nil redactor changed the text")
	}
	b := []byte("text")
	if got := New().Bytes(b); &got[0] != &b[0] {
		t.Error("an empty redactor copied the bytes")
	}
}

// The writer masks each write, including secrets added after it was made,
// and reports the bytes it was given.
func TestWriter(t *testing.T) {
	r := New()
	var out bytes.Buffer
	w := r.Writer(&out)
	fmt.Fprintln(w, "before any secret: s3cret-w")
	r.Add("s3cret-w")
	line := "after: s3cret-w\n"
	n, err := io.WriteString(w, line)
	if err != nil || n != len(line) {
		t.Errorf("wrote %d, %v", n, err)
	}
	if got := out.String(); got != "before any secret: s3cret-w\nafter: [redacted]\n" {
		t.Errorf("got %q", got)
	}
}

// Secrets added while others redact are never lost (go test -race).
func TestConcurrent(t *testing.T) {
	r := New()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := fmt.Sprintf("secret-%d", i)
			r.Add(s)
			if got := r.String("say " + s); got != "say [redacted]" {
				t.Errorf("got %q", got)
			}
			if got := r.String("cut " + s[:4] + "…"); got != "cut [redacted]…" {
				t.Errorf("got %q", got)
			}
		}()
	}
	wg.Wait()
	if got := r.String("secret-0 secret-7"); strings.Contains(got, "secret") {
		t.Errorf("got %q", got)
	}
}

// Forms of a plain secret are the secret alone; of a secret with
// characters to escape, one each way, no duplicate, none too short.
func TestForms(t *testing.T) {
	if got := Forms("plain-Secret_1.2~3"); len(got) != 1 {
		t.Errorf("Forms of a plain secret: %q", got)
	}
	got := Forms(`a b/c"<`)
	seen := map[string]bool{}
	for _, f := range got {
		if seen[f] || len(f) < MinLen {
			t.Errorf("form %q twice or too short in %q", f, got)
		}
		seen[f] = true
	}
	for _, want := range []string{`a b/c"<`, "a+b%2Fc%22%3C", "a%20b%2Fc%22%3C", "a+b%2fc%22%3c", `a b\/c\"\u003c`, `a b/c\"<`,
		"a b/c&#34;&lt;", "a b/c&quot;&lt;", `a b/c\"<`} {
		if !seen[want] {
			t.Errorf("Forms lacks %q: %q", want, got)
		}
	}
}

func BenchmarkString(b *testing.B) {
	r := New()
	for i := range 20 {
		r.Add(fmt.Sprintf("password-number-%d", i))
	}
	for _, s := range nasty {
		r.Add(s)
	}
	line := strings.Repeat("HTTP OK - 200 OK, keyword found, 0.001 s ", 4)
	b.ReportAllocs()
	for b.Loop() {
		r.String(line)
	}
}

func BenchmarkAdd(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		r := New()
		for _, s := range nasty {
			r.Add(s)
		}
	}
}

// FuzzRedact: a secret written by any of the encoders, anywhere in a text,
// never survives, in any of its forms.
func FuzzRedact(f *testing.F) {
	for _, s := range nasty {
		f.Add(s, "left ", " right", uint8(0))
	}
	names := make([]string, 0, len(encoders))
	for name := range encoders {
		names = append(names, name)
	}
	slices.Sort(names)
	f.Fuzz(func(t *testing.T, secret, left, right string, which uint8) {
		if len(secret) < MinLen || strings.ContainsRune(secret+left+right, 0) {
			return
		}
		r := New()
		r.Add(secret)
		name := names[int(which)%len(names)]
		text := left + encoders[name](secret) + right
		out := strings.ReplaceAll(r.String(text), Mask, "\x00")
		for _, form := range Forms(secret) {
			if strings.Contains(out, form) {
				t.Fatalf("%s: %q -> %q holds the form %q", name, text, out, form)
			}
		}
	})
}

func BenchmarkAddPlain(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		r := New()
		r.Add("hunter2-Secret")
		r.AddBasic("admin", "hunter2-Secret")
	}
}

// FuzzSecretName: a name the case-insensitive pattern of the list calls
// secret, SecretName does too (the long s and the Kelvin sign fold into
// the words), and for an ASCII name the two agree; beyond ASCII SecretName
// may say secret where the pattern does not (Go lower-cases the dotted
// capital I to i, so P\u0130N is a PIN): the safe side.
func FuzzSecretName(f *testing.F) {
	for _, s := range []string{"X-Api-Key", "PIN", "pin2", "Pwd", "ping", "Set-Cookie", "sessionid", "\u212aey", "pa\u017f\u017fword", "\u017fig", "PWD", "P\u0130N"} {
		f.Add(s)
	}
	re := regexp.MustCompile(`(?i)key|token|pass|secret|auth|sig|cookie|session|credential|^pin$|^pwd$`)
	f.Fuzz(func(t *testing.T, name string) {
		if !utf8.ValidString(name) {
			return
		}
		got, want := SecretName(name), re.MatchString(name)
		if want && !got || got != want && isASCII(name) {
			t.Errorf("SecretName(%q) = %v, the pattern says %v", name, got, want)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
