package emulate

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// KaleyraAPIKey is the API key the demo and the tests give the emulator.
const KaleyraAPIKey = "demoKaleyraKey0c41f7e2"

// The emulator's answer to a wrong key. The seed documents no code for it;
// healthprobe treats every undocumented code alike (UNKNOWN, code and message
// quoted), so the choice does not matter to the check.
const (
	KaleyraBadKeyCode    = "E101"
	KaleyraBadKeyMessage = "Invalid API key"
)

// Kaleyra emulates the voice API's incident monitor (seed 002):
// GET BASE?api_key=KEY&method=monitor&format=xml|json. The path chooses
// the answer:
//
//	/v1/                          the seed's example: 2 numbers operational (status 200, OK)
//	/incidents/v1/                5 numbers: 3 operational, DL-IN warning, MH-IN critical
//	/no-incidents/v1/             E701 No incidents found
//	/not-subscribed/v1/           E542 User Plugin not found or inactive
//	/unknown-type/v1/             a number of type "maintenance"
//	/html/v1/                     200 with an HTML login page
//	/bad-gateway/v1/              502 with a proxy's HTML error page
//	/truncated/v1/                the first half of the incidents answer
//	/big/v1/                      a 2 MiB answer (one incident, repeated), beyond the default --max-body
//
// A wrong api_key gets E101 Invalid API key and a method other than monitor
// E102 (both HTTP 200). format=json answers JSON with plain lists; adding
// json=wrapped to the query nests it under "api" with the XML's "monitor"
// lists, the other shape healthprobe accepts.
func Kaleyra(apiKey string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/{$}", func(w http.ResponseWriter, r *http.Request) { serveKaleyra(w, r, apiKey, "seed") })
	mux.HandleFunc("/{scenario}/v1/{$}", func(w http.ResponseWriter, r *http.Request) {
		serveKaleyra(w, r, apiKey, r.PathValue("scenario"))
	})
	return mux
}

type kaleyraIncident struct {
	Region     string   `xml:"region" json:"region"`
	RegionCode string   `xml:"region_code" json:"region_code"`
	Type       string   `xml:"type" json:"type"`
	Service    string   `xml:"service" json:"service"`
	Numbers    []string `xml:"numbers>monitor" json:"numbers"`
}

type kaleyraAnswer struct {
	Status    string
	Message   string
	Incidents []kaleyraIncident
}

// kaleyraXML is the documented XML; an answer without incidents has no <data>.
type kaleyraXML struct {
	XMLName xml.Name     `xml:"api"`
	Status  string       `xml:"status"`
	Message string       `xml:"message"`
	Data    *kaleyraData `xml:"data"`
}

type kaleyraData struct {
	Incidents []kaleyraIncident `xml:"incidents>monitor"`
}

// kaleyraSeed is the seed's example answer.
var kaleyraSeed = []kaleyraIncident{
	{"karnataka", "DL-IN", "operational", "all", []string{"+0809900112234"}},
	{"karnataka", "KA-IN", "operational", "all", []string{"+878788197367616"}},
}

var kaleyraIncidents = []kaleyraIncident{
	{"karnataka", "KA-IN", "operational", "all", []string{"+878788197367616", "+918040001111"}},
	{"delhi", "DL-IN", "warning", "all", []string{"+0809900112234"}},
	{"maharashtra", "MH-IN", "critical", "incoming", []string{"+912240002222"}},
	{"tamil nadu", "TN-IN", "operational", "outgoing", []string{"+914440003333"}},
}

func serveKaleyra(w http.ResponseWriter, r *http.Request, apiKey, scenario string) {
	q := r.URL.Query()
	format := strings.ToLower(q.Get("format"))
	if format != "json" {
		format = "xml"
	}
	ok := kaleyraAnswer{Status: "200", Message: "OK"}
	var a kaleyraAnswer
	switch {
	case subtle.ConstantTimeCompare([]byte(q.Get("api_key")), []byte(apiKey)) != 1:
		a = kaleyraAnswer{Status: KaleyraBadKeyCode, Message: KaleyraBadKeyMessage}
	case q.Get("method") != "monitor":
		a = kaleyraAnswer{Status: "E102", Message: "Invalid method"}
	default:
		switch scenario {
		case "seed":
			a, a.Incidents = ok, kaleyraSeed
		case "incidents", "truncated":
			a, a.Incidents = ok, kaleyraIncidents
		case "no-incidents":
			a = kaleyraAnswer{Status: "E701", Message: "No incidents found"}
		case "not-subscribed":
			a = kaleyraAnswer{Status: "E542", Message: "User Plugin not found or inactive"}
		case "unknown-type":
			a, a.Incidents = ok, []kaleyraIncident{
				{"karnataka", "KA-IN", "maintenance", "all", []string{"+878788197367616"}},
				{"delhi", "DL-IN", "operational", "all", []string{"+0809900112234"}},
			}
		case "big":
			a, a.Incidents = ok, kaleyraBig[:1]
		case "html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><title>Kaleyra | Sign in</title></head>\n<body><form action=\"/login\"><input name=\"user\"></form></body></html>\n")
			return
		case "bad-gateway":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n")
			return
		default:
			http.NotFound(w, r)
			return
		}
	}
	encode := kaleyraAnswer.xml
	ctype := "text/xml; charset=utf-8"
	if format == "json" {
		wrapped := q.Get("json") == "wrapped"
		encode = func(a kaleyraAnswer) ([]byte, error) { return a.json(wrapped) }
		ctype = "application/json"
	}
	body, err := encode(a)
	if scenario == "big" && err == nil {
		body, err = a.repeated(encode, 2<<20)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if scenario == "truncated" {
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", ctype)
	_, _ = w.Write(body)
}

func (a kaleyraAnswer) xml() ([]byte, error) {
	v := kaleyraXML{Status: a.Status, Message: a.Message}
	if len(a.Incidents) > 0 {
		v.Data = &kaleyraData{a.Incidents}
	}
	b, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the XML answer: %w", err)
	}
	return append(append([]byte(xml.Header), b...), '\n'), nil
}

// json renders the answer as plain lists ({"status":200,...,"data":
// {"incidents":[...]}}) or, wrapped, in the XML's shape under "api".
func (a kaleyraAnswer) json(wrapped bool) ([]byte, error) {
	v := map[string]any{"status": a.Status, "message": a.Message}
	if a.Status == "200" && !wrapped {
		v["status"] = 200
	}
	switch {
	case len(a.Incidents) == 0:
		v["data"] = []any{} // what PHP's json_encode makes of an empty array
	case wrapped:
		list := make([]map[string]any, len(a.Incidents))
		for i, in := range a.Incidents {
			list[i] = map[string]any{"region": in.Region, "region_code": in.RegionCode, "type": in.Type,
				"service": in.Service, "numbers": map[string]any{"monitor": in.Numbers}}
		}
		v["data"] = map[string]any{"incidents": map[string]any{"monitor": list}}
	default:
		v["data"] = map[string]any{"incidents": a.Incidents}
	}
	var out any = v
	if wrapped {
		out = map[string]any{"api": v}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encoding the JSON answer: %w", err)
	}
	return buf.Bytes(), nil
}

// kaleyraBig is the incident the /big/ answer repeats.
var kaleyraBig = []kaleyraIncident{{"karnataka", "KA-IN", "operational", "all", []string{"+918000000000"}}}

// repeated encodes the answer with its incidents repeated until it is at
// least size bytes long. It repeats the bytes that the incidents add to
// the encoding, rather than encoding thousands of incidents: encoding a
// 2 MiB answer took 5 s under the race detector, on a busy machine more
// than a probe's deadline.
func (a kaleyraAnswer) repeated(encode func(kaleyraAnswer) ([]byte, error), size int) ([]byte, error) {
	once, err := encode(a)
	if err != nil {
		return nil, err
	}
	b := a
	b.Incidents = append(slices.Clip(a.Incidents), a.Incidents...)
	twice, err := encode(b)
	if err != nil {
		return nil, err
	}
	// twice is once with one more copy of the incidents' bytes inserted
	// where the two first differ
	p := 0
	for p < len(once) && once[p] == twice[p] {
		p++
	}
	d := len(twice) - len(once)
	if d <= 0 || !bytes.Equal(twice[p+d:], once[p:]) {
		return nil, errors.New("the answer's incidents do not repeat")
	}
	n := max((size-len(once)+d-1)/d, 0)
	return slices.Concat(once[:p], bytes.Repeat(twice[p:p+d], n), once[p:]), nil
}
