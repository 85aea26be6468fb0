package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The result carries the wall time of the check (it once stayed 0: the
// deferred assignment went to a copy).
func TestHTTPDuration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	for _, url := range []string{srv.URL, "http://127.0.0.1:1/"} {
		if r := HTTP(context.Background(), HTTPConfig{URL: url}); r.Duration <= 0 {
			t.Errorf("%s: duration %v", url, r.Duration)
		}
	}
}
