package probe

import (
	"fmt"
	"strconv"
	"strings"
)

// StatusSet is a list of HTTP status codes and ranges, "200-299,301".
type StatusSet []statusSpan

type statusSpan struct{ lo, hi int }

// ParseStatusSet parses a comma-separated list of codes and lo-hi ranges.
func ParseStatusSet(s string) (StatusSet, error) {
	var set StatusSet
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("invalid status list %q: empty", s)
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		loStr, hiStr, isRange := strings.Cut(part, "-")
		lo, err := parseCode(loStr)
		if err != nil {
			return nil, fmt.Errorf("invalid status list %q: %w", s, err)
		}
		hi := lo
		if isRange {
			if hi, err = parseCode(hiStr); err != nil {
				return nil, fmt.Errorf("invalid status list %q: %w", s, err)
			}
			if hi < lo {
				return nil, fmt.Errorf("invalid status list %q: range %s runs backwards", s, part)
			}
		}
		set = append(set, statusSpan{lo, hi})
	}
	return set, nil
}

func parseCode(s string) (int, error) {
	s = strings.TrimSpace(s)
	if len(s) != 3 {
		return 0, fmt.Errorf("%q is not a three-digit status code", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 {
		return 0, fmt.Errorf("%q is not a three-digit status code", s)
	}
	return n, nil
}

// Contains reports whether code is in the set.
func (s StatusSet) Contains(code int) bool {
	for _, sp := range s {
		if code >= sp.lo && code <= sp.hi {
			return true
		}
	}
	return false
}

// String renders the set in the syntax it was parsed from.
func (s StatusSet) String() string {
	parts := make([]string, len(s))
	for i, sp := range s {
		if sp.lo == sp.hi {
			parts[i] = strconv.Itoa(sp.lo)
		} else {
			parts[i] = fmt.Sprintf("%d-%d", sp.lo, sp.hi)
		}
	}
	return strings.Join(parts, ",")
}
