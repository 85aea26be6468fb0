package emulate

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Web credentials of the digest-protected page.
const (
	WebUser     = "demo"
	WebPassword = "demo-secret-42"
)

// Web is a small web application with the pages the HTTP demo and tests need:
//
//	/ready         200, an HTML page containing "service ready"
//	/slow?delay=D  200 after D (a Go duration, at most 30s), unless the client goes away
//	/secure        200 "welcome", behind digest auth (WebUser / WebPassword)
//	/basic         200 "welcome", behind basic auth (WebUser / WebPassword)
//	/fail          503 with a maintenance page
//	/status/CODE   answers with that status code
//	/redirect/N    redirects N times, then to /ready
//	/loop          redirects to itself forever
//	/json          a JSON document
//	/big?size=N    a body of N bytes
//
// and the pages of webDropin.
func Web() http.Handler {
	mux := http.NewServeMux()
	webDropin(mux)
	mux.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, readyPage)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("delay"))
		if err != nil || d < 0 || d > 30*time.Second {
			d = 300 * time.Millisecond
		}
		select {
		case <-time.After(d):
			fmt.Fprint(w, "slow but ready\n")
		case <-r.Context().Done():
		}
	})
	mux.Handle("/secure", DigestAuth{Realm: "healthprobe-demo", User: WebUser, Password: WebPassword}.Wrap(welcome()))
	mux.Handle("/secure-sha256", DigestAuth{Realm: "healthprobe-demo", User: WebUser, Password: WebPassword, Algorithm: "SHA-256"}.Wrap(welcome()))
	mux.HandleFunc("/basic", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != WebUser || p != WebPassword {
			w.Header().Set("WWW-Authenticate", `Basic realm="healthprobe-demo"`)
			http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
			return
		}
		welcome().ServeHTTP(w, r)
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "<html><body><h1>Down for maintenance</h1></body></html>\n")
	})
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, err := strconv.Atoi(r.PathValue("code"))
		if err != nil || code < 100 || code > 999 {
			code = http.StatusBadRequest
		}
		if code >= 300 && code < 400 {
			w.Header().Set("Location", "/ready")
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, "status %d\n", code)
	})
	mux.HandleFunc("/redirect/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n <= 1 {
			http.Redirect(w, r, "/ready", http.StatusFound)
			return
		}
		http.Redirect(w, r, "/redirect/"+strconv.Itoa(n-1), http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"up","checks":{"db":{"ok":true,"latency_ms":12},"queue":{"ok":true,"depth":3}},"version":"1.4.2"}`+"\n")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("size"))
		if err != nil || n < 0 || n > 64<<20 {
			n = 2 << 20
		}
		chunk := strings.Repeat("x", 4096)
		for n > 0 {
			k := min(n, len(chunk))
			if _, err := fmt.Fprint(w, chunk[:k]); err != nil {
				return
			}
			n -= k
		}
	})
	return mux
}

const readyPage = "<html><head><title>Status</title></head><body><h1>Status</h1><p>service ready</p></body></html>\n"

func welcome() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "welcome, demo user\n") })
}
