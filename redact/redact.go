// Package redact holds the one redactor of a run: every secret the run
// knows is added to it, and every text that leaves the process goes
// through it: the result on stdout (each text before it is cut or escaped
// for its format), every verbose line on stderr, state and outbox files and
// the events sent to sinks.
//
// What to add, and with which call:
//
//	r.Add(s)               a secret value: a password, a PIN, an API key, a
//	                       token a server issued, a secret a URL carries in
//	                       its path (an Uptime Kuma push token: Add the
//	                       segment after /api/push/)
//	r.AddBasic(user, pw)   the Authorization: Basic value of a login
//	r.AddHeader(name, v)   a request or response header: its value when the
//	                       name is secret-looking (SecretName), the part after
//	                       a scheme (Bearer, Basic ...), each cookie's value
//	r.AddURL(raw)          a URL's password (and its Basic value) and the
//	                       values of its secret-looking query parameters
//
// Each secret is matched in every form it can take on the way out (Forms):
// as given; URL-, JSON-, XML- and HTML-escaped as servers and encoders
// write it; folded onto one line as output shows it (a line break as a
// space, a pipe as ¦) and quoted as Go's %q writes it. A text cut to length
// ends with oneline.Cut ("…"): the head of a secret right before it is
// masked too, so a cut never shows a secret's first characters.
package redact

import (
	"cmp"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/healthprobe/healthprobe/internal/oneline"
)

// Mask replaces a secret.
const Mask = "[redacted]"

// MinLen is the shortest secret that is masked: replacing every occurrence
// of one or two characters would garble the output.
const MinLen = 3

// secretWords is the one list of names whose values are credentials: of
// request and response headers (Authorization, Cookie, X-Api-Key, Pexip's
// pin and token ...), of URL query parameters (api_key, access_token,
// password, sig ...) and of the keys of an answer that carry one. A name
// that contains one of them (in any case) is secret; pin and pwd only as
// the whole name.
var secretWords = []string{"key", "token", "pass", "secret", "auth", "sig", "cookie", "session", "credential"}

// SecretName reports whether a header, query parameter or field of that
// name carries a credential. It runs for every header of every answer: a
// few substring searches, not a regular expression (one cost a tenth of a
// batch run's CPU).
func SecretName(name string) bool {
	l := strings.ToLower(name) // the Kelvin sign K becomes k, as case folding has it
	if strings.ContainsRune(l, 'ſ') {
		l = strings.ReplaceAll(l, "ſ", "s") // the long s folds to s, and ToLower keeps it
	}
	if l == "pin" || l == "pwd" {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// Redactor masks the secrets added to it. It is safe for concurrent use: in
// a batch run the checks share one, and a probe may add a secret a server
// issued (a call token) while other checks write their output.
type Redactor struct {
	mu    sync.RWMutex
	seen  map[string]bool   // secrets added, as given
	forms []string          // every form of every secret, longest first; replaced, never changed in place
	rep   *strings.Replacer // built from forms on first use; nil: rebuild
}

// New returns an empty redactor.
func New() *Redactor { return &Redactor{} }

// Add registers a secret in every form it can take on the way out (see
// Forms). A secret shorter than MinLen is ignored; adding one twice is
// harmless. A nil Redactor ignores it.
func (r *Redactor) Add(secret string) {
	if r == nil || len(secret) < MinLen {
		return
	}
	r.mu.RLock()
	known := r.seen[secret]
	r.mu.RUnlock()
	if known {
		return
	}
	forms := Forms(secret) // outside the lock: it is the costly part
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen[secret] = true
	// a new slice: String reads the old one outside the lock
	all := slices.Clone(r.forms)
	for _, f := range forms {
		if !slices.Contains(all, f) {
			all = append(all, f)
		}
	}
	if len(all) > len(r.forms) {
		// longest first: a secret that contains another is masked whole
		slices.SortStableFunc(all, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
		r.forms, r.rep = all, nil
	}
}

// AddBasic registers the Authorization: Basic value of a login (the base64
// of user:password), which a server may echo, and the password itself.
func (r *Redactor) AddBasic(user, password string) {
	if password == "" {
		return
	}
	r.Add(password)
	r.Add(base64.StdEncoding.EncodeToString([]byte(user + ":" + password)))
}

// schemes are the authorization schemes whose credentials follow a space.
var schemes = []string{"basic", "bearer", "token", "digest", "negotiate", "apikey", "key", "sso-key"}

// noCredential are headers with a secret-looking name whose value is no
// credential: a challenge (its realm and nonce), a CORS flag ("true").
var noCredential = map[string]bool{
	"Www-Authenticate": true, "Proxy-Authenticate": true, "Authentication-Info": true,
	"Access-Control-Allow-Credentials": true,
}

// AddHeader registers the secrets of a header whose name is secret-looking
// (SecretName): the credentials after an authorization scheme ("Bearer T"
// adds T, "Basic B" adds B and the password in it), the value of each
// cookie of a Cookie or Set-Cookie header, else the whole value.
func (r *Redactor) AddHeader(name, value string) {
	if r == nil || !SecretName(name) || noCredential[http.CanonicalHeaderKey(name)] {
		return
	}
	value = strings.TrimSpace(value)
	switch http.CanonicalHeaderKey(name) {
	case "Cookie": // the values; names and attributes stay readable
		if cookies, err := http.ParseCookie(value); err == nil {
			for _, c := range cookies {
				r.Add(c.Value)
			}
			return
		}
	case "Set-Cookie":
		if c, err := http.ParseSetCookie(value); err == nil {
			r.Add(c.Value)
			return
		}
	}
	scheme, cred, ok := strings.Cut(value, " ")
	if !ok || !slices.Contains(schemes, strings.ToLower(scheme)) {
		r.Add(value)
		return
	}
	// the credentials: the scheme is no secret, and every form of the
	// whole value holds the same form of them
	cred = strings.TrimSpace(cred)
	r.Add(cred)
	if strings.EqualFold(scheme, "basic") {
		if b, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if _, pw, ok := strings.Cut(string(b), ":"); ok {
				r.Add(pw)
			}
		}
	}
}

// AddURL registers the secrets a URL carries: the password of its userinfo
// (and the Basic value it is sent as) and the values of its secret-looking
// query parameters (SecretName). A URL that does not parse adds nothing:
// it cannot be asked for either.
func (r *Redactor) AddURL(raw string) {
	if r == nil || raw == "" {
		return
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			r.AddBasic(u.User.Username(), pw)
		}
	}
	for k, vs := range u.Query() {
		if SecretName(k) {
			for _, v := range vs {
				r.Add(v)
			}
		}
	}
}

// Len is the number of forms registered.
func (r *Redactor) Len() int {
	if r == nil {
		return 0
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.forms)
}

// state returns the replacer of the forms registered and the forms, nil
// when none.
func (r *Redactor) state() (*strings.Replacer, []string) {
	if r == nil {
		return nil, nil
	}
	r.mu.RLock()
	rep, forms := r.rep, r.forms
	r.mu.RUnlock()
	if rep != nil || len(forms) == 0 {
		return rep, forms
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rep == nil && len(r.forms) > 0 {
		pairs := make([]string, 0, 2*len(r.forms))
		for _, f := range r.forms {
			pairs = append(pairs, f, Mask)
		}
		r.rep = strings.NewReplacer(pairs...)
	}
	return r.rep, r.forms
}

// String masks every registered secret in s, in every form, and the head
// of one cut short by a cut mark. A nil Redactor masks nothing.
func (r *Redactor) String(s string) string {
	rep, forms := r.state()
	if rep == nil {
		return s
	}
	s = rep.Replace(s)
	if strings.Contains(s, oneline.Cut) {
		s = maskCutHeads(s, forms)
	}
	return s
}

// Bytes masks every registered secret in b; b itself is not changed.
func (r *Redactor) Bytes(b []byte) []byte {
	if rep, _ := r.state(); rep == nil {
		return b
	}
	s := string(b)
	if out := r.String(s); out != s {
		return []byte(out)
	}
	return b
}

// Writer returns a writer that masks every registered secret in each
// write before passing it on to w: the boundary of a stream of lines
// (stderr), each written whole. A secret added later is masked in later
// writes.
func (r *Redactor) Writer(w io.Writer) io.Writer { return &writer{r: r, w: w} }

type writer struct {
	r *Redactor
	w io.Writer
}

func (w *writer) Write(p []byte) (int, error) {
	if _, err := w.w.Write(w.r.Bytes(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// maskCutHeads masks, right before each cut mark in s, the longest head of
// a form (its first runes). A head of fewer than MinLen bytes is masked
// only where a token starts (at the start of s or after a character that
// is not a letter or digit): a lone letter at the end of a cut word is no
// secret's.
func maskCutHeads(s string, forms []string) string {
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, oneline.Cut)
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		head := rest[:i]
		if k := longestHead(head, forms); k > 0 {
			head = head[:len(head)-k] + Mask
		}
		b.WriteString(head)
		b.WriteString(oneline.Cut)
		rest = rest[i+len(oneline.Cut):]
	}
}

// longestHead is the length of the longest proper head of a form that text
// ends with, 0 when none.
func longestHead(text string, forms []string) int {
	best := 0
	for _, f := range forms {
		for k := min(len(f)-1, len(text)); k > best; k-- {
			if utf8.RuneStart(f[k]) && strings.HasSuffix(text, f[:k]) && (k >= MinLen || tokenStart(text[:len(text)-k])) {
				best = k
				break
			}
		}
	}
	return best
}

// tokenStart reports whether a token may start after before: at its start,
// or after a character that is neither a letter nor a digit.
func tokenStart(before string) bool {
	if before == "" {
		return true
	}
	c, _ := utf8.DecodeLastRuneInString(before)
	return !unicode.IsLetter(c) && !unicode.IsDigit(c)
}
