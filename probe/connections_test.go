package probe

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/healthprobe/healthprobe/nagios"
)

// connCounter is a server that counts the connections it was given and
// signals each one's close.
type connCounter struct {
	mu     sync.Mutex
	opened int
	closed chan struct{}
}

func newConnCounter(t *testing.T, h http.Handler) (*httptest.Server, *connCounter) {
	cc := &connCounter{closed: make(chan struct{}, 16)}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			cc.mu.Lock()
			cc.opened++
			cc.mu.Unlock()
		case http.StateClosed, http.StateHijacked:
			cc.closed <- struct{}{}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, cc
}

func (cc *connCounter) count() int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.opened
}

// The http check, as check_curl and blackbox_exporter, asks for
// "Connection: close" and opens a connection for each request: a redirect
// it follows and the second round of a login too. A flow's steps share
// theirs.
func TestConnectionPerRequest(t *testing.T) {
	var mu sync.Mutex
	var connHeader []string
	srv, cc := newConnCounter(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		connHeader = append(connHeader, r.Header.Get("Connection"))
		mu.Unlock()
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/ready", http.StatusFound)
			return
		case "/login":
			if _, _, ok := r.BasicAuth(); !ok {
				w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		}
		io.WriteString(w, "ready")
	}))
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		cfg   HTTPConfig
		conns int
	}{
		{"one request", HTTPConfig{URL: srv.URL + "/ready"}, 1},
		{"a redirect followed", HTTPConfig{URL: srv.URL + "/moved", Client: ClientConfig{Follow: true, MaxRedirects: 5}}, 2},
		{"a login's two rounds", HTTPConfig{URL: srv.URL + "/login", Client: ClientConfig{User: "u", Password: "secret1"}}, 2},
	} {
		before := cc.count()
		mu.Lock()
		connHeader = nil
		mu.Unlock()
		tc.cfg.Keywords = []string{"ready"}
		r := HTTP(ctx, tc.cfg)
		if r.State != nagios.OK {
			t.Fatalf("%s: got %s %s", tc.name, r.State, r.Summary)
		}
		for range tc.conns {
			<-cc.closed // every connection is closed by the check's end
		}
		if n := cc.count() - before; n != tc.conns {
			t.Errorf("%s: %d connections, want %d", tc.name, n, tc.conns)
		}
		mu.Lock()
		for _, h := range connHeader {
			if h != "close" {
				t.Errorf("%s: Connection: %q, want close", tc.name, h)
			}
		}
		mu.Unlock()
	}

	// the two requests of a flow go over one connection, kept between them
	c, err := NewClient(ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	before := cc.count()
	for range 2 {
		if _, err := c.Do(ctx, http.MethodGet, srv.URL+"/ready", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	<-cc.closed
	if n := cc.count() - before; n != 1 {
		t.Errorf("a session's two requests: %d connections, want 1", n)
	}
}

// -vv shows the Connection: close that net/http adds as it writes an
// HTTP/1 request of a check of one target, and none for a session's.
func TestVerboseShowsConnectionClose(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ready") }))
	defer srv.Close()
	logs := &logCapture{}
	r := HTTP(context.Background(), HTTPConfig{URL: srv.URL, Client: ClientConfig{Verbose: 2, Log: logs.logf}})
	if r.State != nagios.OK || !logs.has("> Connection: close") {
		t.Errorf("check of one target: %s %s, log:\n%s", r.State, r.Summary, logs.text())
	}
	logs = &logCapture{}
	c, err := NewClient(ClientConfig{Verbose: 2, Log: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Do(context.Background(), http.MethodGet, srv.URL, nil, nil); err != nil {
		t.Fatal(err)
	}
	if logs.has("> Connection: close") {
		t.Errorf("a session's request:\n%s", logs.text())
	}
}
