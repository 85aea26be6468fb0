package main

import (
	"net/http"
	"strings"
)

// kinds lists every kind of check, once, in the order the demo shows them.
// Everything that lists kinds is derived from it: the check subcommands
// and the batch file's kinds (and its "unknown kind" message), the demo's
// sections, the emulators `demo --serve` serves and the tests start, the
// Nagios $USERn$ of each secret, the pages docs/ must have. A kind's
// descriptor lives in its own command file (http.go, ...); adding a kind is
// one line here (see docs/adding-a-check.md).
var kinds = []*kind{&httpKind, &itgrixKind, &pexipKind, &pexipFleetKind, &kaleyraKind, &flowKind}

// kind describes one kind of check.
type kind struct {
	name string // its subcommand and its batch-file kind: "http"
	// command builds its subcommand. A batch run builds one per kind and
	// reuses it for every check of that kind (see checkCommand).
	command func() checkCommand
	// demo is its part of `healthprobe demo`, run in this order.
	demo []demoSection
	// emulators stand in for the system it probes: `demo --serve` serves
	// them (with the batch demo and the Icinga 2 and Nagios integration
	// tests), and a test script starts one with `emulate NAME`.
	emulators []emulator
	// macros gives each of its secret flags a fixed $USERn$ of Nagios'
	// resource.cfg (contrib/nagios): numbers never change or repeat.
	macros []nagiosMacro
	// doc is its reference page, relative to the repository; the README
	// must link it (TestKinds).
	doc string
}

// emulator is a loopback stand-in for a system a kind probes.
type emulator struct {
	// name gives the variable of its base URL, NAME_URL: upper case, dashes
	// as underscores ("web" publishes WEB_URL).
	name string
	// handler builds it; variant picks a state where the emulator has
	// several (an Itgrix case), "" the default one.
	handler func(variant string) (http.Handler, error)
	// vars are published with its URL: what its checks need, such as the
	// login it accepts.
	vars []demoVar
}

// demoVar is a variable an emulator publishes.
type demoVar struct{ name, value string }

// urlVar is the variable of an emulator's base URL: "web" -> WEB_URL.
func (e emulator) urlVar() string {
	return strings.ToUpper(strings.ReplaceAll(e.name, "-", "_")) + "_URL"
}

// nagiosMacro is the $USERn$ a secret flag (--password, --api-key ...)
// reads in the Nagios definitions.
type nagiosMacro struct {
	secret string // the flag's base name: "password"
	n      int
}

// findKind returns the kind of that name.
func findKind(name string) (*kind, bool) {
	for _, k := range kinds {
		if k.name == name {
			return k, true
		}
	}
	return nil, false
}

// kindNames lists the kinds' names, in order.
func kindNames() []string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}
	return names
}

// allEmulators lists every kind's emulators, in the kinds' order, then
// the emulators of the report sinks (reportEmulators).
func allEmulators() []emulator {
	var out []emulator
	for _, k := range kinds {
		out = append(out, k.emulators...)
	}
	return append(out, reportEmulators...)
}

// findEmulator returns the emulator of that name.
func findEmulator(name string) (emulator, bool) {
	for _, e := range allEmulators() {
		if e.name == name {
			return e, true
		}
	}
	return emulator{}, false
}
