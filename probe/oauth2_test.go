package probe

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/redact"
)

const testAccessToken = "acc3ss-t0ken-xyz"

// tokenEndpoint grants testAccessToken to client "probe" with secret
// "s3cret", its credentials in a basic header or, when formOnly, only in
// the form; it records the scope asked for.
func tokenEndpoint(t *testing.T, formOnly bool, scope *string) string {
	var mu sync.Mutex
	return plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, basic := r.BasicAuth()
		if !basic {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.PostForm.Get("grant_type") != "client_credentials":
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "unsupported_grant_type"})
		case (basic && formOnly) || id != "probe" || secret != "s3cret":
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": "client authentication failed"})
		default:
			mu.Lock()
			if scope != nil {
				*scope = r.PostForm.Get("scope")
			}
			mu.Unlock()
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": testAccessToken, "token_type": "bearer", "expires_in": 3600})
		}
	})).URL
}

func bearerOnly(t *testing.T) string {
	return plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testAccessToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("welcome"))
	})).URL
}

func TestOAuth2(t *testing.T) {
	api := bearerOnly(t)
	var scope string
	tokens := tokenEndpoint(t, false, &scope)
	formOnly := tokenEndpoint(t, true, nil)
	notJSON := plainServer(t, serveBody([]byte("<html>login</html>"))).URL
	tests := []struct {
		name, tokenURL, secret string
		want                   nagios.State
		summary                string
	}{
		{"granted", tokens, "s3cret", nagios.OK, "200 OK, keyword \"welcome\" found"},
		{"credentials in the form", formOnly, "s3cret", nagios.OK, "200 OK, keyword \"welcome\" found"},
		{"wrong secret", tokens, "wrong", nagios.Critical, "OAuth2 token request to 127.0.0.1:"},
		{"endpoint down", "http://127.0.0.1:1/token", "s3cret", nagios.Critical, "OAuth2 token request failed: connection refused by 127.0.0.1:1"},
		{"not JSON", notJSON, "s3cret", nagios.Critical, "OAuth2 token answer from 127.0.0.1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			red := redact.New()
			r := runHTTP(t, HTTPConfig{URL: api, Keywords: []string{"welcome"}, Client: ClientConfig{
				OAuth2:   &OAuth2{TokenURL: tt.tokenURL, ClientID: "probe", ClientSecret: tt.secret, Scopes: []string{"read", "health"}},
				Redactor: red,
			}})
			if r.State != tt.want || !strings.HasPrefix(r.Summary, tt.summary) {
				t.Fatalf("got %v %q, want %v %q…", r.State, r.Summary, tt.want, tt.summary)
			}
			if tt.want == nagios.OK && red.String("x "+testAccessToken) != "x "+redact.Mask {
				t.Error("the token did not join the run's redactor")
			}
			switch tt.name {
			case "wrong secret":
				if !strings.HasSuffix(r.Summary, " refused: 401 Unauthorized: invalid_client (client authentication failed)") {
					t.Errorf("summary %q", r.Summary)
				}
			case "not JSON":
				if !strings.HasSuffix(r.Summary, ` is not JSON ("text/html", 18 bytes)`) {
					t.Errorf("summary %q", r.Summary)
				}
			}
		})
	}
	if scope != "read health" {
		t.Errorf("scope %q", scope)
	}
}
