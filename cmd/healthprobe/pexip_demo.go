package main

import (
	"net/http"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

// pexipDemo starts a Pexip node in service, one in maintenance mode, one
// whose releases fail and a web server that is not a Pexip node.
func pexipDemo(vars map[string]string) ([]demoCase, func(), error) {
	var servers []*emulate.Server
	stop := func() {
		for _, s := range servers {
			s.Close()
		}
	}
	start := func(h http.Handler) (string, error) {
		s, err := emulate.Serve(h)
		if err != nil {
			return "", err
		}
		servers = append(servers, s)
		return s.URL, nil
	}
	node := emulate.NewPexip()
	maintenance := emulate.NewPexip()
	maintenance.SetMaintenance(true)
	leaky := emulate.NewPexip()
	leaky.FailRelease(http.StatusInternalServerError)
	var urls []string
	for _, h := range []http.Handler{node, maintenance, leaky, emulate.NotPexip()} {
		u, err := start(h)
		if err != nil {
			stop()
			return nil, nil, err
		}
		urls = append(urls, u)
	}
	vars["PEXIP_PIN"] = emulate.PexipHostPIN
	u, um, ul, un := urls[0], urls[1], urls[2], urls[3]
	return []demoCase{
		{"a test call service takes the call; the token is released at once",
			[]string{"pexip", u, "--alias", emulate.PexipTestCall, "-w", "0.5", "-c", "2"}, nagios.OK, nil},
		{"a room with a PIN, read from an environment variable",
			[]string{"pexip", u, "--alias", emulate.PexipPINRoom, "--pin-env", "PEXIP_PIN"}, nagios.OK, nil},
		{"the same room without the PIN: the check lacks it, which says nothing of the node (UNKNOWN)",
			[]string{"pexip", u, "--alias", emulate.PexipPINRoom}, nagios.Unknown, nil},
		{"a room whose hosts need a PIN, joined as a guest",
			[]string{"pexip", u, "--alias", emulate.PexipHostPINRoom, "--guest"}, nagios.OK, nil},
		{"an alias that leads to a Virtual Reception",
			[]string{"pexip", u, "--alias", emulate.PexipReception}, nagios.Warning, nil},
		{"an alias the node does not know",
			[]string{"pexip", u, "--alias", "no.such.room"}, nagios.Critical, nil},
		{"a node in maintenance mode: reported as such, no call made",
			[]string{"pexip", um, "--alias", emulate.PexipTestCall}, nagios.Warning, nil},
		{"a node whose release fails: the probe's call would linger in the Live View",
			[]string{"pexip", ul, "--alias", emulate.PexipTestCall}, nagios.Warning, nil},
		{"--no-release, as the Uptime Kuma recipe does it: the call stays for the token's lifetime",
			[]string{"pexip", u, "--alias", emulate.PexipTestCall, "--no-release"}, nagios.OK, nil},
		{"a web server that is not a Pexip node",
			[]string{"pexip", un, "--alias", emulate.PexipTestCall}, nagios.Critical, nil},
	}, stop, nil
}
