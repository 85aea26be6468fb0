package main

import (
	"net/http"
	"os"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

// reportDemo reports every run's result into emulators of Uptime Kuma and
// Healthchecks (--push), with the state in a temporary directory that stop
// removes.
func reportDemo(map[string]string) ([]demoCase, func(), error) {
	var servers []*emulate.Server
	dir, err := os.MkdirTemp("", "healthprobe-demo-report-")
	if err != nil {
		return nil, nil, err
	}
	stop := func() {
		for _, s := range servers {
			s.Close()
		}
		_ = os.RemoveAll(dir)
	}
	urls := map[string]string{}
	for _, e := range []struct {
		name string
		h    http.Handler
	}{{"web", emulate.Web()}, {"kuma", emulate.NewUptimeKuma()}, {"hc", emulate.NewHealthchecks()}} {
		srv, err := emulate.Serve(e.h)
		if err != nil {
			stop()
			return nil, nil, err
		}
		servers = append(servers, srv)
		urls[e.name] = srv.URL
	}
	kuma := "uptime-kuma=" + urls["kuma"] + "/api/push/" + emulate.KumaToken
	hc := "healthchecks=" + urls["hc"] + "/" + emulate.HealthchecksUUID
	check := func(name, path string, more ...string) []string {
		return append([]string{"http", urls["web"] + path, "--name", name, "--state-dir", dir}, more...)
	}
	return []demoCase{
		{title: "every run's result to an Uptime Kuma push monitor: status, msg and ping (the token is a secret)",
			args: check("demo-kuma", "/ready", "--push", kuma), want: nagios.OK},
		{title: "a failing run is reported too, as down",
			args: check("demo-kuma", "/fail", "--push", kuma), want: nagios.Critical},
		{title: "to Healthchecks: the exit code in the URL (/2), the plugin output as the body",
			args: check("demo-hc", "/fail", "--push", hc), want: nagios.Critical},
		{title: "a push URL Uptime Kuma does not know: the result is kept, the next run's replaces it (WARNING)",
			args: check("demo-typo", "/ready", "--push", "uptime-kuma="+urls["kuma"]+"/api/push/noSuchToken", "-t", "1"), want: nagios.Warning},
		{title: "notify test sends a test result to every sink, whatever its format",
			args: []string{"notify", "test", "--push", kuma, "--push", hc}, want: nagios.OK},
	}, stop, nil
}

// reportEmulators are the receivers of the report sinks that Debian does
// not package, served by demo --serve beside the checks' emulators, to try
// --push by hand (docs/report.md).
var reportEmulators = []emulator{
	{name: "uptime-kuma", handler: func(string) (http.Handler, error) { return emulate.NewUptimeKuma(), nil },
		vars: []demoVar{{"UPTIME_KUMA_TOKEN", emulate.KumaToken}}},
	{name: "healthchecks", handler: func(string) (http.Handler, error) { return emulate.NewHealthchecks(), nil },
		vars: []demoVar{{"HEALTHCHECKS_UUID", emulate.HealthchecksUUID}}},
}
