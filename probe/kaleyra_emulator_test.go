package probe

import (
	"context"
	"testing"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

// The emulator serves every documented answer in each format, and the probe
// reads them all alike.
func TestKaleyraEmulator(t *testing.T) {
	srv, err := emulate.Serve(emulate.Kaleyra(emulate.KaleyraAPIKey))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tests := []struct {
		path    string
		state   nagios.State
		summary string
	}{
		{"/v1/", nagios.OK, "2 numbers operational"},
		{"/incidents/v1/", nagios.Critical, incidentsSummary},
		{"/no-incidents/v1/", nagios.OK, "no incidents (E701 No incidents found)"},
		{"/not-subscribed/v1/", nagios.Unknown, "E542 User Plugin not found or inactive: enable the Health Check plugin for this account in the voice panel (Plugins)"},
		{"/unknown-type/v1/", nagios.Unknown, `1 unknown of 2 numbers: KA-IN +878788197367616 type "maintenance"`},
		{"/bad-gateway/v1/", nagios.Critical, `HTTP 502 Bad Gateway from the monitor API: an HTML page "502 Bad Gateway"`},
	}
	for _, format := range []string{"xml", "json", "json-wrapped"} {
		for _, tt := range tests {
			t.Run(format+tt.path, func(t *testing.T) {
				base, f := srv.URL+tt.path, format
				if format == "json-wrapped" {
					base, f = base+"?json=wrapped", "json"
				}
				r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: base, APIKey: emulate.KaleyraAPIKey, Format: f})
				if r.State != tt.state || r.Summary != tt.summary {
					t.Errorf("got %s %q\nwant %s %q", r.State, r.Summary, tt.state, tt.summary)
				}
			})
		}
	}
	formatSpecific := []struct {
		path, format, summary string
		state                 nagios.State
	}{
		{"/nowhere/v1/", "xml", `HTTP 404 Not Found: no XML in "404 page not found": check --url`, nagios.Unknown},
		{"/nowhere/v1/", "json", `HTTP 404 Not Found: no JSON in "404 page not found": check --url`, nagios.Unknown},
		{"/html/v1/", "xml", `the answer is an HTML page "Kaleyra ¦ Sign in", not the monitor API's XML: check --url`, nagios.Unknown},
		{"/html/v1/", "json", `the answer is an HTML page "Kaleyra ¦ Sign in", not the monitor API's JSON: check --url`, nagios.Unknown},
		{"/truncated/v1/", "xml", "not a monitor API answer: the XML ends early (incomplete answer)", nagios.Unknown},
		{"/truncated/v1/", "json", "not a monitor API answer: the JSON ends early (incomplete answer)", nagios.Unknown},
		{"/big/v1/", "xml", "the answer was cut at 1 MiB by --max-body before its end: raise --max-body", nagios.Unknown},
		{"/big/v1/", "json", "the answer was cut at 1 MiB by --max-body before its end: raise --max-body", nagios.Unknown},
	}
	for _, tt := range formatSpecific {
		r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL + tt.path, APIKey: emulate.KaleyraAPIKey, Format: tt.format})
		if r.State != tt.state || r.Summary != tt.summary {
			t.Errorf("%s %s: got %s %q\nwant %s %q", tt.format, tt.path, r.State, r.Summary, tt.state, tt.summary)
		}
	}
	// a wrong key, in both formats
	for _, format := range []string{"xml", "json"} {
		r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL + "/v1/", APIKey: "wrong", Format: format})
		want := emulate.KaleyraBadKeyCode + " " + emulate.KaleyraBadKeyMessage + ": the API key was refused"
		if r.State != nagios.Critical || r.Summary != want {
			t.Errorf("%s wrong key: got %s %q", format, r.State, r.Summary)
		}
	}
}
