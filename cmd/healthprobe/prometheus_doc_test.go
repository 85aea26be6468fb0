package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/healthprobe/healthprobe/emulate"
)

// TestPrometheusDoc: docs/prometheus.md's batch file, run against the
// demo's web application with --textfile, writes the text the page shows
// (durations and times aside) and exits 2, as the page says.
func TestPrometheusDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/prometheus.md")
	if err != nil {
		t.Fatal(err)
	}
	batch := regexp.MustCompile("(?s)```yaml\n(checks:.*?)```").FindSubmatch(doc)
	text := regexp.MustCompile("(?s)```\n(# HELP .*?)```").FindSubmatch(doc)
	if batch == nil || text == nil {
		t.Fatal("docs/prometheus.md lacks its batch file or its text")
	}
	web := httptest.NewServer(emulate.Web())
	defer web.Close()
	dir := t.TempDir()
	checks, prom := filepath.Join(dir, "checks.yaml"), filepath.Join(dir, "healthprobe.prom")
	if err := os.WriteFile(checks, batch[1], 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := runArgs(t, map[string]string{"WEB_URL": web.URL}, "run", "-c", checks, "--textfile", prom)
	if code != 2 {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
	got, err := os.ReadFile(prom)
	if err != nil {
		t.Fatal(err)
	}
	timed := regexp.MustCompile(`^(healthprobe_duration_seconds.*|healthprobe_perfdata.*label="time".*) [0-9.]+$`)
	want := strings.Split(strings.TrimSuffix(string(text[1]), "\n"), "\n")
	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, the page shows %d:\n%s", len(lines), len(want), got)
	}
	for i, w := range want {
		if m := timed.FindStringSubmatch(w); m != nil {
			if g := timed.FindStringSubmatch(lines[i]); g == nil || g[1] != m[1] {
				t.Errorf("line %d: %q, the page shows %q", i+1, lines[i], w)
			}
		} else if lines[i] != w {
			t.Errorf("line %d: %q, the page shows %q", i+1, lines[i], w)
		}
	}
}
