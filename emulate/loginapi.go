package emulate

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The login the login API takes, and the prefixes of what it issues: every
// token and session id starts with its prefix, so that tests can look for
// any of them in the output.
const (
	LoginUser          = "monitor"
	LoginPassword      = "flow-pass-3e7b"
	LoginTokenPrefix   = "lat-5c1d9e-"
	LoginSessionPrefix = "lsid-8a2f47-"
)

// LoginAPI is a small web application behind a login, for multi-step
// checks (healthprobe flow). It keeps the tokens, sessions and items it
// issued, so that a test can tell whether a flow cleaned up after itself.
//
// Token login (JSON API, Authorization: Bearer):
//
//	POST   /api/login          {"user": ..., "password": ...} -> 200 {"access_token": ..., "token_type": "Bearer", "expires_in": 300}, 401 when wrong
//	GET    /api/orders         200 {"items": [...], "count": N}; ?fail=1: 500 {"error": "database unavailable"}
//	GET    /api/whoami         200 {"user": ..., "token": the bearer token itself}: a server that echoes a secret
//	GET    /api/slow?delay=D   200 {"ok": true} after D (a Go duration, at most 30s), unless the client goes away
//	POST   /api/items          {"name": ...} -> 201 {"id": "item-N", "name": ...}
//	GET    /api/items/ID       200 the item, 404 when there is none
//	DELETE /api/items/ID       204, 404 when there is none
//	POST   /api/logout         204: the token is revoked
//
// Without a valid token each answers 401 {"error": ...}.
//
// Cookie login (a form, and a session cookie):
//
//	POST /session/login        user=...&password=... -> 200 {"user": ...} and Set-Cookie: sid=...; 401 when wrong
//	GET  /session/me           200 {"user": ...} with the cookie, 401 without
//	POST /session/logout       204: the session ends, the cookie is cleared
//
// And, without a login: GET /api/stats -> {"tokens": N, "sessions": N,
// "items": N, "logins": N, "logouts": N}: the tokens and sessions still
// valid, the items that exist, the logins and logouts so far.
type LoginAPI struct {
	mu       sync.Mutex
	tokens   map[string]bool
	sessions map[string]bool
	items    map[string]string // id -> name
	next     int
	logins   int
	logouts  int
	mux      *http.ServeMux
}

// LoginStats is what GET /api/stats says.
type LoginStats struct {
	Tokens   int `json:"tokens"`
	Sessions int `json:"sessions"`
	Items    int `json:"items"`
	Logins   int `json:"logins"`
	Logouts  int `json:"logouts"`
}

// NewLoginAPI returns the emulator with nothing issued.
func NewLoginAPI() *LoginAPI {
	a := &LoginAPI{tokens: map[string]bool{}, sessions: map[string]bool{}, items: map[string]string{}, mux: http.NewServeMux()}
	a.mux.HandleFunc("POST /api/login", a.login)
	a.mux.HandleFunc("POST /api/logout", a.bearer(a.logout))
	a.mux.HandleFunc("GET /api/orders", a.bearer(a.orders))
	a.mux.HandleFunc("GET /api/whoami", a.bearer(a.whoami))
	a.mux.HandleFunc("GET /api/slow", a.bearer(slowJSON))
	a.mux.HandleFunc("POST /api/items", a.bearer(a.createItem))
	a.mux.HandleFunc("GET /api/items/{id}", a.bearer(a.getItem))
	a.mux.HandleFunc("DELETE /api/items/{id}", a.bearer(a.deleteItem))
	a.mux.HandleFunc("GET /api/stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, a.Stats()) })
	a.mux.HandleFunc("POST /session/login", a.sessionLogin)
	a.mux.HandleFunc("GET /session/me", a.session(func(w http.ResponseWriter, _ *http.Request, _ string) {
		writeJSON(w, http.StatusOK, map[string]string{"user": LoginUser})
	}))
	a.mux.HandleFunc("POST /session/logout", a.session(a.sessionLogout))
	return a
}

func (a *LoginAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// Stats reports what is issued now.
func (a *LoginAPI) Stats() LoginStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return LoginStats{Tokens: len(a.tokens), Sessions: len(a.sessions), Items: len(a.items), Logins: a.logins, Logouts: a.logouts}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func randomID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// maxLoginBody caps what the emulator reads of a request body.
const maxLoginBody = 64 << 10

func (a *LoginAPI) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ User, Password string }
	if err := json.NewDecoder(io.LimitReader(r.Body, maxLoginBody)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want JSON {\"user\": ..., \"password\": ...}"})
		return
	}
	if in.User != LoginUser || in.Password != LoginPassword {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid credentials"})
		return
	}
	tok := randomID(LoginTokenPrefix)
	a.mu.Lock()
	a.tokens[tok] = true
	a.logins++
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 300})
}

// bearer serves h to requests with a valid token.
func (a *LoginAPI) bearer(h func(w http.ResponseWriter, r *http.Request, token string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		a.mu.Lock()
		valid := ok && a.tokens[tok]
		a.mu.Unlock()
		if !valid {
			w.Header().Set("WWW-Authenticate", `Bearer realm="login-api"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or invalid token"})
			return
		}
		h(w, r, tok)
	}
}

func (a *LoginAPI) logout(w http.ResponseWriter, _ *http.Request, tok string) {
	a.mu.Lock()
	delete(a.tokens, tok)
	a.logouts++
	a.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (a *LoginAPI) orders(w http.ResponseWriter, r *http.Request, _ string) {
	if r.URL.Query().Get("fail") != "" {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "database unavailable"})
		return
	}
	items := []map[string]any{{"id": 1001, "total": json.Number("12.50"), "status": "shipped"}, {"id": 1002, "total": json.Number("7.25"), "status": "open"}}
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n >= 0 && n < len(items) {
		items = items[:n]
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "count": len(items)})
}

func (a *LoginAPI) whoami(w http.ResponseWriter, _ *http.Request, tok string) {
	writeJSON(w, http.StatusOK, map[string]string{"user": LoginUser, "token": tok})
}

func slowJSON(w http.ResponseWriter, r *http.Request, _ string) {
	d, err := time.ParseDuration(r.URL.Query().Get("delay"))
	if err != nil || d < 0 || d > 30*time.Second {
		d = 300 * time.Millisecond
	}
	select {
	case <-time.After(d):
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	case <-r.Context().Done():
	}
}

func (a *LoginAPI) createItem(w http.ResponseWriter, r *http.Request, _ string) {
	var in struct{ Name string }
	if err := json.NewDecoder(io.LimitReader(r.Body, maxLoginBody)).Decode(&in); err != nil || in.Name == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want JSON {\"name\": ...}"})
		return
	}
	a.mu.Lock()
	a.next++
	id := fmt.Sprintf("item-%d", a.next)
	a.items[id] = in.Name
	a.mu.Unlock()
	w.Header().Set("Location", "/api/items/"+id)
	writeJSON(w, http.StatusCreated, map[string]string{"id": id, "name": in.Name})
}

func (a *LoginAPI) getItem(w http.ResponseWriter, r *http.Request, _ string) {
	id := r.PathValue("id")
	a.mu.Lock()
	name, ok := a.items[id]
	a.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such item"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "name": name})
}

func (a *LoginAPI) deleteItem(w http.ResponseWriter, r *http.Request, _ string) {
	id := r.PathValue("id")
	a.mu.Lock()
	_, ok := a.items[id]
	delete(a.items, id)
	a.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such item"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *LoginAPI) sessionLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if r.PostFormValue("user") != LoginUser || r.PostFormValue("password") != LoginPassword {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid credentials"})
		return
	}
	sid := randomID(LoginSessionPrefix)
	a.mu.Lock()
	a.sessions[sid] = true
	a.logins++
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", HttpOnly: true})
	writeJSON(w, http.StatusOK, map[string]string{"user": LoginUser})
}

// session serves h to requests with a valid session cookie.
func (a *LoginAPI) session(h func(w http.ResponseWriter, r *http.Request, sid string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("sid")
		valid := false
		if err == nil {
			a.mu.Lock()
			valid = a.sessions[c.Value]
			a.mu.Unlock()
		}
		if !valid {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "not logged in"})
			return
		}
		h(w, r, c.Value)
	}
}

func (a *LoginAPI) sessionLogout(w http.ResponseWriter, _ *http.Request, sid string) {
	a.mu.Lock()
	delete(a.sessions, sid)
	a.logouts++
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: "", Path: "/", MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}
