package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A flow is a check made of HTTP steps (healthprobe flow FILE, or a batch
// check of kind flow): a file of its own, or the steps: of a batch check.
//
//	name: orders-api
//	timeout: 15s
//	show: [id]
//	steps:
//	  - name: login
//	    method: POST
//	    url: https://app.example.com/api/login
//	    json: {user: monitor, password: "${APP_PASSWORD}"}
//	    extract: {token: .access_token}
//	  - name: logout
//	    always: true
//	    ...
//
// A step's keys are those of an http check in a batch file (read by the
// same code, so every option works alike), plus name, always, timeout,
// extract, and json given a mapping or a list (the request body). This
// package checks the shape; what the keys mean is the caller's.

// Flow is a parsed flow.
type Flow struct {
	Name        string // "" when not given
	Timeout     string // as written; "" when not given
	TimeoutLine int
	Show        []string
	ShowLine    int
	Steps       []Step
}

// Step is one step of a flow.
type Step struct {
	Name    string
	Line    int
	Always  bool
	Timeout string // "" when not given
	Extract []Extract
	// JSON is the request body given as json: with a mapping or a list,
	// nil otherwise (json: true is the http check's --json, in Options).
	JSON *JSONValue
	// Options are the step's other keys, the http check's, in order (url
	// among them).
	Options []Option
}

// Extract names a value read from a step's JSON answer.
type Extract struct {
	Name string
	Expr string // a jq expression
	Line int
}

// JSONValue is a json: body as written: mappings keep their order.
type JSONValue struct {
	Kind  JSONKind
	Text  string      // a scalar: the string, the number's JSON text, "true", "false"
	Keys  []string    // an object's keys, in order
	Items []JSONValue // an object's values (by Keys) or an array's items
	Line  int
}

// JSONKind is the kind of a JSONValue.
type JSONKind int

// The kinds of JSON value.
const (
	JSONNull JSONKind = iota
	JSONBool
	JSONNumber
	JSONString
	JSONArray
	JSONObject
)

// MaxFlowSize is the largest flow file read.
const MaxFlowSize = 1 << 20

// maxFlowSteps bounds the steps of one flow.
const maxFlowSteps = 100

// flowKeys are the top-level keys of a flow file.
var flowKeys = []string{"name", "timeout", "show", "steps"}

// stepKeys are the keys a step has beyond an http check's.
var stepKeys = []string{"name", "always", "timeout", "extract", "json"}

// validStepName: a letter or digit, then up to 62 letters, digits, _ . -
// (a step's name is part of its sub-check's and its perfdata's names).
func validStepName(s string) bool {
	return asciiName(s, isAlnum, func(c byte) bool { return isAlnum(c) || c == '_' || c == '.' || c == '-' })
}

// validExtractName: a letter or _, then up to 62 letters, digits or _ (a
// name jq and {{name}} can both hold).
func validExtractName(s string) bool {
	return asciiName(s, func(c byte) bool { return isLetter(c) || c == '_' }, func(c byte) bool { return isAlnum(c) || c == '_' })
}

// asciiName checks a name of 1 to 63 ASCII bytes. (Not a regular
// expression: {0,62} compiles to a program of 62 copies, a millisecond of
// every start of the binary.)
func asciiName(s string, first, rest func(byte) bool) bool {
	if len(s) == 0 || len(s) > 63 || !first(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !rest(s[i]) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool  { return isLetter(c) || '0' <= c && c <= '9' }

// ParseFlow reads a flow file.
func ParseFlow(data []byte) (*Flow, error) {
	doc, dec, err := decode(data, MaxFlowSize)
	if err != nil {
		return nil, err
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, errors.New("the file holds more than one YAML document: one flow per file")
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the file must be a mapping with a steps: list")
	}
	f := &Flow{}
	top := doc.Content[0]
	var steps *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "name":
			if v.Kind != yaml.ScalarNode || v.Value == "" || strings.ContainsAny(v.Value, "\r\n") || len(v.Value) > 200 {
				return nil, fmt.Errorf("line %d: name must be one line of text (at most 200 characters)", k.Line)
			}
			f.Name = v.Value
		case "timeout":
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
				return nil, fmt.Errorf("line %d: timeout must be one value (15 or 15s)", k.Line)
			}
			f.Timeout, f.TimeoutLine = v.Value, k.Line
		case "show":
			names, err := nameList(k, v)
			if err != nil {
				return nil, err
			}
			f.Show, f.ShowLine = names, k.Line
		case "steps":
			steps = v
		default:
			return nil, fmt.Errorf("line %d: unknown key %q (want %s)", k.Line, k.Value, strings.Join(flowKeys, ", "))
		}
	}
	if steps == nil {
		return nil, errors.New("no steps: the flow needs a steps: list")
	}
	f.Steps, err = FlowSteps(steps)
	return f, err
}

// InlineFlow reads the flow of a batch check of kind flow: either file:
// (the path of a flow file, for the caller to read) or steps: with show:.
// rest are the check's other keys (timeout, the state and notify keys).
func InlineFlow(c Check) (flow *Flow, file string, rest []Option, err error) {
	var steps, show *Option
	for i, o := range c.Options {
		switch o.Key {
		case "file":
			if o.List || o.Values[0] == "" {
				return nil, "", nil, fmt.Errorf("line %d: file must be one path", o.Line)
			}
			file = o.Values[0]
		case "steps":
			steps = &c.Options[i]
		case "show":
			show = &c.Options[i]
		default:
			rest = append(rest, o)
		}
	}
	switch {
	case file != "" && steps != nil:
		return nil, "", nil, fmt.Errorf("line %d: give either file: or steps:, not both", steps.Line)
	case file != "" && show != nil:
		return nil, "", nil, fmt.Errorf("line %d: show: goes in the flow file", show.Line)
	case file != "":
		return nil, file, rest, nil
	case steps == nil:
		return nil, "", nil, fmt.Errorf("line %d: a flow needs the key file (a flow file) or steps", c.Line)
	}
	f := &Flow{Name: c.Name}
	if show != nil {
		for _, v := range show.Values {
			if !validExtractName(v) {
				return nil, "", nil, fmt.Errorf("line %d: show: %q is not a value's name", show.Line, v)
			}
		}
		f.Show, f.ShowLine = show.Values, show.Line
	}
	if f.Steps, err = FlowSteps(steps.node); err != nil {
		return nil, "", nil, err
	}
	return f, "", rest, nil
}

// nameList reads show: a name or a list of names.
func nameList(k, v *yaml.Node) ([]string, error) {
	items := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		items = v.Content
	}
	var out []string
	for _, it := range items {
		if it.Kind != yaml.ScalarNode || !validExtractName(it.Value) {
			return nil, fmt.Errorf("line %d: %s: want the names of extracted values", it.Line, k.Value)
		}
		out = append(out, it.Value)
	}
	return out, nil
}

// FlowSteps reads a steps: list.
func FlowSteps(n *yaml.Node) ([]Step, error) {
	if n == nil || n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		line := 0
		if n != nil {
			line = n.Line
		}
		return nil, fmt.Errorf("line %d: steps: must be a list of steps", line)
	}
	if len(n.Content) > maxFlowSteps {
		return nil, fmt.Errorf("line %d: %d steps: a flow has at most %d", n.Line, len(n.Content), maxFlowSteps)
	}
	var out []Step
	seen := map[string]int{}
	for _, sn := range n.Content {
		st, err := step(sn)
		if err != nil {
			return nil, err
		}
		if line, dup := seen[st.Name]; dup {
			return nil, fmt.Errorf("line %d: step %q is already defined on line %d", st.Line, st.Name, line)
		}
		seen[st.Name] = st.Line
		out = append(out, st)
	}
	return out, nil
}

func step(n *yaml.Node) (Step, error) {
	if n.Kind != yaml.MappingNode {
		return Step{}, fmt.Errorf("line %d: each step must be a mapping with a name and a url", n.Line)
	}
	st := Step{Line: n.Line}
	rest := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			return Step{}, fmt.Errorf("line %d: a key must be a plain name", k.Line)
		}
		key := strings.ReplaceAll(k.Value, "_", "-")
		special := false
		for _, s := range stepKeys {
			special = special || key == s
		}
		if key == "json" && v.Kind == yaml.ScalarNode {
			special = false // json: true, the http check's --json
		}
		if !special {
			rest.Content = append(rest.Content, k, v)
			continue
		}
		if seen[key] {
			return Step{}, fmt.Errorf("line %d: key %q given twice", k.Line, k.Value)
		}
		seen[key] = true
		var err error
		switch key {
		case "name":
			if v.Kind != yaml.ScalarNode || !validStepName(v.Value) {
				return Step{}, fmt.Errorf("line %d: step name %q: use letters, digits, '-', '_' and '.' (at most 63, starting with a letter or digit)", k.Line, v.Value)
			}
			st.Name = v.Value
		case "always":
			b, perr := strconv.ParseBool(v.Value)
			if v.Kind != yaml.ScalarNode || perr != nil {
				return Step{}, fmt.Errorf("line %d: always must be true or false", k.Line)
			}
			st.Always = b
		case "timeout":
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
				return Step{}, fmt.Errorf("line %d: timeout must be one value (5 or 5s)", k.Line)
			}
			st.Timeout = v.Value
		case "extract":
			st.Extract, err = extracts(k, v)
		case "json":
			st.JSON, err = jsonValue(v, 0)
		}
		if err != nil {
			return Step{}, err
		}
	}
	if st.Name == "" {
		return Step{}, fmt.Errorf("line %d: a step has no name", n.Line)
	}
	opts, err := options(rest, "step "+st.Name)
	if err != nil {
		return Step{}, err
	}
	st.Options = opts
	return st, nil
}

// extracts reads extract: a mapping of names to jq expressions.
func extracts(k, v *yaml.Node) ([]Extract, error) {
	if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
		return nil, fmt.Errorf("line %d: extract: must be a mapping of names to jq expressions (token: .access_token)", k.Line)
	}
	var out []Extract
	seen := map[string]bool{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		nk, nv := v.Content[i], v.Content[i+1]
		if nk.Kind != yaml.ScalarNode || !validExtractName(nk.Value) {
			return nil, fmt.Errorf("line %d: extract: %q is not a name (letters, digits and '_', starting with a letter or '_')", nk.Line, nk.Value)
		}
		if seen[nk.Value] {
			return nil, fmt.Errorf("line %d: extract: %q given twice", nk.Line, nk.Value)
		}
		seen[nk.Value] = true
		if nv.Kind != yaml.ScalarNode || nv.Tag == "!!null" || strings.TrimSpace(nv.Value) == "" {
			return nil, fmt.Errorf("line %d: extract: %s needs a jq expression", nk.Line, nk.Value)
		}
		out = append(out, Extract{Name: nk.Value, Expr: nv.Value, Line: nk.Line})
	}
	return out, nil
}

// maxJSONDepth bounds the nesting of a json: body.
const maxJSONDepth = 64

// jsonValue turns a YAML value into the JSON it stands for: mappings keep
// their order, numbers their text where JSON has it.
func jsonValue(n *yaml.Node, depth int) (*JSONValue, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("line %d: json: nested more than %d deep", n.Line, maxJSONDepth)
	}
	v := &JSONValue{Line: n.Line}
	switch n.Kind {
	case yaml.AliasNode:
		return nil, fmt.Errorf("line %d: json: YAML aliases are not supported", n.Line)
	case yaml.MappingNode:
		v.Kind = JSONObject
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return nil, fmt.Errorf("line %d: json: a key must be a plain name", k.Line)
			}
			if seen[k.Value] {
				return nil, fmt.Errorf("line %d: json: key %q given twice", k.Line, k.Value)
			}
			seen[k.Value] = true
			item, err := jsonValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			v.Keys = append(v.Keys, k.Value)
			v.Items = append(v.Items, *item)
		}
	case yaml.SequenceNode:
		v.Kind = JSONArray
		for _, c := range n.Content {
			item, err := jsonValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			v.Items = append(v.Items, *item)
		}
	case yaml.ScalarNode:
		return v, jsonScalar(n, v)
	default:
		return nil, fmt.Errorf("line %d: json: not a JSON value", n.Line)
	}
	return v, nil
}

func jsonScalar(n *yaml.Node, v *JSONValue) error {
	switch n.Tag {
	case "!!null":
		v.Kind = JSONNull
	case "!!bool":
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err != nil {
			return fmt.Errorf("line %d: json: %q is not true or false", n.Line, n.Value)
		}
		v.Kind, v.Text = JSONBool, strconv.FormatBool(b)
	case "!!int", "!!float":
		v.Kind = JSONNumber
		if json.Valid([]byte(n.Value)) {
			v.Text = n.Value
			return nil
		}
		clean := strings.ReplaceAll(n.Value, "_", "")
		if i, err := strconv.ParseInt(clean, 0, 64); err == nil {
			v.Text = strconv.FormatInt(i, 10)
			return nil
		}
		f, err := strconv.ParseFloat(strings.TrimPrefix(clean, "+"), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Errorf("line %d: json: %s is not a number JSON can carry (quote it for a string)", n.Line, n.Value)
		}
		v.Text = strconv.FormatFloat(f, 'g', -1, 64)
	default:
		v.Kind, v.Text = JSONString, n.Value
	}
	return nil
}
