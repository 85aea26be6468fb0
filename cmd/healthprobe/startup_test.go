package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/healthprobe/healthprobe/emulate"
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

// BenchmarkCheckWithSecret measures a whole http check in one process, with
// a password (its forms and Basic value go into the run's redactor) and
// without: what the redactor costs a run.
func BenchmarkCheckWithSecret(b *testing.B) {
	srv, err := emulate.Serve(emulate.Web())
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	vars := map[string]string{"PW": emulate.WebPassword}
	for name, args := range map[string][]string{
		"password": {"http", srv.URL + "/basic", "-u", emulate.WebUser, "--password-env", "PW", "--auth", "basic"},
		"none":     {"http", srv.URL + "/ready", "-s", "ready"},
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				code := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard,
					getenv: func(k string) string { return vars[k] }})
				if code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}
