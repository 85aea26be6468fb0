package jqsafe

import (
	"fmt"
	"strings"

	"github.com/itchyny/gojq"

	"github.com/healthprobe/healthprobe/internal/limitfile"
)

// The Go side of the prelude's regular-expression builtins.

// matchObjectBytes is about what one match object takes.
const matchObjectBytes = 400

// test is test($re; $flags).
func (p *Program) test(v any, args []any) any {
	s, m, err := p.regexArgs("test", v, args[0], args[1])
	if err != nil {
		return err
	}
	ok, err := m.matchString(p.cur.Load(), s)
	if err != nil {
		return err
	}
	return ok
}

// matchAll is _match($re; $flags; $test): gojq's internal function, which
// the expression may call itself.
func (p *Program) matchAll(v any, args []any) any {
	if args[2] == true {
		return p.test(v, args[:2])
	}
	it, err := p.startMatches(v, args)
	if err != nil {
		return err
	}
	out := []any{}
	for {
		x, err := it.next()
		if err != nil {
			return err
		}
		if x == nil {
			return out
		}
		if err := it.g.announce(matchObjectBytes); err != nil {
			return err
		}
		out = append(out, it.object(x))
	}
}

// iter yields values from next until it returns nil, or an error once.
type iter struct {
	next func() (any, error)
	done bool
}

func (it *iter) Next() (any, bool) {
	if it.done {
		return nil, false
	}
	v, err := it.next()
	if err != nil {
		it.done = true
		return err, true
	}
	if v == nil {
		it.done = true
		return nil, false
	}
	return v, true
}

func errIter(err error) gojq.Iter { return gojq.NewIter(err) }

// startMatches reads the input and the ($re; $flags) arguments of a
// builtin that walks the matches, and starts them under the run's guard.
func (p *Program) startMatches(v any, args []any) (*matches, error) {
	s, m, err := p.regexArgs("match", v, args[0], args[1])
	if err != nil {
		return nil, err
	}
	return newMatches(m, s, p.cur.Load()), nil
}

// matchIter is match($re; $flags): one match object at a time.
func (p *Program) matchIter(v any, args []any) gojq.Iter {
	it, err := p.startMatches(v, args)
	if err != nil {
		return errIter(err)
	}
	return &iter{next: func() (any, error) {
		x, err := it.next()
		if x == nil || err != nil {
			return nil, err
		}
		return it.object(x), it.g.announce(matchObjectBytes)
	}}
}

// splits is splits($re; $flags): the pieces between the matches.
func (p *Program) splits(v any, args []any) gojq.Iter {
	it, err := p.startMatches(v, args)
	if err != nil {
		return errIter(err)
	}
	prev, end := 0, false
	return &iter{next: func() (any, error) {
		if end {
			return nil, nil
		}
		x, err := it.next()
		if err != nil {
			return nil, err
		}
		if x == nil {
			end = true
			return it.s[prev:], nil
		}
		// a match may start before the end of the previous one (an empty
		// match right after it): jq's slice is then empty
		piece := ""
		if x[0] > prev {
			piece = it.s[prev:x[0]]
		}
		prev = x[1]
		return piece, it.g.announce(32)
	}}
}

// subparts yields, for each match of sub/gsub, [start, end, captures]:
// byte offsets and the named captures (gojq's _captures).
func (p *Program) subparts(v any, args []any) gojq.Iter {
	it, err := p.startMatches(v, args)
	if err != nil {
		return errIter(err)
	}
	return &iter{next: func() (any, error) {
		x, err := it.next()
		if x == nil || err != nil {
			return nil, err
		}
		return []any{x[0], x[1], namedCaptures(it.m.re, it.s, x)}, it.g.announce(matchObjectBytes)
	}}
}

// subjoin assembles the results of sub from the input string and, per
// match, its offsets and the replacement's outputs, as gojq's definition
// does:
//
//	reduce match($re; $flags) as {$offset, $length, $captures}
//	  ({s: ., r: []};
//	    reduce ($captures | _captures | str) as $s
//	      (.i = 0; .r[.i] += .s[.next:$offset] + $s | .i += 1) |
//	    .next = $offset + $length) | .r[] + .s[.next:] // .s
//
// but with builders, in linear time (gojq's concatenations and code-point
// slices are quadratic).
func (p *Program) subjoin(v any, args []any) gojq.Iter {
	in, _ := args[0].(string)
	parts, _ := v.([]any)
	g := p.cur.Load()
	var r []*strings.Builder
	next := 0
	var size int64
	for _, part := range parts {
		pt := part.([]any)
		start, end, outs := pt[0].(int), pt[1].(int), pt[2].([]any)
		gap := ""
		if start > next {
			gap = in[next:start]
		}
		for i, o := range outs {
			var piece string
			switch o := o.(type) {
			case nil:
				piece = gap
			case string:
				piece = gap + o
			default:
				return errIter(binopTypeError("add", gap, o))
			}
			if i == len(r) {
				r = append(r, &strings.Builder{})
			}
			r[i].WriteString(piece)
			if size += int64(len(piece)); size > MaxValue {
				return errIter(limitf("sub would build a string of more than %s", limitfile.FormatBytes(MaxValue)))
			}
		}
		next = end
	}
	if err := g.announce(size); err != nil {
		return errIter(err)
	}
	if len(r) == 0 {
		return gojq.NewIter(in)
	}
	tail := ""
	if next < len(in) {
		tail = in[next:]
	}
	out := make([]any, len(r))
	for i, b := range r {
		out[i] = b.String() + tail
	}
	return gojq.NewIter(out...)
}

func binopTypeError(name string, l, r any) error {
	return fmt.Errorf("cannot %s: %s and %s", name, typeErrorPreview(l), typeErrorPreview(r))
}
