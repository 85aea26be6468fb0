package probe

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/redact"
)

// FuzzPexipAnswer feeds any status and body to the request_token reader and
// the body redactor: never a panic, always a state 0-3 and one line of
// text, never the token in that text, and no token left after redaction.
func FuzzPexipAnswer(f *testing.F) {
	for _, b := range fixtures(f, "../testdata/pexip/*") {
		for _, code := range []uint16{200, 403, 404, 503} {
			f.Add(code, b, false)
		}
	}
	f.Add(uint16(200), []byte(`{"status":"success","result":{"token":"a|b\nc","role":"a|b\nc"}}`), true)
	f.Add(uint16(200), []byte(`{"result":{"token":"t1","TOKEN":"t2","Token":"t3"},"RESULT":{"token":"t4"}}`), false)
	f.Add(uint16(200), []byte("{\"result\":{\"to\u212aen\":\"kelvin-sign\"}}"), false) // K folds to k
	f.Add(uint16(403), []byte(`"Invalid PIN"`), true)
	f.Fuzz(func(t *testing.T, code uint16, body []byte, pinGiven bool) {
		status := 100 + int(code)%500
		ex := &Exchange{Status: status, StatusLine: fmt.Sprintf("%d %s", status, http.StatusText(status)),
			Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
		a := readRequestToken(ex, "fuzz.alias", pinGiven, false)
		if a.state < nagios.OK || a.state > nagios.Unknown {
			t.Fatalf("state %d", a.state)
		}
		if a.text == "" || strings.ContainsAny(a.text, "\r\n") {
			t.Fatalf("text %q", a.text)
		}
		if g := a.grant; g != nil {
			if status != http.StatusOK || g.Token == "" {
				t.Fatalf("grant on %d with token %q", status, g.Token)
			}
			if g.lifetime() <= 0 {
				t.Fatalf("lifetime %s", g.lifetime())
			}
			var env pexipEnvelope
			_ = json.Unmarshal(body, &env)
			printed := strings.Join([]string{"fuzz.alias", g.role(), g.service(), g.version(), ex.Quote(env.Status, 80)}, "\x00")
			if !strings.Contains(printed, g.Token) && strings.Contains(a.text, g.Token) {
				t.Fatalf("token %q in %q", g.Token, a.text)
			}
		}
		ex.Body = pexipAssertBody(body, pexipIssued(ex))
		if b := readRequestToken(ex, "fuzz.alias", pinGiven, false); b.grant != nil && b.grant.Token != "[redacted]" {
			t.Fatalf("token %q survives redaction of %q: %q", b.grant.Token, body, ex.Body)
		}
	})
}

// FuzzScrubJSON: the re-encoding of any answer is valid JSON with every
// string under a secret key masked, and says nothing else is different:
// scrubbing it again finds only masks.
func FuzzScrubJSON(f *testing.F) {
	for _, s := range []string{`{"result":{"token":"t0k","turn":[{"credential":"c","urls":["u"]}]}}`, `{"a":[1,2.5e3,true,null,"x"]}`,
		`{"t\u006fken":"\u0061bc"}`, `[{"password":{"x":"y"}}]`, `"s"`, `{"token":"a"} trailing`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		secrets, masked, ok := scrubJSON(body, pexipSecretKey().MatchString)
		if !ok {
			return
		}
		if !json.Valid(masked) {
			t.Fatalf("%q -> invalid %q", body, masked)
		}
		again, _, ok := scrubJSON(masked, pexipSecretKey().MatchString)
		if !ok || len(again) != len(secrets) {
			t.Fatalf("%q -> %q: %d secrets, then %d", body, masked, len(secrets), len(again))
		}
		for _, s := range again {
			if s != redact.Mask {
				t.Fatalf("%q -> %q keeps %q", body, masked, s)
			}
		}
	})
}

// fixtures reads the files that match pattern, the seeds of a fuzz target;
// none is an error.
func fixtures(f *testing.F, pattern string) [][]byte {
	f.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	var out [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}
