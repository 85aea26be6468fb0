package notify

import (
	"context"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

var testEvent = Event{
	Event: EventChange, Time: time.Date(2014, 10, 16, 3, 13, 31, 0, time.UTC), Seq: 7, Name: "edge1 & co",
	Kind: "HTTP", Target: "https://edge1.example.com:8443/health", State: "CRITICAL", Previous: "OK",
	Since: time.Date(2014, 10, 16, 2, 53, 31, 0, time.UTC), Summary: `status 503 "Service Unavailable"`,
	Changed: []Change{{Name: "status", Old: "OK", New: "CRITICAL", Text: "status 503"}}, Version: "test",
}

// send builds the sink and sends testEvent to a fresh receiver.
func send(t *testing.T, c SinkConfig, path string) (request, []byte) {
	t.Helper()
	rc := newReceiver(t)
	c.URL = rc.URL + path
	s, err := c.Build(func(k string) string { return map[string]string{"PW": "env-password", "TOK": "env-token"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), testEvent); err != nil {
		t.Fatal(err)
	}
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests", len(got))
	}
	evJSON, _ := marshal(testEvent)
	return got[0], evJSON
}

func TestJSONSink(t *testing.T) {
	got, evJSON := send(t, SinkConfig{}, "/events")
	if got.Method != "POST" || got.URL != "/events" || got.Body != string(evJSON) || got.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%+v", got)
	}
	if !strings.HasPrefix(got.Body, `{"event":"state_change","time":"2014-10-16T03:13:31Z","seq":7,"name":"edge1 & co","kind":"HTTP",`) {
		t.Errorf("body %s", got.Body)
	}
}

func TestWMSPanelSink(t *testing.T) {
	got, _ := send(t, SinkConfig{Format: "wmspanel", Token: "my-panel-token"}, "/wms")
	var p map[string]string
	if err := json.Unmarshal([]byte(got.Body), &p); err != nil {
		t.Fatal(err)
	}
	// the digest, computed independently: MD5 of time + token, in hex
	sum := fmt.Sprintf("%x", md5.Sum([]byte("2014-10-16 03:13:31 UTC"+"my-panel-token")))
	want := map[string]string{"time": "2014-10-16 03:13:31 UTC", "digest": sum, "server": "edge1.example.com", "status": "offline"}
	if fmt.Sprint(p) != fmt.Sprint(want) {
		t.Fatalf("payload %v, want %v", p, want)
	}
	if got.Body != `{"time":"2014-10-16 03:13:31 UTC","digest":"`+sum+`","server":"edge1.example.com","status":"offline"}` {
		t.Errorf("body %s: not in the seed's key order", got.Body)
	}
	if _, err := VerifyWMSPanel([]byte(got.Body), "my-panel-token"); err != nil {
		t.Errorf("VerifyWMSPanel: %v", err)
	}
	got, _ = send(t, SinkConfig{Format: "wmspanel", TokenEnv: "TOK", Server: "panel-name"}, "/")
	if !strings.Contains(got.Body, `"server":"panel-name"`) ||
		!strings.Contains(got.Body, fmt.Sprintf("%x", md5.Sum([]byte("2014-10-16 03:13:31 UTCenv-token")))) {
		t.Errorf("body %s", got.Body)
	}
}

func TestWMSPanelStatusChangesOnly(t *testing.T) {
	s, err := SinkConfig{URL: "http://127.0.0.1/", Format: "wmspanel", Token: "t"}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		prev, state string
		want        bool
	}{
		{"OK", "CRITICAL", true}, {"CRITICAL", "OK", true}, {Pending, "UNKNOWN", true},
		{"OK", "WARNING", false}, {"CRITICAL", "UNKNOWN", false}, {"WARNING", "CRITICAL", true},
	} {
		ev := Event{Event: EventChange, Previous: c.prev, State: c.state}
		if got := s.wants(ev); got != c.want {
			t.Errorf("%s -> %s: sent %v, want %v", c.prev, c.state, got, c.want)
		}
	}
}

// The three callback shapes of seed 002, with a payload data={response}.
func TestTemplateSinks(t *testing.T) {
	const hook = "/6746153d-cd3f-46db-803f-de5ed1dfdc0b"
	t.Run("GET", func(t *testing.T) {
		got, evJSON := send(t, SinkConfig{Format: "template", Method: "GET", URL: "?data={response}"}, hook+"?data={response}")
		if got.Method != "GET" || got.Body != "" {
			t.Fatalf("%s with body %q", got.Method, got.Body)
		}
		if want := hook + "?data=" + url.QueryEscape(string(evJSON)); got.URL != want {
			t.Fatalf("URL\n%s, want\n%s", got.URL, want)
		}
		u, _ := url.Parse(got.URL)
		if u.Query().Get("data") != string(evJSON) {
			t.Fatalf("data = %s", u.Query().Get("data"))
		}
	})
	t.Run("POST form", func(t *testing.T) {
		got, evJSON := send(t, SinkConfig{Format: "template", Payload: "data={response}"}, hook)
		if got.Method != "POST" || got.URL != hook || got.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Fatalf("%+v", got)
		}
		if want := "data=" + url.QueryEscape(string(evJSON)); got.Body != want {
			t.Fatalf("body\n%s, want\n%s", got.Body, want)
		}
		form, _ := url.ParseQuery(got.Body)
		if form.Get("data") != string(evJSON) {
			t.Fatalf("data = %s", form.Get("data"))
		}
	})
	t.Run("POST raw JSON", func(t *testing.T) {
		got, evJSON := send(t, SinkConfig{Format: "template", Payload: "data={response}", Raw: true}, hook)
		if got.Method != "POST" || got.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%+v", got)
		}
		if want := "data=" + string(evJSON); got.Body != want {
			t.Fatalf("body\n%s, want\n%s", got.Body, want)
		}
	})
	t.Run("raw JSON fields", func(t *testing.T) {
		got, evJSON := send(t, SinkConfig{Format: "template", Raw: true,
			Payload: `{"text":"{name} is {state} (was {previous}): {summary}","event":{response},"seq":{seq}}`}, "/")
		want := `{"text":"edge1 & co is CRITICAL (was OK): status 503 \"Service Unavailable\"","event":` + string(evJSON) + `,"seq":7}`
		if got.Body != want {
			t.Fatalf("body\n%s, want\n%s", got.Body, want)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(got.Body), &v); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
	})
	t.Run("path and query placeholders", func(t *testing.T) {
		got, _ := send(t, SinkConfig{Format: "template", Method: "GET"}, "/alert/{name}/{state}?summary={summary}&t={time}&k={kind}&e={event}")
		want := "/alert/edge1%20&%20co/CRITICAL?summary=status+503+%22Service+Unavailable%22&t=2014-10-16T03%3A13%3A31Z&k=HTTP&e=state_change"
		if got.URL != want {
			t.Fatalf("URL\n%s, want\n%s", got.URL, want)
		}
	})
}

func TestBasicAuthAndHeaders(t *testing.T) {
	got, _ := send(t, SinkConfig{Username: "hp", PasswordEnv: "PW", Headers: map[string]string{"X-Env": "prod", "Content-Type": "application/vnd.hp+json"}}, "/")
	user, pass, ok := (&http.Request{Header: got.Header}).BasicAuth()
	if !ok || user != "hp" || pass != "env-password" {
		t.Fatalf("basic auth %q %q %v", user, pass, ok)
	}
	if got.Header.Get("X-Env") != "prod" || got.Header.Get("Content-Type") != "application/vnd.hp+json" {
		t.Fatalf("headers %v", got.Header)
	}
	if ua := got.Header.Get("User-Agent"); ua != "healthprobe" {
		t.Errorf("User-Agent %q", ua)
	}
}

func TestVerifyTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	strict, err := SinkConfig{URL: srv.URL}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	_, err = strict.Send(context.Background(), testEvent)
	if err == nil || !strings.HasPrefix(err.Error(), "TLS certificate of 127.0.0.1:") {
		t.Fatalf("err = %v", err)
	}
	no := false
	lax, err := SinkConfig{URL: srv.URL, VerifyTLS: &no}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := lax.Send(context.Background(), testEvent); err != nil || d.Status != "200 OK" {
		t.Fatalf("%+v %v", d, err)
	}
}

func TestSendErrors(t *testing.T) {
	s, err := SinkConfig{URL: "http://127.0.0.1:1/hook"}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), testEvent); err == nil || err.Error() != "connection refused by 127.0.0.1:1" {
		t.Fatalf("err = %v", err)
	}
	if s.connectTimeout != 7*time.Second {
		t.Errorf("default connect timeout %s", s.connectTimeout)
	}
}

func TestVerifyWMSPanel(t *testing.T) {
	const tok = "token-123"
	good := `{"time":"2014-10-16 03:13:31 UTC","digest":"` + WMSPanelDigest("2014-10-16 03:13:31 UTC", tok) + `","server":"edge1.example.com","status":"offline"}`
	for _, c := range []struct {
		body string
		want string // "" valid
	}{
		{good, ""},
		{strings.Replace(good, WMSPanelDigest("2014-10-16 03:13:31 UTC", tok), strings.ToUpper(WMSPanelDigest("2014-10-16 03:13:31 UTC", tok)), 1), ""},
		{strings.Replace(good, "03:13:31", "03:13:32", 1), "digest does not match"},
		{`{"time":"x","digest":"d93053a1875c034384bb4fb06b20792f"}`, "digest does not match"},
		{`not json`, "malformed payload: invalid character 'o' in literal null (expecting 'u')"},
		{`[1]`, "malformed payload: not a JSON object (array)"},
		{`{"time":5,"digest":"x"}`, `malformed payload: "time" is a number, not a string`},
		{`{"digest":"x"}`, `malformed payload: no "time"`},
		{`{"time":"x"}`, `malformed payload: no "digest"`},
		{good + good, "malformed payload: data after the JSON object"},
		{``, "malformed payload: empty, not a JSON object"},
	} {
		_, err := VerifyWMSPanel([]byte(c.body), tok)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%.40s: %q, want %q", c.body, got, c.want)
		}
	}
}
