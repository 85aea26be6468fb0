package main

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/internal/stallnet"
	"github.com/healthprobe/healthprobe/internal/testcert"
)

// The faults of the suite, each with the server that commits it. Their
// expected states and reasons are in faults_want_test.go.

// okJSON is a complete answer for a raw server: what the http probe wants.
const okJSON = `{"status":"ok"}`

// rawAnswer writes a canned HTTP answer and waits for the end.
func rawAnswer(s string) rawFunc {
	return func(c net.Conn, _ *http.Request, done <-chan struct{}) {
		if _, err := io.WriteString(c, s); err != nil {
			return
		}
		<-done
	}
}

// trickle writes prefix, then s one byte per interval.
func trickle(prefix, s string, every time.Duration) rawFunc {
	return func(c net.Conn, _ *http.Request, done <-chan struct{}) {
		if _, err := io.WriteString(c, prefix); err != nil {
			return
		}
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-tick.C:
			case <-done:
				return
			}
			if _, err := c.Write([]byte{s[i%len(s)]}); err != nil {
				return
			}
		}
	}
}

// endless writes prefix, then chunk forever (every apart when not zero).
func endless(prefix, chunk string, every time.Duration) rawFunc {
	return func(c net.Conn, _ *http.Request, done <-chan struct{}) {
		if _, err := io.WriteString(c, prefix); err != nil {
			return
		}
		writeUntil(c, []byte(chunk), done, every)
	}
}

// answerWith serves a fixed status, content type and body on every path.
func answerWith(code int, ctype, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	})
}

// endlessBody answers 200 and streams a JSON-looking body until the client
// goes; size, when not zero, is announced as Content-Length.
func endlessBody(size int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if size > 0 {
			w.Header().Set("Content-Length", fmt.Sprint(size))
		}
		_, _ = io.WriteString(w, `{"status":"ok","pad":"`)
		writeUntil(w, []byte(strings.Repeat("x", 32<<10)), r.Context().Done(), 0)
	})
}

// gzipBomb streams gzip members of compressed zeros without end: each
// 1 KiB member inflates to 1 MiB. Members are made once, so the server
// spends nothing on compression; Go's gzip reader reads them as one stream.
func gzipBomb() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		writeUntil(w, zerosMember(), r.Context().Done(), 0)
	})
}

var zerosMember = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = zw.Write(make([]byte, 1<<20))
	_ = zw.Close()
	return b.Bytes()
})

// challenge answers 401 with these WWW-Authenticate values on every path.
func challenge(values ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for _, v := range values {
			w.Header().Add("WWW-Authenticate", v)
		}
		http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
	})
}

// forceHeader serves h with header name set to value, whatever h sets.
func forceHeader(h http.Handler, name, value string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&headerForcer{ResponseWriter: w, name: name, value: value}, r)
	})
}

type headerForcer struct {
	http.ResponseWriter
	name, value string
	wrote       bool
}

func (f *headerForcer) WriteHeader(code int) {
	if !f.wrote {
		f.wrote = true
		f.Header()[f.name] = []string{f.value}
	}
	f.ResponseWriter.WriteHeader(code)
}

func (f *headerForcer) Write(b []byte) (int, error) {
	if !f.wrote {
		f.WriteHeader(http.StatusOK)
	}
	return f.ResponseWriter.Write(b)
}

// certs for the TLS faults, relative to now.
func tlsLeaf(fx *faultEnv, leaf testcert.Leaf) *tls.Config {
	pair, _, _, err := fx.ca.Issue(leaf)
	if err != nil {
		fx.t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}}
}

const day = 24 * time.Hour

// faults is every fault of the suite, in the order of the table.
var faults = []fault{
	// Connections that stall.
	{name: "never accepts the connection (accept queue full)", waits: true, serve: func(fx *faultEnv) string {
		full, err := stallnet.NewFull()
		if errors.Is(err, errors.ErrUnsupported) {
			fx.t.Skip(err)
		}
		if err != nil {
			fx.t.Fatal(err)
		}
		fx.t.Cleanup(func() { full.Close() }) // it starts no goroutine
		return "http://" + full.Addr
	}},
	{name: "accepts the connection, never answers", waits: true, serve: func(fx *faultEnv) string {
		return fx.raw(nil, false, func(_ net.Conn, _ *http.Request, done <-chan struct{}) { <-done })
	}},
	{name: "answers one byte a second", waits: true, serve: func(fx *faultEnv) string {
		// the first byte at once, so that the answer has begun
		return fx.raw(nil, true, trickle("H", "TTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"+okJSON, time.Second))
	}},
	{name: "body trickles one byte a second", waits: true, serve: func(fx *faultEnv) string {
		return fx.raw(nil, true, trickle("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", " ", time.Second))
	}},
	{name: "headers never end (slowly)", waits: true, serve: func(fx *faultEnv) string {
		return fx.raw(nil, true, endless("HTTP/1.1 200 OK\r\n", "X-Filler: more\r\n", 10*time.Millisecond))
	}},
	// Answers that never end.
	{name: "headers never end (flood)", serve: func(fx *faultEnv) string {
		return fx.raw(nil, true, endless("HTTP/1.1 200 OK\r\n", "X-Filler: "+strings.Repeat("a", 1000)+"\r\n", 0))
	}},
	{name: "endless 103 Early Hints answers", serve: func(fx *faultEnv) string {
		return fx.raw(nil, true, endless("", "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n", 0))
	}},
	// Interim and protocol-switching answers: Go's transport reads 1xx
	// answers itself, and hands a 101's connection over as the body.
	{name: "101 Switching Protocols to a plain request, then silence", serve: func(fx *faultEnv) string {
		return fx.raw(nil, true, rawAnswer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"))
	}},
	{name: "100 Continue, then 101 Switching Protocols, then silence", serve: func(fx *faultEnv) string {
		return fx.raw(nil, true, rawAnswer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"))
	}},
	{name: "100 Continue, then silence", waits: true, serve: func(fx *faultEnv) string {
		return fx.raw(nil, true, rawAnswer("HTTP/1.1 100 Continue\r\n\r\n"))
	}},
	{name: "102 Processing every 100 ms, without end", waits: true, serve: func(fx *faultEnv) string {
		return fx.raw(nil, true, endless("", "HTTP/1.1 102 Processing\r\n\r\n", 100*time.Millisecond))
	}},
	{name: "endless 103 Early Hints over HTTP/2", tls: true, serve: func(fx *faultEnv) string {
		return fx.handler(h2Leaf(fx), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for r.Context().Err() == nil {
				w.Header().Set("Link", "</style.css?"+strings.Repeat("a", 1000)+">; rel=preload")
				w.WriteHeader(http.StatusEarlyHints)
			}
		}))
	}},
	{name: "103 Early Hints over HTTP/2, then silence", tls: true, waits: true, serve: func(fx *faultEnv) string {
		return fx.handler(h2Leaf(fx), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			<-r.Context().Done()
		}))
	}},
	{name: "endless body (chunked)", serve: func(fx *faultEnv) string {
		return fx.handler(nil, endlessBody(0))
	}},
	{name: "1 GiB body", serve: func(fx *faultEnv) string {
		return fx.handler(nil, endlessBody(1<<30))
	}},
	{name: "gzip bomb (endless zeros, 1000 to 1)", serve: func(fx *faultEnv) string {
		return fx.handler(nil, gzipBomb())
	}},
	{name: "endless trailer after the body", serve: func(fx *faultEnv) string {
		return fx.raw(nil, true, endless("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"+
			fmt.Sprintf("%x\r\n%s\r\n0\r\n", len(okJSON), okJSON), "X-Sum: "+strings.Repeat("a", 1000)+"\r\n", 0))
	}},
	// Connections cut short.
	{name: "closes before answering", serve: func(fx *faultEnv) string {
		return fx.raw(nil, true, func(net.Conn, *http.Request, <-chan struct{}) {})
	}},
	{name: "closes mid-body", serve: func(fx *faultEnv) string {
		return fx.raw(nil, true, func(c net.Conn, _ *http.Request, _ <-chan struct{}) {
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"status\":")
		})
	}},
	{name: "resets the connection mid-body", serve: func(fx *faultEnv) string {
		return fx.raw(nil, true, func(c net.Conn, _ *http.Request, _ <-chan struct{}) {
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"status\":")
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // close sends RST
			}
		})
	}},
	{name: "not HTTP (an SSH banner)", serve: func(fx *faultEnv) string {
		return fx.raw(nil, false, rawAnswer("SSH-2.0-OpenSSH_9.6\r\n"))
	}},
	// Redirects.
	{name: "redirect loop", serve: func(fx *faultEnv) string {
		return fx.handler(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.RequestURI(), http.StatusFound)
		}))
	}},
	{name: "redirect from https to http", tls: true, serve: func(fx *faultEnv) string {
		plain := fx.handler(nil, fx.healthy)
		return fx.handler(tlsLeaf(fx, testcert.Loopback(time.Now().Add(-day), time.Now().Add(90*day))),
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, plain+r.URL.RequestURI(), http.StatusFound)
			}))
	}},
	{name: "redirect to another scheme (ftp)", serve: func(fx *faultEnv) string {
		return fx.handler(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "ftp://127.0.0.1:21"+r.URL.RequestURI(), http.StatusFound)
		}))
	}},
	{name: "redirect to another host that asks for credentials", serve: func(fx *faultEnv) string {
		var leaked atomic.Value
		other := fx.handler(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for name := range r.Header {
				if name == "Authorization" || name == "Pin" || name == "Token" || name == "X-Api-Key" {
					leaked.Store(name + ": " + r.Header.Get(name))
				}
			}
			w.Header().Set("WWW-Authenticate", `Basic realm="elsewhere"`)
			http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
		}))
		fx.after(func() error {
			if v, ok := leaked.Load().(string); ok {
				return fmt.Errorf("the other host got credentials: %s", v)
			}
			return nil
		})
		return fx.handler(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other+r.URL.RequestURI(), http.StatusFound)
		}))
	}},
	// TLS.
	{name: "TLS certificate expired", tls: true, serve: func(fx *faultEnv) string {
		return fx.handler(tlsLeaf(fx, testcert.Loopback(time.Now().Add(-10*day), time.Now().Add(-day))), fx.healthy)
	}},
	{name: "TLS certificate not yet valid", tls: true, serve: func(fx *faultEnv) string {
		return fx.handler(tlsLeaf(fx, testcert.Loopback(time.Now().Add(day), time.Now().Add(10*day))), fx.healthy)
	}},
	{name: "TLS certificate for another host", tls: true, serve: func(fx *faultEnv) string {
		return fx.handler(tlsLeaf(fx, testcert.Leaf{CommonName: "other.example", DNSNames: []string{"other.example"},
			NotBefore: time.Now().Add(-day), NotAfter: time.Now().Add(90 * day)}), fx.healthy)
	}},
	{name: "TLS certificate self-signed", tls: true, serve: func(fx *faultEnv) string {
		return fx.selfSigned()
	}},
	{name: "TLS certificate self-signed, with --insecure", extra: []string{"--insecure"}, serve: func(fx *faultEnv) string {
		return fx.selfSigned()
	}},
	{name: "TLS certificate expired, with --insecure", tls: true, extra: []string{"--insecure"}, serve: func(fx *faultEnv) string {
		return fx.handler(tlsLeaf(fx, testcert.Loopback(time.Now().Add(-10*day), time.Now().Add(-day))), fx.healthy)
	}},
	{name: "TLS handshake never completes, with --insecure", waits: true, extra: []string{"--insecure"}, serve: func(fx *faultEnv) string {
		cfg := tlsLeaf(fx, testcert.Loopback(time.Now().Add(-day), time.Now().Add(90*day)))
		return fx.raw(cfg, false, func(_ net.Conn, _ *http.Request, done <-chan struct{}) { <-done })
	}},
	{name: "plain HTTP on an https URL", serve: func(fx *faultEnv) string {
		return strings.Replace(fx.handler(nil, fx.healthy), "http://", "https://", 1)
	}},
	// Authentication.
	{name: "401 loop (credentials never accepted)", serve: func(fx *faultEnv) string {
		return fx.handler(nil, emulate.DigestAuth{Realm: "loop", User: "nobody", Password: "never"}.Wrap(fx.healthy))
	}},
	{name: "401 with a broken digest challenge", serve: func(fx *faultEnv) string {
		return fx.handler(nil, challenge(`Digest realm="broken, nonce=, qop="auth`))
	}},
	{name: "401 with an unsupported digest algorithm", serve: func(fx *faultEnv) string {
		return fx.handler(nil, challenge(`Digest realm="x", nonce="0a4f113b", qop="auth", algorithm=MD4`))
	}},
	{name: "401 asking for Negotiate only", serve: func(fx *faultEnv) string {
		return fx.handler(nil, challenge(`Negotiate`))
	}},
	{name: "401 with an endless body", serve: func(fx *faultEnv) string {
		return fx.handler(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Digest realm="x", nonce="0a4f113b", qop="auth", algorithm=MD5`)
			w.WriteHeader(http.StatusUnauthorized)
			writeUntil(w, []byte(strings.Repeat("x", 32<<10)), r.Context().Done(), 0)
		}))
	}},
	// Bytes that do not belong.
	{name: "NUL byte in a header", serve: func(fx *faultEnv) string {
		return fx.raw(nil, true, rawAnswer("HTTP/1.1 200 OK\r\nX-Note: a\x00b\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"+okJSON))
	}},
	{name: "invalid UTF-8 in headers", serve: func(fx *faultEnv) string {
		return fx.handler(nil, forceHeader(forceHeader(fx.healthy, "X-Note", "caf\xe9 \xff\xfe"), "Server", "\xc3\x28"))
	}},
	{name: "invalid UTF-8 and NUL bytes in the body", serve: func(fx *faultEnv) string {
		return fx.handler(nil, answerWith(http.StatusOK, "application/json", "\x00\xff\xfe{\"status\":\"o\x00k\"}\xc3\x28\x1b[2J"))
	}},
	{name: "invalid UTF-8, NUL, escapes and a bidi override in answer texts", json: true, serve: func(fx *faultEnv) string {
		return fx.handler(nil, fx.odd)
	}},
	{name: "gzip encoding corrupt", serve: func(fx *faultEnv) string {
		return fx.handler(nil, forceHeader(answerWith(http.StatusOK, "application/json", "this is not gzip at all"), "Content-Encoding", "gzip"))
	}},
	// Answers that do not parse.
	{name: "malformed JSON", json: true, serve: func(fx *faultEnv) string {
		return fx.handler(nil, answerWith(http.StatusOK, "application/json", `{"status":"success","result":{"token":"t`))
	}},
	{name: "malformed XML", serve: func(fx *faultEnv) string {
		return fx.handler(nil, answerWith(http.StatusOK, "text/xml", `<?xml version="1.0"?><api><status>200</status><data><incidents><monitor><region>x</reg></monitor>`))
	}},
	{name: "JSON nested 100000 deep", json: true, serve: func(fx *faultEnv) string {
		return fx.handler(nil, answerWith(http.StatusOK, "application/json", strings.Repeat(`{"a":`, 100000)))
	}},
	{name: "XML nested 100000 deep", serve: func(fx *faultEnv) string {
		return fx.handler(nil, answerWith(http.StatusOK, "text/xml", "<api>"+strings.Repeat("<data>", 100000)))
	}},
	{name: "valid JSON of the wrong shape", json: true, serve: func(fx *faultEnv) string {
		return fx.handler(nil, answerWith(http.StatusOK, "application/json", `["ok"]`))
	}},
	{name: "empty body", serve: func(fx *faultEnv) string {
		return fx.handler(nil, answerWith(http.StatusOK, "application/json", ""))
	}},
	{name: "HTML login page (200)", serve: func(fx *faultEnv) string {
		return fx.handler(nil, answerWith(http.StatusOK, "text/html; charset=utf-8",
			"<!DOCTYPE html>\n<html><head><title>Sign in | Corporate proxy</title></head><body><form>...</form></body></html>\n"))
	}},
	{name: "HTML error page (502)", serve: func(fx *faultEnv) string {
		return fx.handler(nil, answerWith(http.StatusBadGateway, "text/html",
			"<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n"))
	}},
	{name: "wrong Content-Type on a good answer", serve: func(fx *faultEnv) string {
		return fx.handler(nil, forceHeader(fx.healthy, "Content-Type", "image/png"))
	}},
	// What jq meets in an answer (the operator's --jq runs on it).
	{name: "jq: regular expressions over a long string of the answer", json: true, serve: func(fx *faultEnv) string {
		// gojq counts the code points before each match and capture from
		// the start of the string: over a second here
		return fx.handler(nil, padJSON(fx.healthy, `"`+strings.Repeat("a", 48<<10)+strings.Repeat("x", 1000)+`"`))
	}, extra: []string{"--jq", `.pad | [match("(?<a>x)(?<b>)(?<c>)(?<d>)(?<e>)(?<f>)"; "g")] | length`}},
	{name: "jq: arithmetic on a number of 50000 digits", json: true, serve: func(fx *faultEnv) string {
		// gojq parses the number at each use, in quadratic time: over a
		// second here
		return fx.handler(nil, padJSON(fx.healthy, strings.Repeat("7", 50000)))
	}, extra: []string{"--jq", `[range(40) as $i | .pad + $i] | length`}},
	{name: "jq: an expression that would build a huge value from the answer", json: true, serve: func(fx *faultEnv) string {
		return fx.handler(nil, padJSON(fx.healthy, `"`+strings.Repeat("x", 32<<10)+`"`))
	}, extra: []string{"--jq", `.pad * 1e6 | length`}},
	// Secrets sent back.
	{name: "echoes the credentials in every form, cut where excerpts end", json: true, serve: func(fx *faultEnv) string {
		return fx.handler(nil, echoCredentials(fx.probe))
	}},
}

// h2Leaf is a TLS config with a certificate of the suite's CA that offers
// HTTP/2.
func h2Leaf(fx *faultEnv) *tls.Config {
	cfg := tlsLeaf(fx, testcert.Loopback(time.Now().Add(-day), time.Now().Add(90*day)))
	cfg.NextProtos = []string{"h2", "http/1.1"}
	return cfg
}

// padJSON puts "pad": value first in every JSON object that h answers with
// 200.
func padJSON(h http.Handler, value string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK && bytes.HasPrefix(body, []byte("{")) {
			pad := `{"pad":` + value
			if !bytes.HasPrefix(body, []byte("{}")) {
				pad += ","
			}
			body = append([]byte(pad), body[1:]...)
		}
		for k, vs := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// echoCredentials is a server that sends back the credentials a request
// carries (secrets_test.go's echoServer finds them), and secrets of its
// own (a cookie, a token header, a Pexip call token), in every form a
// server may write them in (echoForms): in the reason phrase, in headers
// and in the body in the probe's format, the first one placed where the
// probe's excerpt is cut. A request without credentials is challenged for
// Basic ones; the Pexip node refuses the call, quoting the token it issued.
func echoCredentials(probe string) http.Handler {
	echo := &echoServer{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		carried := echo.carried(r)
		if probe == "pexip" {
			if strings.HasSuffix(r.URL.Path, "/status") {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"status":"success","result":"OK"}`)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			b, _ := json.Marshal(map[string]any{"status": "failed", "result": map[string]any{
				"token": secIssuedCall, "reason": strings.Repeat("r", 20) + " " + secIssuedCall + " " + strings.Join(echoForms(secIssuedCall), " ")}})
			_, _ = w.Write(b)
			return
		}
		if len(carried) == 0 {
			w.Header().Set("WWW-Authenticate", `Basic realm="echo"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		secret := r.URL.Query().Get("api_key")
		if secret == "" {
			secret = carried[2] // the password of the Basic login
		}
		var forms []string
		for _, s := range append(carried, secIssuedCookie, secIssuedToken) {
			forms = append(forms, echoForms(s)...)
		}
		all := strings.Join(forms, " ")
		var ctype, body string
		switch probe {
		case "http":
			ctype = "application/json"
			b, _ := json.Marshal(map[string]string{"status": strings.Repeat("s", 20) + " " + secret, "echo": all})
			body = string(b)
		case "itgrix":
			ctype = "application/json"
			b, _ := json.Marshal(map[string]any{"app": map[string]any{"app_state": "", "app_status": "Error",
				"app_err": strings.Repeat("e", 110) + " " + secret + " " + all, "license": map[string]string{"type": "Professional", "valid_till": "2999-12-31"}}})
			body = string(b)
		case "pexip-fleet": // the Management Node's list, quoted cut at 60 characters
			ctype = "application/json"
			b, _ := json.Marshal(map[string]any{"message": strings.Repeat("m", 40) + " " + secret + " " + all})
			body = string(b)
		default: // kaleyra, --format json
			ctype = "application/json"
			b, _ := json.Marshal(map[string]any{"status": "E101", "message": strings.Repeat("m", 90) + " " + secret + " " + all})
			body = string(b)
		}
		c, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		reason := strings.NewReplacer("\r", " ", "\n", " ").Replace("OK " + secret + " " + all)
		fmt.Fprintf(buf, "HTTP/1.1 200 %s\r\nSet-Cookie: sid=%s; Path=/\r\nX-Auth-Token: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
			reason, secIssuedCookie, secIssuedToken, ctype, len(body), body)
		_ = buf.Flush()
	})
}
