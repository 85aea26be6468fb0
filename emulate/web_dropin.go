package emulate

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/andybalholm/brotli"
)

// The secrets of the web emulator's OAuth2 and login pages.
const (
	WebOAuthClient = "demo-client"
	WebOAuthSecret = "demo-oauth-secret-7c"
	WebOAuthToken  = "demo-oauth-token-51e9"
	WebSession     = "demo-session-8d04"
)

// webDropin adds the pages that show what check_curl and blackbox_exporter
// users rely on (docs/migrating.md):
//
//	/compressed?ce=C   the /ready page encoded with C (gzip, deflate or br), whatever was asked
//	/oauth/token       an OAuth2 token endpoint: client credentials WebOAuthClient / WebOAuthSecret
//	/oauth/api         200 "welcome" with the token as a bearer token, else 401
//	/login             sets the session cookie and redirects to /account
//	/account           200 "welcome back" with the session cookie, else 401
//	/headers           repeated Set-Cookie, a Strict-Transport-Security, no Server
//	/modified?age=D    a page last modified D ago (a Go duration)
func webDropin(mux *http.ServeMux) {
	mux.HandleFunc("/compressed", func(w http.ResponseWriter, r *http.Request) {
		ce := r.URL.Query().Get("ce")
		var buf bytes.Buffer
		var enc io.WriteCloser
		switch ce {
		case "br":
			enc = brotli.NewWriter(&buf)
		case "deflate":
			enc, _ = flate.NewWriter(&buf, flate.DefaultCompression)
		default:
			ce, enc = "gzip", gzip.NewWriter(&buf)
		}
		fmt.Fprint(enc, readyPage)
		_ = enc.Close()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", ce)
		_, _ = w.Write(buf.Bytes())
	})
	mux.HandleFunc("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "client_credentials":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"unsupported_grant_type"}`)
		case id != WebOAuthClient || secret != WebOAuthSecret:
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"unknown client or wrong secret"}`)
		default:
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, WebOAuthToken)
		}
	})
	mux.HandleFunc("/oauth/api", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+WebOAuthToken {
			w.Header().Set("WWW-Authenticate", `Bearer realm="healthprobe-demo"`)
			http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "welcome, demo client\n")
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: WebSession, Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/account", http.StatusFound)
	})
	mux.HandleFunc("/account", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("session"); err != nil || c.Value != WebSession {
			http.Error(w, "401 Unauthorized: log in first", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "welcome back, demo user\n")
	})
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "lang=en; Path=/")
		w.Header().Add("Set-Cookie", "consent=yes; Path=/; Secure; HttpOnly")
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, "headers\n")
	})
	mux.HandleFunc("/modified", func(w http.ResponseWriter, r *http.Request) {
		age, err := time.ParseDuration(r.URL.Query().Get("age"))
		if err != nil {
			age = time.Hour
		}
		w.Header().Set("Last-Modified", time.Now().Add(-age).UTC().Format(http.TimeFormat))
		fmt.Fprint(w, readyPage)
	})
}
