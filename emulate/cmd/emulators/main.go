// Command emulators serves healthprobe's loopback emulators until it is
// stopped (SIGINT or SIGTERM), for tests that run outside Go, such as the
// Icinga 2 integration test (contrib/icinga2/test/run.sh).
//
// Once every emulator listens it writes FILE (atomically: a reader that sees
// the file sees all of it), one NAME=VALUE line per variable:
//
//	WEB_URL=http://127.0.0.1:40123
//	WEB_USER=demo
//
// Usage: emulators -vars FILE
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/healthprobe/healthprobe/emulate"
)

// emulator is one served handler. The server's base URL becomes NAME_URL
// (upper case, dashes as underscores); vars adds fixed values the tests need,
// such as credentials.
type emulator struct {
	name    string
	handler func() http.Handler
	vars    map[string]string
}

// emulators lists what is served: one line per emulator. An emulator whose
// state is chosen when it starts can be listed once per state, e.g.
//
//	{"itgrix-stopped", func() http.Handler { return emulate.Itgrix(emulate.ItgrixStopped) }, nil},
func emulators() []emulator {
	return []emulator{
		{"web", emulate.Web, map[string]string{"WEB_USER": emulate.WebUser, "WEB_PASSWORD": emulate.WebPassword}},
		{"itgrix", itgrix, map[string]string{"ITGRIX_USER": emulate.ItgrixUser, "ITGRIX_PASSWORD": emulate.ItgrixPassword}},
		{"pexip", func() http.Handler { return emulate.NewPexip() }, map[string]string{"PEXIP_PIN": emulate.PexipHostPIN}},
		{"kaleyra", func() http.Handler { return emulate.Kaleyra(emulate.KaleyraAPIKey) }, map[string]string{"KALEYRA_API_KEY": emulate.KaleyraAPIKey}},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "emulators:", err)
		os.Exit(1)
	}
}

// run starts every emulator, writes the variables file and serves until ctx
// is done.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	return runReady(ctx, args, stderr, func() {})
}

// runReady is run, calling ready once the variables file is written.
func runReady(ctx context.Context, args []string, stderr io.Writer, ready func()) error {
	fs := flag.NewFlagSet("emulators", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("vars", "", "write NAME=VALUE lines (NAME_URL for each emulator) to this file once all listen")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" || fs.NArg() > 0 {
		return errors.New("usage: emulators -vars FILE")
	}
	vars := map[string]string{}
	for _, e := range emulators() {
		srv, err := emulate.Serve(e.handler())
		if err != nil {
			return fmt.Errorf("starting %s: %w", e.name, err)
		}
		defer srv.Close()
		vars[strings.ToUpper(strings.ReplaceAll(e.name, "-", "_"))+"_URL"] = srv.URL
		for k, v := range e.vars {
			vars[k] = v
		}
	}
	if err := writeVars(*file, vars); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "emulators: serving %d emulators; variables in %s\n", len(emulators()), *file)
	ready()
	<-ctx.Done()
	return nil
}

// writeVars writes the file through a temporary one and a rename.
func writeVars(path string, vars map[string]string) error {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, vars[k])
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".vars-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// itgrix serves the healthy case at /status and every other case at /CASE/status.
func itgrix() http.Handler {
	h, err := emulate.NewItgrix("normal")
	if err != nil {
		panic(err) // "normal" is always a known case
	}
	return h
}
