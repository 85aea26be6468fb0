// Package nagios holds the monitoring-plugin contract: states and their exit
// codes, threshold ranges and performance data.
package nagios

import (
	"fmt"
	"strings"
)

// State is a plugin state. Its integer value is the process exit code.
type State int

// The four plugin states, ordered by their exit codes.
const (
	OK       State = 0
	Warning  State = 1
	Critical State = 2
	Unknown  State = 3
)

var stateNames = [...]string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}

// String returns the upper-case name used on a plugin's first line.
func (s State) String() string {
	if s < OK || s > Unknown {
		return "UNKNOWN"
	}
	return stateNames[s]
}

// ExitCode returns the process exit code for s, always in 0..3.
func (s State) ExitCode() int {
	if s < OK || s > Unknown {
		return int(Unknown)
	}
	return int(s)
}

// severity orders states for aggregation: OK < UNKNOWN < WARNING < CRITICAL.
// This is the order used by Icinga and the Monitoring Plugins: an UNKNOWN
// sub-check must not hide a CRITICAL one, but it is worse than OK.
func (s State) severity() int {
	switch s {
	case OK:
		return 0
	case Unknown:
		return 1
	case Warning:
		return 2
	case Critical:
		return 3
	}
	return 1
}

// Worse reports whether s is more severe than t.
func (s State) Worse(t State) bool { return s.severity() > t.severity() }

// Worst returns the most severe of the given states (OK when none are given).
func Worst(states ...State) State {
	w := OK
	for _, s := range states {
		if s.Worse(w) {
			w = s
		}
	}
	return w
}

// ParseState parses a state name as given on the command line
// (ok, warning, critical, unknown, case-insensitive; also 0-3).
func ParseState(s string) (State, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "ok", "0":
		return OK, nil
	case "warning", "warn", "1":
		return Warning, nil
	case "critical", "crit", "2":
		return Critical, nil
	case "unknown", "3":
		return Unknown, nil
	}
	return Unknown, fmt.Errorf("invalid state %q (want ok, warning, critical or unknown)", s)
}

// Set implements pflag.Value so a State can be a flag.
func (s *State) Set(v string) error {
	st, err := ParseState(v)
	if err != nil {
		return err
	}
	*s = st
	return nil
}

// Type implements pflag.Value.
func (s *State) Type() string { return "state" }

// MarshalText renders the state name, so JSON carries "OK" and not 0.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
