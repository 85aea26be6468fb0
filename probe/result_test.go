package probe

import (
	"testing"

	"github.com/healthprobe/healthprobe/nagios"
)

// TestWorstFirst: line 1 lists problems CRITICAL, WARNING, UNKNOWN, then
// the rest, keeping their order among equals, wherever it is put
// together; Kaleyra listed an UNKNOWN filter before a CRITICAL number.
func TestWorstFirst(t *testing.T) {
	got := WorstFirst([]Lead{
		{nagios.Unknown, "u1"}, {nagios.OK, "ok"}, {nagios.Warning, "w1"},
		{nagios.Critical, "c1"}, {nagios.Unknown, "u2"}, {nagios.Critical, "c2"}, {nagios.Warning, ""},
	})
	if want := "c1; c2; w1; u1; u2; ok"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestMention: a problem found after line 1 was written goes in front when
// it made the result worse, after it otherwise; a cookie jar that could
// not be saved went in front of a CRITICAL status.
func TestMention(t *testing.T) {
	for _, tt := range []struct {
		before, st nagios.State
		summary    string
		want       string
	}{
		{nagios.OK, nagios.Warning, "200 OK, 0.001 s", "cookies not saved; 200 OK, 0.001 s"},
		{nagios.Critical, nagios.Warning, "status 503 Service Unavailable", "status 503 Service Unavailable; cookies not saved"},
		{nagios.Warning, nagios.Warning, "status 404 Not Found", "status 404 Not Found; cookies not saved"},
		{nagios.Unknown, nagios.Warning, "jq .x is null", "cookies not saved; jq .x is null"},
		{nagios.Warning, nagios.OK, "status 404 Not Found", "status 404 Not Found"},
		{nagios.OK, nagios.Critical, "", "cookies not saved"},
	} {
		r := Result{State: tt.before, Summary: tt.summary}
		r.Raise(tt.st)
		r.Mention(tt.before, tt.st, "cookies not saved")
		if r.Summary != tt.want {
			t.Errorf("%s then %s: %q, want %q", tt.before, tt.st, r.Summary, tt.want)
		}
	}
}
