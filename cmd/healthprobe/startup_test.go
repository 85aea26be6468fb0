package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// BenchmarkStartup measures what every run pays before a check starts:
// building the command tree and parsing a typical command line.
func BenchmarkStartup(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		run(context.Background(), []string{"-V"}, env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard,
			getenv: func(string) string { return "" }})
	}
}
