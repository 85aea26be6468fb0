package main

import (
	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

func kaleyraDemo(vars map[string]string) ([]demoCase, func(), error) {
	srv, err := emulate.Serve(emulate.Kaleyra(emulate.KaleyraAPIKey))
	if err != nil {
		return nil, nil, err
	}
	vars["KALEYRA_API_KEY"] = emulate.KaleyraAPIKey
	vars["KALEYRA_OLD_KEY"] = "revoked-key-1234"
	u := srv.URL
	key := []string{"--api-key-env", "KALEYRA_API_KEY"}
	kaleyra := func(path string, args ...string) []string {
		return append(append([]string{"kaleyra", "--url", u + path}, key...), args...)
	}
	return []demoCase{
		{"the documented answer: two numbers, both operational (the key read from an environment variable)",
			kaleyra("/v1/"), nagios.OK, nil},
		{"an incident list with one region degraded and one down",
			kaleyra("/incidents/v1/"), nagios.Critical, nil},
		{"one Nagios service per number: the degraded one",
			kaleyra("/incidents/v1/", "--number", "+0809900112234"), nagios.Warning, nil},
		{"a region's incoming calls, asking for JSON",
			kaleyra("/incidents/v1/", "--region-code", "KA-IN", "--service", "incoming", "--format", "json"), nagios.OK, nil},
		{"a watched number that is no longer in the answer must not turn green",
			kaleyra("/incidents/v1/", "--number", "+919999999999"), nagios.Unknown, nil},
		{"no incidents at all (E701)",
			kaleyra("/no-incidents/v1/"), nagios.OK, nil},
		{"the Health Check plugin is not enabled for the account (E542)",
			kaleyra("/not-subscribed/v1/"), nagios.Unknown, nil},
		{"a key the API refuses (CRITICAL, as every refused credential); the key never shows, not even with -v",
			[]string{"kaleyra", "--url", u + "/v1/", "--api-key-env", "KALEYRA_OLD_KEY", "-v"}, nagios.Critical, nil},
		{"a proxy's error page instead of the API",
			kaleyra("/bad-gateway/v1/"), nagios.Critical, nil},
	}, srv.Close, nil
}
