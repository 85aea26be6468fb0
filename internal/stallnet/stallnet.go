// Package stallnet makes loopback listeners that stall on purpose, for
// tests of what a client says when it cannot get through.
package stallnet

import "net"

// Full is a listener on 127.0.0.1 whose accept queue is full: a connection
// to Addr is never established (its SYN is dropped and retried), until
// Close.
type Full struct {
	Addr   string
	ln     net.Listener
	filler net.Conn
}

// Close ends the listener and the connection that fills its queue.
func (f *Full) Close() error {
	f.filler.Close()
	return f.ln.Close()
}
