package jqsafe

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"

	"github.com/itchyny/gojq"
)

// sizer estimates the bytes a value takes once copied or encoded as JSON,
// counting a value shared several times once per place (jq values are
// immutable and shared freely: [limit(1e6; repeat($s))] is a million
// references to one string, and its encoding a million copies). It stops as
// soon as the total passes limit or the nesting passes MaxDepth, so it never
// does more work than that, and it gives up when the run is stopped.
type sizer struct {
	g        *guard
	limit, n int64
	nodes    int
	escapes  bool // count the escapes of a JSON encoding in strings
	deep     bool // the nesting passed MaxDepth
	stopped  bool // the run was stopped
}

// size is what a sizer found.
type size struct {
	n                 int64
	ok, deep, stopped bool
}

// sizeOf walks v; ok is false when it is larger than limit or deeper than
// MaxDepth, or the run was stopped.
func (g *guard) sizeOf(v any, limit int64, escapes bool) size {
	s := sizer{g: g, limit: limit, escapes: escapes}
	ok := s.walk(v, 0)
	return size{n: s.n, ok: ok, deep: s.deep, stopped: s.stopped}
}

// err is nil for a size within its limit, errStopped for a walk the run's
// end cut short, and otherwise a *LimitError naming op.
func (z size) err(op string, limit int64) error {
	switch {
	case z.ok:
		return nil
	case z.stopped:
		return errStopped
	}
	return tooLarge(op, limit, z.deep)
}

func (s *sizer) walk(v any, depth int) bool {
	if depth > MaxDepth {
		s.deep = true
		return false
	}
	if s.nodes++; s.nodes&0xfff == 0 && s.g.cancelled() {
		s.stopped = true
		return false
	}
	switch v := v.(type) {
	case string:
		s.n += int64(len(v)) + 2
		if s.n > s.limit {
			return false
		}
		if s.escapes {
			s.n += escapeBytes(v)
		}
	case []any:
		s.n += 16*int64(len(v)) + 2
		if s.n > s.limit {
			return false
		}
		for _, x := range v {
			if !s.walk(x, depth+1) {
				return false
			}
		}
	case map[string]any:
		s.n += 48*int64(len(v)) + 2
		if s.n > s.limit {
			return false
		}
		for k, x := range v {
			s.n += int64(len(k))
			if !s.walk(x, depth+1) {
				return false
			}
		}
	case *big.Int:
		s.n += int64(v.BitLen()/3 + 2)
	case json.Number:
		s.n += int64(len(v))
	default:
		s.n += 8
	}
	return s.n <= s.limit
}

// escapeBytes is how much longer a string gets in JSON: \uXXXX for a
// control character, \" and \\.
func escapeBytes(s string) int64 {
	var n int64
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			n += 5
		case c == '"' || c == '\\':
			n++
		}
	}
	return n
}

// shallow is the bytes a value adds to a concatenation (add, +): a string's
// bytes, an array's or object's slots.
func shallow(v any) int64 {
	switch v := v.(type) {
	case string:
		return int64(len(v))
	case []any:
		return 16 * int64(len(v))
	case map[string]any:
		return 64 * int64(len(v))
	}
	return 8
}

// intBits is the size of an integer, 0 for other values.
func intBits(v any) int {
	switch v := v.(type) {
	case *big.Int:
		return v.BitLen()
	case int:
		return 64
	case json.Number:
		if !strings.ContainsAny(string(v), ".eE") {
			return len(v) * 10 / 3
		}
	}
	return 0
}

// Numbers returns v with its long numbers parsed once, as gojq would parse
// them at every use (every comparison of a sort): an integer of more than
// 18 digits becomes exact (math/big) and a longer float a float64; beyond
// MaxNumberDigits characters a number is read as floating point, since
// math/big parses in quadratic time. Short numbers stay as they are (their
// text kept); values that hold none are returned as they are.
func Numbers(v any) any {
	w, _ := numbers(v, 0)
	return w
}

func numbers(v any, depth int) (any, bool) {
	if depth > MaxDepth {
		return v, false
	}
	switch v := v.(type) {
	case json.Number:
		switch {
		case len(v) > MaxNumberDigits:
			return longNumber(string(v)), true
		case strings.ContainsAny(string(v), ".eE"):
			if len(v) > 32 {
				return longNumber(string(v)), true
			}
		case len(v) > 18:
			if n, ok := new(big.Int).SetString(string(v), 10); ok {
				return n, true
			}
		}
	case []any:
		var out []any
		for i, x := range v {
			if y, changed := numbers(x, depth+1); changed {
				if out == nil {
					out = append([]any(nil), v...)
				}
				out[i] = y
			}
		}
		if out != nil {
			return out, true
		}
	case map[string]any:
		var out map[string]any
		for k, x := range v {
			if y, changed := numbers(x, depth+1); changed {
				if out == nil {
					out = make(map[string]any, len(v))
					for k2, x2 := range v {
						out[k2] = x2
					}
				}
				out[k] = y
			}
		}
		if out != nil {
			return out, true
		}
	}
	return v, false
}

// longNumber reads a long number text as floating point (ParseFloat is
// linear: it keeps 800 digits), saturating to ±Inf as gojq does for numbers
// it cannot read.
func longNumber(s string) any {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f
		}
		if strings.HasPrefix(s, "-") {
			f, _ = strconv.ParseFloat("-Inf", 64)
		} else {
			f, _ = strconv.ParseFloat("+Inf", 64)
		}
	}
	return f
}

// Encode returns the JSON text of v, or false when it would be longer than
// limit (or nested deeper than MaxDepth): the check walks no further than
// that.
func Encode(v any, limit int64) (string, bool) {
	if z := (*guard)(nil).sizeOf(v, limit, true); !z.ok {
		return "", false
	}
	b, err := gojq.Marshal(v)
	if err != nil {
		return "", false
	}
	return string(b), true
}
