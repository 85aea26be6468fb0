package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/notify"
)

// TestCheckIdentity runs command lines with --state-dir and reads the
// identity from the state file each one created or updated.
func TestCheckIdentity(t *testing.T) {
	srv, err := emulate.Serve(emulate.Web())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	u := srv.URL
	getenv := func(k string) string {
		return map[string]string{"SECRET": emulate.WebPassword, "OTHER": emulate.WebPassword}[k]
	}
	snapshot := func() map[string]string {
		m := map[string]string{}
		files, _ := filepath.Glob(filepath.Join(dir, "checks", "*.json"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			m[f] = string(b)
		}
		return m
	}
	identity := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		before := snapshot()
		args = append(args, "--state-dir", dir)
		code := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: getenv})
		if code > 2 {
			t.Fatalf("%q: exit %d: %s", args, code, out.String())
		}
		var changed []string
		for f, data := range snapshot() {
			if before[f] != data {
				changed = append(changed, f)
			}
		}
		if len(changed) != 1 {
			t.Fatalf("%q changed %d state files, want 1", args, len(changed))
		}
		data, _ := os.ReadFile(changed[0])
		if strings.Contains(string(data), emulate.WebPassword) || strings.Contains(string(data), "tok-123") {
			t.Fatalf("state file holds a secret:\n%s", data)
		}
		var rec notify.Record
		if err := json.Unmarshal(data, &rec); err != nil {
			t.Fatal(err)
		}
		if filepath.Base(changed[0]) != notify.IdentityHash(rec.Identity)+".json" {
			t.Fatalf("%s holds identity %q", changed[0], rec.Identity)
		}
		if _, existed := before[changed[0]]; existed {
			return rec.Identity + " (existing)"
		}
		return rec.Identity
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"http", u + "/ready", "-s", "ready"}, "http " + u + "/ready --keyword=ready"},
		// options that do not change what is checked do not change the identity
		{[]string{"http", u + "/ready", "-s", "ready", "-t", "5", "-v", "--output", "json", "--color", "never", "--attempts", "2"}, "http " + u + "/ready --keyword=ready (existing)"},
		{[]string{"http", u + "/ready", "-s", "other"}, "http " + u + "/ready --keyword=other"},
		// secrets: neither the value nor where it comes from
		{[]string{"http", u + "/secure", "-u", "demo", "--password-env", "SECRET"}, "http " + u + "/secure --user=demo"},
		{[]string{"http", u + "/secure", "-u", "demo", "--password", emulate.WebPassword}, "http " + u + "/secure --user=demo (existing)"},
		{[]string{"http", u + "/secure", "-u", "demo", "--password-env", "OTHER"}, "http " + u + "/secure --user=demo (existing)"},
		{[]string{"http", u + "/ready", "-H", "Authorization: Bearer tok-123", "-H", "X-Env: prod"}, "http " + u + "/ready --header=Authorization: [redacted] --header=X-Env: prod"},
		{[]string{"http", u + "/ready?token=tok-123&x=1"}, "http " + u + "/ready?token=xxxxx&x=1"},
		{[]string{"http", u + "/anything", "--name", "web"}, "name:web"},
		{[]string{"http", u + "/ready", "--name", "web"}, "name:web (existing)"},
	} {
		if got := identity(c.args...); got != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.args, got, c.want)
		}
	}
}

func TestStatelessByDefault(t *testing.T) {
	srv, err := emulate.Serve(emulate.Web())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	home := t.TempDir()
	var out bytes.Buffer
	getenv := func(k string) string {
		return map[string]string{"HOME": home, "XDG_STATE_HOME": filepath.Join(home, "xdg")}[k]
	}
	if code := run(context.Background(), []string{"http", srv.URL + "/ready"}, env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: getenv}); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Fatalf("a plain check wrote %v", entries)
	}
	// any state flag turns state on, in $XDG_STATE_HOME/healthprobe by default
	if code := run(context.Background(), []string{"http", srv.URL + "/ready", "--attempts", "3"}, env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: getenv}); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	if files, _ := filepath.Glob(filepath.Join(home, "xdg", "healthprobe", "checks", "*.json")); len(files) != 1 {
		t.Fatalf("state files %v", files)
	}
}

func TestDefaultStateDir(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_STATE_HOME": "/x/state", "HOME": "/home/u"}, "/x/state/healthprobe"},
		{map[string]string{"XDG_STATE_HOME": "relative", "HOME": "/home/u"}, "/home/u/.local/state/healthprobe"},
		{map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/healthprobe"},
	} {
		got, err := defaultStateDir(func(k string) string { return c.env[k] })
		if os.Geteuid() == 0 && c.env["XDG_STATE_HOME"] != "/x/state" {
			c.want = "/var/lib/healthprobe"
		}
		if err != nil || got != c.want {
			t.Errorf("%v: %q %v, want %q", c.env, got, err, c.want)
		}
	}
}

// TestNotifyVerifyStdinUnderDeadline: notify verify gives up on a stdin
// that never sends nor closes (a terminal, a sleeping writer) at -t, with
// UNKNOWN, instead of waiting for it.
func TestNotifyVerifyStdinUnderDeadline(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	var out bytes.Buffer
	getenv := func(string) string { return "" }
	code := run(context.Background(), []string{"notify", "verify", "--token", "x", "-t", "0.1"},
		env{stdin: pr, stdout: &out, stderr: &out, getenv: getenv})
	want := "NOTIFY UNKNOWN - reading stdin: nothing came before the deadline: context deadline exceeded\n"
	if code != 3 || out.String() != want {
		t.Errorf("exit %d, output %q; want 3, %q", code, out.String(), want)
	}
}
