package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// hostile is a loopback server that misbehaves on purpose, for the fault
// suite. It serves either raw TCP (a func of the connection, for faults
// below HTTP) or an http.Handler, in plain text or over TLS. Close cuts
// every connection, ends every handler (their request contexts are
// cancelled) and waits for every goroutine it started, so that the suite
// can tell the probe's goroutines from the server's.
type hostile struct {
	URL  string // http://127.0.0.1:PORT or https://...
	Addr string

	ln     net.Listener
	cancel context.CancelFunc
	done   <-chan struct{} // closed by Close: raw handlers stop on it
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]bool
	srv    *http.Server
}

// rawFunc serves one connection; req is the request read from it, nil when
// the fault answers before reading one. It must return once done is closed
// or a write fails.
type rawFunc func(c net.Conn, req *http.Request, done <-chan struct{})

func newHostile(t *testing.T, tlsCfg *tls.Config) *hostile {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hostile{Addr: ln.Addr().String(), conns: map[net.Conn]bool{}}
	h.URL = "http://" + h.Addr
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
		h.URL = "https://" + h.Addr
	}
	h.ln = ln
	return h
}

// serveRaw starts a raw server: readFirst reads the request before f runs.
func serveRaw(t *testing.T, tlsCfg *tls.Config, readFirst bool, f rawFunc) *hostile {
	h := newHostile(t, tlsCfg)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, ctx.Done()
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			c, err := h.ln.Accept()
			if err != nil {
				return
			}
			if !h.track(c) {
				c.Close()
				return
			}
			h.wg.Add(1)
			go func() {
				defer h.wg.Done()
				defer h.untrack(c)
				var req *http.Request
				if readFirst {
					r, err := http.ReadRequest(bufio.NewReader(c))
					if err != nil {
						return
					}
					req = r
				}
				f(c, req, h.done)
			}()
		}
	}()
	return h
}

// serveHandler starts an HTTP server; handlers that wait should wait on
// their request's context, which Close cancels.
func serveHandler(t *testing.T, tlsCfg *tls.Config, handler http.Handler) *hostile {
	h := newHostile(t, tlsCfg)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, ctx.Done()
	h.srv = &http.Server{
		Handler:     handler,
		BaseContext: func(net.Listener) context.Context { return ctx },
		ErrorLog:    log.New(io.Discard, "", 0), // TLS handshake failures are the point
		ConnState: func(c net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				h.wg.Add(1)
			case http.StateClosed, http.StateHijacked:
				h.wg.Done()
			}
		},
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		if err := h.srv.Serve(h.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("hostile server: %v", err)
		}
	}()
	return h
}

func (h *hostile) track(c net.Conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conns == nil {
		return false // closed
	}
	h.conns[c] = true
	return true
}

func (h *hostile) untrack(c net.Conn) {
	c.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c)
}

// Close stops the server and waits for all its goroutines.
func (h *hostile) Close() {
	h.cancel()
	if h.srv != nil {
		_ = h.srv.Close()
	} else {
		h.ln.Close()
		h.mu.Lock()
		for c := range h.conns {
			c.Close()
		}
		h.conns = nil
		h.mu.Unlock()
	}
	h.wg.Wait()
}

// writeUntil writes chunk again and again until a write fails or done is
// closed, waiting every between writes when every is not zero.
func writeUntil(w io.Writer, chunk []byte, done <-chan struct{}, every time.Duration) {
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	for {
		if tick != nil {
			select {
			case <-tick:
			case <-done:
				return
			}
		}
		select {
		case <-done:
			return
		default:
		}
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}
