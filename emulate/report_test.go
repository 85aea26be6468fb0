package emulate

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func do(t *testing.T, h http.Handler, method, target, body string) (int, string, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, rd))
	return rec.Code, strings.TrimSpace(rec.Body.String()), rec.Header()
}

func TestUptimeKuma(t *testing.T) {
	k := NewUptimeKuma()
	for _, c := range []struct {
		method, target string
		code           int
		body           string
	}{
		{"GET", "/api/push/" + KumaToken + "?status=up&msg=HTTP+OK&ping=12.5", 200, `{"ok":true}`},
		{"POST", "/api/push/" + KumaToken + "?status=down&msg=broken", 200, `{"ok":true}`},
		{"PUT", "/api/push/" + KumaToken, 200, `{"ok":true}`},                  // any method; no status is up
		{"GET", "/api/push/" + KumaToken + "?status=DOWN", 200, `{"ok":true}`}, // not "up": down
		{"GET", "/api/push/" + KumaToken + "?ping=fast", 400, `{"msg":"Invalid ping value: 'fast' is not a valid number","ok":false}`},
		{"GET", "/api/push/" + KumaToken + "?ping=-1", 400, `{"msg":"Invalid ping value: -1ms cannot be negative","ok":false}`},
		{"GET", "/api/push/unknown?status=up", 404, `{"msg":"Monitor not found or not active.","ok":false}`},
		{"GET", "/api/push/paused?status=up", 404, `{"msg":"Monitor not found or not active.","ok":false}`},
	} {
		code, body, _ := do(t, k, c.method, c.target, "")
		if code != c.code || body != c.body {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.target, code, body, c.code, c.body)
		}
	}
	if code, body, h := do(t, k, "GET", "/dashboard", ""); code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, "Uptime Kuma") {
		t.Errorf("another path: %d %s", code, body)
	}
	beats := k.Heartbeats(KumaToken)
	if len(beats) != 4 {
		t.Fatalf("%d heartbeats: %+v", len(beats), beats)
	}
	if b := beats[0]; b.Status != "up" || b.Msg != "HTTP OK" || b.Ping == nil || *b.Ping != 12.5 {
		t.Errorf("first %+v", b)
	}
	if b := beats[1]; b.Status != "down" || b.Msg != "broken" || b.Ping != nil {
		t.Errorf("second %+v", b)
	}
	if b := beats[2]; b.Status != "up" || b.Msg != "OK" || b.Method != "PUT" {
		t.Errorf("third %+v", b)
	}
	if b := beats[3]; b.Status != "down" {
		t.Errorf("fourth %+v", b)
	}
}

func TestHealthchecks(t *testing.T) {
	h := NewHealthchecks()
	h.BodyLimit = 8
	rid := "0f0e0d0c-0b0a-4908-8706-050403020100"
	for _, c := range []struct {
		method, target, body string
		code                 int
		answer               string
	}{
		{"GET", "/" + HealthchecksUUID, "", 200, "OK"},
		{"HEAD", "/ping/" + HealthchecksUUID + "/start?rid=" + rid, "", 200, ""},
		{"POST", "/" + HealthchecksUUID + "/2?rid=" + rid, "0123456789", 200, "OK"},
		{"POST", "/" + HealthchecksPingKey + "/" + HealthchecksSlug + "/fail", "", 200, "OK"},
		{"GET", "/ping/" + HealthchecksPingKey + "/" + HealthchecksSlug, "", 200, "OK"},
		{"GET", "/" + HealthchecksUUID + "/0", "", 200, "OK"},
		{"GET", "/" + HealthchecksUUID + "/log", "", 200, "OK"},
		{"GET", "/" + HealthchecksUUID + "/256", "", 400, "invalid url format"},
		{"GET", "/" + HealthchecksUUID + "?rid=x", "", 400, "invalid uuid format"},
		{"GET", "/00000000-0000-4000-8000-000000000000", "", 404, "not found"},
		{"GET", "/" + HealthchecksPingKey + "/other-slug", "", 404, "not found"},
		{"DELETE", "/" + HealthchecksUUID, "", 405, "method not allowed"},
	} {
		code, answer, hdr := do(t, h, c.method, c.target, c.body)
		if code != c.code || answer != c.answer {
			t.Errorf("%s %s: %d %q, want %d %q", c.method, c.target, code, answer, c.code, c.answer)
		}
		if code == 200 && hdr.Get("Ping-Body-Limit") != "8" {
			t.Errorf("%s: Ping-Body-Limit %q", c.target, hdr.Get("Ping-Body-Limit"))
		}
	}
	var kinds []string
	for _, p := range h.Pings(HealthchecksUUID) {
		kinds = append(kinds, p.Kind)
	}
	if strings.Join(kinds, " ") != "success start exitstatus fail success exitstatus log" {
		t.Fatalf("kinds %v", kinds)
	}
	p := h.Pings(HealthchecksUUID)[2]
	if p.ExitStatus != 2 || string(p.Body) != "01234567" || p.RunID != rid || p.Method != "POST" {
		t.Errorf("exit status ping %+v", p)
	}
}
