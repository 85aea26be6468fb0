package nagios

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest check name, in bytes.
const MaxNameLen = 200

// CheckName says why name cannot name a check, or nil. A check's name
// (--name, or name: in a batch file) is shown on plugin lines (line 1 of a
// batch, its long output), in events and in Prometheus labels, so it may
// not hold what changes the meaning or the look of a line: "|", which
// starts the perfdata of a plugin line; control characters (a line break,
// ESC, BEL ...); Unicode line and paragraph separators; invisible
// formatting characters (bidirectional overrides that reorder what is
// read, zero-width characters); quotes and backslashes; or bytes that are
// not UTF-8.
func CheckName(name string) error {
	switch {
	case name == "":
		return errors.New("a check name may not be empty")
	case len(name) > MaxNameLen:
		return fmt.Errorf("a check name may be at most %d bytes long, not %d", MaxNameLen, len(name))
	case !utf8.ValidString(name):
		return errors.New("a check name must be UTF-8 text")
	}
	for _, r := range name {
		var what string
		switch {
		case r == '|':
			return errors.New("a check name may not hold the vertical bar U+007C, which starts the perfdata of a plugin line")
		case r == '"' || r == '\\':
			return errors.New("a check name may not hold quotes or backslashes")
		case unicode.IsControl(r):
			what = "the control character"
		case unicode.Is(unicode.Zl, r):
			what = "the line separator"
		case unicode.Is(unicode.Zp, r):
			what = "the paragraph separator"
		case unicode.Is(unicode.Cf, r):
			what = "the invisible formatting character"
		default:
			continue
		}
		return fmt.Errorf("a check name may not hold %s %U", what, r)
	}
	return nil
}
