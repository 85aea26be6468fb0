// Package emulate holds loopback emulators of the systems healthprobe
// probes. The demo runs every check against them and the tests share them.
// They listen on 127.0.0.1 only.
package emulate

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Server is an emulator listening on a loopback port.
type Server struct {
	URL  string // http://127.0.0.1:PORT
	Addr string // 127.0.0.1:PORT
	srv  *http.Server
	done chan struct{}
}

// Serve starts h on a free loopback port.
func Serve(h http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		Addr: ln.Addr().String(),
		URL:  "http://" + ln.Addr().String(),
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err) // cannot happen on a listener we own
		}
	}()
	return s, nil
}

// Close stops the server and waits for it, cutting any hanging handler.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
	<-s.done
}
