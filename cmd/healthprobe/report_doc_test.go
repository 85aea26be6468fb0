package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReportDocExamples: the sink config and the batch file of
// docs/report.md are valid as written: the batch's dry run resolves every
// check against every sink (nothing is sent).
func TestReportDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/report.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	dir := t.TempDir()
	var sinks, checks string
	for _, b := range blocks {
		switch {
		case strings.HasPrefix(b[1], "sinks:"):
			sinks = filepath.Join(dir, "report.yaml")
			if err := os.WriteFile(sinks, []byte(b[1]), 0o600); err != nil {
				t.Fatal(err)
			}
		case strings.Contains(b[1], "\nchecks:"):
			checks = filepath.Join(dir, "checks.yaml")
			if err := os.WriteFile(checks, []byte(b[1]), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if sinks == "" || checks == "" {
		t.Fatalf("docs/report.md lacks its sinks: or checks: example (%d yaml blocks)", len(blocks))
	}
	vars := map[string]string{"ICINGA_API_PASSWORD": "icinga-pw", "ITGRIX_PASSWORD": "itgrix-pw"}
	code, stdout, _ := runArgs(t, vars, "run", "-c", checks, "--notify-config", sinks, "--state-dir", filepath.Join(dir, "state"), "--dry-run")
	if code != 0 || !strings.Contains(stdout, "[pbx1] healthprobe itgrix pbx1.example.com:8077 ") ||
		!strings.Contains(stdout, "--icinga2-host=pbx1 --push=healthchecks=https://hc-ping.com/[redacted]") {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "state")); !os.IsNotExist(err) {
		t.Errorf("a dry run wrote state: %v", err)
	}
}
