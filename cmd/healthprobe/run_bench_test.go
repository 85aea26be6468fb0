package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/healthprobe/healthprobe/config"
)

// batchFile is a batch of n http checks of url, as bench/compare.sh writes it.
func batchFile(n int, url string) []byte {
	var b strings.Builder
	b.WriteString("checks:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {name: c%d, kind: http, url: %q, keyword: ready, warning: 0.5}\n", i, url)
	}
	return []byte(b.String())
}

// BenchmarkBatchPlan measures what planning costs a check of a batch:
// reading its entry, setting its keys and validating it, per check.
func BenchmarkBatchPlan(b *testing.B) {
	const n = 1000
	data := batchFile(n, "http://127.0.0.1:1/ready")
	b.ReportAllocs()
	for b.Loop() {
		file, err := config.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		rs := newRunState(env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }})
		pl, err := newPlanner(file, defaultFlags(), rs, false, false)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := planChecks(file, pl); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/check")
}

// BenchmarkBatchRun measures a whole run -c of 1000 checks of a static page
// on an httptest server, 16 at a time.
func BenchmarkBatchRun(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "<html><body><p>service ready</p></body></html>\n")
	}))
	defer srv.Close()
	file := b.TempDir() + "/checks.yaml"
	if err := os.WriteFile(file, batchFile(1000, srv.URL+"/ready"), 0o600); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		code := run(context.Background(), []string{"run", "-c", file, "--concurrency", "16"},
			env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }})
		if code != 0 {
			b.Fatalf("exit code %d", code)
		}
	}
}
