package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The servers the upstream suites run their plugins against, rebuilt in Go
// on 127.0.0.1: monitoring-plugins' HTTP::Daemon test server (the same for
// plugins/tests/check_curl.t and check_http.t) and its "hacked" chunked
// server, and the pages plugins/t/check_curl.t finds on real hosts.

// rawListener serves each connection of a listener on 127.0.0.1 (over TLS
// when cfg is set) with serve; cleanup closes everything and waits.
func rawListener(t *testing.T, network, addr string, cfg *tls.Config, serve func(c net.Conn, done <-chan struct{})) net.Listener {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
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
				defer c.Close()
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
	return ln
}

// perlDaemon is monitoring-plugins' test server: it answers one request a
// connection, writing its answers byte for byte as HTTP::Daemon does, odd
// ones included (a status line and nothing else for /method; a page whose
// body holds a second, complete answer).
type perlDaemon struct {
	base  string        // its own URL, scheme://127.0.0.1:PORT/, the base of its redirects
	delay time.Duration // /slow's and /chunked's pauses (the suites sleep 1 s)
}

// newPerlDaemon starts one, over TLS with cert when given.
func newPerlDaemon(t *testing.T, cert *tls.Certificate, clientCAs *x509.CertPool) *perlDaemon {
	d := &perlDaemon{delay: 300 * time.Millisecond}
	var cfg *tls.Config
	scheme := "http"
	if cert != nil {
		cfg = &tls.Config{Certificates: []tls.Certificate{*cert}}
		if clientCAs != nil {
			cfg.ClientCAs, cfg.ClientAuth = clientCAs, tls.RequireAndVerifyClientCert
		}
		scheme = "https"
	}
	ln := rawListener(t, "tcp", "127.0.0.1:0", cfg, d.serve)
	d.base = scheme + "://" + ln.Addr().String() + "/"
	return d
}

func (d *perlDaemon) port() string {
	u, _ := url.Parse(d.base)
	return u.Port()
}

func basicHeader(code int, reason string) string {
	if reason == "" {
		reason = http.StatusText(code)
	}
	return fmt.Sprintf("HTTP/1.1 %d %s\r\nDate: %s\r\nServer: libwww-perl-daemon/1.00\r\n", code, reason, time.Now().UTC().Format(http.TimeFormat))
}

// response is HTTP::Daemon's send_response: a complete answer.
func response(code int, content string) string {
	return basicHeader(code, "") + "Content-Length: " + strconv.Itoa(len(content)) + "\r\n\r\n" + content
}

func errorPage(code int, msg string) string {
	title := fmt.Sprintf("%d %s", code, http.StatusText(code))
	body := "<title>" + title + "</title>\n<h1>" + title + "</h1>\n" + msg
	return basicHeader(code, "") + "Content-Type: text/html\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

func (d *perlDaemon) redirect(loc string, code int, content string) string {
	base, _ := url.Parse(d.base)
	ref, err := url.Parse(loc)
	if err == nil {
		loc = base.ResolveReference(ref).String()
	}
	s := basicHeader(code, "") + "Location: " + loc + "\r\n"
	if content != "" {
		s += "Content-Type: text/plain\r\n"
	}
	return s + "\r\n" + content
}

func (d *perlDaemon) serve(c net.Conn, done <-chan struct{}) {
	r, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	p := r.URL.Path
	send := func(s string) { _, _ = io.WriteString(c, s) }
	switch {
	case r.Method == "GET" && strings.HasPrefix(p, "/statuscode/"):
		code, _ := strconv.Atoi(strings.TrimPrefix(p, "/statuscode/"))
		send(basicHeader(code, "") + "\r\n")
	case r.Method == "GET" && p == "/file/root":
		send(basicHeader(200, "") + "\r\n" + response(200, "Root\n"))
	case r.Method == "GET" && p == "/slow":
		send(basicHeader(200, "") + "\r\n")
		select {
		case <-time.After(d.delay):
		case <-done:
		}
		send(response(200, "slow"))
	case p == "/method":
		switch r.Method {
		case "DELETE":
			send(errorPage(http.StatusMethodNotAllowed, ""))
		case "foo":
			send(errorPage(http.StatusNotImplemented, ""))
		default: // a status line, then the connection closes
			send("HTTP/1.1 200 " + r.Method + "\r\n")
		}
	case p == "/postdata":
		send(basicHeader(200, "") + "\r\n" + response(200, r.Method+":"+string(body)))
	case p == "/redirect":
		send(d.redirect("/redirect2", http.StatusMovedPermanently, ""))
	case p == "/redir_external":
		send(d.redirect(strings.SplitN(d.base, ":", 2)[0]+"://169.254.169.254/redirect2", http.StatusMovedPermanently, ""))
	case p == "/redirect2":
		send(basicHeader(200, "") + "\r\n" + response(200, "redirected"))
	case p == "/redirect_rel":
		send(basicHeader(302, "") + "Location: /redirect2\r\n\r\n" + response(200, "moved to /redirect2"))
	case p == "/redir_timeout":
		send(d.redirect("/timeout", http.StatusMovedPermanently, ""))
	case strings.HasPrefix(p, "/redirect_with_increment"):
		send(d.increment(r))
	case p == "/timeout":
		<-done // keeps the connection, answers nothing
	case p == "/header_check":
		send(basicHeader(200, "") + "foo: \r\n\r\n")
	case p == "/header_broken_check":
		send(basicHeader(200, "") + "foo: \r\nTest1:: broken\n Test2: leading whitespace\n\r\n")
	case p == "/virtual_port":
		send(basicHeader(200, "") + "\r\n" + response(200, r.Host))
	case p == "/chunked":
		send(basicHeader(200, "") + "Transfer-Encoding: chunked\r\n\r\n")
		for _, chunk := range []string{"chunked", "encoding", "test\n"} {
			select {
			case <-time.After(d.delay / 3):
			case <-done:
				return
			}
			send(fmt.Sprintf("%x\r\n%s\r\n", len(chunk), chunk))
		}
		send("0\r\n\r\n")
	default:
		send(errorPage(http.StatusForbidden, "unknown url path:"+p))
	}
}

// increment is /redirect_with_increment: it adds one to every path
// parameter (;k=v) and query parameter of the URL it was asked for (a
// number, or each character), and redirects there, until redirect_count
// or fail_count reaches 3. A "fragment" parameter becomes the fragment.
func (d *perlDaemon) increment(r *http.Request) string {
	raw := r.URL.RequestURI()
	before, params := "", ""
	if m := regexp.MustCompile(`^([^;]*)(?:;(.*))?\?`).FindStringSubmatch(raw); m != nil {
		before, params = m[1], m[2]
	}
	inc := func(v string) string {
		if v == "" {
			return v
		}
		if n, err := strconv.Atoi(v); err == nil {
			return strconv.Itoa(n + 1)
		}
		b := []byte(v)
		for i := range b {
			b[i]++
		}
		return string(b)
	}
	var pairs []string
	fragment := ""
	for _, p := range strings.Split(params, ";") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		v = inc(v)
		pairs = append(pairs, k+"="+v)
		if k == "fragment" {
			fragment = v
		}
	}
	var query []string
	if q := r.URL.RawQuery; q != "" {
		for _, kv := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(kv, "=")
			query = append(query, k+"="+inc(v))
		}
	}
	next := before
	if len(pairs) > 0 {
		next += ";" + strings.Join(pairs, ";")
	}
	if len(query) > 0 {
		next += "?" + strings.Join(query, "&")
	}
	if fragment != "" {
		next += "#" + fragment
	}
	content := " original_url: " + raw + "\n new_uri: " + next + "\n"
	switch {
	case strings.Contains(next, "fail_count=3"):
		return errorPage(http.StatusForbidden, "fail count reached 3, url path:"+r.URL.Path)
	case strings.Contains(next, "redirect_count=3"):
		return response(200, content)
	}
	return d.redirect(next, http.StatusMovedPermanently, content)
}

// hackedChunked is check_http.t's "hacked" server: a chunked answer with
// no chunk but the last, then a half-close.
func hackedChunked(t *testing.T) string {
	ln := rawListener(t, "tcp", "127.0.0.1:0", nil, func(c net.Conn, _ <-chan struct{}) {
		_, _ = http.ReadRequest(bufio.NewReader(c))
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	})
	return "http://" + ln.Addr().String()
}

// forwardProxy is a proxy on 127.0.0.1 that sends every request, CONNECT
// tunnels included, to target (host:port), and counts what it forwarded.
type forwardProxy struct {
	url    string
	mu     sync.Mutex
	served int
}

func newForwardProxy(t *testing.T, target string) *forwardProxy {
	fp := &forwardProxy{}
	ln := rawListener(t, "tcp", "127.0.0.1:0", nil, func(c net.Conn, done <-chan struct{}) {
		br := bufio.NewReader(c)
		r, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		fp.mu.Lock()
		fp.served++
		fp.mu.Unlock()
		up, err := net.Dial("tcp", target)
		if err != nil {
			_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
			return
		}
		defer up.Close()
		if r.Method == http.MethodConnect {
			_, _ = io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
			go func() { _, _ = io.Copy(up, br) }()
			_, _ = io.Copy(c, up)
			return
		}
		// one request, one answer, then both connections close
		r.RequestURI = ""
		r.Close = true
		if err := r.Write(up); err != nil {
			return
		}
		resp, err := http.ReadResponse(bufio.NewReader(up), r)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		resp.Close = true
		_ = resp.Write(c)
	})
	fp.url = "http://" + ln.Addr().String()
	return fp
}

func (fp *forwardProxy) count() int {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return fp.served
}
