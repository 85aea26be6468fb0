package main

import (
	"os"
	"path/filepath"

	"github.com/healthprobe/healthprobe/examples"
	"github.com/healthprobe/healthprobe/nagios"
)

// batchDemo runs examples/demo.yaml with healthprobe run against a fresh
// set of every kind's emulators (those of `demo --serve`): every kind of
// check in one process.
func batchDemo(vars map[string]string) ([]demoCase, func(), error) {
	published, stopEmulators, err := startEmulators()
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "healthprobe-demo-")
	if err != nil {
		stopEmulators()
		return nil, nil, err
	}
	stop := func() {
		stopEmulators()
		os.RemoveAll(dir)
	}
	for _, v := range published {
		vars[v.name] = v.value // the file's ${NAME}, which run expands
	}
	file := filepath.Join(dir, "demo.yaml")
	if err := os.WriteFile(file, []byte(examples.DemoYAML), 0o600); err != nil {
		stop()
		return nil, nil, err
	}
	return []demoCase{
		{title: "every kind of check from one file, concurrently, in one process (examples/demo.yaml)",
			args: []string{"run", "-c", file}, show: []string{"run", "-c", "examples/demo.yaml"}, want: nagios.Critical},
		{title: "the same batch for node_exporter's textfile collector",
			args: []string{"run", "-c", file, "--output", "prometheus", "--only", "website", "--only", "pexip-node1"},
			show: []string{"run", "-c", "examples/demo.yaml", "--output", "prometheus", "--only", "website", "--only", "pexip-node1"}, want: nagios.OK},
	}, stop, nil
}
