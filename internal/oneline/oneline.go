// Package oneline makes any text safe for one line of plugin output. It is
// apart from probe so that the redactor (package redact) can match a secret
// in the very form this makes of it.
package oneline

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Cut marks where a text was cut to length. The redactor masks the head of
// a secret that stands right before it.
const Cut = "…"

// Pipe is what a pipe becomes: a pipe would start perfdata on a plugin line.
const Pipe = '¦'

// Sanitize makes s safe for one line of plugin output: valid UTF-8 (a bad
// byte becomes U+FFFD), no control or bidirectional formatting character,
// every run of white space and such characters folded to one space, a pipe
// shown as ¦, no leading or trailing space, and at most n runes, a longer
// text cut and marked with Cut. n < 0 means no limit.
func Sanitize(s string, n int) string {
	var b strings.Builder
	count := 0
	space := false
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if r == utf8.RuneError && size == 1 {
			r = '\uFFFD'
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
				count++
			}
			space = true
			continue
		}
		space = false
		if r == '|' {
			r = Pipe
		}
		if n >= 0 && count >= n {
			return strings.TrimSpace(b.String()) + Cut
		}
		b.WriteRune(r)
		count++
	}
	return strings.TrimSpace(b.String())
}

// Fold is Sanitize without the cut and without trimming: the form a text
// takes inside a sanitized line (a secret with a line break or a pipe
// inside a longer text).
func Fold(s string) string {
	var b strings.Builder
	space := false
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if r == utf8.RuneError && size == 1 {
			r = '\uFFFD'
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		if r == '|' {
			r = Pipe
		}
		b.WriteRune(r)
	}
	return b.String()
}
