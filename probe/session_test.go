package probe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/redact"
)

// RunHTTP: a client that cannot be built is UNKNOWN and the check never
// runs; otherwise the check gets a session with a redactor, and the result
// its kind, target and duration.
func TestRunHTTP(t *testing.T) {
	ran := false
	r := RunHTTP(context.Background(), "FOO", "http://x", ClientConfig{CAFile: "/nonexistent/ca.pem"}, func(context.Context, *Session) { ran = true })
	if ran || r.State != nagios.Unknown || r.Kind != "FOO" || !strings.HasPrefix(r.Summary, "reading --ca-file: open /nonexistent/ca.pem") || r.Duration <= 0 {
		t.Errorf("unusable client: ran %v, %+v", ran, r)
	}
	r = RunHTTP(context.Background(), "FOO", "http://x", ClientConfig{}, func(_ context.Context, s *Session) {
		if s.Redactor == nil || s.Client == nil || s.R == nil || s.Start.IsZero() {
			t.Errorf("session %+v", s)
		}
		time.Sleep(time.Millisecond)
		s.R.Add("x", nagios.Warning, "one sub-check")
	})
	if r.State != nagios.Warning || r.Target != "http://x" || r.Duration < time.Millisecond {
		t.Errorf("got %+v", r)
	}
}

// Session.Do hands back a classified *RequestError; Fail makes it the
// result's state and reason.
func TestSessionDoClassifies(t *testing.T) {
	r := RunHTTP(context.Background(), "FOO", "", ClientConfig{TimeoutState: nagios.Critical}, func(ctx context.Context, s *Session) {
		ex, err := s.Do(ctx, http.MethodGet, "http://127.0.0.1:1/", nil, nil)
		if ex != nil || err == nil || err.State != nagios.Critical {
			t.Fatalf("got %v %+v", ex, err)
		}
		var rerr *RequestError
		if !errors.As(error(err), &rerr) {
			t.Errorf("not a *RequestError: %T", err)
		}
		s.Fail(err)
	})
	if r.State != nagios.Critical || r.Summary != "connection refused by 127.0.0.1:1" {
		t.Errorf("got %s %q", r.State, r.Summary)
	}
}

// A Pexip call token is a secret of the run from the moment it is issued:
// the run's redactor masks it wherever it shows later.
func TestPexipTokenJoinsTheRedactor(t *testing.T) {
	p, base := startPexip(t)
	cfg := pexipConfig(base, emulate.PexipTestCall)
	red := redact.New()
	cfg.Client.Redactor = red
	if r := runPexip(t, cfg); r.State != nagios.OK {
		t.Fatalf("got %s %q", r.State, r.Summary)
	}
	issued := p.Issued()
	if len(issued) != 1 {
		t.Fatalf("issued %v", issued)
	}
	if got := red.String("echoed: " + issued[0].Token); got != "echoed: [redacted]" {
		t.Errorf("the token is not masked: %q", got)
	}
}

// The one header-value check: no control characters but tab.
func TestValidHeaderValue(t *testing.T) {
	for s, want := range map[string]bool{"": true, "abc": true, "a\tb": true, "é ü": true, "a\nb": false, "a\rb": false, "a\x00": false, "a\x7f": false} {
		if got := ValidHeaderValue(s); got != want {
			t.Errorf("ValidHeaderValue(%q) = %v", s, got)
		}
	}
}

// Kaleyra's key joins the run's redactor, which masks it where the answer
// echoes it in a text of the result.
func TestKaleyraKeyJoinsTheRedactor(t *testing.T) {
	const key = "k3y-echoed-back"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("<api><status>E101</status><message>Invalid API key " + key + "</message></api>"))
	}))
	defer srv.Close()
	red := redact.New()
	r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL + "/v1/", APIKey: key, Client: ClientConfig{Redactor: red}})
	if got := red.String(r.Summary); got != "E101 Invalid API key [redacted]: the API key was refused" {
		t.Errorf("got %q", got)
	}
}

// An answer is judged as it came: in a batch the run's redactor holds the
// secrets of every check, and masking them in a body before it is parsed
// (a PIN of another check inside one of its numbers) made valid JSON
// invalid. The texts are masked where they leave the process.
func TestKaleyraJudgesTheAnswerAsItCame(t *testing.T) {
	body, err := os.ReadFile("../testdata/kaleyra/ok_single_incident_numeric_numbers.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }))
	defer srv.Close()
	red := redact.New()
	red.Add("1973") // another check's PIN, inside the number 878788197367616
	r := Kaleyra(context.Background(), KaleyraConfig{BaseURL: srv.URL + "/v1/", APIKey: "k3y", Format: "json", Client: ClientConfig{Redactor: red}})
	if r.State != nagios.Critical || r.Summary != "2 critical of 2 numbers: KA-IN 878788197367616 critical, KA-IN 918040001111 critical" {
		t.Errorf("got %s %q", r.State, r.Summary)
	}
}

// An excerpt masks only the start of a long body, and a secret cut where
// that start ends shows no head.
func TestExcerptOfALongBody(t *testing.T) {
	red := redact.New()
	red.Add("s3cret-at-the-edge")
	limit := 4*60 + excerptSlack
	for _, tt := range []struct {
		body, want string
	}{
		{strings.Repeat(" ", limit-3) + "s3cret-at-the-edge and more", "[redacted]…"},
		{strings.Repeat("\n", 100) + "ready s3cret-at-the-edge", "ready [redacted]"},
		{"x" + strings.Repeat("y", 2<<20), "x" + strings.Repeat("y", 59) + "…"},
	} {
		ex := &Exchange{Body: []byte(tt.body), red: red}
		if got := ex.Excerpt(60); got != tt.want {
			t.Errorf("Excerpt of %d bytes = %q, want %q", len(tt.body), got, tt.want)
		}
	}
}
