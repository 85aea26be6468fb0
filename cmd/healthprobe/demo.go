package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
)

// demoCase is one command line the demo runs, and the state it must give.
type demoCase struct {
	title string
	args  []string
	want  nagios.State
	show  []string // the command line shown, when it differs from args (a temporary file's path)
}

// demoSection starts the emulators of one probe and returns the cases to run
// against them; vars receives the environment variables those cases read
// (passwords, say), so that the demo shows secrets passed the safe way.
type demoSection struct {
	name  string
	start func(vars map[string]string) (cases []demoCase, stop func(), err error)
}

// demoSections lists the parts of the demo, in the order shown: every
// kind's, then those of state and notifications and of the batch mode.
func demoSections() []demoSection {
	var out []demoSection
	for _, k := range kinds {
		out = append(out, k.demo...)
	}
	return append(out,
		demoSection{"State between runs and notifications", notifyDemo},
		demoSection{"Every run's result into Uptime Kuma and Healthchecks", reportDemo},
		demoSection{"Batch mode: healthprobe run", batchDemo})
}

func newDemoCmd(f *globalFlags, rs *runState) *cobra.Command {
	var serve bool
	var varsFile string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run every probe against built-in emulators on 127.0.0.1, to see healthprobe work",
		Long: `demo starts emulators of a web application, a Pexip Conferencing Node and
Management Node, Itgrix, Kaleyra, a login API (for flows), Uptime Kuma and
Healthchecks on loopback ports and runs real checks against them, printing each command line
and its result as you would see them. It exits 0 when every check came out as
expected, and 3 otherwise.

demo --serve keeps the emulators running instead, until Ctrl-C (SIGINT) or
SIGTERM, and prints their addresses and the logins they take as NAME=VALUE
lines (WEB_URL=http://127.0.0.1:PORT ...); --vars FILE writes the same lines
to FILE, for a shell to source, once every emulator listens.`,
		Example: `  healthprobe demo
  healthprobe demo --serve --vars /tmp/demo.env    # then, in another shell:
  set -a; . /tmp/demo.env; set +a
  healthprobe http "$WEB_URL/secure" -u "$WEB_USER" --password-env WEB_PASSWORD`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case serve:
				return serveDemo(cmd.Context(), rs.stdout, varsFile, func() {})
			case varsFile != "":
				return errors.New("--vars goes with --serve")
			}
			return runDemo(cmd, f, rs)
		},
	}
	cmd.Flags().BoolVar(&serve, "serve", false, "keep the emulators running until interrupted, and print their addresses")
	cmd.Flags().StringVar(&varsFile, "vars", "", "with --serve: write the emulators' variables (NAME=VALUE lines) to FILE once they listen")
	addGlobalFlags(cmd.Flags(), f, withColor)
	return cmd
}

// runDemo runs every section of the demo.
func runDemo(cmd *cobra.Command, f *globalFlags, rs *runState) error {
	colour, err := rs.useColor(f.color)
	if err != nil {
		return err
	}
	vars := map[string]string{}
	w := rs.stdout
	fmt.Fprintln(w, "healthprobe demo: each check below runs for real against emulators on 127.0.0.1.")
	total, good := 0, 0
	for _, sec := range demoSections() {
		cases, stop, err := sec.start(vars)
		if err != nil {
			return fmt.Errorf("starting the %s emulator: %w", sec.name, err)
		}
		fmt.Fprintf(w, "\n=== %s\n", sec.name)
		for _, c := range cases {
			total++
			if runDemoCase(cmd, rs, c, vars, colour) {
				good++
			}
		}
		stop()
	}
	fmt.Fprintf(w, "\ndemo: %d of %d checks came out as expected.\n", good, total)
	if good != total {
		rs.exitCode = nagios.Unknown.ExitCode()
	}
	return nil
}

// startEmulators starts every kind's emulators, each in its default state,
// and returns the variables they publish, in the kinds' order: each one's
// NAME_URL, then its own. stop closes them all.
func startEmulators() (vars []demoVar, stop func(), err error) {
	var servers []*emulate.Server
	stop = func() {
		for _, s := range servers {
			s.Close()
		}
	}
	for _, e := range allEmulators() {
		h, err := e.handler("")
		if err == nil {
			var srv *emulate.Server
			if srv, err = emulate.Serve(h); err == nil {
				servers = append(servers, srv)
				vars = append(append(vars, demoVar{e.urlVar(), srv.URL}), e.vars...)
				continue
			}
		}
		stop()
		return nil, nil, fmt.Errorf("starting the %s emulator: %w", e.name, err)
	}
	return vars, stop, nil
}

// serveDemo serves every emulator until ctx is done: it prints their
// variables, writes them to varsFile when one is given, and calls ready
// once they are written.
func serveDemo(ctx context.Context, w io.Writer, varsFile string, ready func()) error {
	vars, stop, err := startEmulators()
	if err != nil {
		return err
	}
	defer stop()
	var b strings.Builder
	for _, v := range vars {
		fmt.Fprintf(&b, "%s=%s\n", v.name, shellJoin([]string{v.value}))
	}
	if varsFile != "" {
		if err := writeFileAtomic(varsFile, []byte(b.String())); err != nil {
			return fmt.Errorf("--vars: %w", err)
		}
	}
	fmt.Fprintf(w, "healthprobe demo --serve: %d emulators listen on 127.0.0.1 until Ctrl-C (SIGINT) or SIGTERM.\n", len(allEmulators()))
	if varsFile != "" {
		fmt.Fprintf(w, "These variables are in %s too: `set -a; . %s; set +a` sets them in a shell.\n", varsFile, shellJoin([]string{varsFile}))
	}
	fmt.Fprintf(w, "\n%s", b.String())
	ready()
	<-ctx.Done()
	fmt.Fprintln(w, "\ndemo --serve: stopping the emulators.")
	return nil
}

// writeFileAtomic writes a file through a temporary one in the same
// directory and a rename: a reader that sees the file sees all of it.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".healthprobe-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func runDemoCase(cmd *cobra.Command, rs *runState, c demoCase, vars map[string]string, colour bool) bool {
	w := rs.stdout
	shown := c.args
	if c.show != nil {
		shown = c.show
	}
	fmt.Fprintf(w, "\n# %s\n$ healthprobe %s\n", c.title, shellJoin(shown))
	var out bytes.Buffer
	args := c.args
	if colour {
		args = append(append([]string{}, args...), "--color", "always")
	}
	code := run(cmd.Context(), args, env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &out,
		getenv: func(k string) string { return vars[k] },
	})
	w.Write(out.Bytes())
	if code == c.want.ExitCode() {
		fmt.Fprintf(w, "-> exit %d (%s), as expected\n", code, nagios.State(code))
		return true
	}
	fmt.Fprintf(w, "-> exit %d (%s), but the demo expected %d (%s)\n", code, nagios.State(code), c.want.ExitCode(), c.want)
	return false
}

// shellJoin quotes arguments the way a user would type them.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$&|;<>()*?[]{}\\!#~`") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
