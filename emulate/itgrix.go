package emulate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Itgrix admin-panel login of the emulator.
const (
	ItgrixUser     = "admin"
	ItgrixPassword = "itgrix-demo-7fq2"
	ItgrixRealm    = "itgrix"
)

// ItgrixCases are the states the Itgrix emulator can be set to.
var ItgrixCases = []string{
	"normal",          // running, status Ok, Professional licence valid 200 more days
	"restarting",      // app_state "restarting", status Warning, an error text
	"stopped",         // app_state "stopped", status Error, app_err "AMI connection lost"
	"stopped-free",    // stopped as above, and the licence dropped to Free
	"warning",         // running, status Warning, an error text
	"license-soon",    // the licence's last valid day is 10 days away
	"license-today",   // today is the licence's last valid day
	"license-expired", // the licence's last valid day was yesterday
	"free",            // licence type Free
	"flat",            // normal, with every element at the top level
	"missing",         // app_state and license absent
	"unknown-state",   // app_state "paused"
	"malformed",       // a JSON answer cut in the middle
	"html",            // an HTML page instead of JSON
	"huge",            // a 2 MiB JSON answer
}

// Itgrix emulates the Itgrix connector's status API on port 8077:
//
//	/status              the current case, behind MD5 digest auth
//	/CASE/status         that case (so a base URL of .../stopped probes it)
//	/sha256/status       the current case, behind SHA-256 digest auth
//
// The answer nests most elements in an "app" object, as the published
// example does. The path request parameter (?path=app_state,
// ?path=license.type) returns just that element as a bare JSON value
// ("stopped", {"type":"Free",...}); it is looked up from the top and, when
// absent there, inside "app"; an absent element is null.
type Itgrix struct {
	Today func() time.Time // nil: time.Now

	mu      sync.Mutex
	current string
	mux     *http.ServeMux
}

// NewItgrix returns an emulator set to a case ("" is normal).
func NewItgrix(c string) (*Itgrix, error) {
	e := &Itgrix{mux: http.NewServeMux()}
	md5 := DigestAuth{Realm: ItgrixRealm, User: ItgrixUser, Password: ItgrixPassword}
	sha := md5
	sha.Algorithm = "SHA-256"
	e.mux.Handle("GET /status", md5.Wrap(e.answer(e.get)))
	e.mux.Handle("GET /sha256/status", sha.Wrap(e.answer(e.get)))
	e.mux.Handle("GET /{case}/status", md5.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := r.PathValue("case")
		if !slices.Contains(ItgrixCases, c) {
			http.NotFound(w, r)
			return
		}
		e.answer(func() string { return c }).ServeHTTP(w, r)
	})))
	return e, e.Set(c)
}

// Set chooses the case /status answers with.
func (e *Itgrix) Set(c string) error {
	if c == "" {
		c = "normal"
	}
	if !slices.Contains(ItgrixCases, c) {
		return fmt.Errorf("unknown Itgrix case %q (want one of %s)", c, strings.Join(ItgrixCases, ", "))
	}
	e.mu.Lock()
	e.current = c
	e.mu.Unlock()
	return nil
}

func (e *Itgrix) get() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.current
}

// ServeHTTP routes the requests.
func (e *Itgrix) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.mux.ServeHTTP(w, r) }

func (e *Itgrix) answer(which func() string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := which()
		switch c {
		case "malformed":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"app":{"app_state":"","app_status":"Ok","c2c":{"connected":tr`)
			return
		case "html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<html><head><title>Itgrix</title></head><body>Log in to the admin panel</body></html>\n")
			return
		}
		doc := e.document(c)
		var v any = doc
		if p := r.URL.Query().Get("path"); p != "" {
			v = element(doc, p)
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(append(b, '\n'))
	})
}

// element looks a dotted path up from the top, then inside "app".
func element(doc map[string]any, path string) any {
	segs := strings.Split(path, ".")
	for _, root := range []any{doc, doc["app"]} {
		v := root
		for _, s := range segs {
			m, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = m[s]
		}
		if v != nil {
			return v
		}
	}
	return nil
}

func (e *Itgrix) document(c string) map[string]any {
	now := time.Now()
	if e.Today != nil {
		now = e.Today()
	}
	day := func(n int) string { return now.AddDate(0, 0, n).Format(time.DateOnly) }
	app := map[string]any{
		"app_state": "", "app_status": "Ok", "app_err": "",
		"c2c": map[string]any{"connected": true, "on": true, "portal": "example.bitrix24.ru", "stayon": false,
			"url": "https://apix.itgrix.example:9004"},
		"calls_queue":   map[string]any{"calls": 0, "lock": "locked in 384ns"},
		"calls_storage": map[string]any{"calls": 0},
		"crm": map[string]any{"host": "https://example.bitrix24.ru", "on": true,
			"users_cache": map[string]any{"last_updated": now.Format("2006-01-02 15:04:05.000 -07:00"), "phones": 39, "users": 120}},
		"crm_type": "bitrix",
		"license":  map[string]any{"type": "Professional", "valid_till": day(200)},
	}
	lic := app["license"].(map[string]any)
	switch c {
	case "restarting":
		app["app_state"], app["app_status"], app["app_err"] = "restarting", "Warning", "reconnecting to the Asterisk AMI"
	case "stopped", "stopped-free":
		app["app_state"], app["app_status"], app["app_err"] = "stopped", "Error", "AMI connection lost"
		if c == "stopped-free" {
			lic["type"] = "Free"
		}
	case "warning":
		app["app_status"], app["app_err"] = "Warning", "Bitrix24 portal not reachable: token expired"
	case "license-soon":
		lic["valid_till"] = day(10)
	case "license-today":
		lic["valid_till"] = day(0)
	case "license-expired":
		lic["valid_till"] = day(-1)
	case "free":
		lic["type"] = "Free"
	case "missing":
		delete(app, "app_state")
		delete(app, "license")
	case "unknown-state":
		app["app_state"] = "paused"
	case "flat":
		return app
	case "huge":
		app["debug_log"] = strings.Repeat("x", 2<<20)
	}
	return map[string]any{"app": app}
}
