package emulate

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Received is one request a Receiver got.
type Received struct {
	Method string
	URI    string // path and query
	Header http.Header
	Body   []byte
}

// Receiver is a notification receiver (a webhook endpoint) that records
// every request. With Dir set it also writes request N to Dir/N.txt (the
// request line, the headers but Content-Length and Accept-Encoding, sorted,
// a blank line, the body) and its body alone to Dir/N.body. Status, when
// set, chooses the answer (0: 200 OK); a refused request is recorded too.
// Answer, when set, is the body of a 200 answer (default "received").
// With Next set, a request is recorded and then served by Next: a record
// of what another emulator got on the wire.
type Receiver struct {
	Dir    string
	Status func() int
	Answer func() string
	Next   http.Handler

	mu  sync.Mutex
	got []Received
}

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "reading the body failed", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.got = append(rc.got, Received{r.Method, r.URL.RequestURI(), r.Header.Clone(), body})
	n := len(rc.got)
	err = rc.write(n, r, body)
	rc.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if rc.Next != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		rc.Next.ServeHTTP(w, r)
		return
	}
	if rc.Status != nil {
		if code := rc.Status(); code != 0 {
			w.WriteHeader(code)
			fmt.Fprintf(w, "status %d\n", code)
			return
		}
	}
	if rc.Answer != nil {
		fmt.Fprint(w, rc.Answer())
		return
	}
	fmt.Fprintln(w, "received")
}

func (rc *Receiver) write(n int, r *http.Request, body []byte) error {
	if rc.Dir == "" {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL.RequestURI())
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		if k == "Content-Length" || k == "Accept-Encoding" {
			continue
		}
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	b.WriteString("\n")
	b.Write(body)
	b.WriteString("\n")
	if err := os.WriteFile(filepath.Join(rc.Dir, fmt.Sprintf("%d.txt", n)), []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(rc.Dir, fmt.Sprintf("%d.body", n)), body, 0o600)
}

// Requests returns what was received so far.
func (rc *Receiver) Requests() []Received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}
