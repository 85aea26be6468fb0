package emulate

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"
)

func itgrixGet(t *testing.T, srv *Server, path, password string) (int, string) {
	t.Helper()
	c := &http.Client{Transport: &digest.Transport{Username: ItgrixUser, Password: password}}
	resp, err := c.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestItgrixEmulator(t *testing.T) {
	e, err := NewItgrix("")
	if err != nil {
		t.Fatal(err)
	}
	e.Today = func() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) }
	srv, err := Serve(e)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	if code, _ := itgrixGet(t, srv, "/status", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("a wrong password got %d", code)
	}
	tests := []struct{ path, want string }{
		{"/status?path=app_state", `""`},
		{"/stopped/status?path=app_state", `"stopped"`},
		{"/stopped/status?path=app.app_err", `"AMI connection lost"`},
		{"/license-soon/status?path=license.valid_till", `"2026-06-11"`},
		{"/license-expired/status?path=license.valid_till", `"2026-05-31"`},
		{"/free/status?path=license.type", `"Free"`},
		{"/flat/status?path=app_status", `"Ok"`},
		{"/missing/status?path=license", `null`},
		{"/sha256/status?path=app_status", `"Ok"`},
		{"/malformed/status", `{"app":{"app_state":"","app_status":"Ok","c2c":{"connected":tr`},
	}
	for _, tt := range tests {
		code, body := itgrixGet(t, srv, tt.path, ItgrixPassword)
		if code != http.StatusOK || strings.TrimSpace(body) != tt.want {
			t.Errorf("%s: %d %q, want %q", tt.path, code, body, tt.want)
		}
	}
	if code, _ := itgrixGet(t, srv, "/nosuchcase/status", ItgrixPassword); code != http.StatusNotFound {
		t.Errorf("an unknown case got %d", code)
	}
	for _, c := range ItgrixCases {
		if c == "malformed" || c == "html" {
			continue
		}
		_, body := itgrixGet(t, srv, "/"+c+"/status", ItgrixPassword)
		var v map[string]any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Errorf("case %s: %v", c, err)
		}
	}
	if err := e.Set("stopped"); err != nil {
		t.Fatal(err)
	}
	if _, body := itgrixGet(t, srv, "/status?path=app_state", ItgrixPassword); strings.TrimSpace(body) != `"stopped"` {
		t.Errorf("after Set(stopped): %q", body)
	}
	if err := e.Set("bogus"); err == nil || !strings.Contains(err.Error(), `unknown Itgrix case "bogus"`) {
		t.Errorf("Set(bogus): %v", err)
	}
}
