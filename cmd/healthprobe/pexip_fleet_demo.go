package main

import (
	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

// pexipFleetDemo starts Management Nodes with a healthy fleet, a troubled
// one, and one whose node refuses calls, and checks them, with test calls
// on every node.
func pexipFleetDemo(vars map[string]string) ([]demoCase, func(), error) {
	var servers []*emulate.Server
	stop := func() {
		for _, s := range servers {
			s.Close()
		}
	}
	urls := map[string]string{}
	for _, fleet := range []string{emulate.FleetHealthy, emulate.FleetTroubled, emulate.FleetCallRefused, emulate.FleetLicencesNearLimit} {
		m, err := emulate.NewPexipManager(fleet)
		if err != nil {
			stop()
			return nil, nil, err
		}
		s, err := emulate.Serve(m)
		if err != nil {
			stop()
			return nil, nil, err
		}
		servers = append(servers, s)
		urls[fleet] = s.URL
	}
	vars["PEXIP_FLEET_PASSWORD"] = emulate.PexipManagerPassword
	check := func(fleet string, more ...string) []string {
		return append([]string{"pexip-fleet", urls[fleet], "-u", emulate.PexipManagerUser, "--password-env", "PEXIP_FLEET_PASSWORD"}, more...)
	}
	calls := func(fleet string) []string {
		// the emulator serves its nodes under /nodes/NAME; a real fleet's are at https://{hostname}.{domain}
		return []string{"--test-call", emulate.PexipTestCall, "--node-url", urls[fleet] + "/nodes/{name}"}
	}
	return []demoCase{
		{"six nodes in three locations, from the Management Node's status API",
			check(emulate.FleetHealthy), nagios.OK, nil},
		{"the same fleet, with a test call on every node (each token released at once)",
			check(emulate.FleetHealthy, calls(emulate.FleetHealthy)...), nagios.OK, nil},
		{"London's Conferencing Nodes only, at least 3 of them",
			check(emulate.FleetHealthy, "--location", "London", "--node-type", "conferencing", "--min-nodes", "London=3"), nagios.Critical, nil},
		{"a troubled fleet: a stale node, one in maintenance, one out of sync, a critical alarm",
			check(emulate.FleetTroubled, calls(emulate.FleetTroubled)...), nagios.Critical, nil},
		{"a node the Management Node sees well, but that refuses calls",
			check(emulate.FleetCallRefused, calls(emulate.FleetCallRefused)...), nagios.Critical, nil},
		{"port and audio licences near their limit",
			check(emulate.FleetLicencesNearLimit), nagios.Critical, nil},
	}, stop, nil
}
