package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readVars reads a --vars file: one NAME=VALUE a line.
func readVars(t *testing.T, file string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("line %q is not NAME=VALUE", line)
		}
		vars[k] = v
	}
	return vars
}

// TestServeWritesVars: with a context already done, demo --serve starts
// every kind's emulators, writes the variables file (their URLs and the
// variables they publish), prints the same lines, and stops the emulators
// again before it returns, so the test needs no waiting.
func TestServeWritesVars(t *testing.T) {
	file := filepath.Join(t.TempDir(), "vars.env")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"demo", "--serve", "--vars", file}, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
		getenv: func(string) string { return "" }})
	if code != 0 || errOut.Len() > 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	vars := readVars(t, file)
	if !strings.HasPrefix(vars["WEB_URL"], "http://127.0.0.1:") || vars["WEB_USER"] != "demo" || vars["WEB_PASSWORD"] == "" {
		t.Errorf("vars %v", vars)
	}
	for _, e := range allEmulators() {
		if _, ok := vars[e.urlVar()]; !ok {
			t.Errorf("no URL for %s in %v", e.name, vars)
		}
		for _, v := range e.vars {
			if vars[v.name] != v.value {
				t.Errorf("%s=%q, want %q", v.name, vars[v.name], v.value)
			}
		}
	}
	for k, v := range vars {
		if !strings.Contains(out.String(), "\n"+k+"="+v+"\n") {
			t.Errorf("stdout lacks %s=%s:\n%s", k, v, out.String())
		}
	}
	if want := "These variables are in " + file + " too"; !strings.Contains(out.String(), want) {
		t.Errorf("stdout %q lacks %q", out.String(), want)
	}
	if _, err := http.Get(vars["WEB_URL"] + "/ready"); err == nil {
		t.Errorf("the web emulator still answers after demo --serve returned")
	}
}

// TestServeServes: each emulator answers on loopback until the context
// ends, then serveDemo returns.
func TestServeServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	file := filepath.Join(t.TempDir(), "vars.env")
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() { done <- serveDemo(ctx, &bytes.Buffer{}, file, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serveDemo returned early: %v", err)
	}
	vars := readVars(t, file)
	for _, path := range []string{vars["WEB_URL"] + "/ready", vars["PEXIP_URL"] + "/api/client/v2/status",
		vars["UPTIME_KUMA_URL"] + "/api/push/" + vars["UPTIME_KUMA_TOKEN"] + "?status=up",
		vars["HEALTHCHECKS_URL"] + "/" + vars["HEALTHCHECKS_UUID"]} {
		resp, err := http.Get(path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %s", path, resp.Status)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serveDemo: %v", err)
	}
}

func TestServeUsage(t *testing.T) {
	for args, want := range map[string]string{
		"demo --vars x":                      "DEMO UNKNOWN - --vars goes with --serve\n",
		"demo --serve extra":                 `DEMO UNKNOWN - unknown command "extra" for "healthprobe demo"` + "\n",
		"demo --serve --vars /nonexistent/x": "DEMO UNKNOWN - --vars: open /nonexistent/",
	} {
		code, out, _ := runArgs(t, nil, strings.Fields(args)...)
		if code != 3 || !strings.HasPrefix(out, want) {
			t.Errorf("%s: exit %d, %q, want 3 and %q", args, code, out, want)
		}
	}
}
