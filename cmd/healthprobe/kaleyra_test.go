package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/healthprobe/healthprobe/emulate"
)

// runCLI runs one command line in-process and returns its exit code and
// everything it wrote to stdout and stderr.
func runCLI(t *testing.T, vars map[string]string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), args, env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &out,
		getenv: func(k string) string { return vars[k] },
	})
	return code, out.String()
}

// The API key reaches no output: not stdout, not stderr at -vvv, not the
// JSON output, not an error, in plain or URL-encoded form, even when the
// server echoes it back in a redirect, a message or an HTML page.
func TestKaleyraKeyNeverInOutput(t *testing.T) {
	const key = "Sk/3y+with&odd=chars%41"
	forms := []string{key, url.QueryEscape(key), url.PathEscape(key), "Sk/3y"}
	emu, err := emulate.Serve(emulate.Kaleyra(key))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	// a hostile server that echoes the key wherever it can
	echo, err := emulate.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := r.URL.Query().Get("api_key")
		switch r.URL.Path {
		case "/redirect/":
			w.Header().Set("Location", "/elsewhere/?"+r.URL.RawQuery)
			w.Header().Set("X-Echo", r.URL.RawQuery)
			w.WriteHeader(http.StatusFound)
		case "/message/":
			fmt.Fprintf(w, "<api><status>E101</status><message>Invalid API key %s (%s)</message></api>", k, url.QueryEscape(k))
		case "/html/":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<html><head><title>no key %s</title></head></html>", k)
		case "/number/":
			fmt.Fprintf(w, `{"status":200,"data":{"incidents":[{"region":%q,"region_code":%q,"type":%q,"numbers":[%q]}]}}`, k, k, k, k)
		default:
			fmt.Fprintf(w, "%s %s", k, r.URL.RawQuery)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"KEY": key}
	var lines []string
	for _, path := range []string{"/v1/", "/incidents/v1/", "/no-incidents/v1/", "/not-subscribed/v1/", "/html/v1/", "/bad-gateway/v1/", "/truncated/v1/"} {
		lines = append(lines, emu.URL+path)
	}
	for _, path := range []string{"/redirect/", "/message/", "/html/", "/number/", "/text/"} {
		lines = append(lines, echo.URL+path)
	}
	for _, base := range lines {
		for _, extra := range [][]string{
			{"--api-key-env", "KEY", "-vvv"},
			{"--api-key-file", keyFile, "-vvv", "--format", "json"},
			{"--api-key", key, "-vvv", "--output", "json"},
			{"--api-key-env", "KEY", "-vvv", "--number", "+91", "--region", "x"},
		} {
			args := append([]string{"kaleyra", "--url", base}, extra...)
			code, out := runCLI(t, vars, args...)
			if code < 0 || code > 3 || !strings.Contains(out, "KALEYRA ") && !strings.Contains(out, `"kind":"KALEYRA"`) {
				t.Errorf("%v: exit %d, output %q", args[1:3], code, out)
			}
			if !strings.Contains(out, "api_key=xxxxx") {
				t.Errorf("%v: no masked request line at -vvv in %q", args[1:3], out)
			}
			for _, f := range forms {
				if strings.Contains(out, f) {
					t.Errorf("%v %v: the key (%q) shows in:\n%s", base, extra[:2], f, out)
				}
			}
		}
	}
	// timeouts and refused connections, and a usage error after the key was read
	for _, args := range [][]string{
		{"kaleyra", "--url", "http://127.0.0.1:1/", "--api-key-env", "KEY", "-vvv"},
		{"kaleyra", "--url", emu.URL + "/v1/", "--api-key-env", "KEY", "--cert", "missing.pem", "-vvv"},
		{"kaleyra", "--url", emu.URL + "/v1/", "--api-key", key, "--api-key-env", "KEY"},
	} {
		code, out := runCLI(t, vars, args...)
		if code != 2 && code != 3 {
			t.Errorf("%v: exit %d", args, code)
		}
		for _, f := range forms {
			if strings.Contains(out, f) {
				t.Errorf("%v: the key (%q) shows in:\n%s", args, f, out)
			}
		}
	}
}

// The emulator with the right key through the real command line: the states
// the demo promises.
func TestKaleyraCommand(t *testing.T) {
	emu, err := emulate.Serve(emulate.Kaleyra(emulate.KaleyraAPIKey))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	vars := map[string]string{"KEY": emulate.KaleyraAPIKey}
	code, out := runCLI(t, vars, "kaleyra", "--url", emu.URL+"/incidents/v1/", "--api-key-env", "KEY", "--number", "+912240002222")
	want := regexp.MustCompile(`^KALEYRA CRITICAL - 1 critical of 1 number: MH-IN \+912240002222 critical \| time=[0-9.]+s;;;0 operational=0 warning=0 critical=1\n`)
	if code != 2 || !want.MatchString(out) {
		t.Errorf("exit %d, output:\n%s\nwant prefix %q", code, out, want)
	}
	if !strings.HasSuffix(out, "\n\\_ [CRITICAL] MH-IN +912240002222 critical (maharashtra, service incoming)\n") {
		t.Errorf("long output:\n%s", out)
	}
}
