package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Regression: HTTP set Duration in a defer on an unnamed result, so callers
// (and the JSON output's duration_seconds) always saw 0.
func TestHTTPReportsDuration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	r := HTTP(context.Background(), HTTPConfig{URL: srv.URL})
	if r.Duration <= 0 {
		t.Errorf("duration %s", r.Duration)
	}
}
