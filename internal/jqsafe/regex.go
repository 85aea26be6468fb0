package jqsafe

import (
	"fmt"
	"io"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/itchyny/gojq"

	"github.com/healthprobe/healthprobe/internal/limitfile"
)

// The regular-expression builtins (test, match, capture, scan, splits,
// split/2, sub, gsub) on Go's regexp, giving the results gojq gives, but
// one match at a time (jq's interpreter, and so the deadline, runs between
// two), with code-point offsets counted as the scan goes (gojq recounts
// from the start of the string for every match: quadratic), and with a
// scan too long to be one step read through a reader that gives up when
// the run is stopped.

// longScan is the work (bytes times the size of the compiled expression)
// above which a scan reads its input through a cancelling reader: Go's
// regexp cannot be interrupted otherwise. Its NFA takes about 5 ns per byte
// and instruction (measured: [a-j]{5}x over 16 MiB in 1.1 s), so a scan
// below this is at most about 40 ms; the reader is slower (no skipping to a
// literal prefix), so it is kept for the scans that need it.
const longScan = 8 << 20

// matcher is a compiled regular expression with its jq flags.
type matcher struct {
	re *regexp.Regexp
	// next matches the expression at or after the second rune of its
	// input, the first one being the rune before the search position: it
	// finds the next match with the context (^, \b) of the whole string.
	next *regexp.Regexp
	// probe matches one rune and then the expression: gojq's test for an
	// empty match right after a non-empty one, which Go's FindAll skips.
	probe *regexp.Regexp
	// contextFree: nothing in the expression looks at the rune before a
	// position, so a search may start on a substring.
	contextFree bool
	insts       int // size of the compiled program
	global      bool
}

type regexCache struct {
	mu sync.Mutex
	m  map[[2]string]*matcher
}

// maxCachedRegexps bounds the cache: an expression may build patterns
// without end.
const maxCachedRegexps = 64

func (c *regexCache) get(re, flags string) (*matcher, error) {
	key := [2]string{re, flags}
	c.mu.Lock()
	m, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return m, nil
	}
	m, err := compileMatcher(re, flags)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedRegexps {
		c.m = map[[2]string]*matcher{}
	}
	c.m[key] = m
	c.mu.Unlock()
	return m, nil
}

// compileMatcher follows gojq's compileRegexp: flags g, i and m (gojq
// reads m as s, dot matches newline), the same error texts.
func compileMatcher(re, flags string) (*matcher, error) {
	if len(re) > MaxPattern {
		return nil, limitf("regular expression of %s, longer than %s", limitfile.FormatBytes(int64(len(re))), limitfile.FormatBytes(MaxPattern))
	}
	if strings.ContainsFunc(flags, func(r rune) bool { return r != 'g' && r != 'i' && r != 'm' }) {
		return nil, fmt.Errorf("unsupported regular expression flag: %q", flags)
	}
	if strings.ContainsRune(flags, 'i') {
		re = "(?i)" + re
	}
	if strings.ContainsRune(flags, 'm') {
		re = "(?s)" + re
	}
	r, err := regexp.Compile(re)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %s", re, err)
	}
	m := &matcher{re: r, global: strings.ContainsRune(flags, 'g')}
	// the wrappers are built from the parsed expression, whose String is
	// safe to embed (the text itself may hold \Q, which would swallow
	// the wrapper's closing parenthesis)
	tree, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %s", re, err)
	}
	inner := tree.String()
	if m.next, err = regexp.Compile(`\A(?s:.)(?s:.)*?(` + inner + `)`); err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %s", re, err)
	}
	if m.probe, err = regexp.Compile(`\A(?s:.)(?:` + inner + `)`); err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %s", re, err)
	}
	if m.next.NumSubexp() != r.NumSubexp()+1 || m.probe.NumSubexp() != r.NumSubexp() {
		return nil, fmt.Errorf("invalid regular expression %q", re)
	}
	m.contextFree = !looksBack(tree)
	if prog, err := syntax.Compile(tree.Simplify()); err == nil {
		m.insts = len(prog.Inst)
	}
	if m.insts == 0 {
		m.insts = len(re)
	}
	return m, nil
}

// looksBack reports whether an expression has an assertion that depends on
// the rune before a position.
func looksBack(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpBeginLine, syntax.OpBeginText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	for _, sub := range re.Sub {
		if looksBack(sub) {
			return true
		}
	}
	return false
}

// errStopped ends a scan that the run's end interrupted; the run reports
// why it ended.
var errStopped = &LimitError{Msg: "stopped"}

// scanReader feeds a regexp one rune at a time and gives up when the run
// is stopped.
type scanReader struct {
	s       string
	i, n    int
	g       *guard
	stopped bool
}

func (r *scanReader) ReadRune() (rune, int, error) {
	if r.i >= len(r.s) {
		return 0, 0, io.EOF
	}
	if r.n++; r.n&0x3fff == 0 && r.g.cancelled() {
		r.stopped, r.i = true, len(r.s)
		return 0, 0, io.EOF
	}
	c := r.s[r.i]
	if c < utf8.RuneSelf {
		r.i++
		return rune(c), 1, nil
	}
	ru, w := utf8.DecodeRuneInString(r.s[r.i:])
	r.i += w
	return ru, w, nil
}

// find returns the submatch indices of re in s, through a cancelling
// reader when the scan is long.
func (m *matcher) find(g *guard, re *regexp.Regexp, s string) ([]int, error) {
	if len(s)*m.insts <= longScan || g == nil {
		return re.FindStringSubmatchIndex(s), nil
	}
	return findReader(g, re, s)
}

// findReader runs re's NFA over s through a reader that gives up when the
// run is stopped. Unlike the backtracker Go picks for short strings, whose
// setup is proportional to the whole input, its cost is proportional to
// what it scans.
func findReader(g *guard, re *regexp.Regexp, s string) ([]int, error) {
	r := &scanReader{s: s, g: g}
	x := re.FindReaderSubmatchIndex(r)
	if r.stopped {
		return nil, errStopped
	}
	return x, nil
}

// matchString is MatchString through find's rules.
func (m *matcher) matchString(g *guard, s string) (bool, error) {
	if len(s)*m.insts <= longScan || g == nil {
		return m.re.MatchString(s), nil
	}
	r := &scanReader{s: s, g: g}
	ok := m.re.MatchReader(r)
	if r.stopped {
		return false, errStopped
	}
	return ok, nil
}

// findFrom returns the leftmost match starting at pos or later, as Go's
// FindAll sees it (with the context of the whole string).
func (m *matcher) findFrom(g *guard, s string, pos int) ([]int, error) {
	if pos == 0 {
		return m.find(g, m.re, s)
	}
	if m.contextFree {
		x, err := findReader(g, m.re, s[pos:])
		if x == nil || err != nil {
			return nil, err
		}
		for i := range x {
			if x[i] >= 0 {
				x[i] += pos
			}
		}
		return x, nil
	}
	_, w := utf8.DecodeLastRuneInString(s[:pos])
	base := pos - w
	x, err := findReader(g, m.next, s[base:])
	if x == nil || err != nil {
		return nil, err
	}
	// group 1 is the expression's whole match; its own groups follow
	y := x[2:]
	for i := range y {
		if y[i] >= 0 {
			y[i] += base
		}
	}
	return y, nil
}

// emptyAt is gojq's emptyMatchAt: an empty match at offset, after a
// non-empty match that ended there.
func (m *matcher) emptyAt(g *guard, s string, offset int) ([]int, error) {
	_, w := utf8.DecodeLastRuneInString(s[:offset])
	x, err := m.find(g, m.probe, s[offset-w:])
	if x == nil || err != nil || x[1] != w {
		return nil, err
	}
	y := make([]int, len(x))
	y[0], y[1] = offset, offset
	for i := 2; i < len(x); i++ {
		if x[i] < 0 {
			y[i] = -1
		} else {
			y[i] = x[i] + offset - w
		}
	}
	return y, nil
}

// matches walks the matches of a string in order: the first only, or with
// the g flag all of them as gojq lists them (Go's FindAll, plus an empty
// match right after a non-empty one when the expression allows it).
type matches struct {
	m       *matcher
	s       string
	g       *guard
	pos     int // where Go's next search starts
	prevEnd int
	done    bool
	// pending is a match of Go's loop fetched ahead (to decide on an
	// empty match before it) and not yet handled; ready is a match to
	// deliver before it.
	pending, ready []int
	// cur is a byte offset and curRunes its code-point offset.
	cur, curRunes int
	// batch holds matches of Go's FindAll fetched together, for an
	// expression that needs no context; batchEnd: FindAll found no more.
	batch    [][]int
	batchEnd bool
	// first: without the g flag, the one match has been delivered
	first bool
}

// batchSize is how many matches one FindAll fetches: each call sets its
// engine up for the whole rest of the string.
const batchSize = 256

// backtrackBits is Go's regexp's maxBacktrackVector: below it (input
// length times program size) Go picks its backtracker, which clears a bit
// vector of that size for every search, and so for every match of FindAll.
// There one match at a time through the NFA costs what it scans.
const backtrackBits = 256 * 1024

func newMatches(m *matcher, s string, g *guard) *matches {
	return &matches{m: m, s: s, g: g, prevEnd: -1}
}

// goNext is one turn of Go's allMatches loop.
func (it *matches) goNext() ([]int, error) {
	if work := (len(it.s) - it.pos) * it.m.insts; len(it.batch) > 0 ||
		it.m.contextFree && work > backtrackBits && work <= longScan {
		return it.batchNext()
	}
	for !it.done && it.pos <= len(it.s) {
		x, err := it.m.findFrom(it.g, it.s, it.pos)
		if err != nil || x == nil {
			it.done = true
			return nil, err
		}
		accept := true
		if x[1] == it.pos {
			if x[0] == it.prevEnd {
				accept = false
			}
			if it.pos < len(it.s) {
				_, w := utf8.DecodeRuneInString(it.s[it.pos:])
				it.pos += w
			} else {
				it.pos = len(it.s) + 1
			}
		} else {
			it.pos = x[1]
		}
		it.prevEnd = x[1]
		if accept {
			return x, nil
		}
	}
	it.done = true
	return nil, nil
}

// batchNext is goNext from matches fetched in batches: FindAll on the rest
// of the string, whose loop is Go's own. At the start of a batch, an empty
// match where the previous match ended is dropped, as the loop over the
// whole string would.
func (it *matches) batchNext() ([]int, error) {
	for len(it.batch) == 0 {
		if it.batchEnd || it.done || it.pos > len(it.s) {
			it.done = true
			return nil, nil
		}
		if it.g.cancelled() {
			return nil, errStopped
		}
		start := it.pos
		xs := it.m.re.FindAllStringSubmatchIndex(it.s[start:], batchSize)
		it.batchEnd = len(xs) < batchSize
		for _, x := range xs {
			for i := range x {
				if x[i] >= 0 {
					x[i] += start
				}
			}
		}
		if len(xs) > 0 && xs[0][0] == xs[0][1] && xs[0][0] == it.prevEnd {
			xs = xs[1:]
		}
		it.batch = xs
	}
	x := it.batch[0]
	it.batch = it.batch[1:]
	if x[0] == x[1] {
		if x[1] < len(it.s) {
			_, w := utf8.DecodeRuneInString(it.s[x[1]:])
			it.pos = x[1] + w
		} else {
			it.pos = len(it.s) + 1
		}
	} else {
		it.pos = x[1]
	}
	it.prevEnd = x[1]
	return x, nil
}

// next returns the next match's indices, nil at the end.
func (it *matches) next() ([]int, error) {
	if it.first {
		return nil, nil
	}
	if x := it.ready; x != nil {
		it.ready = nil
		return x, nil
	}
	x := it.pending
	it.pending = nil
	if x == nil {
		var err error
		if x, err = it.goNext(); x == nil || err != nil {
			return nil, err
		}
	}
	if !it.m.global {
		it.first = true
		return x, nil
	}
	if x[0] != x[1] {
		ahead, err := it.goNext()
		if err != nil {
			return nil, err
		}
		it.pending = ahead
		if ahead == nil || ahead[0] != x[1] {
			if it.ready, err = it.m.emptyAt(it.g, it.s, x[1]); err != nil {
				return nil, err
			}
		}
	}
	return x, nil
}

// runeOffset is the code-point offset of byte offset b, counted from the
// last offset asked for (offsets asked for never go back).
func (it *matches) runeOffset(b int) int {
	if b < it.cur {
		it.cur, it.curRunes = 0, 0
	}
	it.curRunes += utf8.RuneCountInString(it.s[it.cur:b])
	it.cur = b
	return it.curRunes
}

// object builds gojq's match object for indices x.
func (it *matches) object(x []int) map[string]any {
	s := it.s
	start := it.runeOffset(x[0])
	names := it.m.re.SubexpNames()
	captures := make([]any, 0, len(x)/2-1)
	for j := 1; j < len(x)/2; j++ {
		var name any
		if n := names[j]; n != "" {
			name = n
		}
		if x[j*2] < 0 {
			captures = append(captures, map[string]any{"name": name, "offset": -1, "length": 0, "string": nil})
			continue
		}
		off := start + runesBetween(s, x[0], x[j*2])
		captures = append(captures, map[string]any{
			"name":   name,
			"offset": off,
			"length": utf8.RuneCountInString(s[x[j*2]:x[j*2+1]]),
			"string": s[x[j*2]:x[j*2+1]],
		})
	}
	return map[string]any{
		"offset":   start,
		"length":   utf8.RuneCountInString(s[x[0]:x[1]]),
		"string":   s[x[0]:x[1]],
		"captures": captures,
	}
}

// runesBetween counts code points from byte a to byte b (b may be before
// a: a capture cannot start before its match, but be safe).
func runesBetween(s string, a, b int) int {
	if b >= a {
		return utf8.RuneCountInString(s[a:b])
	}
	return -utf8.RuneCountInString(s[b:a])
}

// namedCaptures is gojq's _captures of a match: name to text.
func namedCaptures(re *regexp.Regexp, s string, x []int) map[string]any {
	w := map[string]any{}
	for j, name := range re.SubexpNames() {
		if j == 0 || name == "" {
			continue
		}
		if x[j*2] < 0 {
			w[name] = nil
			continue
		}
		w[name] = s[x[j*2]:x[j*2+1]]
	}
	return w
}

// regexArgs checks the input and the arguments of a regex builtin as gojq
// does, and returns the string and its matcher.
func (p *Program) regexArgs(name string, v, re, fs any) (string, *matcher, error) {
	var flags string
	if fs != nil {
		var ok bool
		if flags, ok = fs.(string); !ok {
			return "", nil, func2TypeError(name, v, re, fs)
		}
	}
	s, ok := v.(string)
	if !ok {
		return "", nil, func2TypeError(name, v, re, fs)
	}
	restr, ok := re.(string)
	if !ok {
		return "", nil, func2TypeError(name, v, re, fs)
	}
	m, err := p.re.get(restr, flags)
	if err != nil {
		return "", nil, err
	}
	return s, m, nil
}

func func2TypeError(name string, v, w, x any) error {
	return fmt.Errorf("%s(%s; %s) cannot be applied to: %s", name, gojq.Preview(w), gojq.Preview(x), typeErrorPreview(v))
}

func typeErrorPreview(v any) string {
	if v == nil {
		return "null"
	}
	return gojq.TypeOf(v) + " (" + gojq.Preview(v) + ")"
}
