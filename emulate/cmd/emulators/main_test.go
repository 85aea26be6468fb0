package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunWritesVars: with a context already done, run starts every
// emulator, writes the variables file, and stops them again before it
// returns, so the test needs no waiting.
func TestRunWritesVars(t *testing.T) {
	file := filepath.Join(t.TempDir(), "vars.env")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stderr bytes.Buffer
	if err := run(ctx, []string{"-vars", file}, &stderr); err != nil {
		t.Fatal(err)
	}
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
	if !strings.HasPrefix(vars["WEB_URL"], "http://127.0.0.1:") || vars["WEB_USER"] != "demo" || vars["WEB_PASSWORD"] == "" {
		t.Errorf("vars %v", vars)
	}
	for _, e := range emulators() {
		if _, ok := vars[strings.ToUpper(strings.ReplaceAll(e.name, "-", "_"))+"_URL"]; !ok {
			t.Errorf("no URL for %s in %v", e.name, vars)
		}
	}
	if _, err := http.Get(vars["WEB_URL"] + "/ready"); err == nil {
		t.Errorf("the web emulator still answers after run returned")
	}
	if want := fmt.Sprintf("serving %d emulators; variables in %s", len(emulators()), file); !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q", stderr.String())
	}
}

// TestEmulatorsServe: each listed emulator answers on loopback.
func TestEmulatorsServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	file := filepath.Join(t.TempDir(), "vars.env")
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() { done <- runReady(ctx, []string{"-vars", file}, &bytes.Buffer{}, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("run returned early: %v", err)
	}
	b, _ := os.ReadFile(file)
	var url string
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "WEB_URL="); ok {
			url = v
		}
	}
	resp, err := http.Get(url + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /ready: %s", resp.Status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"-vars", "x", "extra"}, {"-nope"}} {
		if err := run(context.Background(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("run(%q) gave no error", args)
		}
	}
}
