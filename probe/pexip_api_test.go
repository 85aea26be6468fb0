package probe

import (
	"net/http"
	"os"
	"testing"

	"github.com/healthprobe/healthprobe/nagios"
)

// Each fixture in testdata/pexip/ stands for a real answer; this is what the
// request_token reader makes of it.
func TestReadRequestTokenFixtures(t *testing.T) {
	tests := []struct {
		fixture  string
		status   int
		pinGiven bool
		state    nagios.State
		text     string
		token    string // the token to release, "" for none
	}{
		{"request_token_ok.json", 200, false, nagios.OK,
			`alias probe.test: call accepted as HOST by service test_call "Edge test call"`,
			"FIXTURE-TOKEN-3mQ9vL2xT8kR4pW7nZ1cY6bH0sJ5dF-aG_eU8iO2uK4yX7tB1rN9wM3qP6zC0vS5hD8lA2fE4jT7gR1kY9mW3xQ6nB0="},
		{"request_token_ok_guest.json", 200, true, nagios.OK,
			`alias probe.test: call accepted as GUEST by service conference "Team room"`,
			"FIXTURE-GUEST-TOKEN-8dK2mX5qL9vR3tW6nB1cZ4yH7sJ0fG-Qe4Rt7Yu1Io3Pa6Sd9Fg2Hj5Kl8Zx0Cv3Bn6Mq9Wr="},
		// the credentials rule: a PIN the check lacks is UNKNOWN, one the
		// node refuses CRITICAL (both were WARNING)
		{"request_token_pin_required.json", 403, false, nagios.Unknown,
			"alias probe.test needs a PIN and none was given (use --pin-env or --pin-file)", ""},
		{"request_token_pin_required.json", 403, true, nagios.Critical,
			"alias probe.test: the PIN given was not accepted (a PIN is required)", ""},
		{"request_token_host_pin_required.json", 403, false, nagios.Unknown,
			"alias probe.test needs a host PIN and none was given; guests join without one (--guest joins as a guest)", ""},
		{"request_token_invalid_pin.json", 403, true, nagios.Critical,
			`alias probe.test: PIN refused (403: "Invalid PIN")`, ""},
		{"request_token_virtual_reception.json", 403, false, nagios.Warning,
			"alias probe.test is a Virtual Reception: it asks for the number of a conference to join; point --alias at a conference or test call service", ""},
		{"request_token_sso_required.json", 403, false, nagios.Warning,
			`alias probe.test needs single sign-on (identity providers "Example Entra ID", "Example Okta"): the probe cannot sign in; point --alias at a service without SSO`, ""},
		{"request_token_sso_redirect.json", 403, false, nagios.Warning,
			`alias probe.test needs single sign-on via "Example Entra ID": the probe cannot sign in; point --alias at a service without SSO`, ""},
		{"conference_not_found.json", 404, false, nagios.Critical,
			`no service matches alias probe.test on this node (404: "Neither conference nor gateway found")`, ""},
		{"not_a_pexip_node.html", 404, false, nagios.Critical,
			"not a Pexip Infinity node: 404 Not Found to the client API, an HTML page", ""},
		{"not_a_pexip_node.html", 200, false, nagios.Critical,
			"request_token answered 200 OK with an HTML page, not Pexip JSON: not a Pexip Infinity node?", ""},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			body, err := os.ReadFile("../testdata/pexip/" + tt.fixture)
			if err != nil {
				t.Fatal(err)
			}
			ex := &Exchange{Status: tt.status, StatusLine: (&Client{}).statusLine(&http.Response{StatusCode: tt.status}), Header: http.Header{}, Body: body}
			a := readRequestToken(ex, "probe.test", tt.pinGiven, false)
			if a.state != tt.state || a.text != tt.text {
				t.Errorf("got %s %q\nwant %s %q", a.state, a.text, tt.state, tt.text)
			}
			switch {
			case tt.token == "" && a.grant != nil:
				t.Errorf("a token to release from a refusal")
			case tt.token != "" && (a.grant == nil || a.grant.Token != tt.token):
				t.Errorf("token not read: %+v", a.grant)
			case a.grant != nil && (a.grant.lifetime().Seconds() != 120 || a.grant.version() != "Infinity 36 (pseudo 79050.0.0)"):
				t.Errorf("lifetime %s, version %q", a.grant.lifetime(), a.grant.version())
			}
		})
	}
}
