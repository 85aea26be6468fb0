package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// durationValue accepts "10" (seconds) or a Go duration such as "10s", "1m30s".
type durationValue struct{ d *time.Duration }

func parseSeconds(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "eEnNxX") {
		if f <= 0 || f > 86400 {
			return 0, fmt.Errorf("%q is out of range: give more than 0 and at most 86400 seconds (24h)", s)
		}
		d = time.Duration(f * float64(time.Second))
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("%q is not a duration (10 or 10s)", s)
	}
	// a positive value too small to be a deadline (".0000000001") is refused
	// too: it would round to no time at all
	if d < time.Millisecond || d > 24*time.Hour {
		return 0, fmt.Errorf("%q is out of range: give at least 1ms and at most 24h", s)
	}
	return d, nil
}

func (v *durationValue) Set(s string) error {
	d, err := parseSeconds(s)
	if err != nil {
		return err
	}
	*v.d = d
	return nil
}
func (v *durationValue) String() string {
	if v.d == nil {
		return ""
	}
	return v.d.String()
}
func (v *durationValue) Type() string { return "duration" }

// sizeValue accepts a byte count with an optional binary unit: 1048576, 512K, 1MiB, 2 MB.
type sizeValue struct{ n *int64 }

var sizeUnits = map[string]int64{"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}

func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := sizeUnits[unit]
	f, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || num == "" {
		return 0, fmt.Errorf("%q is not a size (1048576, 512K, 1MiB)", s)
	}
	n := f * float64(mult)
	if n < 1 || n > 1<<40 {
		return 0, fmt.Errorf("%q is out of range (1 B to 1 TiB)", s)
	}
	return int64(n), nil
}

func (v *sizeValue) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*v.n = n
	return nil
}
func (v *sizeValue) String() string {
	if v.n == nil {
		return ""
	}
	return strconv.FormatInt(*v.n, 10)
}
func (v *sizeValue) Type() string { return "size" }

// addSize adds a size flag whose default is what *p holds, shown in help
// as a size is written (1MiB, not 1048576).
func addSize(fs *pflag.FlagSet, p *int64, name, usage string) {
	fs.Var(&sizeValue{p}, name, usage)
	fs.Lookup(name).DefValue = formatSize(*p)
}

// formatSize writes a byte count as addSize shows it: 1MiB, 512KiB, 100B.
func formatSize(n int64) string {
	for _, u := range []struct {
		unit string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.unit
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// secretFlags is a secret that may come from a flag, an environment variable
// or a file: --NAME, --NAME-env VAR, --NAME-file PATH.
type secretFlags struct {
	name             string
	value, env, file string
}

func addSecretFlags(fs *pflag.FlagSet, s *secretFlags, name, what string, plain bool) {
	s.name = name
	if plain {
		fs.StringVar(&s.value, name, "", what+" (visible in the process list: prefer --"+name+"-env or --"+name+"-file)")
	}
	fs.StringVar(&s.env, name+"-env", "", "read the "+what+" from this environment variable")
	fs.StringVar(&s.file, name+"-file", "", "read the "+what+" from this file (first line)")
}

// given reports whether any source was set.
func (s *secretFlags) given() bool { return s.value != "" || s.env != "" || s.file != "" }

// maxSecretFile caps a file a secret is read from: its first line is the
// secret, and a key or password is short.
const maxSecretFile = 64 << 10

// resolve returns the secret, read from the run's environment or a file,
// and registers it with the run's redactor.
func (s *secretFlags) resolve(ce *checkEnv) (string, error) {
	rs := ce.run
	n := 0
	for _, v := range []string{s.value, s.env, s.file} {
		if v != "" {
			n++
		}
	}
	if n > 1 {
		return "", fmt.Errorf("give only one of --%s, --%s-env and --%s-file", s.name, s.name, s.name)
	}
	var secret string
	switch {
	case s.value != "":
		secret = s.value
	case s.env != "":
		secret = rs.getenv(s.env)
		if secret == "" {
			return "", fmt.Errorf("--%s-env: environment variable %s is not set or empty", s.name, s.env)
		}
	case s.file != "":
		b, err := ce.readFile(s.file, maxSecretFile)
		if err != nil {
			return "", fmt.Errorf("--%s-file: %w", s.name, err)
		}
		secret, _, _ = strings.Cut(string(b), "\n")
		secret = strings.TrimRight(secret, "\r")
		if secret == "" {
			return "", fmt.Errorf("--%s-file: %s is empty", s.name, s.file)
		}
	}
	rs.redactor.Add(secret)
	return secret, nil
}

// daysValue is an optional whole number of days: unset means no threshold.
type daysValue struct{ p **int }

func (v *daysValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 36500 {
		return fmt.Errorf("%q is not a number of days", s)
	}
	*v.p = &n
	return nil
}
func (v *daysValue) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return strconv.Itoa(**v.p)
}
func (v *daysValue) Type() string { return "days" }

// flagError words a flag's parse error for an operator: "--port: "x" is
// not a whole number" rather than pflag's and strconv's own phrasing.
func flagError(err error) error {
	var inv *pflag.InvalidValueError
	if errors.As(err, &inv) {
		return fmt.Errorf("--%s: %w", inv.GetFlag().Name, valueError(inv.GetValue(), inv.Unwrap()))
	}
	return err
}

// valueError rewords strconv's errors about a flag value.
func valueError(value string, err error) error {
	var inv *pflag.InvalidValueError
	if errors.As(err, &inv) {
		err = inv.Unwrap()
	}
	var num *strconv.NumError
	if !errors.As(err, &num) {
		return err
	}
	switch {
	case num.Func == "ParseBool":
		return fmt.Errorf("%q is not true or false", value)
	case errors.Is(num.Err, strconv.ErrRange):
		return fmt.Errorf("%q is out of range", value)
	}
	return fmt.Errorf("%q is not a whole number", value)
}

// jsonRequested reports whether a command line asks for --output json,
// read from the words themselves for when parsing stopped before it.
func jsonRequested(args []string) bool {
	for i, a := range args {
		switch {
		case a == "--":
			return false
		case a == "--output=json":
			return true
		case a == "--output" && i+1 < len(args) && args[i+1] == "json":
			return true
		}
	}
	return false
}

// listValue is a repeatable string flag, as pflag's StringArray (each
// occurrence one value, commas and all), without the CSV rendering of its
// empty default that costs every StringArray definition a 4 KiB buffer at
// start-up.
type listValue struct{ p *[]string }

func addList(fs *pflag.FlagSet, p *[]string, name, shorthand, usage string) {
	fs.VarP(listValue{p}, name, shorthand, usage)
}

func (v listValue) Set(s string) error { *v.p = append(*v.p, s); return nil }
func (v listValue) Type() string       { return "stringArray" }
func (v listValue) String() string {
	if len(*v.p) == 0 {
		return "" // no default to show in --help
	}
	q := make([]string, len(*v.p))
	for i, s := range *v.p {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ",") + "]"
}
func (v listValue) Append(s string) error     { return v.Set(s) }
func (v listValue) Replace(ss []string) error { *v.p = append((*v.p)[:0], ss...); return nil }
func (v listValue) GetSlice() []string        { return *v.p }

// choiceList is a repeatable flag whose values are among a few words: a
// listValue that offers them to completion (and checks nothing itself).
type choiceList struct {
	listValue
	choices []string
}

func (v choiceList) Choices() []string { return v.choices }

func addChoiceList(fs *pflag.FlagSet, p *[]string, name string, choices []string, usage string) {
	fs.Var(choiceList{listValue{p}, choices}, name, usage)
}

// rangeText is a threshold range flag, kept as given (the command parses
// it, naming the flag in its error): help calls its value a range.
type rangeText struct{ p *string }

func (v rangeText) Set(s string) error { *v.p = s; return nil }
func (v rangeText) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}
func (v rangeText) Type() string { return "range" }

// addRange adds a range flag whose default is what *p holds.
func addRange(fs *pflag.FlagSet, p *string, name, shorthand, usage string) {
	fs.VarP(rangeText{p}, name, shorthand, usage)
}
