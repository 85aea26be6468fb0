package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/emulate"
)

func TestParsePageSize(t *testing.T) {
	for in, want := range map[string][2]float64{
		"500": {500, math.Inf(1)}, "100:10000": {100, 10000}, "1K:64K": {1024, 65536}, ":512": {0, 512}, "10:": {10, math.Inf(1)}, "0:0": {0, 0},
	} {
		r, err := parsePageSize(in)
		if err != nil || r.Start != want[0] || r.End != want[1] {
			t.Errorf("%q: %+v %v, want %v", in, r, err, want)
		}
	}
	for _, bad := range []string{"", ":", "abc", "10:5", "-1", "1e3", "5:x"} {
		if _, err := parsePageSize(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseAge(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90": 90 * time.Second, "90s": 90 * time.Second, "10m": 10 * time.Minute, "12h": 12 * time.Hour, "7d": 7 * 24 * time.Hour, "1h30m": 90 * time.Minute,
	} {
		if d, err := parseAge(in); err != nil || d != want {
			t.Errorf("%q: %v %v, want %v", in, d, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-5", "x", "10w", "500ms"} {
		if _, err := parseAge(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestDropinUsageErrors: the new options' bad values are one line, exit 3.
func TestDropinUsageErrors(t *testing.T) {
	dir := t.TempDir()
	badJar := filepath.Join(dir, "bad.cookies")
	if err := os.WriteFile(badJar, []byte("not\ta\tcookie\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	u := "http://127.0.0.1:1/"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--address", "10.0.0.5", "--proxy", "http://p:3128"}, "--address and --proxy do not go together: through a proxy, the proxy chooses the address"},
		{[]string{"--onredirect", "sticky", "--proxy", "http://p:3128"}, "--onredirect sticky and --proxy do not go together"},
		{[]string{"-4", "-6"}, "give only one of -4 and -6"},
		{[]string{"-4", "--prefer-ip", "6"}, "--prefer-ip goes with neither -4 nor -6"},
		{[]string{"--prefer-ip", "5"}, `invalid --prefer-ip "5" (want 4 or 6)`},
		{[]string{"--tls-min", "1.4"}, `invalid --tls-min "1.4" (want 1.0, 1.1, 1.2 or 1.3)`},
		{[]string{"--tls-min", "1.3", "--tls-max", "1.2"}, "--tls-min is above --tls-max"},
		{[]string{"--http-version", "1.0"}, "--http-version 1.0 cannot be spoken here"},
		{[]string{"--http-version", "3"}, "--http-version 3 (QUIC) is not supported"},
		{[]string{"--expect-http-version", "1.1,3"}, "--expect-http-version: HTTP/3 (QUIC) is not supported"},
		{[]string{"--no-proxy", "1.1.1.1/64"}, `invalid --no-proxy entry "1.1.1.1/64"`},
		{[]string{"--header-env", "X-Key"}, `invalid --header-env "X-Key" (want 'Name: VAR')`},
		{[]string{"--header-env", "X-Key: NOPE"}, "--header-env X-Key: environment variable NOPE is not set or empty"},
		{[]string{"--header-file", "X-Key: /nonexistent/file"}, "--header-file X-Key: "},
		{[]string{"--oauth2-client-id", "x"}, "the --oauth2-* flags need --oauth2-token-url"},
		{[]string{"--oauth2-token-url", u}, "--oauth2-token-url needs --oauth2-client-id and --oauth2-client-secret"},
		{[]string{"--oauth2-token-url", u, "--oauth2-client-id", "x", "--oauth2-client-secret", "s3cret", "-u", "someone"}, "give only one of --oauth2-token-url, --bearer and --user"},
		{[]string{"--oauth2-token-url", u, "--oauth2-client-id", "x", "--oauth2-client-secret", "s3cret", "--oauth2-param", "novalue"}, `invalid --oauth2-param "novalue"`},
		{[]string{"--state-regex", "ok"}, `invalid --state-regex "ok" (want warning or critical)`},
		{[]string{"--header-allow-missing", "Server"}, "--header-allow-missing Server: no --header-match or --header-not-match names it"},
		{[]string{"--header-not-match", "Server"}, `invalid --header-not-match "Server" (want 'Name: regex')`},
		{[]string{"--require-tls", "--forbid-tls"}, "give only one of --require-tls and --forbid-tls"},
		{[]string{"--cert-only"}, "--cert-only needs an https:// URL"},
		{[]string{"-m", "abc"}, `invalid --pagesize "abc"`},
		{[]string{"-M", "soon"}, `--max-age: "soon" is not an age`},
		{[]string{"--cookie-jar", badJar}, "--cookie-jar " + badJar + ": line 1: 3 fields, want 7 separated by tabs"},
		{[]string{"--cookie-jar", dir}, "--cookie-jar: " + dir + " is not a regular file"},
	} {
		code, out, _ := runArgs(t, nil, append([]string{"http", u}, c.args...)...)
		if code != 3 || !strings.HasPrefix(out, "HTTP UNKNOWN - "+c.want) || strings.Count(out, "\n") != 1 {
			t.Errorf("%q: exit %d\n%s\nwant UNKNOWN %q…", c.args, code, out, c.want)
		}
	}
}

// TestCookieJarFile: the jar is written 0600, a reader never sees half a
// file, and a jar that cannot be written is a WARNING, not a lost check.
func TestCookieJarFile(t *testing.T) {
	web := serveEmulator(t, emulate.Web())
	jar := filepath.Join(t.TempDir(), "app.cookies")
	code, out, _ := runArgs(t, nil, "http", web+"/login", "-s", "welcome back", "--cookie-jar", jar)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	info, err := os.Stat(jar)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", info, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(jar))
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	missing := filepath.Join(t.TempDir(), "missing", "app.cookies")
	code, out, _ = runArgs(t, nil, "http", web+"/ready", "--cookie-jar", missing)
	if code != 1 || !strings.HasPrefix(out, "HTTP WARNING - cookies not saved: "+missing+": no such file or directory; 200 OK, ") {
		t.Errorf("exit %d: %s", code, out)
	}
}
