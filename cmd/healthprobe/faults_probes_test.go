package main

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"

	"github.com/healthprobe/healthprobe/emulate"
)

// The probes of the fault suite: how each is called, and the emulator that
// stands for its healthy server (for faults that bend a good answer, such
// as a wrong Content-Type or a bad certificate in front of it).

// faultVars is the environment of every run of the suite: the secrets the
// probes read from it. The http probe's password holds characters every
// encoding changes, and a line break.
var faultVars = map[string]string{
	"HP_PASSWORD":     "hp-fault|pass\"<3141>&/\nline2",
	"ITGRIX_PASSWORD": emulate.ItgrixPassword,
	"KALEYRA_KEY":     emulate.KaleyraAPIKey,
	"PEXIP_FLEET_PW":  emulate.PexipManagerPassword,
}

// faultSecretForms is every form of every secret of the suite that must
// never show (shownForms): faultVars, the Basic values of the logins, and
// the secrets the echoing server issues.
var faultSecretForms = sync.OnceValue(func() []string {
	var forms []string
	for _, s := range []string{faultVars["HP_PASSWORD"], faultVars["ITGRIX_PASSWORD"], faultVars["KALEYRA_KEY"],
		base64.StdEncoding.EncodeToString([]byte("monitor:" + faultVars["HP_PASSWORD"])),
		base64.StdEncoding.EncodeToString([]byte(emulate.ItgrixUser + ":" + faultVars["ITGRIX_PASSWORD"])),
		secIssuedCookie, secIssuedToken, secIssuedCall} {
		forms = append(forms, shownForms(s)...)
	}
	return forms
})

type faultProbe struct {
	name    string
	healthy func() http.Handler
	// args is the command line for a server at base (scheme://host:port).
	args func(base string, f fault) []string
	// odd is a well-formed answer whose texts hold invalid UTF-8, control
	// characters (NUL, a terminal escape) and a bidirectional override.
	odd func() http.Handler
}

// oddText is a JSON string body with invalid UTF-8 (\xe9 alone), an escaped
// NUL, a terminal colour escape and a right-to-left override.
const oddText = `caf\xe9 \u0000\u001b[31mRED\u001b[0m \u202eevil`

func oddJSON(s string) []byte {
	b := []byte(s)
	// turn the literal \xe9 of oddText into the raw byte
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if i+3 < len(b) && string(b[i:i+4]) == `\xe9` {
			out = append(out, 0xe9)
			i += 3
			continue
		}
		out = append(out, b[i])
	}
	return out
}

func serveJSON(code int, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write(body)
	})
}

func itgrixLogin(h http.Handler) http.Handler {
	return emulate.DigestAuth{Realm: emulate.ItgrixRealm, User: emulate.ItgrixUser, Password: emulate.ItgrixPassword}.Wrap(h)
}

var faultProbes = []faultProbe{
	{
		name: "http",
		healthy: func() http.Handler {
			return serveJSON(http.StatusOK, []byte(`{"status":"ok"}`))
		},
		args: func(base string, _ fault) []string {
			return []string{"http", base + "/health", "--jq", ".status", "--jq-equals", "ok",
				"-u", "monitor", "--password-env", "HP_PASSWORD"}
		},
		odd: func() http.Handler {
			return serveJSON(http.StatusOK, oddJSON(`{"status":"`+oddText+`"}`))
		},
	},
	{
		name: "itgrix",
		healthy: func() http.Handler {
			e, err := emulate.NewItgrix("normal")
			if err != nil {
				panic(err)
			}
			return e
		},
		args: func(base string, _ fault) []string {
			return []string{"itgrix", base, "-u", emulate.ItgrixUser, "--password-env", "ITGRIX_PASSWORD"}
		},
		odd: func() http.Handler {
			return itgrixLogin(serveJSON(http.StatusOK, oddJSON(`{"app":{"app_state":"","app_status":"Error","app_err":"`+oddText+
				`","license":{"type":"Professional","valid_till":"2999-12-31"}}}`)))
		},
	},
	{
		name:    "pexip",
		healthy: func() http.Handler { return emulate.NewPexip() },
		args: func(base string, _ fault) []string {
			return []string{"pexip", base, "--alias", emulate.PexipTestCall}
		},
		odd: func() http.Handler {
			mux := http.NewServeMux()
			mux.Handle("GET /api/client/v2/status", serveJSON(http.StatusOK, []byte(`{"status":"success","result":"OK"}`)))
			mux.Handle("POST /api/client/v2/conferences/{alias}/request_token", serveJSON(http.StatusOK, oddJSON(
				`{"status":"success","result":{"token":"pexemu-odd-token","expires":"120","role":"`+oddText+
					`","service_type":"`+oddText+`","conference_name":"`+oddText+`","version":{"version_id":"`+oddText+`"}}}`)))
			mux.Handle("POST /api/client/v2/conferences/{alias}/release_token", serveJSON(http.StatusOK, []byte(`{"status":"success","result":true}`)))
			return mux
		},
	},
	{
		name: "pexip-fleet",
		healthy: func() http.Handler {
			m, err := emulate.NewPexipManager(emulate.FleetHealthy)
			if err != nil {
				panic(err)
			}
			return m
		},
		args: func(base string, _ fault) []string {
			// pages are capped at 1 MiB, as the other probes' answers: its
			// default (4 MiB) takes the trickling faults near the deadline
			return []string{"pexip-fleet", base, "-u", emulate.PexipManagerUser, "--password-env", "PEXIP_FLEET_PW", "--max-body", "1MiB"}
		},
		odd: func() http.Handler {
			page := func(objects string) http.Handler {
				return serveJSON(http.StatusOK, oddJSON(`{"meta":{"limit":1000,"next":null,"offset":0,"total_count":1},"objects":[`+objects+`]}`))
			}
			mux := http.NewServeMux()
			mux.Handle("GET /api/admin/status/v1/worker_vm/", page(`{"name":"`+oddText+`","system_location":"`+oddText+
				`","node_type":"`+oddText+`","sync_status":"`+oddText+`","maintenance_mode":true,"maintenance_mode_reason":"`+oddText+
				`","media_load":12,"last_updated":"`+oddText+`"}`))
			mux.Handle("GET /api/admin/status/v1/alarm/", page(`{"level":"`+oddText+`","name":"`+oddText+`","details":"`+oddText+`","node":null}`))
			mux.Handle("GET /api/admin/status/v1/licensing/", page(`{"port_count":1,"port_total":10}`))
			return mux
		},
	},
	{
		name:    "kaleyra",
		healthy: func() http.Handler { return emulate.Kaleyra(emulate.KaleyraAPIKey) },
		args: func(base string, f fault) []string {
			args := []string{"kaleyra", "--url", base + "/v1/", "--api-key-env", "KALEYRA_KEY"}
			if f.json {
				args = append(args, "--format", "json")
			}
			return args
		},
		odd: func() http.Handler {
			return serveJSON(http.StatusOK, oddJSON(fmt.Sprintf(`{"status":"200","message":"OK","data":{"incidents":[`+
				`{"region":"%s","region_code":"%s","type":"critical","service":"all","numbers":["+918040001111"]}]}}`, oddText, oddText)))
		},
	},
}
