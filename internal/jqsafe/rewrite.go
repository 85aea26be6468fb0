package jqsafe

import (
	_ "embed"
	"slices"
	"strconv"
	"sync"

	"github.com/itchyny/gojq"
)

//go:embed prelude.jq
var preludeSource string

// prelude is the parsed prelude: its definitions in order, and for each the
// names its body reaches.
type preludeDefs struct {
	defs []*gojq.FuncDef
	uses [][]string
}

var prelude = sync.OnceValue(func() preludeDefs {
	q, err := gojq.Parse(preludeSource)
	if err != nil {
		panic("jqsafe prelude: " + err.Error())
	}
	var p preludeDefs
	for _, fd := range q.FuncDefs {
		p.defs = append(p.defs, fd)
		names := map[string]bool{}
		collectNames(fd.Body, names)
		p.uses = append(p.uses, sortedKeys(names))
	}
	return p
})

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// opFunc names the function gojq's compiler calls for a binary operator
// (gojq's Operator.getFunc, which is not exported).
var opFunc = map[gojq.Operator]string{
	gojq.OpAdd: "_add", gojq.OpSub: "_subtract", gojq.OpMul: "_multiply",
	gojq.OpDiv: "_divide", gojq.OpMod: "_modulo",
	gojq.OpEq: "_equal", gojq.OpNe: "_notequal", gojq.OpGt: "_greater",
	gojq.OpLt: "_less", gojq.OpGe: "_greatereq", gojq.OpLe: "_lesseq",
	gojq.OpUpdateAdd: "_add", gojq.OpUpdateSub: "_subtract", gojq.OpUpdateMul: "_multiply",
	gojq.OpUpdateDiv: "_divide", gojq.OpUpdateMod: "_modulo",
}

// formatFunc names the function gojq's compiler calls for a format.
var formatFunc = map[string]string{
	"@text": "tostring", "@json": "tojson", "@html": "_tohtml", "@uri": "_touri",
	"@urid": "_tourid", "@csv": "_tocsv", "@tsv": "_totsv", "@sh": "_tosh",
	"@base64": "_tobase64", "@base64d": "_tobase64d",
}

// rewrite turns the expression's binary operators and assignments, which
// gojq compiles to direct calls of its builtins, into calls by name, which
// the prelude's checked definitions answer. Update-assignments (+= ...)
// are already compiled into calls by name (_modify, _add ...).
func rewrite(q *gojq.Query) {
	walkQueries(q, func(q *gojq.Query) {
		name, ok := opFunc[q.Op]
		switch {
		case q.Op == gojq.OpAssign:
			// gojq sets a constant path (.a[0] = x) with its own setpath
			// and any other through _assign, by name. Only a constant
			// index far past any array needs the check: keep gojq's way
			// (and its error texts) for the others.
			if !hugeIndex(q.Left) {
				return
			}
			name, ok = "_assign", true
		case ok && q.Op >= gojq.OpUpdateAdd:
			return // compiled as _modify(l; _add(.; $x)), by name
		}
		if !ok {
			return
		}
		q.Term = &gojq.Term{Type: gojq.TermTypeFunc, Func: &gojq.Func{Name: name, Args: []*gojq.Query{q.Left, q.Right}}}
		q.Op, q.Left, q.Right = 0, nil, nil
	})
}

// hugeIndex reports whether a path expression has a number in it that,
// as an array index, would build an array larger than MaxValue.
func hugeIndex(q *gojq.Query) bool {
	huge := false
	walkQueries(q, func(q *gojq.Query) {
		if t := q.Term; t != nil && t.Type == gojq.TermTypeNumber {
			if f, err := strconv.ParseFloat(t.Number, 64); err != nil || f >= MaxValue/16 {
				huge = true
			}
		}
	})
	return huge
}

// collectNames adds the names of the functions an expression may call by
// name, operators and formats included.
func collectNames(q *gojq.Query, names map[string]bool) {
	walkQueries(q, func(q *gojq.Query) {
		if f, ok := opFunc[q.Op]; ok {
			names[f] = true
		}
		switch q.Op {
		case gojq.OpAssign:
			names["_assign"] = true
		case gojq.OpModify, gojq.OpUpdateAdd, gojq.OpUpdateSub, gojq.OpUpdateMul,
			gojq.OpUpdateDiv, gojq.OpUpdateMod, gojq.OpUpdateAlt:
			names["_modify"] = true
		}
		t := q.Term
		if t == nil {
			return
		}
		switch {
		case t.Func != nil:
			names[t.Func.Name] = true
		case t.Type == gojq.TermTypeFormat:
			if f, ok := formatFunc[t.Format]; ok {
				names[f] = true
			} else {
				names["format"] = true
			}
		case t.Type == gojq.TermTypeString && t.Str != nil && len(t.Str.Queries) > 0:
			names["tostring"] = true
		}
	})
}

// withPrelude prepends the prelude's definitions the expression reaches.
func withPrelude(q *gojq.Query) {
	p := prelude()
	names := map[string]bool{}
	collectNames(q, names)
	for _, fd := range q.FuncDefs {
		collectNames(fd.Body, names)
	}
	// a definition reaches the ones it uses; later ones may use earlier
	// ones only (and aliases come first), so one pass from the end
	// suffices, but loop until nothing changes to be safe.
	need := make([]bool, len(p.defs))
	for changed := true; changed; {
		changed = false
		for i := len(p.defs) - 1; i >= 0; i-- {
			if need[i] || !names[p.defs[i].Name] {
				continue
			}
			need[i], changed = true, true
			for _, n := range p.uses[i] {
				names[n] = true
			}
		}
	}
	var defs []*gojq.FuncDef
	for i, fd := range p.defs {
		if need[i] {
			defs = append(defs, fd)
		}
	}
	q.FuncDefs = append(defs, q.FuncDefs...)
}

// walkQueries calls f on every query in q, the inner ones before the outer.
func walkQueries(q *gojq.Query, f func(*gojq.Query)) {
	if q == nil {
		return
	}
	for _, fd := range q.FuncDefs {
		walkQueries(fd.Body, f)
	}
	walkTerm(q.Term, f)
	walkQueries(q.Left, f)
	walkQueries(q.Right, f)
	for _, p := range q.Patterns {
		walkPattern(p, f)
	}
	f(q)
}

func walkTerm(t *gojq.Term, f func(*gojq.Query)) {
	if t == nil {
		return
	}
	walkIndex(t.Index, f)
	if t.Func != nil {
		for _, a := range t.Func.Args {
			walkQueries(a, f)
		}
	}
	if t.Object != nil {
		for _, kv := range t.Object.KeyVals {
			walkString(kv.KeyString, f)
			walkQueries(kv.KeyQuery, f)
			walkQueries(kv.Val, f)
		}
	}
	if t.Array != nil {
		walkQueries(t.Array.Query, f)
	}
	if t.Unary != nil {
		walkTerm(t.Unary.Term, f)
	}
	walkString(t.Str, f)
	if t.If != nil {
		walkQueries(t.If.Cond, f)
		walkQueries(t.If.Then, f)
		for _, e := range t.If.Elif {
			walkQueries(e.Cond, f)
			walkQueries(e.Then, f)
		}
		walkQueries(t.If.Else, f)
	}
	if t.Try != nil {
		walkQueries(t.Try.Body, f)
		walkQueries(t.Try.Catch, f)
	}
	if t.Reduce != nil {
		walkQueries(t.Reduce.Query, f)
		for _, p := range t.Reduce.Patterns {
			walkPattern(p, f)
		}
		walkQueries(t.Reduce.Start, f)
		walkQueries(t.Reduce.Update, f)
	}
	if t.Foreach != nil {
		walkQueries(t.Foreach.Query, f)
		for _, p := range t.Foreach.Patterns {
			walkPattern(p, f)
		}
		walkQueries(t.Foreach.Start, f)
		walkQueries(t.Foreach.Update, f)
		walkQueries(t.Foreach.Extract, f)
	}
	if t.Label != nil {
		walkQueries(t.Label.Body, f)
	}
	walkQueries(t.Query, f)
	for _, s := range t.SuffixList {
		walkIndex(s.Index, f)
	}
}

func walkIndex(x *gojq.Index, f func(*gojq.Query)) {
	if x == nil {
		return
	}
	walkString(x.Str, f)
	walkQueries(x.Start, f)
	walkQueries(x.End, f)
}

func walkString(s *gojq.String, f func(*gojq.Query)) {
	if s == nil {
		return
	}
	for _, q := range s.Queries {
		walkQueries(q, f)
	}
}

func walkPattern(p *gojq.Pattern, f func(*gojq.Query)) {
	if p == nil {
		return
	}
	for _, a := range p.Array {
		walkPattern(a, f)
	}
	for _, o := range p.Object {
		walkString(o.KeyString, f)
		walkQueries(o.KeyQuery, f)
		walkPattern(o.Val, f)
	}
}
