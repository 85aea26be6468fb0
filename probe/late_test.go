package probe

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// rtFunc is a RoundTripper made of a function.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// pastDeadline is a context whose deadline has passed although nothing has
// marked it done yet: the moment between the clock passing a deadline and
// the context's timer firing, which a busy machine stretches.
type pastDeadline struct {
	context.Context
	at time.Time
}

func (c pastDeadline) Deadline() (time.Time, bool) { return c.at, true }

// Before: an answer that arrived after the deadline was reported as a
// result. net/http hands over a response that raced the request's
// cancellation, and a TLS server can answer the close_notify the client
// sends as it gives up: TestInsecureStatedOnFailure saw "HTTP OK - 200 OK,
// 0.201 s" from a server that never answered within its 0.2 s deadline (12
// of 200 runs under load). The transports here hand over an answer only
// once the deadline has passed, as that race does.
func TestNoAnswerAfterTheDeadline(t *testing.T) {
	answer := func(req *http.Request) *http.Response {
		return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: http.NoBody, ContentLength: 0, Request: req}
	}
	for _, tt := range []struct {
		name string
		rt   rtFunc
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"the answer raced the context's end", func(req *http.Request) (*http.Response, error) {
			<-req.Context().Done()
			return answer(req), nil
		}, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}},
		{"the deadline passed, the context's timer has not fired yet", func(req *http.Request) (*http.Response, error) {
			return answer(req), nil
		}, func() (context.Context, context.CancelFunc) {
			return pastDeadline{context.Background(), time.Now().Add(-time.Millisecond)}, func() {}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(ClientConfig{Timeout: 50 * time.Millisecond, TimeoutState: nagios.Critical})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.http.Transport = tt.rt
			ctx, cancel := tt.ctx()
			defer cancel()
			ex, err := c.Do(ctx, http.MethodGet, "http://127.0.0.1:1/", nil, nil)
			rerr, _ := err.(*RequestError)
			if rerr == nil || rerr.State != nagios.Critical || !strings.HasPrefix(rerr.Reason, "timeout: ") {
				status := 0
				if ex != nil {
					status = ex.Status
				}
				t.Fatalf("got status %d, error %v; want a timeout", status, err)
			}
			t.Log(rerr.Reason)
		})
	}
}
