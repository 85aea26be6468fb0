package emulate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// KumaToken is the push token of the monitor NewUptimeKuma sets up.
const KumaToken = "hpDemoPush7Qx2"

// KumaHeartbeat is one push an UptimeKuma received for a monitor.
type KumaHeartbeat struct {
	Time   time.Time
	Method string
	Status string   // "up" or "down", as Uptime Kuma stores it
	Msg    string   // "OK" when the push had none
	Ping   *float64 // nil when the push had none
}

// UptimeKuma emulates the push monitors of Uptime Kuma (its
// /api/push/:pushToken route): any method; only the query string is read;
// status=up is up and any other value (or none: up) down; msg defaults to
// "OK"; ping, when given, must be a number of milliseconds from 0 to
// 86400000 (400 otherwise). It answers {"ok":true}, or 404
// {"ok":false,"msg":"Monitor not found or not active."} for a token that
// no active monitor has. Any other path gets the web app's page (200,
// HTML), as from the real server: a URL that is not a push URL does not
// fail by its status.
type UptimeKuma struct {
	mu       sync.Mutex
	monitors map[string]*kumaMonitor
}

type kumaMonitor struct {
	active bool
	beats  []KumaHeartbeat
}

// NewUptimeKuma serves an active push monitor with the token KumaToken
// and an inactive (paused) one with the token "paused".
func NewUptimeKuma() *UptimeKuma {
	k := &UptimeKuma{monitors: map[string]*kumaMonitor{}}
	k.AddMonitor(KumaToken, true)
	k.AddMonitor("paused", false)
	return k
}

// AddMonitor adds a push monitor.
func (k *UptimeKuma) AddMonitor(token string, active bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.monitors[token] = &kumaMonitor{active: active}
}

// Heartbeats returns what the monitor with this token received.
func (k *UptimeKuma) Heartbeats(token string) []KumaHeartbeat {
	k.mu.Lock()
	defer k.mu.Unlock()
	if m := k.monitors[token]; m != nil {
		return slices.Clone(m.beats)
	}
	return nil
}

func (k *UptimeKuma) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.URL.Path, "/api/push/")
	if !ok || token == "" || strings.Contains(token, "/") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Uptime Kuma</title></head><body><div id=\"app\"></div></body></html>\n")
		return
	}
	q := r.URL.Query()
	beat := KumaHeartbeat{Time: time.Now(), Method: r.Method, Status: "down", Msg: q.Get("msg")}
	if s := q.Get("status"); s == "up" || !q.Has("status") {
		beat.Status = "up"
	}
	if beat.Msg == "" {
		beat.Msg = "OK"
	}
	if p := q.Get("ping"); p != "" {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		switch {
		case err != nil:
			kumaAnswer(w, http.StatusBadRequest, fmt.Sprintf("Invalid ping value: '%s' is not a valid number", p))
			return
		case v < 0:
			kumaAnswer(w, http.StatusBadRequest, fmt.Sprintf("Invalid ping value: %gms cannot be negative", v))
			return
		case v > 86400000:
			kumaAnswer(w, http.StatusBadRequest, fmt.Sprintf("Ping value %gms exceeds maximum allowed (86400000ms = 24 hours).", v))
			return
		}
		beat.Ping = &v
	}
	k.mu.Lock()
	m := k.monitors[token]
	if m != nil && m.active {
		m.beats = append(m.beats, beat)
	}
	k.mu.Unlock()
	if m == nil || !m.active {
		kumaAnswer(w, http.StatusNotFound, "Monitor not found or not active.")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprint(w, `{"ok":true}`)
}

func kumaAnswer(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "msg": msg})
}
