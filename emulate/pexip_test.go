package emulate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func startPexip(t *testing.T) (*Pexip, string) {
	t.Helper()
	p := NewPexip()
	srv, err := Serve(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func call(t *testing.T, method, url string, header map[string]string, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// shape reduces a JSON document to its structure: the keys of objects, the
// element shape of arrays and the type of scalars.
func shape(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = shape(e)
		}
		return out
	case []any:
		if len(v) == 0 {
			return []any{}
		}
		return []any{shape(v[0])}
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func shapeOf(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return shape(v)
}

const requestBody = `{"display_name":"healthprobe","call_tag":"healthprobe"}`

// The emulator answers as the real node does: each answer has the shape of
// the fixture in testdata/pexip/ that stands for it.
func TestPexipAnswersMatchFixtures(t *testing.T) {
	p, base := startPexip(t)
	conf := base + "/api/client/v2/conferences/"
	tokenOf := func(b []byte) string {
		var env struct {
			Result struct {
				Token string `json:"token"`
			} `json:"result"`
		}
		_ = json.Unmarshal(b, &env)
		return env.Result.Token
	}
	_, ok := call(t, "POST", conf+PexipTestCall+"/request_token", nil, requestBody)
	_, okGuest := call(t, "POST", conf+PexipPINRoom+"/request_token", map[string]string{"pin": PexipGuestPIN}, requestBody)
	_, refreshed := call(t, "POST", conf+PexipTestCall+"/refresh_token", map[string]string{"token": tokenOf(ok)}, "")
	tests := []struct {
		fixture string
		code    int
		method  string
		url     string
		header  map[string]string
		body    string
		want    []byte // an answer already fetched, instead of a call
	}{
		{fixture: "request_token_ok.json", want: ok},
		{fixture: "request_token_ok_guest.json", want: okGuest},
		{fixture: "refresh_token_ok.json", want: refreshed},
		{"request_token_pin_required.json", 403, "POST", conf + PexipPINRoom + "/request_token", nil, requestBody, nil},
		{"request_token_host_pin_required.json", 403, "POST", conf + PexipHostPINRoom + "/request_token", nil, requestBody, nil},
		{"request_token_invalid_pin.json", 403, "POST", conf + PexipPINRoom + "/request_token", map[string]string{"pin": "1"}, requestBody, nil},
		{"request_token_virtual_reception.json", 403, "POST", conf + PexipReception + "/request_token", nil, requestBody, nil},
		{"request_token_sso_required.json", 403, "POST", conf + PexipSSORoom + "/request_token", nil, requestBody, nil},
		{"conference_not_found.json", 404, "POST", conf + "no.such.alias/request_token", nil, requestBody, nil},
		{"release_token_ok.json", 200, "POST", conf + PexipTestCall + "/release_token", map[string]string{"token": tokenOf(refreshed)}, "", nil},
		{"release_token_invalid_token.json", 403, "POST", conf + PexipTestCall + "/release_token", map[string]string{"token": "nope"}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			fixture, err := os.ReadFile("../testdata/pexip/" + tt.fixture)
			if err != nil {
				t.Fatal(err)
			}
			got := tt.want
			if got == nil {
				var code int
				code, got = call(t, tt.method, tt.url, tt.header, tt.body)
				if code != tt.code {
					t.Errorf("status %d, want %d", code, tt.code)
				}
			}
			gs, ws := shapeOf(t, got), shapeOf(t, fixture)
			if !reflect.DeepEqual(gs, ws) {
				t.Errorf("shape differs from the fixture:\n got %v\nwant %v", gs, ws)
			}
		})
	}
	if out := p.Outstanding(); len(out) != 1 { // the guest's token
		t.Errorf("%d outstanding, want 1", len(out))
	}
}

func TestPexipTokenBookkeeping(t *testing.T) {
	p, base := startPexip(t)
	conf := base + "/api/client/v2/conferences/"
	var tokens []string
	for i := 0; i < 3; i++ {
		code, b := call(t, "POST", conf+PexipTestCall+"/request_token", nil, requestBody)
		var env struct {
			Result struct{ Token, Role, DisplayName string } `json:"result"`
		}
		if err := json.Unmarshal(b, &env); code != 200 || err != nil || !strings.HasPrefix(env.Result.Token, PexipTokenPrefix) {
			t.Fatalf("%d %s", code, b)
		}
		tokens = append(tokens, env.Result.Token)
	}
	if tokens[0] == tokens[1] {
		t.Fatalf("tokens repeat")
	}
	// a token released under another alias is refused, and stays outstanding
	if code, _ := call(t, "POST", conf+PexipPINRoom+"/release_token", map[string]string{"token": tokens[0]}, ""); code != 403 {
		t.Errorf("release under another alias: %d", code)
	}
	if code, _ := call(t, "POST", conf+PexipTestCall+"/release_token", map[string]string{"token": tokens[0]}, ""); code != 200 {
		t.Errorf("release: %d", code)
	}
	if code, _ := call(t, "POST", conf+PexipTestCall+"/release_token", map[string]string{"token": tokens[0]}, ""); code != 403 {
		t.Errorf("second release: %d", code)
	}
	p.FailRelease(http.StatusBadGateway)
	if code, _ := call(t, "POST", conf+PexipTestCall+"/release_token", map[string]string{"token": tokens[1]}, ""); code != 502 {
		t.Errorf("failing release: %d", code)
	}
	p.FailRelease(0)
	got := p.Outstanding()
	sort.Strings(got)
	want := []string{tokens[1], tokens[2]}
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(p.Released(), tokens[:1]) || len(p.Issued()) != 3 {
		t.Errorf("outstanding %v, released %v, issued %d", got, p.Released(), len(p.Issued()))
	}
	code, b := call(t, "GET", base+"/emulator/tokens", nil, "")
	if code != 200 || !bytes.Equal(bytes.TrimSpace(b), []byte(`{"issued":3,"outstanding":2,"released":1}`)) {
		t.Errorf("/emulator/tokens: %d %s", code, b)
	}
	// the recorder saw every request but its own
	reqs := p.Requests()
	if len(reqs) != 7 || reqs[3].Path != "/api/client/v2/conferences/meet.pin/release_token" || reqs[3].Token != tokens[0] || !reqs[3].HasToken {
		t.Errorf("requests: %+v", reqs)
	}
}

func TestPexipModes(t *testing.T) {
	p, base := startPexip(t)
	status := base + "/api/client/v2/status"
	request := base + "/api/client/v2/conferences/" + PexipTestCall + "/request_token"
	if code, _ := call(t, "GET", status, nil, ""); code != 200 {
		t.Errorf("status in service: %d", code)
	}
	p.SetMaintenance(true)
	if code, _ := call(t, "GET", status, nil, ""); code != 503 {
		t.Errorf("status in maintenance: %d", code)
	}
	if code, _ := call(t, "POST", request, nil, requestBody); code != 503 {
		t.Errorf("request_token in maintenance: %d", code)
	}
	p.SetMaintenance(false)
	p.FailRequestToken(http.StatusServiceUnavailable)
	if code, _ := call(t, "GET", status, nil, ""); code != 200 {
		t.Errorf("status when overloaded: %d", code)
	}
	if code, _ := call(t, "POST", request, nil, requestBody); code != 503 {
		t.Errorf("request_token when overloaded: %d", code)
	}
	p.FailRequestToken(0)
	if code, b := call(t, "POST", request, nil, `{"call_tag":"x"}`); code != 400 {
		t.Errorf("no display name: %d %s", code, b)
	}
	if code, _ := call(t, "GET", request, nil, ""); code != 404 {
		t.Errorf("GET request_token: %d, want the 404 page", code)
	}
	if len(p.Issued()) != 0 {
		t.Errorf("tokens issued: %d", len(p.Issued()))
	}
	code, b := call(t, "GET", base+"/api/client/v2/other", nil, "")
	fixture, err := os.ReadFile("../testdata/pexip/not_a_pexip_node.html")
	if err != nil {
		t.Fatal(err)
	}
	if code != 404 || !bytes.Equal(b, fixture) {
		t.Errorf("unknown path: %d %q, want the fixture", code, b)
	}
}
