package main

import (
	"bytes"
	"fmt"
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

// demoSections lists every probe's part of the demo, in the order shown.
func demoSections() []demoSection {
	return []demoSection{
		{"HTTP(S) probe", webDemo},
		{"Itgrix status probe", itgrixDemo},
		{"Pexip Infinity probe", pexipDemo},
		{"Kaleyra voice incident probe", kaleyraDemo},
		{"State between runs and notifications", notifyDemo},
		{"Every run's result into Uptime Kuma and Healthchecks", reportDemo},
		{"Batch mode: healthprobe run", batchDemo},
	}
}

func newDemoCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run every probe against built-in emulators on 127.0.0.1, to see healthprobe work",
		Long: `demo starts emulators of a web application, Pexip Infinity, Itgrix and Kaleyra on
loopback ports and runs real checks against them, printing each command line
and its result as you would see them. It exits 0 when every check came out as
expected, and 3 otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			colour, err := g.useColor()
			if err != nil {
				return err
			}
			vars := map[string]string{}
			var cases []demoCase
			w := g.stdout
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
					if runDemoCase(cmd, g, c, vars, colour) {
						good++
					}
				}
				stop()
			}
			_ = cases
			fmt.Fprintf(w, "\ndemo: %d of %d checks came out as expected.\n", good, total)
			if good != total {
				g.exitCode = nagios.Unknown.ExitCode()
			}
			return nil
		},
	}
}

func runDemoCase(cmd *cobra.Command, g *globalOptions, c demoCase, vars map[string]string, colour bool) bool {
	w := g.stdout
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

func webDemo(vars map[string]string) ([]demoCase, func(), error) {
	srv, err := emulate.Serve(emulate.Web())
	if err != nil {
		return nil, nil, err
	}
	vars["DEMO_PASSWORD"] = emulate.WebPassword
	u := srv.URL
	return []demoCase{
		{"a page that must say it is ready, within response-time thresholds",
			[]string{"http", u + "/ready", "-s", "service ready", "-w", "0.5", "-c", "2"}, nagios.OK, nil},
		{"a slow endpoint: 300 ms against a 0.1 s warning threshold",
			[]string{"http", u + "/slow?delay=300ms", "-w", "0.1", "-c", "2"}, nagios.Warning, nil},
		{"a page behind digest auth, the password read from an environment variable",
			[]string{"http", u + "/secure", "-u", emulate.WebUser, "--password-env", "DEMO_PASSWORD", "-s", "welcome"}, nagios.OK, nil},
		{"the same page with a wrong password",
			[]string{"http", u + "/secure", "-u", emulate.WebUser, "--password", "not-the-password"}, nagios.Critical, nil},
		{"a failing endpoint (503 maintenance page)",
			[]string{"http", u + "/fail"}, nagios.Critical, nil},
		{"a keyword that is missing: the summary quotes what the page said",
			[]string{"http", u + "/fail", "--expect-status", "200-299,503", "-s", "service ready"}, nagios.Critical, nil},
		{"the same check as JSON, for scripts",
			[]string{"http", u + "/ready", "-s", "service ready", "--output", "json"}, nagios.OK, nil},
	}, srv.Close, nil
}
