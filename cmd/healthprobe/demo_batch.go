package main

import (
	"net/http"
	"os"
	"path/filepath"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/examples"
	"github.com/healthprobe/healthprobe/nagios"
)

// batchDemo runs examples/demo.yaml with healthprobe run against a fresh
// set of emulators: every kind of check in one process.
func batchDemo(vars map[string]string) ([]demoCase, func(), error) {
	var servers []*emulate.Server
	dir, err := os.MkdirTemp("", "healthprobe-demo-")
	if err != nil {
		return nil, nil, err
	}
	stop := func() {
		for _, s := range servers {
			s.Close()
		}
		os.RemoveAll(dir)
	}
	itgrix, err := emulate.NewItgrix("license-soon")
	if err != nil {
		stop()
		return nil, nil, err
	}
	urls := map[string]string{}
	for _, e := range []struct {
		name string
		h    http.Handler
	}{
		{"WEB_URL", emulate.Web()}, {"ITGRIX_URL", itgrix}, {"PEXIP_URL", emulate.NewPexip()},
		{"KALEYRA_URL", emulate.Kaleyra(emulate.KaleyraAPIKey)},
	} {
		srv, err := emulate.Serve(e.h)
		if err != nil {
			stop()
			return nil, nil, err
		}
		servers = append(servers, srv)
		urls[e.name] = srv.URL
	}
	vars["DEMO_PASSWORD"] = emulate.WebPassword
	vars["ITGRIX_PASSWORD"] = emulate.ItgrixPassword
	vars["KALEYRA_API_KEY"] = emulate.KaleyraAPIKey
	file := filepath.Join(dir, "demo.yaml")
	filled := os.Expand(examples.DemoYAML, func(k string) string { return urls[k] })
	if err := os.WriteFile(file, []byte(filled), 0o600); err != nil {
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
