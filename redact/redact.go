// Package redact holds the one redactor of a run: every secret the run
// knows is added to it, and every text that leaves the process (output,
// verbose lines, excerpts of a server's answer) goes through it.
package redact

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Mask replaces a secret.
const Mask = "[redacted]"

// MinLen is the shortest secret that is masked: replacing every occurrence
// of one or two characters would garble the output.
const MinLen = 3

// Redactor masks the secrets added to it. It is safe for concurrent use: in
// a batch run the checks share one, and a probe may add a secret a server
// issued (a call token) while other checks write their output.
type Redactor struct {
	mu    sync.RWMutex
	forms []string          // every form of every secret, longest first
	rep   *strings.Replacer // built from forms on first use; nil: rebuild
}

// New returns an empty redactor.
func New() *Redactor { return &Redactor{} }

// Add registers a secret in every form it can take on the way out (see
// Forms). A secret shorter than MinLen is ignored; adding one twice is
// harmless.
func (r *Redactor) Add(secret string) {
	if len(secret) < MinLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	added := false
	for _, f := range Forms(secret) {
		if len(f) >= MinLen && !slices.Contains(r.forms, f) {
			r.forms = append(r.forms, f)
			added = true
		}
	}
	if added {
		// longest first: a secret that contains another is masked whole
		slices.SortStableFunc(r.forms, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
		r.rep = nil
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

// replacer returns the replacer of the forms registered, nil when none.
func (r *Redactor) replacer() *strings.Replacer {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	rep, n := r.rep, len(r.forms)
	r.mu.RUnlock()
	if rep != nil || n == 0 {
		return rep
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
	return r.rep
}

// String masks every registered secret in s. A nil Redactor masks nothing.
func (r *Redactor) String(s string) string {
	if rep := r.replacer(); rep != nil {
		return rep.Replace(s)
	}
	return s
}

// Bytes masks every registered secret in b; b itself is not changed.
func (r *Redactor) Bytes(b []byte) []byte {
	rep := r.replacer()
	if rep == nil {
		return b
	}
	s := string(b)
	if out := rep.Replace(s); out != s {
		return []byte(out)
	}
	return b
}

// Forms are the forms a secret takes on the way out: as given, and escaped
// for a URL's query and path, where a server may echo it (duplicates
// dropped).
func Forms(s string) []string {
	forms := []string{s}
	for _, f := range []string{url.QueryEscape(s), url.PathEscape(s)} {
		if !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}
