package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/internal/stallnet"
	"github.com/healthprobe/healthprobe/internal/testcert"
	"github.com/healthprobe/healthprobe/nagios"
)

// stallDeadline is the run's deadline in the stall tests.
const stallDeadline = 300 * time.Millisecond

// stallPoint is where a case's request stalls for good: a server has
// written all it ever will (or taken a connection, or a DNS query, it will
// do nothing with). The case's deadline runs from there, not from the start
// of the request: the request may take as long as a busy machine needs to
// get that far (a TLS handshake under the race detector beside a busy CPU
// took more than the whole 300 ms), and the client then has stallDeadline
// to see that nothing more comes and say where it stands.
type stallPoint struct {
	once  sync.Once
	done  chan struct{}
	mu    sync.Mutex
	timer *time.Timer
}

func newStallPoint(t *testing.T) *stallPoint {
	st := &stallPoint{done: make(chan struct{})}
	t.Cleanup(func() {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.timer != nil {
			st.timer.Stop()
		}
	})
	return st
}

// reached starts the deadline; later calls change nothing.
func (st *stallPoint) reached() {
	st.once.Do(func() {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.timer = time.AfterFunc(stallDeadline, func() { close(st.done) })
	})
}

// stallCtx is a run's context whose deadline is the stall point's: done,
// with context.DeadlineExceeded, stallDeadline after it was reached.
type stallCtx struct{ st *stallPoint }

func (stallCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c stallCtx) Done() <-chan struct{}     { return c.st.done }
func (stallCtx) Value(any) any               { return nil }
func (c stallCtx) Err() error {
	select {
	case <-c.st.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// stallServer accepts connections on 127.0.0.1 (over TLS when tlsCfg is
// set) and hands each to serve, which must return once done is closed. The
// test's cleanup closes done and the connections, and waits for serve.
func stallServer(t *testing.T, tlsCfg *tls.Config, serve func(c net.Conn, done <-chan struct{})) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	done := make(chan struct{})
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serve(c, done)
			}()
		}
	}()
	t.Cleanup(func() {
		close(done)
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// neverReads takes the connection and does nothing with it: the stall
// point is reached at once.
func neverReads(st *stallPoint) func(net.Conn, <-chan struct{}) {
	return func(_ net.Conn, done <-chan struct{}) {
		st.reached()
		<-done
	}
}

// reply is what a raw server writes for a request; stall keeps it from
// writing anything more on that connection.
type reply struct {
	text  string
	stall bool
}

var noAnswer = reply{stall: true}

// answering reads requests one after the other and writes answer's reply
// to each, as HTTP/1.1 on the wire; a reply that stalls reaches the stall
// point once written.
func answering(st *stallPoint, answer func(req *http.Request) reply) func(net.Conn, <-chan struct{}) {
	return func(c net.Conn, done <-chan struct{}) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, req.Body)
			r := answer(req)
			if _, err := io.WriteString(c, r.text); err != nil {
				return
			}
			if r.stall {
				st.reached()
				<-done
				return
			}
		}
	}
}

func redirect(to string) reply {
	return reply{text: "HTTP/1.1 302 Found\r\nLocation: " + to + "\r\nContent-Length: 0\r\n\r\n"}
}

// h2Server serves HTTP/2 over TLS on 127.0.0.1: each request gets what
// begin writes, then nothing more (the stall point) until the client goes
// or the test ends.
func h2Server(t *testing.T, st *stallPoint, begin func(w http.ResponseWriter)) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			t.Errorf("the request came as %s, not HTTP/2", r.Proto)
		}
		begin(w)
		st.reached()
		<-r.Context().Done()
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// unanswered is a UDP server on 127.0.0.1 that reads DNS queries and never
// answers them: the stall point is the first query.
func unansweredDNS(t *testing.T, st *stallPoint) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 512)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			st.reached()
		}
	}()
	t.Cleanup(func() {
		pc.Close()
		<-done
	})
	return pc.LocalAddr().String()
}

// resolveWith makes c look names up at the DNS server dns (and only there).
func resolveWith(c *Client, dns string) {
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", dns)
	}}
	c.base.DialContext = (&net.Dialer{Resolver: r}).DialContext
}

func stallTLSConfig(t *testing.T) *tls.Config {
	t.Helper()
	pair, err := testcert.SelfSigned(testcert.Loopback(time.Now().Add(-time.Hour), time.Now().Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}}
}

// A timeout says where the request stalled: looking the name up,
// connecting, in the TLS handshake, sending the request, waiting for an
// answer, in its headers or its body; on which hop, and through which
// proxy. Every server stalls until the test ends.
func TestTimeoutNamesThePhase(t *testing.T) {
	digestChallenge := "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"x\", nonce=\"0a4f113b\", qop=\"auth\", algorithm=MD5\r\n"
	tests := []struct {
		name string
		// start starts the server(s), sets what the case needs in cfg, and
		// returns the URL asked for and the reason wanted
		start  func(t *testing.T, cfg *ClientConfig, st *stallPoint) (rawURL, want string)
		client func(t *testing.T, c *Client, st *stallPoint)
		post   int           // the size of a body to POST
		ctx    time.Duration // the run's deadline when not stallDeadline
	}{
		{
			name: "DNS server never answers",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				return "http://stall.test/", "timeout: DNS lookup of stall.test not answered within 300ms"
			},
			client: func(t *testing.T, c *Client, st *stallPoint) { resolveWith(c, unansweredDNS(t, st)) },
		},
		{
			name: "listener never accepts (full backlog)",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := fullListener(t)
				st.reached() // no server is ever reached: the dial stalls from the start
				return "http://" + addr + "/", "timeout: no TCP connection to " + addr + " within 300ms"
			},
		},
		{
			name: "the connect timeout is the dialer's, not the run's",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := fullListener(t)
				cfg.ConnectTimeout = 100 * time.Millisecond
				return "http://" + addr + "/", "timeout: no TCP connection to " + addr + " within 100ms"
			},
			ctx: 10 * time.Second,
		},
		{
			name: "TLS handshake never completes",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := stallServer(t, stallTLSConfig(t), neverReads(st))
				return "https://" + addr + "/", "timeout: TLS handshake with " + addr + " not finished within 300ms"
			},
		},
		{
			name: "server never reads the request",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := stallServer(t, nil, neverReads(st))
				return "http://" + addr + "/", "timeout: " + addr + " accepted the connection but did not take the whole request within 300ms"
			},
			post: 64 << 20, // more than the socket buffers hold
		},
		{
			name: "server reads the request, never answers",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := stallServer(t, nil, answering(st, func(*http.Request) reply { return noAnswer }))
				return "http://" + addr + "/", "timeout: " + addr + " accepted the request but sent no answer within 300ms"
			},
		},
		{
			name: "headers begun, never finished",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := stallServer(t, nil, answering(st, func(*http.Request) reply {
					return reply{text: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", stall: true}
				}))
				return "http://" + addr + "/", "timeout: " + addr + " began its answer but did not finish the headers within 300ms"
			},
		},
		{
			name: "body stalls after 12345 bytes",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := stallServer(t, nil, answering(st, func(*http.Request) reply {
					return reply{text: "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("x", 12345), stall: true}
				}))
				return "http://" + addr + "/", "timeout: " + addr + " sent the headers (200 OK) but not the whole body within 300ms (12.1 KiB received)"
			},
		},
		{
			name: "chunked body stalls after a chunk",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := stallServer(t, nil, answering(st, func(*http.Request) reply {
					return reply{text: "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n" + "5\r\nhello\r\n", stall: true}
				}))
				return "http://" + addr + "/", "timeout: " + addr + " sent the headers (503 Service Unavailable) but not the whole body within 300ms (5 B received)"
			},
		},
		{
			name: "HTTP/2: no answer",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := h2Server(t, st, func(http.ResponseWriter) {})
				cfg.Insecure = true
				return "https://" + addr + "/", "timeout: " + addr + " accepted the request but sent no answer within 300ms"
			},
		},
		{
			name: "HTTP/2: body stalls",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := h2Server(t, st, func(w http.ResponseWriter) {
					w.WriteHeader(http.StatusAccepted)
					_, _ = io.WriteString(w, strings.Repeat("x", 1000))
					w.(http.Flusher).Flush()
				})
				cfg.Insecure = true
				return "https://" + addr + "/", "timeout: " + addr + " sent the headers (202 Accepted) but not the whole body within 300ms (1000 B received)"
			},
		},
		{
			name: "after two redirects",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := stallServer(t, nil, answering(st, func(req *http.Request) reply {
					switch req.URL.Path {
					case "/a":
						return redirect("/b")
					case "/b":
						return redirect("/c")
					}
					return noAnswer
				}))
				return "http://" + addr + "/a", "timeout: " + addr + " accepted the request but sent no answer within 300ms (after 2 redirects)"
			},
		},
		{
			name: "redirected to another server, which stalls in TLS",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				other := stallServer(t, stallTLSConfig(t), neverReads(st))
				addr := stallServer(t, nil, answering(st, func(*http.Request) reply { return redirect("https://" + other + "/") }))
				return "http://" + addr + "/", "timeout: TLS handshake with " + other + " not finished within 300ms (after 1 redirect)"
			},
		},
		{
			name: "body of a redirect stalls",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := stallServer(t, nil, answering(st, func(*http.Request) reply {
					return reply{text: "HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 100\r\n\r\n0123456789", stall: true}
				}))
				return "http://" + addr + "/", "timeout: " + addr + " sent the headers (302 Found) but not the whole body within 300ms (10 B received)"
			},
		},
		{
			name: "digest: the second round trip gets no answer",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				var sawAuth atomic.Bool
				addr := stallServer(t, nil, answering(st, func(req *http.Request) reply {
					if req.Header.Get("Authorization") == "" {
						return reply{text: digestChallenge + "Content-Length: 0\r\n\r\n"}
					}
					sawAuth.Store(true)
					return noAnswer
				}))
				t.Cleanup(func() {
					if !sawAuth.Load() {
						t.Error("the server never saw the second round trip")
					}
				})
				cfg.User, cfg.Password, cfg.Auth = testUser, testPassword, "auto"
				return "http://" + addr + "/", "timeout: " + addr + " accepted the request but sent no answer within 300ms"
			},
		},
		{
			name: "digest: the body of the 401 stalls",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := stallServer(t, nil, answering(st, func(*http.Request) reply {
					return reply{text: digestChallenge + "Content-Length: 100\r\n\r\n0123456789", stall: true}
				}))
				cfg.User, cfg.Password, cfg.Auth = testUser, testPassword, "auto"
				return "http://" + addr + "/", "timeout: " + addr + " sent the headers (401 Unauthorized) but not the whole body within 300ms (10 B received)"
			},
		},
		{
			name: "proxy never answers CONNECT",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				proxy := stallServer(t, nil, answering(st, func(*http.Request) reply { return noAnswer }))
				cfg.Proxy = "http://user:s3cret@" + proxy // the proxy's login is not shown
				return "https://stall.test/", "timeout: no connection to stall.test through the proxy " + proxy + " within 300ms"
			},
		},
		{
			name: "proxy takes a plain request, never answers",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				proxy := stallServer(t, nil, answering(st, func(*http.Request) reply { return noAnswer }))
				cfg.Proxy = "http://" + proxy
				return "http://stall.test/", "timeout: stall.test accepted the request but sent no answer within 300ms (through the proxy " + proxy + ")"
			},
		},
		{
			name: "no deadline given for messages",
			start: func(t *testing.T, cfg *ClientConfig, st *stallPoint) (string, string) {
				addr := stallServer(t, nil, answering(st, func(*http.Request) reply { return noAnswer }))
				cfg.Timeout = 0
				return "http://" + addr + "/", "timeout: " + addr + " accepted the request but sent no answer"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each waits for its deadline
			cfg := ClientConfig{Timeout: stallDeadline, TimeoutState: nagios.Warning, Follow: true, MaxRedirects: 5}
			st := newStallPoint(t)
			rawURL, want := tt.start(t, &cfg, st)
			c, err := NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if tt.client != nil {
				tt.client(t, c, st)
			}
			method, body := http.MethodGet, []byte(nil)
			if tt.post > 0 {
				method, body = http.MethodPost, make([]byte, tt.post)
			}
			var ctx context.Context = stallCtx{st}
			if tt.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(context.Background(), tt.ctx)
				defer cancel()
			}
			_, err = c.Do(ctx, method, rawURL, body, nil)
			var rerr *RequestError
			if !errors.As(err, &rerr) {
				t.Fatalf("got %v, want a RequestError", err)
			}
			if rerr.State != nagios.Warning || rerr.Reason != want {
				t.Errorf("got %s %q\nwant %s %q", rerr.State, rerr.Reason, nagios.Warning, want)
			}
		})
	}
}

func fullListener(t *testing.T) string {
	t.Helper()
	f, err := stallnet.NewFull()
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f.Addr
}

// The words of each phase, the redirect and proxy notes, and a reason
// without a deadline.
func TestStallText(t *testing.T) {
	tests := []struct {
		s      stall
		within time.Duration
		want   string
	}{
		{stall{phase: stallUnknown, host: "h:1"}, time.Second, "no complete answer from h:1 within 1s"},
		{stall{phase: stallDNS, host: "h:1", dnsHost: "h"}, time.Second, "DNS lookup of h not answered within 1s"},
		{stall{phase: stallDNS, host: "h:1"}, 0, "DNS lookup of h:1 not answered"},
		{stall{phase: stallConnect, host: "h:1", redirects: 1}, 1500 * time.Millisecond, "no TCP connection to h:1 within 1.5s (after 1 redirect)"},
		{stall{phase: stallProxy, host: "h", proxy: "p:3128"}, time.Second, "no connection to h through the proxy p:3128 within 1s"},
		{stall{phase: stallTLS, host: "h:1"}, time.Minute, "TLS handshake with h:1 not finished within 1m0s"},
		{stall{phase: stallRequest, host: "h:1"}, time.Second, "h:1 accepted the connection but did not take the whole request within 1s"},
		{stall{phase: stallAnswer, host: "h:1", proxy: "p:3128", redirects: 3}, time.Second,
			"h:1 accepted the request but sent no answer within 1s (through the proxy p:3128, after 3 redirects)"},
		{stall{phase: stallHeaders, host: "h:1"}, 0, "h:1 began its answer but did not finish the headers"},
		{stall{phase: stallBody, host: "h:1", status: "200 OK", received: 0}, time.Second, "h:1 sent the headers (200 OK) but not the whole body within 1s (0 B received)"},
		{stall{phase: stallBody, host: "h:1", status: "200 OK", received: 3 << 20, redirects: 2}, time.Second,
			"h:1 sent the headers (200 OK) but not the whole body within 1s (3.0 MiB received, after 2 redirects)"},
	}
	for _, tt := range tests {
		if got := tt.s.text(tt.within); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 12345: "12.1 KiB", 1<<20 - 1: "1.0 MiB", 5 << 20: "5.0 MiB"} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}
