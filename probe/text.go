package probe

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/healthprobe/healthprobe/internal/oneline"
)

// Excerpt returns a short, safe, one-line excerpt of a body for a summary:
// valid UTF-8, no control characters, white space folded, at most n runes.
// A body from a server is shown through Exchange.Excerpt, which redacts it
// before it is cut.
func Excerpt(b []byte, n int) string { return SanitizeLine(string(b), n) }

// SanitizeLine makes any text safe for one line of plugin output: valid
// UTF-8, no control characters, white space folded, a pipe (which would
// start perfdata) shown as ¦, at most n runes, a cut marked with
// oneline.Cut (the redactor masks a secret's head before it).
func SanitizeLine(s string, n int) string { return oneline.Sanitize(s, n) }

// plural is a count with its unit: "1 byte", "3 bytes".
func plural(n int64, unit string) string {
	if n == 1 || n == -1 {
		return "1 " + unit
	}
	return strconv.FormatInt(n, 10) + " " + unit + "s"
}

// FormatBytes renders a size in binary units: "1 MiB", "512 KiB", "100 B".
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// bodyIsHTML reports whether an answer is an HTML page, by its
// Content-Type or, failing that, by its first bytes.
func bodyIsHTML(ex *Exchange) bool {
	if mt, _, err := mime.ParseMediaType(ex.Header.Get("Content-Type")); err == nil && (mt == "text/html" || mt == "application/xhtml+xml") {
		return true
	}
	return strings.HasPrefix(http.DetectContentType(ex.Body), "text/html")
}

// Quote quotes text for a message, made safe by SanitizeLine (at most n
// runes) and escaped nowhere: in double quotes, or in single quotes when
// it holds a double quote and no single one, so that a JSON body or
// keyword reads as it was ('{"db":"up"}', not "{\"db\":\"up\"}").
func Quote(s string, n int) string { return quoted(SanitizeLine(s, n)) }

// quoted quotes a line that is already safe, as Quote says.
func quoted(s string) string {
	if strings.Contains(s, `"`) && !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + s + `"`
}
