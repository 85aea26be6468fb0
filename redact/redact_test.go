package redact

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// A secret is masked as given and in the forms a URL gives it; too short a
// secret is not; adding one twice adds nothing.
func TestAddForms(t *testing.T) {
	r := New()
	r.Add("p@ss w/rd")
	r.Add("p@ss w/rd") // once is enough
	r.Add("ab")        // too short to redact
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
	if r.Len() != 3 {
		t.Errorf("forms %q", r.forms)
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
	if r.String("a secret") != "a secret" || string(r.Bytes([]byte("x"))) != "x" || r.Len() != 0 {
		t.Error("a nil redactor changed the text")
	}
	b := []byte("text")
	if got := New().Bytes(b); &got[0] != &b[0] {
		t.Error("an empty redactor copied the bytes")
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
		}()
	}
	wg.Wait()
	if got := r.String("secret-0 secret-7"); strings.Contains(got, "secret") {
		t.Errorf("got %q", got)
	}
}

func BenchmarkString(b *testing.B) {
	r := New()
	for i := range 20 {
		r.Add(fmt.Sprintf("password-number-%d", i))
	}
	line := strings.Repeat("HTTP OK - 200 OK, keyword found, 0.001 s ", 4)
	b.ReportAllocs()
	for b.Loop() {
		r.String(line)
	}
}

func TestForms(t *testing.T) {
	for in, want := range map[string]string{
		"plain":     "plain",
		"a b/c":     "a b/c|a+b%2Fc|a%20b%2Fc",
		"p@ss&word": "p@ss&word|p%40ss%26word", // its path form is the plain one: listed once
	} {
		if got := strings.Join(Forms(in), "|"); got != want {
			t.Errorf("Forms(%q) = %q, want %q", in, got, want)
		}
	}
}
