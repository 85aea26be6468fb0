package probe

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// TestDialSaysNextAddressOnlyWhenThereIsOne: -v says "trying the next
// address" after a refused connection only when another address follows.
func TestDialSaysNextAddressOnlyWhenThereIsOne(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now: the connection is refused
	logs := &logCapture{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r := HTTP(ctx, HTTPConfig{URL: fmt.Sprintf("http://127.0.0.1:%d/", port),
		Client: ClientConfig{Timeout: 5 * time.Second, Log: logs.logf, Verbose: 1}})
	if r.State.ExitCode() != 2 {
		t.Fatalf("a refused connection gave %s %q", r.State, r.Summary)
	}
	if text := logs.text(); strings.Contains(text, "trying the next address") {
		t.Errorf("one address, and the log says:\n%s", text)
	}
}
