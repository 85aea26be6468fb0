package main

import (
	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

// httpDemo runs the HTTP probe against the web emulator.
func httpDemo(vars map[string]string) ([]demoCase, func(), error) {
	srv, err := emulate.Serve(emulate.Web())
	if err != nil {
		return nil, nil, err
	}
	vars["WEB_PASSWORD"] = emulate.WebPassword
	u := srv.URL
	return []demoCase{
		{"a page that must say it is ready, within response-time thresholds",
			[]string{"http", u + "/ready", "-s", "service ready", "-w", "0.5", "-c", "2"}, nagios.OK, nil},
		{"a slow endpoint: 300 ms against a 0.1 s warning threshold",
			[]string{"http", u + "/slow?delay=300ms", "-w", "0.1", "-c", "2"}, nagios.Warning, nil},
		{"a page behind digest auth, the password read from an environment variable",
			[]string{"http", u + "/secure", "-u", emulate.WebUser, "--password-env", "WEB_PASSWORD", "-s", "welcome"}, nagios.OK, nil},
		{"the same page with a wrong password",
			[]string{"http", u + "/secure", "-u", emulate.WebUser, "--password", "not-the-password"}, nagios.Critical, nil},
		{"a failing endpoint (503 maintenance page)",
			[]string{"http", u + "/fail"}, nagios.Critical, nil},
		{"a keyword that is missing: the summary quotes what the page said",
			[]string{"http", u + "/fail", "--expect-status", "200-299,503", "-s", "service ready"}, nagios.Critical, nil},
		{"the same check as JSON, for scripts",
			[]string{"http", u + "/ready", "-s", "service ready", "--output", "json"}, nagios.OK, nil},
	}, srv.Close, nil
}
