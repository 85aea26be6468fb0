package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

// bodySpy is a body assertion that keeps what it was shown.
type bodySpy struct{ body []byte }

func (s *bodySpy) Assert(_ context.Context, ex *Exchange, r *Result) {
	s.body = append([]byte(nil), ex.Body...)
	r.Add("spy", nagios.OK, "saw the body")
}

// The PIN, the token and the TURN credential never show: not in the result,
// not in the -vvv log, not in what body assertions (jq) see.
func TestPexipSecretsNeverShown(t *testing.T) {
	for _, release := range []bool{true, false} {
		t.Run(fmt.Sprintf("release=%v", release), func(t *testing.T) {
			p, base := startPexip(t)
			logs := &logCapture{}
			spy := &bodySpy{}
			cfg := pexipConfig(base, emulate.PexipPINRoom)
			cfg.PIN = emulate.PexipHostPIN
			cfg.Release = release
			cfg.Client.Verbose, cfg.Client.Log = 3, logs.logf
			cfg.Assertions = []BodyAssertion{spy}
			r := runPexip(t, cfg)
			if r.State != nagios.OK {
				t.Fatalf("%s %s", r.State, r.Summary)
			}
			out, _ := json.Marshal(r)
			all := logs.text() + "\n" + string(out) + "\n" + string(spy.body)
			issued := p.Issued()
			if len(issued) != 1 {
				t.Fatalf("%d tokens issued", len(issued))
			}
			for what, secret := range map[string]string{"PIN": emulate.PexipHostPIN, "token": issued[0].Token, "token prefix": emulate.PexipTokenPrefix} {
				if strings.Contains(all, secret) {
					t.Errorf("the %s shows:\n%s", what, all)
				}
			}
			for _, want := range []string{"> Pin: [redacted]", `"token":"[redacted]"`, `"role":"HOST"`} {
				if !strings.Contains(logs.text(), want) {
					t.Errorf("log lacks %q:\n%s", want, logs.text())
				}
			}
			if release && !strings.Contains(logs.text(), "> Token: [redacted]") {
				t.Errorf("release not logged with a masked token:\n%s", logs.text())
			}
			if !bytes.Contains(spy.body, []byte(`"token":"[redacted]"`)) || !bytes.Contains(spy.body, []byte(`"credential":"[redacted]"`)) ||
				!bytes.Contains(spy.body, []byte(`"role":"HOST"`)) {
				t.Errorf("assertions saw %s", spy.body)
			}
		})
	}
}

// What body assertions see of an answer: every string under a secret key
// masked, the rest kept, JSON or not.
func TestPexipAssertBody(t *testing.T) {
	ok, err := os.ReadFile("../testdata/pexip/request_token_ok.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body   string
		hidden, kept []string
	}{
		{"fixture", string(ok), []string{"FIXTURE-TOKEN", "FIXTURE-TURN-CREDENTIAL", "1700000000:fixture"},
			[]string{`"role":"HOST"`, `"version_id":"36"`, `"token":"[redacted]"`, `"client_stats_update_interval":4000`, `"chat_enabled":true`}},
		{"odd case keys", `{"Result":{"TOKEN":"s3cr3t-token","Turn":[{"credential":"cred-1"}]}}`, []string{"s3cr3t-token", "cred-1"}, []string{`"TOKEN":"[redacted]"`}},
		{"duplicate keys", `{"result":{"token":"first-secret","token":"second-secret"}}`, []string{"first-secret", "second-secret"}, nil},
		{"escaped key and value", `{"result":{"t\u006fken":"\u0061bc-secret"}}`, []string{"abc-secret", `\u0061bc`}, []string{`"token":"[redacted]"`}},
		{"truncated", `{"status":"success","result":{"token":"half-a-secr`, []string{"half-a-secr"}, []string{`"status":"success"`}},
		{"trailing data", `{"result":{"token":"tok-trailing"}} {"more":1}`, []string{"tok-trailing"}, nil},
		{"string result kept", `{"status":"success","result":"Invalid PIN"}`, nil, []string{"Invalid PIN"}},
		{"PIN state kept", `{"status":"success","result":{"pin":"required","guest_pin":"none"}}`, nil, []string{`"pin":"required"`}},
		{"HTML kept", `<html>Not Found</html>`, nil, []string{"Not Found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issued := pexipIssued(&Exchange{Body: []byte(tt.body)})
			got := string(pexipAssertBody([]byte(tt.body), issued))
			for _, h := range tt.hidden {
				if strings.Contains(got, h) {
					t.Errorf("%q shows in %s", h, got)
				}
			}
			for _, k := range tt.kept {
				if !strings.Contains(got, k) {
					t.Errorf("%q lost from %s", k, got)
				}
			}
			for _, s := range issued {
				if s == "required" || s == "Invalid PIN" || s == "none" {
					t.Errorf("%q taken for a secret", s)
				}
			}
		})
	}
}
