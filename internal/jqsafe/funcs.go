package jqsafe

import (
	"fmt"
	"math"
	"math/bits"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/itchyny/gojq"

	"github.com/healthprobe/healthprobe/internal/limitfile"
)

// encodeFactor is how much longer than the value's JSON text an encoding
// can be (@html turns ' into &#39;).
var encodeFactor = map[string]int64{
	"tojson": 1, "tostring": 1, "@html": 6, "@uri": 3, "@urid": 1, "@csv": 2,
	"@tsv": 2, "@sh": 4, "@base64": 2, "@base64d": 1,
}

// check is _hp_check(op; args...): it returns its input when the builtin
// op may run on it, and a *LimitError (a jq error) when that would build
// too large a value or do too much work. A value about to be built is
// announced to the guard, which checks the heap before it is.
func (p *Program) check(v any, args []any) any {
	g := p.cur.Load()
	op, _ := args[0].(string)
	var err error
	switch op {
	case "tojson", "tostring", "@html", "@uri", "@urid", "@csv", "@tsv", "@sh", "@base64", "@base64d", "format":
		err = checkEncode(g, op, v, args[1:])
	case "+", "*", "/":
		err = checkArith(g, op, args[1], args[2])
	case "==", "!=", "<", ">", "<=", ">=":
		err = checkCompare(g, op, args[1], args[2])
	case "path":
		err = checkPath(g, v, args[1], args[2])
	case "paths":
		err = checkPaths(g, args[1])
	case "add", "join":
		err = checkConcat(g, op, v, args[1:])
	case "flatten":
		err = checkFlatten(g, v, args[1])
	case "transpose":
		err = checkTranspose(g, v)
	case "explode":
		if s, ok := v.(string); ok {
			err = g.build("explode", 16*int64(len(s)))
		}
	case "split":
		if s, ok := v.(string); ok {
			if sep, ok := args[1].(string); ok {
				err = checkSplit(g, "split", s, sep)
			}
		}
	case "sort", "unique", "min", "max":
		err = checkSort(g, op, v)
	case "sort_by", "group_by", "unique_by", "min_by", "max_by":
		err = checkSort(g, op, args[1])
	case "bsearch":
		if z := g.sizeOf(args[1], MaxWork, false); !z.ok {
			err = z.err("bsearch", MaxWork)
		}
	default:
		err = fmt.Errorf("jqsafe: unknown check %q", op)
	}
	if err != nil {
		return err
	}
	return v
}

// build announces a value of n bytes about to be built by op, or refuses
// it when it is larger than MaxValue.
func (g *guard) build(op string, n int64) error {
	if n > MaxValue {
		return limitf("%s would build a value of %s, more than %s", op, limitfile.FormatBytes(n), limitfile.FormatBytes(MaxValue))
	}
	return g.announce(n)
}

func tooLarge(op string, limit int64, deep bool) error {
	if deep {
		return limitf("%s of a value nested deeper than %d levels", op, MaxDepth)
	}
	return limitf("%s of a value larger than %s", op, limitfile.FormatBytes(limit))
}

func checkEncode(g *guard, op string, v any, args []any) error {
	if _, ok := v.(string); ok && op == "tostring" {
		return nil
	}
	factor, name := encodeFactor[op], op
	if op == "format" {
		f, _ := args[0].(string)
		name = "@" + f
		if factor = encodeFactor[name]; factor == 0 {
			factor = 6
		}
	}
	limit := MaxValue / factor
	z := g.sizeOf(v, limit, true)
	if !z.ok {
		return z.err(name, limit)
	}
	return g.announce(z.n * factor)
}

func checkArith(g *guard, op string, l, r any) error {
	switch op {
	case "+":
		switch l := l.(type) {
		case string:
			if r, ok := r.(string); ok {
				return g.build("+", int64(len(l))+int64(len(r)))
			}
		case []any, map[string]any:
			if _, same := r.([]any); same || isObject(r) {
				return g.build("+", shallow(l)+shallow(r))
			}
		}
		if b := max(intBits(l), intBits(r)) + 1; b > MaxIntBits && (isBig(l) || isBig(r)) {
			return limitf("+ would build an integer of %d bits, more than %d", b, MaxIntBits)
		}
	case "*":
		if s, n, ok := stringTimes(l, r); ok {
			if n > 0 {
				size := float64(len(s)) * math.Ceil(n)
				if size > MaxValue {
					return limitf("%s * %s would build a string of %s, more than %s", gojq.Preview(s), gojq.Preview(n), limitfile.FormatBytes(int64(min(size, math.MaxInt64/2))), limitfile.FormatBytes(MaxValue))
				}
				return g.announce(int64(size))
			}
			return nil
		}
		if isObject(l) && isObject(r) {
			a := g.sizeOf(l, MaxValue, false)
			if !a.ok {
				return a.err("*", MaxValue)
			}
			b := g.sizeOf(r, MaxValue-a.n, false)
			if !b.ok {
				return b.err("*", MaxValue)
			}
			return g.build("*", a.n+b.n)
		}
		if isBig(l) || isBig(r) {
			if b := intBits(l) + intBits(r); b > MaxIntBits {
				return limitf("* would build an integer of %d bits, more than %d", b, MaxIntBits)
			}
		}
	case "/":
		if l, ok := l.(string); ok {
			if r, ok := r.(string); ok {
				return checkSplit(g, "/", l, r)
			}
		}
	}
	return nil
}

func isObject(v any) bool { _, ok := v.(map[string]any); return ok }

// isBig reports whether a value is an integer beyond int: gojq keeps those
// exact, in math/big.
func isBig(v any) bool {
	switch v := v.(type) {
	case int:
		return false
	default:
		return intBits(v) > 64
	}
}

// stringTimes recognises string * number in either order.
func stringTimes(l, r any) (string, float64, bool) {
	if s, ok := l.(string); ok {
		n, ok := gojq.ToFloat64(r)
		return s, n, ok
	}
	if s, ok := r.(string); ok {
		n, ok := gojq.ToFloat64(l)
		return s, n, ok
	}
	return "", 0, false
}

func checkSplit(g *guard, op, s, sep string) error {
	n := int64(strings.Count(s, sep)) + 1
	return g.build(op, 32*n)
}

// checkCompare bounds a comparison of two containers: it walks both as
// far as the smaller one, which is what it costs.
func checkCompare(g *guard, op string, l, r any) error {
	if !isContainer(l) || !isContainer(r) {
		return nil
	}
	if z := g.sizeOf(l, MaxWork, false); z.ok || z.stopped {
		return z.err(op, MaxWork)
	}
	if z := g.sizeOf(r, MaxWork, false); z.ok || z.stopped {
		return z.err(op, MaxWork)
	}
	return limitf("%s on two values larger than %s", op, limitfile.FormatBytes(MaxWork))
}

func isContainer(v any) bool {
	switch v.(type) {
	case []any, map[string]any:
		return true
	}
	return false
}

// checkPath refuses a path that would grow an array by more than MaxValue,
// or is longer than MaxPathLength.
func checkPath(g *guard, v, path, name any) error {
	ps, ok := path.([]any)
	if !ok {
		return nil // gojq's own error
	}
	if len(ps) > MaxPathLength {
		return limitf("%s with a path of %d elements, more than %d", name, len(ps), MaxPathLength)
	}
	var grow int64
	for _, k := range ps {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case map[string]any:
			v = nil // a slice never grows an array
		default:
			i, isNum := gojq.ToInt(k)
			if !isNum {
				return nil
			}
			a, _ := v.([]any)
			if i < len(a) {
				if i >= 0 {
					v = a[i]
				} else {
					v = nil
				}
				continue
			}
			grow += 16 * (int64(i) + 1 - int64(len(a)))
			if grow > MaxValue {
				return limitf("%s at index %d would build an array of %s, more than %s", name, i, limitfile.FormatBytes(16*(int64(i)+1)), limitfile.FormatBytes(MaxValue))
			}
			v = nil
		}
	}
	return g.announce(grow)
}

func checkPaths(g *guard, paths any) error {
	ps, ok := paths.([]any)
	if !ok {
		return nil
	}
	for _, p := range ps {
		if p, ok := p.([]any); ok && len(p) > MaxPathLength {
			return limitf("delpaths with a path of %d elements, more than %d", len(p), MaxPathLength)
		}
	}
	return g.sizeOf(paths, MaxWork, false).err("delpaths", MaxWork)
}

// values are the elements add and join go through: an array's, or an
// object's values.
func values(v any) ([]any, bool) {
	switch v := v.(type) {
	case []any:
		return v, true
	case map[string]any:
		vs := make([]any, 0, len(v))
		for _, x := range v {
			vs = append(vs, x)
		}
		return vs, true
	}
	return nil, false
}

func checkConcat(g *guard, op string, v any, args []any) error {
	vs, ok := values(v)
	if !ok {
		return nil
	}
	var n int64
	var sep int64
	if op == "join" && len(vs) > 0 {
		if s, ok := args[0].(string); ok {
			sep = int64(len(s))
		}
	}
	for _, x := range vs {
		n += shallow(x) + sep
		if n > MaxValue {
			break
		}
	}
	return g.build(op, n)
}

func checkFlatten(g *guard, v, depth any) error {
	vs, ok := v.([]any)
	if !ok {
		return nil
	}
	d, ok := gojq.ToFloat64(depth)
	if !ok || d < -1 || (d < 0 && d != -1) {
		return nil // gojq's own error
	}
	limit := int64(MaxValue / 16)
	var count int64
	var walk func([]any, float64, int) bool
	stopped := false
	walk = func(vs []any, d float64, level int) bool {
		if level > MaxDepth {
			return false
		}
		if count&0xfff == 0 && g.cancelled() {
			stopped = true
			return false
		}
		for _, x := range vs {
			if w, ok := x.([]any); ok && d != 0 {
				if !walk(w, d-1, level+1) {
					return false
				}
				continue
			}
			if count++; count > limit {
				return false
			}
		}
		return true
	}
	if !walk(vs, d, 0) {
		if stopped {
			return errStopped
		}
		return limitf("flatten would build a value of more than %s, or nest deeper than %d levels", limitfile.FormatBytes(MaxValue), MaxDepth)
	}
	return g.announce(16 * count)
}

func checkTranspose(g *guard, v any) error {
	rows, ok := v.([]any)
	if !ok {
		return nil
	}
	width := 0
	for _, r := range rows {
		if r, ok := r.([]any); ok {
			width = max(width, len(r))
		}
	}
	return g.build("transpose", 16*int64(len(rows))*int64(width))
}

// checkSort bounds the work of sorting an array: about n log n
// comparisons, each as costly as the elements are large.
func checkSort(g *guard, op string, v any) error {
	vs, ok := v.([]any)
	if !ok || len(vs) < 2 {
		return nil
	}
	limit := int64(MaxWork)
	if op != "min" && op != "max" && op != "min_by" && op != "max_by" {
		limit /= int64(bits.Len(uint(len(vs))))
	}
	if z := g.sizeOf(vs, limit, false); !z.ok {
		if z.deep || z.stopped {
			return z.err(op, limit)
		}
		return limitf("%s of an array of %d elements larger than %s: too much work", op, len(vs), limitfile.FormatBytes(limit))
	}
	return nil
}

// minus is array - array in Go, gojq's algorithm, watching the run; null
// for other operands (then gojq's - runs).
func (p *Program) minus(_ any, args []any) any {
	l, ok := args[0].([]any)
	if !ok {
		return nil
	}
	r, ok := args[1].([]any)
	if !ok {
		return nil
	}
	g := p.cur.Load()
	if err := g.sizeOf(r, MaxValue, false).err("-", MaxValue); err != nil {
		return err
	}
	out := make([]any, 0, len(l))
	n := 0
L:
	for _, x := range l {
		for _, y := range r {
			if n++; n&0x3ff == 0 && g.cancelled() {
				return errStopped
			}
			if gojq.Compare(x, y) == 0 {
				continue L
			}
		}
		out = append(out, x)
	}
	return out
}

// contains is gojq's contains (and inside, its mirror) in Go, watching the
// run.
func (p *Program) contains(v any, args []any) any {
	name, _ := args[0].(string)
	l, r := v, args[1]
	if name == "inside" {
		l, r = r, l
	}
	g := p.cur.Load()
	if err := g.sizeOf(r, MaxValue, false).err(name, MaxValue); err != nil {
		return err
	}
	c := containment{g: g}
	res := c.contains(l, r)
	if c.stopped {
		return errStopped
	}
	return res
}

type containment struct {
	g       *guard
	n       int
	stopped bool
}

func (c *containment) contains(l, r any) any {
	if c.n++; c.n&0x3ff == 0 && c.g.cancelled() {
		c.stopped = true
	}
	if c.stopped {
		return false
	}
	if isNumber(l) && isNumber(r) {
		return gojq.Compare(l, r) == 0
	}
	switch l := l.(type) {
	case string:
		if r, ok := r.(string); ok {
			return strings.Contains(l, r)
		}
	case []any:
		if r, ok := r.([]any); ok {
		R:
			for _, y := range r {
				for _, x := range l {
					if c.contains(x, y) == true {
						continue R
					}
				}
				return false
			}
			return true
		}
	case map[string]any:
		if r, ok := r.(map[string]any); ok {
			if len(l) < len(r) {
				return false
			}
			for k, y := range r {
				if x, ok := l[k]; !ok || c.contains(x, y) != true {
					return false
				}
			}
			return true
		}
	}
	if sameScalar(l, r) {
		return true
	}
	return fmt.Errorf("contains(%s) cannot be applied to: %s", gojq.Preview(r), typeErrorPreview(l))
}

func isNumber(v any) bool {
	_, ok := gojq.ToFloat64(v)
	return ok
}

// sameScalar is gojq's fallback l == r for values of other kinds (null,
// booleans, or of different types).
func sameScalar(l, r any) bool {
	switch l := l.(type) {
	case nil:
		return r == nil
	case bool:
		rb, ok := r.(bool)
		return ok && l == rb
	}
	return false
}

// index is gojq's indices, index and rindex in Go, watching the run; on
// strings it searches the text instead of comparing exploded arrays.
func (p *Program) index(v any, args []any) any {
	name, _ := args[0].(string)
	x := args[1]
	g := p.cur.Load()
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		xs, ok := x.([]any)
		if !ok {
			xs = []any{x}
		}
		if err := g.sizeOf(xs, MaxValue, false).err(name, MaxValue); err != nil {
			return err
		}
		return indexArrays(g, name, v, xs)
	case string:
		t, ok := x.(string)
		if !ok {
			break
		}
		if utf8.ValidString(v) && utf8.ValidString(t) {
			return indexStrings(g, name, v, t)
		}
		if err := g.build(name, 16*int64(len(v)+len(t))); err != nil {
			return err
		}
		return indexArrays(g, name, explode(v), explode(t))
	}
	return fmt.Errorf("%s(%s) cannot be applied to: %s", name, gojq.Preview(x), typeErrorPreview(v))
}

func explode(s string) []any {
	xs := make([]any, 0, utf8.RuneCountInString(s))
	for _, r := range s {
		xs = append(xs, int(r))
	}
	return xs
}

func indexArrays(g *guard, name string, vs, xs []any) any {
	if len(xs) == 0 {
		if name == "indices" {
			return []any{}
		}
		return nil
	}
	n := 0
	at := func(i int) (bool, error) {
		if n++; n&0x3ff == 0 && g.cancelled() {
			return false, errStopped
		}
		return gojq.Compare(vs[i:i+len(xs)], xs) == 0, nil
	}
	switch name {
	case "index":
		for i := 0; i <= len(vs)-len(xs); i++ {
			if ok, err := at(i); err != nil || ok {
				if err != nil {
					return err
				}
				return i
			}
		}
		return nil
	case "rindex":
		for i := len(vs) - len(xs); i >= 0; i-- {
			if ok, err := at(i); err != nil || ok {
				if err != nil {
					return err
				}
				return i
			}
		}
		return nil
	}
	rs := []any{}
	for i := 0; i <= len(vs)-len(xs); i++ {
		ok, err := at(i)
		if err != nil {
			return err
		}
		if ok {
			rs = append(rs, i)
		}
	}
	return rs
}

// indexStrings finds t in s by code-point offsets, overlapping matches
// included, as gojq does on exploded strings (for valid UTF-8 the two
// agree).
func indexStrings(g *guard, name, s, t string) any {
	if t == "" {
		if name == "indices" {
			return []any{}
		}
		return nil
	}
	if name == "rindex" {
		j := strings.LastIndex(s, t)
		if j < 0 {
			return nil
		}
		return utf8.RuneCountInString(s[:j])
	}
	rs := []any{}
	pos, runes := 0, 0
	for n := 0; ; n++ {
		if n&0x3ff == 0x3ff && g.cancelled() {
			return errStopped
		}
		j := strings.Index(s[pos:], t)
		if j < 0 {
			break
		}
		runes += utf8.RuneCountInString(s[pos : pos+j])
		if name == "index" {
			return runes
		}
		rs = append(rs, runes)
		_, w := utf8.DecodeRuneInString(s[pos+j:])
		pos += j + w
		runes++
		if n&0x3ff == 0 {
			if err := g.announce(16 << 10); err != nil {
				return err
			}
		}
	}
	if name == "index" {
		return nil
	}
	return rs
}

// longDigits matches the integers tonumber would read with math/big.
var longDigits = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^-?[0-9]+$`) })

// tonumber reads a long integer text as floating point before gojq's
// tonumber sees it (math/big reads it in quadratic time).
func tonumber(v any, _ []any) any {
	if s, ok := v.(string); ok && len(s) > MaxNumberDigits && longDigits().MatchString(s) {
		return longNumber(s)
	}
	return v
}
