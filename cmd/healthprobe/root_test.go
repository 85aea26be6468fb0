package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/emulate"
)

// runArgs runs a command line in-process with its own environment.
func runArgs(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
		getenv: testGetenv(vars),
	})
	return code, out.String(), errOut.String()
}

func TestPanicIsUnknown(t *testing.T) {
	var out bytes.Buffer
	code := run(context.Background(), []string{"http", "http://127.0.0.1:1/"}, env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &out,
		getenv: func(string) string { panic("boom in getenv") },
	})
	if code != 3 || out.String() != "HTTP UNKNOWN - internal error: boom in getenv\n" {
		t.Errorf("code %d, output %q", code, out.String())
	}
}

func TestSecretsNeverShown(t *testing.T) {
	srv, err := emulate.Serve(emulate.Web())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const pass = "wr0ng-but-secret"
	const bearer = "bearer-token-xyz"
	vars := map[string]string{"PW": pass, "TOKEN": bearer}
	cases := [][]string{
		{"http", srv.URL + "/secure", "-u", "demo", "--password-env", "PW", "-vvv"},
		{"http", srv.URL + "/secure", "-u", "demo", "--password", pass, "-vvv", "--output", "json"},
		{"http", srv.URL + "/ready?echo=" + pass, "-vvv", "--bearer-env", "TOKEN", "-u", "x", "--password", pass, "-s", pass},
		{"http", srv.URL + "/ready", "-H", "X-Api-Key: " + pass, "-vvv", "-s", pass},
	}
	for _, args := range cases {
		code, out, errOut := runArgs(t, vars, args...)
		all := out + errOut
		if strings.Contains(all, pass) || strings.Contains(all, bearer) {
			t.Errorf("%v (exit %d) shows a secret:\n%s", args[2:], code, all)
		}
	}
}

func TestTimeoutFlagForms(t *testing.T) {
	for in, want := range map[string]time.Duration{"10": 10 * time.Second, "0.5": 500 * time.Millisecond, "1m30s": 90 * time.Second, "250ms": 250 * time.Millisecond} {
		got, err := parseSeconds(in)
		if err != nil || got != want {
			t.Errorf("parseSeconds(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "0", "-1", "abc", "1e3", "100000", "25h", "NaN", "Inf"} {
		if _, err := parseSeconds(bad); err == nil {
			t.Errorf("parseSeconds(%q) should fail", bad)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "512K": 512 << 10, "1MiB": 1 << 20, "2 MB": 2 << 20, "1.5k": 1536, "1G": 1 << 30} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "0", "M", "1X", "-5", "1..2M", "2TiB", "1e6"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) should fail", bad)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1", "512K", "1MiB", "2 gb", "0.5k", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err == nil && (n < 1 || n > 1<<40) {
			t.Fatalf("parseSize(%q) = %d out of range", s, n)
		}
	})
}

func FuzzParseSeconds(f *testing.F) {
	for _, s := range []string{"10", "10s", "0.2", "1h", "-1", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseSeconds(s)
		if err == nil && (d <= 0 || d > 24*time.Hour) {
			t.Fatalf("parseSeconds(%q) = %v out of range", s, d)
		}
	})
}

func TestShellJoin(t *testing.T) {
	got := shellJoin([]string{"http", "http://x/slow?delay=1s", "-s", "service ready", "it's"})
	want := `http 'http://x/slow?delay=1s' -s 'service ready' 'it'\''s'`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestTreeFor: a check, batch, demo or notify command line builds only its
// own subcommand; anything that reads the tree gets all of it: every kind's
// check and the other commands.
func TestTreeFor(t *testing.T) {
	names := append(kindNames(), "run", "demo", "notify", "man", "contrib", "completion", "help")
	slices.Sort(names)
	all := strings.Join(names, " ")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"http", "http://127.0.0.1/"}, "http"},
		{[]string{"-t", "5", "--output", "json", "pexip", "node"}, "pexip"},
		{[]string{"-vvv", "--timeout=5s", "itgrix", "host"}, "itgrix"},
		{[]string{"kaleyra", "--help"}, "kaleyra"},
		{[]string{"run", "-c", "x.yaml"}, "run"},
		{[]string{"notify", "verify"}, "notify"},
		{[]string{"demo"}, "demo"},
		{[]string{"man", "dir"}, all},
		{[]string{"contrib", "icinga2"}, all},
		{[]string{"help", "http"}, all},
		{[]string{"completion", "bash"}, all},
		{[]string{"__complete", "http", "--"}, all},
		{[]string{"htp"}, all},
		{[]string{"-V"}, all},
		{nil, all},
	}
	for _, tt := range tests {
		root := newRootCmdFor(defaultFlags(), newRunState(env{getenv: func(string) string { return "" }}), tt.args)
		var names []string
		for _, c := range root.Commands() {
			names = append(names, c.Name())
		}
		if got := strings.Join(names, " "); got != tt.want {
			t.Errorf("%q: tree has %q, want %q", tt.args, got, tt.want)
		}
		if tt.want != all && !root.CompletionOptions.DisableDefaultCmd {
			t.Errorf("%q: the default completion command is still built", tt.args)
		}
	}
	full := newRootCmd(defaultFlags(), newRunState(env{getenv: func(string) string { return "" }}))
	if len(full.Commands()) != len(strings.Fields(all)) {
		t.Errorf("newRootCmd built %d subcommands", len(full.Commands()))
	}
}
