package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/healthprobe/healthprobe/probe"
)

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"data={response}", "?data={response}", `{"text":"{name}: {state}"}`, "{", "{}", "{bogus}", "{{name}}", "a{name", "/x/{name}?q={summary}#{seq}"} {
		f.Add(s, `edge1 & "co"/?#%`)
	}
	f.Fuzz(func(t *testing.T, template, value string) {
		values := map[string]string{}
		for _, p := range Placeholders {
			values[p] = value
		}
		if tm, err := parseTemplate(template); err == nil {
			for _, esc := range []escaping{inPath, inQuery, inForm, inJSON} {
				_ = tm.render(values, esc)
			}
			_ = checkURLTemplate(tm)
		} else if !strings.Contains(err.Error(), "unknown placeholder {") {
			t.Fatalf("unexpected error %v", err)
		}
		// each escaping keeps the value intact and in its place
		form, _ := parseTemplate("data={name}&x=1")
		q, err := url.ParseQuery(form.render(values, inForm))
		if err != nil || q.Get("data") != value || q.Get("x") != "1" {
			t.Fatalf("form: %v %q", err, q)
		}
		u0, _ := parseTemplate("http://h/p/{name}?q={name}&x=1")
		u, err := url.Parse(u0.render(values, inPath))
		if err != nil || u.Path != "/p/"+value || u.Query().Get("q") != value || u.Host != "h" || u.Query().Get("x") != "1" {
			t.Fatalf("url: %v %+v", err, u)
		}
		if utf8.ValidString(value) {
			j, _ := parseTemplate(`{"v":"{name}","r":{response}}`)
			values["response"] = `{"ok":true}`
			var v struct {
				V string
				R struct{ OK bool }
			}
			if err := json.Unmarshal([]byte(j.render(values, inJSON)), &v); err != nil || v.V != value || !v.R.OK {
				t.Fatalf("json: %v %+v", err, v)
			}
		}
	})
}

func FuzzDecodeRecord(f *testing.F) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	r := newRecord("http x", now)
	r.Checks["a"], r.Seq["ops"], r.Soft = "OK", 3, &Soft{State: "CRITICAL", Since: now, Attempts: 2}
	good, _ := json.Marshal(r)
	f.Add(good)
	f.Add([]byte(`{"version":1,"hard":"OK"}`))
	f.Add([]byte(`{"version":1,"hard":"OK","checks":null,"seq":{"a":18446744073709551615}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := decodeRecord(data)
		if err != nil {
			return
		}
		if err := rec.validate(); err != nil {
			t.Fatalf("decoded an invalid record: %v", err)
		}
		// a record that reads is one the tracker can go on with
		for _, res := range []*struct{ o observation }{{observe(result(crit("a")))}, {observe(result(ok("b")))}} {
			d := Policy{Attempts: 2, RemindRuns: 1}.decide(rec, res.o, now)
			if d.Event != "" && d.Event != EventChange && d.Event != EventReminder {
				t.Fatalf("event %q", d.Event)
			}
			if err := rec.validate(); err != nil {
				t.Fatalf("decide left an invalid record: %v", err)
			}
		}
		again, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeRecord(again); err != nil {
			t.Fatalf("a written record does not read back: %v\n%s", err, again)
		}
	})
}

func FuzzDecodeEntry(f *testing.F) {
	e := entry{Sink: "ops", Created: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), Event: testEvent}
	good, _ := json.Marshal(e)
	f.Add(good)
	f.Add([]byte(`{"sink":"../x","event":{"state":"OK"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := decodeEntry(data)
		if err != nil {
			return
		}
		if !sinkName().MatchString(e.Sink) || strings.ContainsAny(e.Sink, "/\\") {
			t.Fatalf("sink %q", e.Sink)
		}
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(yamlConfig), false)
	f.Add([]byte(`{"sinks":[{"url":"http://x/?d={response}","format":"template","method":"GET"}]}`), true)
	f.Add([]byte("sinks:\n  - url: http://x/\n    connect_timeout: 1e3\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, isJSON bool) {
		c, err := ParseConfig(data, isJSON)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n") {
				t.Fatalf("error on several lines: %q", err)
			}
			return
		}
		sinks, err := BuildSinks(c.Sinks, func(string) string { return "x" })
		if err != nil {
			return
		}
		for _, s := range sinks {
			if _, _, _, _, err := s.request(testEvent); err != nil {
				t.Fatalf("request: %v", err)
			}
		}
	})
}

func FuzzVerifyWMSPanel(f *testing.F) {
	f.Add([]byte(`{"time":"2014-10-16 03:13:31 UTC","digest":"d93053a1875c034384bb4fb06b20792f","server":"edge1.example.com","status":"offline"}`), "token")
	f.Add([]byte(`[]`), "")
	f.Fuzz(func(t *testing.T, body []byte, token string) {
		p, err := VerifyWMSPanel(body, token)
		switch {
		case err == nil:
			if !strings.EqualFold(p.Digest, WMSPanelDigest(p.Time, token)) {
				t.Fatalf("accepted a wrong digest")
			}
		case errors.Is(err, ErrMalformed), errors.Is(err, ErrDigestMismatch):
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzReportAnswer: whatever a reporting system answers (any status, any
// body), the sink decides without a panic, and a refusal is one line.
func FuzzReportAnswer(f *testing.F) {
	for _, c := range []struct {
		code int
		body string
	}{
		{200, `{"results":[{"code":200,"status":"ok"}]}`}, {404, `{"diagnostic_information":"Error: Missing permission: x\n","error":404}`},
		{403, `{"results":[{"code":403,"status":"Passive checks are disabled for object 'a!b'."}]}`}, {200, `{"ok":true}`},
		{404, `{"ok":false,"msg":"Monitor not found or not active."}`}, {400, "invalid url format"}, {200, "<html>"}, {500, "\xff\x00|\n"},
	} {
		f.Add(c.code, c.body)
	}
	sinks := map[string]*Sink{}
	for _, c := range []SinkConfig{
		{Format: FormatIcinga2, URL: "https://icinga:5665", Username: "u", Password: "p"},
		{Format: FormatUptimeKuma, URL: "https://kuma/api/push/tok"},
		{Format: FormatHealthchecks, URL: "https://hc-ping.com/0c5e2b3a-4bd5-4f6d-9b0c-2d9c1d3e4f5a"},
		{Format: FormatPushgateway, URL: "http://127.0.0.1:9091"},
	} {
		s, err := c.Build(func(string) string { return "" })
		if err != nil {
			f.Fatal(err)
		}
		sinks[c.Format] = s
	}
	f.Fuzz(func(t *testing.T, code int, body string) {
		if code < 100 || code > 999 {
			return
		}
		ex := &probe.Exchange{Status: code, StatusLine: fmt.Sprintf("%d %s", code, http.StatusText(code)), Body: []byte(body)}
		for name, s := range sinks {
			err := s.checkAnswer(ex, TestEvent("OK", "test", time.Unix(0, 0)))
			if err != nil && (strings.ContainsAny(err.Error(), "\r\n") || !utf8.ValidString(err.Error())) {
				t.Fatalf("%s: refusal not one valid line: %q", name, err.Error())
			}
			if err == nil && (code < 200 || code > 299) {
				t.Fatalf("%s: %d taken as a delivery", name, code)
			}
		}
	})
}
