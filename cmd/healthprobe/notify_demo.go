package main

import (
	"os"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

// notifyDemo runs a check through a state change and back against a web
// emulator, notifying a receiver emulator, with the state in a temporary
// directory that stop removes.
func notifyDemo(map[string]string) ([]demoCase, func(), error) {
	web, err := emulate.Serve(emulate.Web())
	if err != nil {
		return nil, nil, err
	}
	rcv, err := emulate.Serve(&emulate.Receiver{})
	if err != nil {
		web.Close()
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "healthprobe-demo-state-")
	if err != nil {
		web.Close()
		rcv.Close()
		return nil, nil, err
	}
	stop := func() {
		web.Close()
		rcv.Close()
		_ = os.RemoveAll(dir)
	}
	check := func(path string, more ...string) []string {
		return append([]string{"http", web.URL + path, "--name", "demo-web", "--state-dir", dir, "--notify", rcv.URL + "/hook"}, more...)
	}
	return []demoCase{
		{"the first run records the state: nothing to notify", check("/status/200"), nagios.OK, nil},
		{"with --attempts 2, the first failure is soft: not notified yet", check("/status/503", "--attempts", "2"), nagios.Critical, nil},
		{"the second failure in a row is hard: one event to the receiver", check("/status/503", "--attempts", "2"), nagios.Critical, nil},
		{"a steady state sends nothing", check("/status/503", "--attempts", "2"), nagios.Critical, nil},
		{"recovery is a change too", check("/status/200", "--attempts", "2"), nagios.OK, nil},
		{"a receiver that is down: the event waits in the outbox for the next run",
			[]string{"http", web.URL + "/status/503", "--name", "demo-down", "--state-dir", dir, "--notify", "http://127.0.0.1:1/hook", "-t", "0.5"}, nagios.Critical, nil},
		{"notify test sends a test event to every sink and reports each delivery",
			[]string{"notify", "test", "--notify", rcv.URL + "/hook"}, nagios.OK, nil},
	}, stop, nil
}
