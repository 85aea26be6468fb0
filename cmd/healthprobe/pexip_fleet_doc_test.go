package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/healthprobe/healthprobe/emulate"
)

// fleetSample is one sample of docs/pexip-fleet.md: a command line run
// against the Management Node emulator with a fleet.
type fleetSample struct {
	title, fleet string
	args         []string // after "healthprobe pexip-fleet $PEXIP_FLEET_URL -u monitor --password-env PEXIP_FLEET_PASSWORD"
	code         int
}

// fleetSamples show each rule, in the order of the doc's rules table.
var fleetSamples = []fleetSample{
	{"A healthy fleet", emulate.FleetHealthy, nil, 0},
	{"A test call on every node (the emulator's nodes are under /nodes/NAME)", emulate.FleetHealthy,
		[]string{"--test-call", emulate.PexipTestCall, "--node-url", "$PEXIP_FLEET_URL/nodes/{name}"}, 0},
	{"A node out of sync", emulate.FleetNodeOutOfSync, nil, 1},
	{"A node that stopped reporting (last_updated older than --stale-after)", emulate.FleetNodeStale, nil, 2},
	{"A node in maintenance: no test call on it", emulate.FleetNodeInMaintenance,
		[]string{"--test-call", emulate.PexipTestCall, "--node-url", "$PEXIP_FLEET_URL/nodes/{name}"}, 1},
	{"Media load over --load-warning and --load-critical", emulate.FleetNodesLoaded, nil, 2},
	{"Alarms of each level: one acknowledged, one on the platform, one naming its node by address", emulate.FleetAlarmsEachLevel, nil, 2},
	{"The same alarms, London only: alarms on nodes left out are not counted", emulate.FleetAlarmsEachLevel,
		[]string{"--location", "London"}, 2},
	{"Licences near their limit", emulate.FleetLicencesNearLimit, nil, 2},
	{"Fewer nodes than --min-nodes, in all and in a location", emulate.FleetHealthy,
		[]string{"--min-nodes", "6", "--min-nodes", "Oslo=2"}, 2},
	{"A node the Management Node sees well, but that refuses the test call", emulate.FleetCallRefused,
		[]string{"--test-call", emulate.PexipTestCall, "--node-url", "$PEXIP_FLEET_URL/nodes/{name}", "--node", "conf-syd-*"}, 2},
	{"A troubled fleet: the worst nodes first, then counts", emulate.FleetTroubled, nil, 2},
	{"No node matches the filters", emulate.FleetHealthy, []string{"--location", "Londn"}, 3},
	{"--jq on the fleet's JSON", emulate.FleetHealthy,
		[]string{"--node-type", "conferencing", "--jq", "[.nodes[] | select(.media_load > 30)] | length", "--jq-label", "busy_nodes", "--jq-warning", "1"}, 1},
}

const (
	fleetDoc     = "../../docs/pexip-fleet.md"
	samplesStart = "<!-- samples: written by go test ./cmd/healthprobe -run TestPexipFleetDocSamples -update -->\n"
	samplesEnd   = "<!-- end of samples -->\n"
)

// callTime matches the one part of a sample that changes from run to run:
// how long each test call took.
var callTime = regexp.MustCompile(`(call_[^=]+)=[0-9.]+s`)

// TestPexipFleetDocSamples runs every sample of docs/pexip-fleet.md
// against the emulator and compares the output with the doc's (the calls'
// times aside); -update writes them into the doc.
func TestPexipFleetDocSamples(t *testing.T) {
	var b strings.Builder
	for _, s := range fleetSamples {
		m, err := emulate.NewPexipManager(s.fleet)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := emulate.Serve(m)
		if err != nil {
			t.Fatal(err)
		}
		shown := append([]string{"pexip-fleet", "$PEXIP_FLEET_URL", "-u", emulate.PexipManagerUser, "--password-env", "PEXIP_FLEET_PASSWORD"}, s.args...)
		args := make([]string, len(shown))
		for i, a := range shown {
			args[i] = strings.ReplaceAll(a, "$PEXIP_FLEET_URL", srv.URL)
		}
		var out bytes.Buffer
		code := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &out,
			getenv: func(k string) string {
				return map[string]string{"PEXIP_FLEET_PASSWORD": emulate.PexipManagerPassword}[k]
			}})
		srv.Close()
		if code != s.code {
			t.Errorf("%s: exit %d, want %d:\n%s", s.title, code, s.code, out.String())
		}
		if n := len(m.Outstanding()); n != 0 {
			t.Errorf("%s: %d tokens left outstanding", s.title, n)
		}
		fmt.Fprintf(&b, "#### %s\n\n```\n$ healthprobe %s\n%s```\n\n", s.title, docShellJoin(shown), out.String())
	}
	got := b.String()
	doc, err := os.ReadFile(fleetDoc)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(doc), samplesStart)
	old, after, ok2 := strings.Cut(rest, samplesEnd)
	if !ok1 || !ok2 {
		t.Fatalf("%s has no samples section (%q ... %q)", fleetDoc, samplesStart, samplesEnd)
	}
	if *updateFaults {
		if err := os.WriteFile(fleetDoc, []byte(before+samplesStart+got+samplesEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	norm := func(s string) string { return callTime.ReplaceAllString(s, "${1}=…s") }
	if norm(old) != norm(got) {
		t.Errorf("the samples in %s are out of date: run go test ./cmd/healthprobe -run TestPexipFleetDocSamples -update\n%s",
			fleetDoc, firstDiff([]byte(norm(old)), []byte(norm(got))))
	}
}

// docShellJoin quotes arguments as a user types them, leaving
// $PEXIP_FLEET_URL to the shell (in double quotes where it needs quoting).
func docShellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		switch {
		case strings.Contains(a, "$PEXIP_FLEET_URL"):
			out[i] = `"` + a + `"`
			if a == "$PEXIP_FLEET_URL" {
				out[i] = a
			}
		default:
			out[i] = shellJoin([]string{a})
		}
	}
	return strings.Join(out, " ")
}
