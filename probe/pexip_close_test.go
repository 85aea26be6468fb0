package probe

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

// silentCloser is a node that ignores a request's "Connection: close": it
// answers the status call without saying it will close, keeps the
// connection open, and closes it without a word when the next request
// arrives on it. A real node (or a proxy in front of it) does the same
// with a short idle timeout, racing the client's next request; this makes
// the race lose every time. The other connections are served by h.
type silentCloser struct {
	h http.Handler

	mu    sync.Mutex
	conns []string // per connection, the paths it carried ("!" marks one closed unanswered)
}

func (s *silentCloser) serve(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); s.conn(c) }()
		}
	}()
	return "http://" + ln.Addr().String()
}

func (s *silentCloser) conn(c net.Conn) {
	defer c.Close()
	s.mu.Lock()
	i := len(s.conns)
	s.conns = append(s.conns, "")
	s.mu.Unlock()
	note := func(p string) {
		s.mu.Lock()
		s.conns[i] = strings.TrimSpace(s.conns[i] + " " + p)
		s.mu.Unlock()
	}
	br := bufio.NewReader(c)
	statusServed := false
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if statusServed {
			note("!" + req.URL.Path)
			return // closed without an answer
		}
		note(req.URL.Path)
		rec := httptest.NewRecorder()
		s.h.ServeHTTP(rec, req)
		resp := rec.Result()
		resp.Close = false // whatever the request asked: no "Connection: close"
		resp.ContentLength = int64(rec.Body.Len())
		if resp.Write(c) != nil {
			return
		}
		statusServed = strings.HasSuffix(req.URL.Path, "/status")
	}
}

func (s *silentCloser) connections() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.conns...)
}

// The status pre-check closes its connection itself (req.Close), not
// merely with a "Connection: close" header, which Go's transport ignores
// when pooling: the connection went back to the pool, request_token was
// sent on it, and a node that had closed it silently failed the call with
// "closed the connection before the answer was complete".
func TestPexipStatusCallClosesItsConnection(t *testing.T) {
	p := emulate.NewPexip()
	node := &silentCloser{h: p}
	base := node.serve(t)
	r := runPexip(t, pexipConfig(base, emulate.PexipTestCall))
	if r.State != nagios.OK {
		t.Errorf("got %s %q", r.State, r.Summary)
	}
	conf := "/api/client/v2/conferences/" + emulate.PexipTestCall
	want := []string{statusPath, conf + "/request_token " + conf + "/release_token"}
	if got := node.connections(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("connections carried %q, want %q", got, want)
	}
	if len(p.Outstanding()) != 0 {
		t.Errorf("%d tokens outstanding", len(p.Outstanding()))
	}
}
