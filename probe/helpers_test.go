package probe

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/healthprobe/healthprobe/emulate"
)

// The login of the digest-protected test servers.
const (
	testUser     = "monitor"
	testPassword = "s3cret-pass-99"
)

// digestServer serves h behind digest auth (MD5, or the algorithm given)
// on 127.0.0.1 for the length of the test.
func digestServer(t *testing.T, algorithm string, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(emulate.DigestAuth{Realm: "test", User: testUser, Password: testPassword, Algorithm: algorithm}.Wrap(h))
	t.Cleanup(srv.Close)
	return srv
}

// emulateDigest puts h behind the test login (MD5 digest).
func emulateDigest(h http.Handler) http.Handler {
	return emulate.DigestAuth{Realm: "test", User: testUser, Password: testPassword}.Wrap(h)
}

// plainServer serves h without auth.
func plainServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// serveBody answers every request with body, as JSON when it looks like it.
func serveBody(body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(strings.TrimSpace(string(body)), "<") {
			w.Header().Set("Content-Type", "text/html")
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		_, _ = w.Write(body)
	})
}

// fixture reads a file of the repository's testdata directory.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readFixture reads testdata/itgrix/NAME, for fuzz seeds.
func readFixture(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("..", "testdata", "itgrix", name))
}

func loginConfig() ClientConfig {
	return ClientConfig{User: testUser, Password: testPassword, Auth: "auto"}
}

// detailsWith returns the details whose name starts with prefix.
func detailsWith(r Result, prefix string) []Detail {
	var out []Detail
	for _, d := range r.Details {
		if strings.HasPrefix(d.Name, prefix) {
			out = append(out, d)
		}
	}
	return out
}

// perfWith renders the perfdata whose label starts with one of prefixes.
func perfStrings(r Result, skip ...string) []string {
	var out []string
next:
	for _, p := range r.Perfdata {
		for _, s := range skip {
			if strings.HasPrefix(p.Label, s) {
				continue next
			}
		}
		out = append(out, p.String())
	}
	return out
}

// logCapture collects a client's verbose lines.
type logCapture struct {
	mu    sync.Mutex
	lines []string
}

func (l *logCapture) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logCapture) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// has reports whether line was logged, whole.
func (l *logCapture) has(line string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Contains(l.lines, line)
}
