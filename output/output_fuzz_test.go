package output

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
)

// FuzzNagiosText: whatever texts a result holds, the plugin output is line
// 1 and one line per sub-check, valid UTF-8, and the JSON form is one
// object on one line.
func FuzzNagiosText(f *testing.F) {
	f.Add("200 OK", "status", "status 200 OK", "time", uint8(0))
	f.Add("a\nb|c", "n\x00", "x\r\ny\u2028z", "l|b", uint8(2))
	f.Add("\xff\xfe", "", "\u202eevil", "", uint8(7))
	f.Fuzz(func(t *testing.T, summary, name, text, label string, state uint8) {
		st := nagios.State(state % 5) // 4 is out of range: rendered as UNKNOWN
		r := probe.Result{Kind: "HTTP", State: st, Summary: summary,
			Details:  []probe.Detail{{Name: name, State: st, Text: text}, {Name: "b", State: nagios.OK, Text: "fine"}},
			Perfdata: []nagios.Perfdata{{Label: label, Value: 1}}}
		out := NagiosText(r, false, "")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "HTTP "+st.String()+" - ") {
			t.Fatalf("%d lines: %q", len(lines), out)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("not UTF-8: %q", out)
		}
		if strings.Count(lines[0], " | ") != 1 {
			t.Fatalf("line 1 must have exactly one perfdata separator: %q", lines[0])
		}
		var b strings.Builder
		if err := Write(&b, r, Options{Format: JSON}); err != nil {
			t.Fatal(err)
		}
		if strings.Count(b.String(), "\n") != 1 || !json.Valid([]byte(b.String())) {
			t.Fatalf("JSON %q", b.String())
		}
	})
}
