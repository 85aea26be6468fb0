package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/healthprobe/healthprobe/config"
	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/probe"
)

// flowKind is the multi-step check: HTTP steps read from a flow file (or
// a batch check's steps:), values carried from one step to the next,
// cleanup steps that always run. Its emulator is a small API behind a
// login.
var flowKind = kind{
	name:    "flow",
	command: newFlowCheck,
	demo:    []demoSection{{"Multi-step flows: log in, carry a token, check, clean up", flowDemo}},
	emulators: []emulator{{
		name:    "login-api", // published as LOGIN_API_URL
		handler: func(string) (http.Handler, error) { return emulate.NewLoginAPI(), nil },
		vars:    []demoVar{{"LOGIN_API_USER", emulate.LoginUser}, {"LOGIN_API_PASSWORD", emulate.LoginPassword}},
	}},
	doc: "docs/flow.md",
}

// flowOptions is a flow check: from a file given on the command line, or
// from a batch check (entry).
type flowOptions struct {
	cmd        *cobra.Command
	flow       *config.Flow // a batch check's own steps:, read by entry
	where      string       // its file (a batch check's file: or the command line's), or "" for steps:
	ownTimeout bool         // the batch check gives timeout: itself
}

func newFlowCheck() checkCommand {
	o := &flowOptions{}
	o.cmd = &cobra.Command{
		Use:   "flow FILE",
		Short: "Run a multi-step HTTP check from a flow file: log in, carry a token, check, clean up",
		Long: `flow runs the HTTP steps of a flow file in order. A step takes every key of an
http check in a batch file (url, method, header, expect-status, jq ...), and
name; extract, values read from its JSON answer with jq, which later steps use
as {{name}} in url, header, data, json and the jq keys (secret unless the
flow's show: names them); json, a mapping or list sent as the JSON body;
always, a cleanup that runs even after a failure, the deadline or a signal;
timeout, a deadline of its own. ${VAR} is the environment.

Cookies persist across the steps. A CRITICAL or UNKNOWN step stops the steps
after it but the always ones; the flow's state is the worst of its steps,
each a sub-check step:NAME. The flow file's timeout is its deadline, unless
-t is given. Line 1 names the failing steps, worst first, then the skipped
ones. A 401 to a step is CRITICAL: the flow logs in with its own steps, so
the service refused their credentials. See docs/flow.md.

Perfdata: time (s, the whole flow), then each step's own under its name:
NAME_time (s, with the step's warning and critical), NAME_size (B) and the
number of each of its jq keys.`,
		Example: `  healthprobe flow /etc/healthprobe/flows/orders.yaml
  healthprobe flow orders.yaml -t 20 --timeout-state unknown`,
		Args: exactArgs(1, "FILE"),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"yaml", "yml", "json"}, cobra.ShellCompDirectiveFilterFileExt
		},
	}
	return checkCommand{cmd: o.cmd, opts: o, entry: o.entry, build: func(ce *checkEnv, args []string) (checkFunc, error) {
		if len(args) == 1 { // the command line: the file's timeout unless -t is given
			f, err := loadFlow(ce, args[0])
			if err != nil {
				return nil, err
			}
			return o.build(ce, f, args[0], !o.cmd.Flags().Changed("timeout"))
		}
		f := o.flow
		if o.where != "" {
			var err error
			if f, err = loadFlow(ce, o.where); err != nil {
				return nil, err
			}
		} else if f == nil {
			return nil, errors.New("no flow: give the key file or steps")
		} else if err := f.Expand(ce.run.lookupVar); err != nil {
			return nil, err
		}
		return o.build(ce, f, o.where, !o.ownTimeout)
	}}
}

// entry reads a batch check's flow: file: (relative to the batch file),
// read when the check is built, or steps: with show:. Its other keys are
// set on the flags as every check's.
func (o *flowOptions) entry(c *config.Check, dir string) ([]string, error) {
	f, file, rest, err := config.InlineFlow(*c)
	if err != nil {
		return nil, err
	}
	c.Options = rest
	o.ownTimeout = slices.ContainsFunc(rest, func(opt config.Option) bool { return opt.Key == "timeout" })
	if file == "" {
		o.flow = f
		names := make([]string, len(f.Steps))
		for i, st := range f.Steps {
			names[i] = st.Name
		}
		return []string{"<steps: " + strings.Join(names, ", ") + ">"}, nil
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file)
	}
	o.where = file
	return []string{file}, nil
}

// loadFlow reads a flow file and expands its ${VAR}s; its errors name it.
func loadFlow(ce *checkEnv, path string) (*config.Flow, error) {
	data, err := ce.readFile(path, config.MaxFlowSize)
	if err != nil {
		return nil, err
	}
	f, err := config.ParseFlow(data)
	if err == nil {
		err = f.Expand(ce.run.lookupVar)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.Name == "" {
		f.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return f, nil
}

// build validates the whole flow, every step as its http check, before
// anything runs. fileTimeout says the flow's timeout: is its deadline (no
// -t, no timeout: of the batch check).
func (o *flowOptions) build(ce *checkEnv, f *config.Flow, where string, fileTimeout bool) (checkFunc, error) {
	in := func(err error) error {
		if where == "" {
			return err
		}
		return fmt.Errorf("%s: %w", where, err)
	}
	if fileTimeout && f.Timeout != "" {
		d, err := parseSeconds(f.Timeout)
		if err != nil {
			return nil, in(fmt.Errorf("line %d: timeout: %w", f.TimeoutLine, err))
		}
		ce.timeout = d
	}
	steps, err := planFlow(ce, f)
	if err != nil {
		return nil, in(err)
	}
	cc := ce.clientConfig()
	cfg := probe.FlowConfig{Name: f.Name, Steps: steps, Show: f.Show, Redactor: ce.run.redactor,
		Timeout: ce.timeout, TimeoutState: ce.timeoutState, Log: cc.Log, Verbose: ce.verbose}
	return func(ctx context.Context) probe.Result { return probe.Flow(ctx, cfg) }, nil
}

// planFlow checks the references of every step against the values the
// steps before it extract, compiles the extracts and builds each step's
// http check once, with stand-ins for its values.
func planFlow(ce *checkEnv, f *config.Flow) ([]probe.FlowStep, error) {
	extractedBy := map[string]string{} // every value -> the first step that extracts it
	for _, st := range f.Steps {
		for _, x := range st.Extract {
			if _, ok := extractedBy[x.Name]; !ok {
				extractedBy[x.Name] = st.Name
			}
		}
	}
	for _, name := range f.Show {
		if _, ok := extractedBy[name]; !ok {
			return nil, fmt.Errorf("line %d: show: no step extracts %s", f.ShowLine, name)
		}
	}
	known := map[string]bool{} // the values extracted before the step at hand
	out := make([]probe.FlowStep, 0, len(f.Steps))
	for _, st := range f.Steps {
		ps, err := planStep(ce, st, known, extractedBy)
		if err != nil {
			line := st.Line
			var at *atLine
			if errors.As(err, &at) {
				line, err = at.line, at.err
			}
			return nil, fmt.Errorf("line %d: step %s: %w", line, st.Name, err)
		}
		out = append(out, ps)
		for _, x := range st.Extract {
			known[x.Name] = true
		}
	}
	return out, nil
}

// planStep builds one step: its references, timeout and extracts, and
// its check, built now to refuse a bad key before anything runs, and
// again when it runs if it refers to values.
func planStep(ce *checkEnv, st config.Step, known map[string]bool, extractedBy map[string]string) (probe.FlowStep, error) {
	ps := probe.FlowStep{Name: st.Name, Always: st.Always}
	if st.Timeout != "" {
		d, err := parseSeconds(st.Timeout)
		if err != nil {
			return ps, fmt.Errorf("timeout: %w", err)
		}
		ps.Timeout = d
	}
	refs, err := stepRefs(st, known, extractedBy)
	if err != nil {
		return ps, err
	}
	for _, r := range refs {
		if !slices.Contains(ps.Needs, r.name) {
			ps.Needs = append(ps.Needs, r.name)
		}
	}
	for _, x := range st.Extract {
		code, err := probe.CompileJQ(x.Expr)
		if err != nil {
			return ps, lineErr(x.Line, "extract %s: %w", x.Name, err)
		}
		ps.Extract = append(ps.Extract, probe.FlowExtract{Name: x.Name, Expr: x.Expr, Code: code})
	}
	if slices.ContainsFunc(st.Options, func(o config.Option) bool { return o.Key == "cert-only" }) && len(st.Extract) > 0 {
		return ps, errors.New("extract: reads the body, which cert-only does not")
	}
	stand := map[string]probe.FlowValue{}
	for _, n := range ps.Needs {
		stand[n] = probe.FlowValue{Text: "0", Number: true}
	}
	built, err := buildStep(ce, st, stand)
	if err != nil {
		return ps, err
	}
	quotedOnly := jqNeedsNumbers(refs)
	if len(refs) == 0 {
		ps.Check = func(map[string]probe.FlowValue) (probe.HTTPConfig, error) { return built, nil }
		return ps, nil
	}
	ps.Check = func(values map[string]probe.FlowValue) (probe.HTTPConfig, error) {
		for _, r := range refs {
			v := values[r.name]
			switch {
			case r.key == "header" && !probe.ValidHeaderValue(v.Text):
				return probe.HTTPConfig{}, fmt.Errorf("the value %s cannot be sent in a header: it holds a control character (a line break, say)", r.name)
			case r.key == "jq" && quotedOnly[r.value] && !v.Number:
				return probe.HTTPConfig{}, fmt.Errorf("a jq expression has {{%s}} outside a string, and the value %s is not a number", r.name, r.name)
			}
		}
		return buildStep(ce, st, values)
	}
	return ps, nil
}

// reference is a {{name}} in a step: the key it is in, and that key's
// value as written.
type reference struct {
	name, key, value string
	line             int
}

// refPattern matches a reference to an extracted value: {{name}}, spaces
// allowed inside the braces.
var refPattern = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// refKeys are the keys whose values may refer to extracted values (json:
// too); refFill writes a value there.
var refKeys = []string{"url", "header", "data", "jq", "jq-equals", "jq-regex"}

// refFill writes a value into the text of a key: percent-encoded in a
// URL, escaped inside a jq string, quoted for a regex, as it is elsewhere.
func refFill(key string, v probe.FlowValue) string {
	switch key {
	case "url":
		return probe.FlowURLEscape(v.Text)
	case "jq":
		if v.Number {
			return v.Text
		}
		b, _ := json.Marshal(v.Text)
		return string(b[1 : len(b)-1])
	case "jq-regex":
		return regexp.QuoteMeta(v.Text)
	}
	return v.Text
}

// stepRefs lists a step's references, refusing those to a value no
// earlier step extracts and those in a key that takes none.
func stepRefs(st config.Step, known map[string]bool, extractedBy map[string]string) ([]reference, error) {
	var refs []reference
	var bad error
	check := func(key, value string, line int) {
		for _, m := range refPattern.FindAllStringSubmatch(value, -1) {
			name := m[1]
			_, someStep := extractedBy[name]
			switch {
			case bad != nil:
			case !slices.Contains(refKeys, key) && key != "json":
				if someStep {
					bad = lineErr(line, "key %q: {{%s}} is replaced only in %s and json", key, name, strings.Join(refKeys, ", "))
				}
				continue // {{...}} of no value: plain text
			case !known[name]:
				why := "no step extracts it"
				switch by := extractedBy[name]; {
				case by == st.Name:
					why = "this step extracts it, from its own answer"
				case someStep:
					why = "step " + by + " extracts it, after this one"
				}
				bad = lineErr(line, "key %q: {{%s}} refers to no value an earlier step extracts (%s)", key, name, why)
			case key == "header" && !strings.Contains(value[:strings.Index(value, m[0])], ":"):
				bad = lineErr(line, "key %q: {{%s}} goes in a header's value, not its name", key, name)
			case key == "url" && !afterHost(value, m[0]):
				bad = lineErr(line, "key %q: {{%s}} goes in the URL's path or query, after its host", key, name)
			}
			refs = append(refs, reference{name: name, key: key, value: value, line: line})
		}
	}
	if _, err := mapValues(st.Options, func(key, value string, line int) (string, error) {
		check(key, value, line)
		return value, nil
	}); err != nil {
		return nil, err
	}
	if st.JSON != nil {
		walkJSON(*st.JSON, func(s string, line int) { check("json", s, line) })
	}
	return refs, bad
}

// afterHost reports whether the first ref in a URL comes after its
// scheme and host.
func afterHost(u, ref string) bool {
	before := u[:strings.Index(u, ref)]
	_, rest, ok := strings.Cut(before, "://")
	return ok && strings.ContainsAny(rest, "/?")
}

// jqNeedsNumbers finds the jq expressions of a step that have a reference
// outside a string literal: those references must hold numbers, else the
// expression would not compile, and its error would quote the value.
func jqNeedsNumbers(refs []reference) map[string]bool {
	out := map[string]bool{}
	for _, r := range refs {
		if r.key != "jq" || out[r.value] {
			continue
		}
		text := refPattern.ReplaceAllString(r.value, `x\"y`)
		if _, err := probe.CompileJQ(text); err != nil {
			out[r.value] = true
		}
	}
	return out
}

// mapValues returns a copy of a step's options with fn applied to every
// value, each with its key as a flag name: a jq: mapping's expr is jq,
// its other fields jq-NAME.
func mapValues(opts []config.Option, fn func(key, value string, line int) (string, error)) ([]config.Option, error) {
	out := make([]config.Option, len(opts))
	var err error
	for i, o := range opts {
		o.Values = slices.Clone(o.Values)
		if o.Items == nil {
			for j := range o.Values {
				if o.Values[j], err = fn(o.Key, o.Values[j], o.Line); err != nil {
					return nil, err
				}
			}
			out[i] = o
			continue
		}
		items := slices.Clone(o.Items)
		for j, it := range items {
			if it.Fields == nil {
				if it.Value, err = fn(o.Key, it.Value, it.Line); err != nil {
					return nil, err
				}
				o.Values[j] = it.Value
				items[j] = it
				continue
			}
			fields := slices.Clone(it.Fields)
			for k, fd := range fields {
				key := "jq-" + fd.Key
				if fd.Key == "expr" {
					key = "jq"
				}
				fd.Values = slices.Clone(fd.Values)
				if fd.Values[0], err = fn(key, fd.Values[0], fd.Line); err != nil {
					return nil, err
				}
				fields[k] = fd
			}
			it.Fields = fields
			items[j] = it
		}
		o.Items = items
		out[i] = o
	}
	return out, nil
}

// walkJSON calls fn with every string of a json: body.
func walkJSON(v config.JSONValue, fn func(s string, line int)) {
	if v.Kind == config.JSONString {
		fn(v.Text, v.Line)
	}
	for _, it := range v.Items {
		walkJSON(it, fn)
	}
}

// encodeJSON writes a json: body with the values filled in: a string that
// is one reference to a number is that number.
func encodeJSON(b *bytes.Buffer, v config.JSONValue, values map[string]probe.FlowValue) {
	str := func(s string) {
		enc := json.NewEncoder(b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		b.Truncate(b.Len() - 1) // Encode's newline
	}
	switch v.Kind {
	case config.JSONNull:
		b.WriteString("null")
	case config.JSONBool, config.JSONNumber:
		b.WriteString(v.Text)
	case config.JSONString:
		if m := refPattern.FindStringSubmatch(v.Text); m != nil && m[0] == v.Text && values[m[1]].Number {
			b.WriteString(values[m[1]].Text)
			return
		}
		str(refPattern.ReplaceAllStringFunc(v.Text, func(ref string) string {
			return values[refPattern.FindStringSubmatch(ref)[1]].Text
		}))
	case config.JSONArray, config.JSONObject:
		open, end := "[", "]"
		if v.Kind == config.JSONObject {
			open, end = "{", "}"
		}
		b.WriteString(open)
		for i, it := range v.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			if v.Kind == config.JSONObject {
				str(v.Keys[i])
				b.WriteByte(':')
			}
			encodeJSON(b, it, values)
		}
		b.WriteString(end)
	}
}

// stepKeysNot are the http keys a step does not take.
var stepKeysNot = map[string]string{
	"cookie-jar": "the steps of a flow share their cookies, from the first step to the last",
}

// buildStep builds a step's http check from its keys, set on the http
// command's own flags (one schema for both), its references filled with
// values.
func buildStep(ce *checkEnv, st config.Step, values map[string]probe.FlowValue) (probe.HTTPConfig, error) {
	fill := func(key, s string, _ int) (string, error) {
		if !slices.Contains(refKeys, key) {
			return s, nil
		}
		return refPattern.ReplaceAllStringFunc(s, func(ref string) string {
			name := refPattern.FindStringSubmatch(ref)[1]
			if v, ok := values[name]; ok {
				return refFill(key, v)
			}
			return ref
		}), nil
	}
	opts, err := mapValues(st.Options, fill)
	if err != nil {
		return probe.HTTPConfig{}, err
	}
	o, cmd := newHTTPCommand()
	fs := cmd.Flags()
	var target string
	for _, opt := range opts {
		keyErr := func(err error) error { return lineErr(opt.Line, "key %q: %w", opt.Key, err) }
		switch why, refused := stepKeysNot[opt.Key]; {
		case refused:
			return probe.HTTPConfig{}, keyErr(errors.New("not taken in a step: " + why))
		case opt.Key == "url":
			if opt.List {
				return probe.HTTPConfig{}, keyErr(errors.New("takes one value"))
			}
			target = opt.Values[0]
			continue
		case isJQKey(opt.Key):
			continue // below, in their order
		}
		f := fs.Lookup(opt.Key)
		if f == nil {
			return probe.HTTPConfig{}, lineErr(opt.Line, "unknown key %q (a step takes the keys of an http check, and name, always, timeout, extract, json)", opt.Key)
		}
		if len(opt.Values) > 1 && !repeatable(f) {
			return probe.HTTPConfig{}, keyErr(errors.New("takes one value, not a list"))
		}
		for _, v := range opt.Values {
			if err := fs.Set(opt.Key, v); err != nil {
				return probe.HTTPConfig{}, keyErr(valueError(v, err))
			}
		}
	}
	own, lerr := readJQBlock(opts, false)
	var items []jqItem
	if lerr == nil {
		items, lerr = jqBatchItems(own, jqBlock{})
	}
	if lerr != nil {
		return probe.HTTPConfig{}, &atLine{lerr.line, lerr.err}
	}
	for _, it := range items {
		if err := fs.Set(it.flag, it.value); err != nil {
			return probe.HTTPConfig{}, fmt.Errorf("key %q: %w", it.flag, err)
		}
	}
	if st.JSON != nil {
		if o.data != "" || o.dataFile != "" {
			return probe.HTTPConfig{}, lineErr(st.JSON.Line, "give only one of json: (the body) and data")
		}
		var b bytes.Buffer
		encodeJSON(&b, *st.JSON, values)
		o.data, o.jsonBody = b.String(), true
	}
	if target == "" {
		return probe.HTTPConfig{}, errors.New("missing key \"url\"")
	}
	return o.config(ce, target)
}

// atLine is an error at a line of the flow, which the message of the
// step it is in names.
type atLine struct {
	line int
	err  error
}

func (e *atLine) Error() string { return e.err.Error() }
func (e *atLine) Unwrap() error { return e.err }

func lineErr(line int, format string, args ...any) error {
	return &atLine{line, fmt.Errorf(format, args...)}
}
