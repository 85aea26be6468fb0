package jqsafe

import (
	"github.com/itchyny/gojq"
)

// Compile parses and compiles an expression. Errors are gojq's (a
// *gojq.ParseError for bad syntax). The environment is empty ($ENV, env),
// and input, inputs, modules and debug are not available.
func Compile(expr string) (*Program, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, err
	}
	rewrite(q)
	withPrelude(q)
	p := &Program{}
	code, err := gojq.Compile(q, p.functions()...)
	if err != nil {
		return nil, err
	}
	p.code = code
	return p, nil
}

// functions are the Go side of the prelude.
func (p *Program) functions() []gojq.CompilerOption {
	return []gojq.CompilerOption{
		gojq.WithFunction("_hp_check", 1, 3, p.check),
		gojq.WithFunction("_hp_minus", 2, 2, p.minus),
		gojq.WithFunction("_hp_contains", 2, 2, p.contains),
		gojq.WithFunction("_hp_index", 2, 2, p.index),
		gojq.WithFunction("_hp_numbers", 0, 0, func(v any, _ []any) any { return Numbers(v) }),
		gojq.WithFunction("_hp_tonumber", 0, 0, tonumber),
		gojq.WithFunction("_hp_match", 3, 3, p.matchAll),
		gojq.WithFunction("_hp_test", 2, 2, p.test),
		gojq.WithIterFunction("_hp_matches", 2, 2, p.matchIter),
		gojq.WithIterFunction("_hp_splits", 2, 2, p.splits),
		gojq.WithIterFunction("_hp_subparts", 2, 2, p.subparts),
		gojq.WithIterFunction("_hp_subjoin", 1, 1, p.subjoin),
	}
}
