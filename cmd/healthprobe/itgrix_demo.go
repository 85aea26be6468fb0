package main

import (
	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

// itgrixDemo runs the Itgrix probe against the emulator: each case lives
// under its own base URL (http://127.0.0.1:PORT/stopped ...).
func itgrixDemo(vars map[string]string) ([]demoCase, func(), error) {
	emu, err := emulate.NewItgrix("normal")
	if err != nil {
		return nil, nil, err
	}
	srv, err := emulate.Serve(emu)
	if err != nil {
		return nil, nil, err
	}
	vars["ITGRIX_PASSWORD"] = emulate.ItgrixPassword
	login := []string{"-u", emulate.ItgrixUser, "--password-env", "ITGRIX_PASSWORD"}
	c := func(title, base string, want nagios.State, extra ...string) demoCase {
		args := append(append([]string{"itgrix", base}, login...), extra...)
		return demoCase{title, args, want, nil}
	}
	u := srv.URL
	return []demoCase{
		c("a healthy connector: running, status Ok, Professional licence", u, nagios.OK),
		c("the same over SHA-256 digest auth", u+"/sha256", nagios.OK),
		c("stopped on an error, and the licence dropped to Free", u+"/stopped-free", nagios.Critical),
		c("restarting after a network problem", u+"/restarting", nagios.Warning),
		c("the licence ends in 10 days (warning at 14)", u+"/license-soon", nagios.Warning),
		c("the licence ran out yesterday", u+"/license-expired", nagios.Critical),
		c("one element through the path parameter", u+"/stopped", nagios.Critical, "--path", "app_state"),
		c("a jq assertion on the same answer: calls waiting in the queue", u, nagios.OK,
			"--jq", ".app.calls_queue.calls", "--jq-warning", "10", "--jq-critical", "50", "--jq-label", "queued_calls"),
		{"a wrong password", []string{"itgrix", u, "-u", emulate.ItgrixUser, "--password", "not-the-password"}, nagios.Critical, nil},
		c("an answer cut in the middle (malformed JSON)", u+"/malformed", nagios.Unknown),
	}, srv.Close, nil
}
