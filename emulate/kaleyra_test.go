package emulate

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestKaleyraAnswers(t *testing.T) {
	h := Kaleyra("good-key")
	tests := []struct {
		target, ctype, body string
	}{
		{"/v1/?api_key=good-key&method=monitor&format=json", "application/json",
			`{"data":{"incidents":[{"region":"karnataka","region_code":"DL-IN","type":"operational","service":"all","numbers":["+0809900112234"]},{"region":"karnataka","region_code":"KA-IN","type":"operational","service":"all","numbers":["+878788197367616"]}]},"message":"OK","status":200}` + "\n"},
		{"/no-incidents/v1/?api_key=good-key&method=monitor&format=json&json=wrapped", "application/json",
			`{"api":{"data":[],"message":"No incidents found","status":"E701"}}` + "\n"},
		{"/not-subscribed/v1/?api_key=good-key&method=monitor", "text/xml; charset=utf-8",
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<api>\n  <status>E542</status>\n  <message>User Plugin not found or inactive</message>\n</api>\n"},
		{"/v1/?api_key=good-key&method=status", "text/xml; charset=utf-8",
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<api>\n  <status>E102</status>\n  <message>Invalid method</message>\n</api>\n"},
		{"/incidents/v1/?api_key=bad-key&method=monitor&format=json", "application/json",
			`{"data":[],"message":"Invalid API key","status":"E101"}` + "\n"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.target, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != tt.ctype || string(body) != tt.body {
			t.Errorf("%s: %d %q\n%s\nwant %q\n%s", tt.target, rec.Code, rec.Header().Get("Content-Type"), body, tt.ctype, tt.body)
		}
	}
	// the seed's XML, element for element
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/?api_key=good-key&method=monitor&format=xml", nil))
	want := []string{"<api>", "<status>200</status>", "<message>OK</message>", "<data>", "<incidents>", "<monitor>",
		"<region>karnataka</region>", "<region_code>DL-IN</region_code>", "<type>operational</type>", "<service>all</service>",
		"<numbers>", "<monitor>+0809900112234</monitor>", "</numbers>", "</monitor>"}
	got := strings.Fields(rec.Body.String())
	if len(got) < len(want)+3 || !slices.Equal(got[3:3+len(want)], want) {
		t.Errorf("seed answer:\n%s", rec.Body.String())
	}
}

// The /big/ answer repeats encoded bytes: they must be what encoding that
// many incidents gives, in every format.
func TestKaleyraRepeated(t *testing.T) {
	encoders := map[string]func(kaleyraAnswer) ([]byte, error){
		"xml":          kaleyraAnswer.xml,
		"json":         func(a kaleyraAnswer) ([]byte, error) { return a.json(false) },
		"json wrapped": func(a kaleyraAnswer) ([]byte, error) { return a.json(true) },
	}
	for name, encode := range encoders {
		one := kaleyraAnswer{Status: "200", Message: "OK", Incidents: kaleyraBig}
		for k := 1; k <= 4; k++ {
			a := one
			a.Incidents = nil
			for range k {
				a.Incidents = append(a.Incidents, kaleyraBig...)
			}
			want, err := encode(a)
			if err != nil {
				t.Fatal(err)
			}
			got, err := one.repeated(encode, len(want))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s, %d incidents: %v\n got %s\nwant %s", name, k, err, got, want)
			}
		}
		big, err := one.repeated(encode, 2<<20)
		if err != nil || len(big) < 2<<20 || len(big) > 2<<20+1000 {
			t.Errorf("%s: %d bytes (%v), want 2 MiB", name, len(big), err)
		}
	}
}
