package config

import (
	"fmt"
	"strings"
)

// Expand replaces each ${NAME} in the values of the file (the defaults' and
// every check's, jq: items included; not in keys, names or kinds) with
// lookup(NAME). NAME is a letter or _ followed by letters, digits and _;
// $${ stands for a literal ${, and a $ not followed by { is left as it is
// (a regular expression's $, a jq variable). A variable lookup does not
// know, or knows as empty, is an error that names it and the line.
func (f *File) Expand(lookup func(name string) (string, bool)) error {
	for i := range f.Defaults {
		if err := expandOption(&f.Defaults[i], lookup); err != nil {
			return err
		}
	}
	for i := range f.Checks {
		c := &f.Checks[i]
		for j := range c.Options {
			if err := expandOption(&c.Options[j], lookup); err != nil {
				return fmt.Errorf("check %q: %w", c.Name, err)
			}
		}
	}
	return nil
}

func expandOption(o *Option, lookup func(string) (string, bool)) error {
	var err error
	for i, v := range o.Values {
		if o.Values[i], err = ExpandString(v, lookup); err != nil {
			return fmt.Errorf("line %d: key %q: %w", o.Line, o.Key, err)
		}
	}
	for i := range o.Items {
		it := &o.Items[i]
		if it.Value, err = ExpandString(it.Value, lookup); err != nil {
			return fmt.Errorf("line %d: key %q: %w", it.Line, o.Key, err)
		}
		for j := range it.Fields {
			if err := expandOption(&it.Fields[j], lookup); err != nil {
				return err
			}
		}
	}
	return nil
}

// ExpandString expands the ${NAME} references of one value, as Expand does.
func ExpandString(s string, lookup func(name string) (string, bool)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		if i > 0 && s[i-1] == '$' { // $${: a literal ${
			b.WriteString(s[:i-1] + "${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		name := ""
		if end > 0 {
			name = s[i+2 : i+end]
		}
		if !validName(name) {
			ref := s[i:]
			if end > 0 {
				ref = s[i : i+end+1]
			}
			return "", fmt.Errorf("%q is not a variable: write ${NAME} (letters, digits and _), or $${ for a literal ${", clip(ref, 40))
		}
		v, ok := lookup(name)
		if !ok || v == "" {
			return "", fmt.Errorf("${%s}: the environment variable %s is not set (or empty)", name, name)
		}
		b.WriteString(v)
		s = s[i+end+1:]
	}
}

// validName reports whether s is a variable name: a letter or _, then
// letters, digits and _.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Expand replaces each ${NAME} in the values of a flow's steps (their keys'
// values, jq: items and the strings of a json: body; not in names, extract
// expressions or keys), as File.Expand does.
func (f *Flow) Expand(lookup func(name string) (string, bool)) error {
	for i := range f.Steps {
		st := &f.Steps[i]
		for j := range st.Options {
			if err := expandOption(&st.Options[j], lookup); err != nil {
				return fmt.Errorf("step %s: %w", st.Name, err)
			}
		}
		if st.JSON != nil {
			if err := expandJSON(st.JSON, lookup); err != nil {
				return fmt.Errorf("step %s: %w", st.Name, err)
			}
		}
	}
	return nil
}

func expandJSON(v *JSONValue, lookup func(string) (string, bool)) error {
	if v.Kind == JSONString {
		s, err := ExpandString(v.Text, lookup)
		if err != nil {
			return fmt.Errorf("line %d: json: %w", v.Line, err)
		}
		v.Text = s
	}
	for i := range v.Items {
		if err := expandJSON(&v.Items[i], lookup); err != nil {
			return err
		}
	}
	return nil
}
