// Package config reads the batch file of "healthprobe run": YAML (JSON is
// accepted, being YAML) with a defaults map and a list of checks. Each check
// is a name, a kind and options whose keys are the long flag names of that
// kind's command. The package knows nothing of the flags themselves: it
// checks the shape, keeps every key's line for error messages, and hands the
// options on as strings. One key has a shape of its own: the items of jq:
// may be mappings (an expression with its own thresholds), handed on as
// Items for the caller to turn into flags.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/healthprobe/healthprobe/nagios"
)

// File is a parsed batch file.
type File struct {
	Defaults []Option
	Checks   []Check
	// Dir is the directory of the file, which the paths it names (a
	// flow's file:) are relative to; the caller sets it.
	Dir string
}

// Check is one entry of checks:.
type Check struct {
	Name    string
	Kind    string
	Line    int
	Options []Option
}

// Option is one key of a check or of the defaults, with its value(s).
type Option struct {
	Key    string   // as written, with underscores turned into dashes
	Values []string // one value, or the items of a list ("" for a mapping item)
	List   bool     // written as a list
	Line   int
	// Items is set for a key whose items may be mappings (jq): one per
	// value or list item, in order. A single mapping is one item.
	Items []Item
	// node is the value of a key that holds a structure of its own (a
	// flow's steps:), read by InlineFlow.
	node *yaml.Node
}

// Item is one item of a key that takes mappings: a plain value, or a
// mapping (Fields) whose keys each have one plain value.
type Item struct {
	Value  string
	Fields []Option // nil for a plain value
	Line   int
}

// takesMappings reports whether the items of a key may be mappings: jq:,
// whose items pair an expression with its own value flags.
func takesMappings(key string) bool { return key == "jq" }

// holdsStructure reports whether a key's value is a structure read as a
// whole by its kind: steps:, the steps of a flow (InlineFlow).
func holdsStructure(key string) bool { return key == "steps" }

// MaxSize is the largest batch file read.
const MaxSize = 4 << 20

// decode reads the first YAML document of a batch or flow file of at most
// max bytes, and returns the decoder for what follows it.
func decode(data []byte, max int) (*yaml.Node, *yaml.Decoder, error) {
	if len(data) > max {
		return nil, nil, fmt.Errorf("the file is larger than %d bytes", max)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, errors.New("the file is empty")
		}
		return nil, nil, fmt.Errorf("not valid YAML or JSON: %s", oneLine(err))
	}
	return &doc, dec, nil
}

// Parse reads a batch file.
func Parse(data []byte) (*File, error) {
	doc, _, err := decode(data, MaxSize)
	if err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the file must be a mapping with a checks: list")
	}
	f := &File{}
	var sawChecks bool
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "defaults":
			opts, err := options(v, "defaults")
			if err != nil {
				return nil, err
			}
			f.Defaults = opts
		case "checks":
			sawChecks = true
			if v.Kind != yaml.SequenceNode {
				return nil, fmt.Errorf("line %d: checks: must be a list", v.Line)
			}
			f.Checks = make([]Check, 0, len(v.Content))
			for i, item := range v.Content {
				c, err := check(item)
				if err != nil {
					return nil, err
				}
				f.Checks = append(f.Checks, c)
				v.Content[i] = nil // its nodes are garbage now: a large file's tree goes as it is read
			}
		default:
			return nil, fmt.Errorf("line %d: unknown key %q (want defaults or checks)", k.Line, k.Value)
		}
	}
	if !sawChecks || len(f.Checks) == 0 {
		return nil, errors.New("no checks: the file needs a checks: list")
	}
	seen := map[string]int{}
	for _, c := range f.Checks {
		if line, dup := seen[c.Name]; dup {
			return nil, fmt.Errorf("line %d: check %q is already defined on line %d", c.Line, c.Name, line)
		}
		seen[c.Name] = c.Line
	}
	return f, nil
}

func check(n *yaml.Node) (Check, error) {
	if n.Kind != yaml.MappingNode {
		return Check{}, fmt.Errorf("line %d: each check must be a mapping with name and kind", n.Line)
	}
	opts, err := options(n, "check")
	if err != nil {
		return Check{}, err
	}
	// the other keys, in a slice of their size: a batch holds every check's
	// until it runs
	c := Check{Line: n.Line, Options: make([]Option, 0, max(len(opts)-2, 0))}
	for _, o := range opts {
		switch o.Key {
		case "name", "kind":
			if o.List || o.Values[0] == "" {
				return Check{}, fmt.Errorf("line %d: %s must be one non-empty value", o.Line, o.Key)
			}
			if o.Key == "name" {
				c.Name = o.Values[0]
			} else {
				c.Kind = o.Values[0]
			}
		default:
			c.Options = append(c.Options, o)
		}
	}
	switch {
	case c.Name == "":
		return Check{}, fmt.Errorf("line %d: a check has no name", n.Line)
	case nagios.CheckName(c.Name) != nil:
		return Check{}, fmt.Errorf("line %d: check name %q: %w", n.Line, c.Name, nagios.CheckName(c.Name))
	case c.Kind == "":
		return Check{}, fmt.Errorf("line %d: check %q has no kind", n.Line, c.Name)
	}
	return c, nil
}

// options reads a mapping of flag names to scalars or lists of scalars.
func options(n *yaml.Node, where string) ([]Option, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: %s must be a mapping", n.Line, where)
	}
	out := make([]Option, 0, len(n.Content)/2)
	// a check has a few keys: a look at those before is cheaper than a set
	// of them, and this runs for every check of a large batch; a mapping
	// of many keys has its set
	var seen map[string]bool
	if keys := len(n.Content) / 2; keys > 16 {
		seen = make(map[string]bool, keys)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			return nil, fmt.Errorf("line %d: a key must be a plain name", k.Line)
		}
		key := strings.ReplaceAll(k.Value, "_", "-")
		if seen[key] || (seen == nil && slices.ContainsFunc(out, func(o Option) bool { return o.Key == key })) {
			return nil, fmt.Errorf("line %d: key %q given twice", k.Line, k.Value)
		}
		if seen != nil {
			seen[key] = true
		}
		o := Option{Key: key, Line: k.Line}
		if holdsStructure(key) && where == "check" {
			o.Values, o.node = []string{""}, v
			out = append(out, o)
			continue
		}
		if takesMappings(key) {
			if err := mappingItems(&o, k, v); err != nil {
				return nil, err
			}
			out = append(out, o)
			continue
		}
		switch v.Kind {
		case yaml.ScalarNode:
			if v.Tag == "!!null" {
				return nil, fmt.Errorf("line %d: key %q has no value", k.Line, k.Value)
			}
			o.Values = []string{v.Value}
		case yaml.SequenceNode:
			o.List = true
			for _, item := range v.Content {
				if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
					return nil, fmt.Errorf("line %d: key %q: a list may hold only plain values", item.Line, k.Value)
				}
				o.Values = append(o.Values, item.Value)
			}
			if len(o.Values) == 0 {
				return nil, fmt.Errorf("line %d: key %q: empty list", k.Line, k.Value)
			}
		case yaml.AliasNode:
			return nil, fmt.Errorf("line %d: key %q: YAML aliases are not supported", k.Line, k.Value)
		default:
			return nil, fmt.Errorf("line %d: key %q takes a value or a list of values, not a mapping", k.Line, k.Value)
		}
		out = append(out, o)
	}
	return out, nil
}

// mappingItems reads the value of a key whose items may be mappings: a
// plain value, a mapping, or a list of either.
func mappingItems(o *Option, k, v *yaml.Node) error {
	nodes := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		o.List = true
		nodes = v.Content
		if len(nodes) == 0 {
			return fmt.Errorf("line %d: key %q: empty list", k.Line, k.Value)
		}
	}
	for i, n := range nodes {
		it := Item{Line: n.Line}
		switch {
		case n.Kind == yaml.ScalarNode && n.Tag != "!!null":
			it.Value = n.Value
		case n.Kind == yaml.ScalarNode && !o.List:
			return fmt.Errorf("line %d: key %q has no value", k.Line, k.Value)
		case n.Kind == yaml.MappingNode:
			fields, err := options(n, fmt.Sprintf("%s item %d", k.Value, i+1))
			if err != nil {
				return err
			}
			for _, f := range fields {
				switch {
				case f.List:
					return fmt.Errorf("line %d: %s item %d: key %q takes one value, not a list", f.Line, k.Value, i+1, f.Key)
				case len(f.Items) > 0 && f.Items[0].Fields != nil:
					return fmt.Errorf("line %d: %s item %d: key %q takes one value, not a mapping", f.Line, k.Value, i+1, f.Key)
				}
			}
			it.Fields = fields
			if it.Fields == nil {
				it.Fields = []Option{}
			}
		case n.Kind == yaml.AliasNode:
			return fmt.Errorf("line %d: key %q: YAML aliases are not supported", n.Line, k.Value)
		default:
			return fmt.Errorf("line %d: key %q: an item is a plain value or a mapping of plain values", n.Line, k.Value)
		}
		o.Items = append(o.Items, it)
		o.Values = append(o.Values, it.Value)
	}
	return nil
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "yaml: ", "")), " ")
}
