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

// A check that sends one request keeps no connection idle; one whose
// request may lead to another on the same client does.
func TestSingleRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  ClientConfig
		one  bool
	}{
		{"plain", ClientConfig{}, true},
		{"follow", ClientConfig{Follow: true}, false},
		{"login", ClientConfig{User: "u", Password: "p"}, false},
		{"oauth2", ClientConfig{OAuth2: &OAuth2{}}, false},
	} {
		cfg := tc.cfg
		cfg.singleRequest()
		if cfg.oneRequest != tc.one {
			t.Errorf("%s: oneRequest %v, want %v", tc.name, cfg.oneRequest, tc.one)
		}
		c, err := NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if idle := c.base.MaxIdleConnsPerHost; (idle < 0) != tc.one {
			t.Errorf("%s: MaxIdleConnsPerHost %d", tc.name, idle)
		}
	}
}

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

// The http check of one request reads its answer on a connection of its
// own, closed once the check is over, and sends no "Connection: close": the
// wire is as before. A redirect it follows still goes over the same
// connection.
func TestOneRequestConnections(t *testing.T) {
	var connHeader []string
	var mu sync.Mutex
	srv, cc := newConnCounter(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		connHeader = append(connHeader, r.Header.Get("Connection"))
		mu.Unlock()
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/ready", http.StatusFound)
			return
		}
		io.WriteString(w, "ready")
	}))
	ctx := context.Background()
	r := HTTP(ctx, HTTPConfig{URL: srv.URL + "/ready", Keywords: []string{"ready"}})
	if r.State != nagios.OK {
		t.Fatalf("got %s %s", r.State, r.Summary)
	}
	<-cc.closed // the check's connection is closed when it returns
	r = HTTP(ctx, HTTPConfig{URL: srv.URL + "/moved", Keywords: []string{"ready"}, Client: ClientConfig{Follow: true, MaxRedirects: 5}})
	if r.State != nagios.OK {
		t.Fatalf("follow: got %s %s", r.State, r.Summary)
	}
	<-cc.closed
	if n := cc.count(); n != 2 {
		t.Errorf("%d connections for two checks, want 2 (the redirect on its check's connection)", n)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, h := range connHeader {
		if h != "" {
			t.Errorf("Connection: %q sent", h)
		}
	}
}
