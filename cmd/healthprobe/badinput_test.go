package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/spf13/pflag"
)

// Bad input: every flag and batch file value that is wrong must give one
// clear line and exit 3, before anything runs; and no command line at all
// may give an exit code outside 0-3, a second line 1, or a Go trace.

// badInputFiles writes the files the bad-input tests name, into dir.
func badInputFiles(t testing.TB, dir string) {
	t.Helper()
	files := map[string]string{
		"not.pem":        "not a certificate\n",
		"broken.yaml":    "checks: [",
		"zero-timeout":   "defaults:\n  timeout: 0\nchecks:\n  - name: a\n    kind: http\n    url: http://127.0.0.1:1/\n",
		"unknown-key":    "checks:\n  - name: a\n    kind: http\n    url: http://127.0.0.1:1/\n    port: 80\n",
		"unknown-kind":   "checks:\n  - name: a\n    kind: ftp\n",
		"port-abc":       "checks:\n  - name: a\n    kind: itgrix\n    host: h\n    port: abc\n",
		"format-yaml":    "checks:\n  - name: k\n    kind: kaleyra\n    api-key: abcdef\n    format: yaml\n",
		"twice":          "checks:\n  - name: a\n    kind: http\n    url: http://127.0.0.1:1/\n  - name: a\n    kind: http\n    url: http://127.0.0.1:1/\n",
		"two-urls":       "checks:\n  - name: a\n    kind: http\n    url: [http://127.0.0.1:1/, http://127.0.0.1:2/]\n",
		"insecure-maybe": "checks:\n  - name: a\n    kind: http\n    url: http://127.0.0.1:1/\n    insecure: maybe\n",
		"empty-keyword":  "checks:\n  - name: a\n    kind: http\n    url: http://127.0.0.1:1/\n    keyword: \"\"\n",
		"missing-ca":     "checks:\n  - name: a\n    kind: http\n    url: http://127.0.0.1:1/\n    ca-file: /nonexistent/ca.pem\n",
		"no-url":         "checks:\n  - name: a\n    kind: http\n",
		"good.yaml":      "checks:\n  - name: web\n    kind: http\n    url: http://127.0.0.1:1/\n",
		"name-pipe":      "checks:\n  - name: a|b=1\n    kind: http\n    url: http://127.0.0.1:1/\n",
		"name-esc":       "checks:\n  - name: \"a\\e[31mb\"\n    kind: http\n    url: http://127.0.0.1:1/\n",
		"name-u2028":     "checks:\n  - name: \"a\\u2028b\"\n    kind: http\n    url: http://127.0.0.1:1/\n",
		"secret.txt":     "s3cret-from-file\n",
		"flow-broken":    "steps:\n  - {name: a, url: [\n",
		"flow-key":       "steps:\n  - name: a\n    url: http://127.0.0.1:1/\n    keywords: x\n",
		"flow-loop":      "steps:\n  - name: a\n    url: http://127.0.0.1:1/\n    json: &a {a: *a}\n",
		"flow-ref":       "steps:\n  - {name: a, url: \"http://127.0.0.1:1/{{b}}\", extract: {a: .a}}\n  - {name: b, url: \"http://127.0.0.1:1/{{a}}\", extract: {b: .b}}\n",
		"flow-many":      "steps:\n" + strings.Repeat("  - {url: http://127.0.0.1:1/}\n", 101),
		"flow-in-batch":  "checks:\n  - {name: f, kind: flow, file: nope.yaml}\n",
		"notify-zero":    "sinks:\n  - url: https://hooks.example.com/x\n    username: a\n    password_file: /dev/zero\n",
		"notify-big":     "sinks:\n  - url: https://hooks.example.com/x\n    token_file: $DIR/big-secret\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.ReplaceAll(body, "$DIR", dir)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// a 32 MiB secret file (sparse): refused unread, not loaded whole
	if err := os.WriteFile(filepath.Join(dir, "big-secret"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, "big-secret"), 32<<20); err != nil {
		t.Fatal(err)
	}
}

// badInputs are command lines that must be refused, with the exact line.
var badInputs = []struct {
	args []string
	want string
}{
	{[]string{"http"}, "HTTP UNKNOWN - missing URL: usage: healthprobe http URL [flags]"},
	{[]string{"http", "a", "b"}, "HTTP UNKNOWN - too many arguments (b): usage: healthprobe http URL [flags]"},
	{[]string{"http", "ftp://x"}, `HTTP UNKNOWN - invalid URL "ftp://x": the scheme must be http or https`},
	{[]string{"http", "http://"}, `HTTP UNKNOWN - invalid URL "http://": no host`},
	{[]string{"http", "x", "--bogus"}, "HTTP UNKNOWN - unknown flag: --bogus"},
	{[]string{"http", "x", "-t"}, "HTTP UNKNOWN - flag needs an argument: 't' in -t"},
	{[]string{"http", "x", "-t", "0"}, `HTTP UNKNOWN - --timeout: "0" is out of range: give more than 0 and at most 86400 seconds (24h)`},
	{[]string{"http", "x", "-t", "25h"}, `HTTP UNKNOWN - --timeout: "25h" is out of range: give at least 1ms and at most 24h`},
	{[]string{"http", "x", "-t", "1e3"}, `HTTP UNKNOWN - --timeout: "1e3" is not a duration (10 or 10s)`},
	{[]string{"http", "x", "--timeout-state", "maybe"}, `HTTP UNKNOWN - --timeout-state: invalid state "maybe" (want ok, warning, critical or unknown)`},
	{[]string{"http", "x", "--output", "xml"}, `HTTP UNKNOWN - invalid --output "xml" (want nagios or json)`},
	{[]string{"http", "x", "--color", "pink"}, `HTTP UNKNOWN - invalid --color "pink" (want auto, always or never)`},
	{[]string{"http", "x", "-X", "GE T"}, `HTTP UNKNOWN - invalid --method "GE T" (want GET, HEAD, POST ...)`},
	{[]string{"http", "x", "-s", ""}, "HTTP UNKNOWN - --keyword may not be empty: every body contains the empty text"},
	{[]string{"http", "x", "-r", ""}, "HTTP UNKNOWN - --regex may not be empty: it matches every body"},
	{[]string{"http", "x", "-r", "("}, "HTTP UNKNOWN - invalid --regex: error parsing regexp: missing closing ): `(`"},
	{[]string{"http", "x", "--header-match", "X"}, `HTTP UNKNOWN - invalid --header-match "X" (want 'Name: regex')`},
	{[]string{"http", "x", "-H", "X A: b"}, `HTTP UNKNOWN - invalid header "X A: b" (want 'Name: value')`},
	{[]string{"http", "x", "-H", "X-A: a\x00b"}, "HTTP UNKNOWN - header X-A may not contain control characters (a line break, say)"},
	{[]string{"http", "x", "-A", "a\nb"}, "HTTP UNKNOWN - --user-agent may not contain control characters (a line break, say)"},
	{[]string{"http", "x", "-w", "abc"}, `HTTP UNKNOWN - --warning: invalid range "abc": end "abc" is not a number`},
	{[]string{"http", "x", "-c", "20:10"}, `HTTP UNKNOWN - --critical: invalid range "20:10": start is greater than end`},
	{[]string{"http", "x", "--max-body", "0"}, `HTTP UNKNOWN - --max-body: "0" is out of range (1 B to 1 TiB)`},
	{[]string{"http", "x", "--max-body", "2T"}, `HTTP UNKNOWN - --max-body: "2T" is not a size (1048576, 512K, 1MiB)`},
	{[]string{"http", "x", "--cert-warning", "-1"}, `HTTP UNKNOWN - --cert-warning: "-1" is not a number of days`},
	{[]string{"http", "x", "--expect-status", "2xx"}, `HTTP UNKNOWN - --expect-status: invalid status list "2xx": "2xx" is not a three-digit status code`},
	{[]string{"http", "x", "--onredirect", "maybe"}, `HTTP UNKNOWN - invalid --onredirect "maybe" (want follow, sticky, stickyport, ok, warning or critical)`},
	{[]string{"http", "x", "--max-redirects", "-1"}, "HTTP UNKNOWN - --max-redirects must be 0 or more"},
	{[]string{"http", "x", "--max-redirects", "x"}, `HTTP UNKNOWN - --max-redirects: "x" is not a whole number`},
	{[]string{"http", "x", "--insecure=maybe"}, `HTTP UNKNOWN - --insecure: "maybe" is not true or false`},
	{[]string{"http", "x", "--auth", "ntlm"}, `HTTP UNKNOWN - invalid --auth "ntlm" (want auto, basic or digest)`},
	{[]string{"http", "x", "--password", "p4ss"}, "HTTP UNKNOWN - a password needs --user"},
	{[]string{"http", "x", "-u", "a", "--password", "p4ss", "--password-env", "PW"}, "HTTP UNKNOWN - give only one of --password, --password-env and --password-file"},
	{[]string{"http", "x", "-u", "a", "--password-env", "NOPE"}, "HTTP UNKNOWN - --password-env: environment variable NOPE is not set or empty"},
	{[]string{"http", "x", "-u", "a", "--password-file", "/nonexistent/pw"}, "HTTP UNKNOWN - --password-file: open /nonexistent/pw: no such file or directory"},
	{[]string{"http", "x", "-u", "a", "--password-file", "/dev/zero"}, "HTTP UNKNOWN - --password-file: /dev/zero is larger than 64 KiB"},
	// a notify sink's password from /dev/zero once crashed the process (Go's
	// fatal out of memory); a 32 MiB secret file was accepted
	{[]string{"http", "x", "--notify-config", "$DIR/notify-zero"}, "HTTP UNKNOWN - --notify-config $DIR/notify-zero: sink 1: password_file: /dev/zero is larger than 64 KiB"},
	{[]string{"http", "x", "--notify-config", "$DIR/notify-big"}, "HTTP UNKNOWN - --notify-config $DIR/notify-big: sink 1: token_file: $DIR/big-secret is larger than 64 KiB"},
	{[]string{"http", "x", "-u", "a", "--password-file", "$DIR/big-secret"}, "HTTP UNKNOWN - --password-file: $DIR/big-secret is larger than 64 KiB"},
	{[]string{"http", "x", "--notify-config", "/dev/zero"}, "HTTP UNKNOWN - --notify-config /dev/zero: /dev/zero is larger than 1 MiB"},
	{[]string{"http", "x", "--bearer-env", "MULTILINE"}, "HTTP UNKNOWN - --bearer may not contain control characters (a line break, say)"},
	{[]string{"http", "x", "--ca-file", "/nonexistent/ca.pem"}, "HTTP UNKNOWN - reading --ca-file: open /nonexistent/ca.pem: no such file or directory"},
	{[]string{"http", "x", "--ca-file", "$DIR/not.pem"}, "HTTP UNKNOWN - --ca-file $DIR/not.pem holds no PEM certificate"},
	// /dev/zero never ends: these once read it until the kernel killed the process
	{[]string{"http", "x", "--ca-file", "/dev/zero"}, "HTTP UNKNOWN - reading --ca-file: /dev/zero is larger than 4 MiB"},
	{[]string{"http", "x", "--cert", "/dev/zero", "--key", "$DIR/not.pem"}, "HTTP UNKNOWN - reading --cert: /dev/zero is larger than 4 MiB"},
	{[]string{"http", "x", "--cert", "$DIR/not.pem"}, "HTTP UNKNOWN - --cert and --key go together"},
	{[]string{"http", "x", "--cert", "$DIR/not.pem", "--key", "$DIR/not.pem"}, "HTTP UNKNOWN - loading client certificate: tls: failed to find any PEM data in certificate input"},
	{[]string{"http", "x", "--proxy", "http://"}, `HTTP UNKNOWN - invalid --proxy "http://"`},
	// echoed as given, not URL-encoded (it said "not%20a%20url")
	{[]string{"http", "x", "--proxy", "not a url"}, `HTTP UNKNOWN - invalid --proxy "not a url"`},
	{[]string{"http", "${WEB_URL}/ready"}, `HTTP UNKNOWN - invalid URL "${WEB_URL}/ready"`},
	{[]string{"http", "x", "--data-file", "/dev/zero"}, "HTTP UNKNOWN - --data-file: /dev/zero is larger than 16 MiB"},
	{[]string{"http", "x", "-d", "a", "--data-file", "$DIR/secret.txt"}, "HTTP UNKNOWN - give only one of --data and --data-file"},
	{[]string{"http", "x", "--jq", ".["}, "HTTP UNKNOWN - --jq: invalid jq expression .[: unexpected EOF after 2 characters"},
	{[]string{"http", "x", "--jq-warning", "5"}, `HTTP UNKNOWN - --jq-warning "5" comes before any --jq: put it after the --jq it applies to`},
	{[]string{"itgrix"}, "ITGRIX UNKNOWN - missing HOST: usage: healthprobe itgrix HOST [flags]"},
	{[]string{"itgrix", "h", "--port", "0"}, "ITGRIX UNKNOWN - invalid --port 0 (want 1 to 65535)"},
	{[]string{"itgrix", "h", "--port", "abc"}, `ITGRIX UNKNOWN - --port: "abc" is not a whole number`},
	{[]string{"itgrix", "h", "--port", "99999999999999999999"}, `ITGRIX UNKNOWN - --port: "99999999999999999999" is out of range`},
	{[]string{"itgrix", "h", "--scheme", "ftp"}, `ITGRIX UNKNOWN - invalid --scheme "ftp" (want http or https)`},
	{[]string{"itgrix", "h", "--license-warning", "-1"}, "ITGRIX UNKNOWN - --license-warning and --license-critical take a number of days (0 or more)"},
	{[]string{"itgrix", "h", "--license-type", ""}, "ITGRIX UNKNOWN - --license-type: give at least one licence type"},
	{[]string{"itgrix", "h", "--path", "a b"}, `ITGRIX UNKNOWN - invalid --path "a b": give an element name such as app_state or license.type`},
	{[]string{"itgrix", "%zz"}, `ITGRIX UNKNOWN - invalid HOST "%zz": not a host name or address`}, // found by FuzzTargets
	{[]string{"itgrix", "http://h", "--port", "1"}, "ITGRIX UNKNOWN - HOST is a full URL: give the port and scheme in it, not with --port or --scheme"},
	{[]string{"pexip", "h"}, "PEXIP UNKNOWN - missing --alias: the alias to call, e.g. a test call service"},
	{[]string{"pexip", "h", "--alias", "a", "--display-name", ""}, "PEXIP UNKNOWN - --display-name may not be empty: Pexip requires one"},
	{[]string{"pexip", "h", "--alias", "a", "--pin", "1234", "--guest"}, "PEXIP UNKNOWN - give either a PIN or --guest, not both"},
	{[]string{"pexip", "h", "--alias", "a", "--pin", "12\x0134"}, "PEXIP UNKNOWN - --pin may not contain control characters (a line break, say)"},
	{[]string{"pexip", "ftp://h", "--alias", "a"}, `PEXIP UNKNOWN - invalid NODE "ftp://h": the scheme must be http or https`},
	{[]string{"pexip", "h", "--alias", "a", "--maintenance-state", "x"}, `PEXIP UNKNOWN - --maintenance-state: invalid state "x" (want ok, warning, critical or unknown)`},
	{[]string{"kaleyra"}, "KALEYRA UNKNOWN - no API key: give --api-key-env VAR or --api-key-file PATH (the key is on the monitor plugin's configuration page)"},
	{[]string{"kaleyra", "extra", "--api-key", "abcdef"}, "KALEYRA UNKNOWN - too many arguments (extra): usage: healthprobe kaleyra [flags]"},
	{[]string{"kaleyra", "--api-key", "abcdef", "--format", "yaml"}, `KALEYRA UNKNOWN - invalid --format "yaml" (want xml or json)`},
	{[]string{"kaleyra", "--api-key", "abcdef", "--service", "sms"}, `KALEYRA UNKNOWN - invalid --service "sms" (want incoming, outgoing or all)`},
	{[]string{"kaleyra", "--api-key", "abcdef", "--number", "abc"}, `KALEYRA UNKNOWN - invalid --number "abc": no digits`},
	{[]string{"kaleyra", "--api-key", "abcdef", "--jq", ".x"}, "KALEYRA UNKNOWN - --jq reads JSON: add --format json"},
	{[]string{"kaleyra", "--api-key-file", "/dev/zero"}, "KALEYRA UNKNOWN - --api-key-file: /dev/zero is larger than 64 KiB"},
	{[]string{"run"}, "RUN UNKNOWN - missing --config FILE: usage: healthprobe run -c FILE [flags]"},
	{[]string{"run", "-c", "/nonexistent/checks.yaml"}, "RUN UNKNOWN - open /nonexistent/checks.yaml: no such file or directory"},
	{[]string{"run", "-c", "/dev/zero"}, "RUN UNKNOWN - /dev/zero is larger than 4 MiB"},
	{[]string{"run", "-c", "$DIR/broken.yaml"}, "RUN UNKNOWN - $DIR/broken.yaml: not valid YAML or JSON: line 1: did not find expected node content"},
	{[]string{"run", "-c", "$DIR/zero-timeout"}, `RUN UNKNOWN - $DIR/zero-timeout: check "a": defaults line 2: key "timeout": "0" is out of range: give more than 0 and at most 86400 seconds (24h)`},
	{[]string{"run", "-c", "$DIR/unknown-key"}, `RUN UNKNOWN - $DIR/unknown-key: check "a" (line 5): unknown key "port" for kind http`},
	{[]string{"run", "-c", "$DIR/unknown-kind"}, `RUN UNKNOWN - $DIR/unknown-kind: check "a" (line 2): unknown kind "ftp" (want $KINDS)`},
	{[]string{"run", "-c", "$DIR/port-abc"}, `RUN UNKNOWN - $DIR/port-abc: check "a" (line 5): key "port": "abc" is not a whole number`},
	{[]string{"run", "-c", "$DIR/format-yaml"}, `RUN UNKNOWN - $DIR/format-yaml: check "k" (line 2): invalid --format "yaml" (want xml or json)`},
	{[]string{"run", "-c", "$DIR/twice"}, `RUN UNKNOWN - $DIR/twice: line 5: check "a" is already defined on line 2`},
	{[]string{"run", "-c", "$DIR/two-urls"}, `RUN UNKNOWN - $DIR/two-urls: check "a" (line 4): url takes one value`},
	{[]string{"run", "-c", "$DIR/insecure-maybe"}, `RUN UNKNOWN - $DIR/insecure-maybe: check "a" (line 5): key "insecure": "maybe" is not true or false`},
	{[]string{"run", "-c", "$DIR/empty-keyword"}, `RUN UNKNOWN - $DIR/empty-keyword: check "a" (line 2): --keyword may not be empty: every body contains the empty text`},
	{[]string{"run", "-c", "$DIR/missing-ca"}, `RUN UNKNOWN - $DIR/missing-ca: check "a" (line 2): reading --ca-file: open /nonexistent/ca.pem: no such file or directory`},
	{[]string{"run", "-c", "$DIR/no-url"}, `RUN UNKNOWN - $DIR/no-url: check "a" (line 2): missing key "url"`},
	{[]string{"run", "-c", "$DIR/good.yaml", "--concurrency", "0"}, "RUN UNKNOWN - --concurrency must be 1 to 10000, not 0"},
	{[]string{"run", "-c", "$DIR/good.yaml", "--only", "zz"}, `RUN UNKNOWN - --only "zz": no check of that name in $DIR/good.yaml`},
	{[]string{"run", "-c", "$DIR/good.yaml", "--output", "xml"}, `RUN UNKNOWN - invalid --output "xml" (want nagios, json or prometheus)`},
	// a check name that would forge perfdata on line 1, colour or break it
	{[]string{"http", "http://127.0.0.1:1/", "--name", "web|forged=1;;;;"}, `HTTP UNKNOWN - --name "web¦forged=1;;;;": a check name may not hold the vertical bar U+007C, which starts the perfdata of a plugin line`},
	{[]string{"http", "http://127.0.0.1:1/", "--name", "a\x1b[31mb"}, `HTTP UNKNOWN - --name "a\x1b[31mb": a check name may not hold the control character U+001B`},
	{[]string{"pexip", "h", "--alias", "a", "--name", "a\ab"}, `PEXIP UNKNOWN - --name "a\ab": a check name may not hold the control character U+0007`},
	{[]string{"itgrix", "h", "--name", "a\u2028b"}, `ITGRIX UNKNOWN - --name "a\u2028b": a check name may not hold the line separator U+2028`},
	{[]string{"kaleyra", "--api-key-env", "PW", "--name", "ok\u202eKO"}, `KALEYRA UNKNOWN - --name "ok\u202eKO": a check name may not hold the invisible formatting character U+202E`},
	{[]string{"run", "-c", "$DIR/name-pipe"}, `RUN UNKNOWN - $DIR/name-pipe: line 2: check name "a¦b=1": a check name may not hold the vertical bar U+007C, which starts the perfdata of a plugin line`},
	{[]string{"run", "-c", "$DIR/name-esc"}, `RUN UNKNOWN - $DIR/name-esc: line 2: check name "a\x1b[31mb": a check name may not hold the control character U+001B`},
	{[]string{"run", "-c", "$DIR/name-u2028"}, `RUN UNKNOWN - $DIR/name-u2028: line 2: check name "a\u2028b": a check name may not hold the line separator U+2028`},
	{[]string{"flow"}, "FLOW UNKNOWN - missing FILE: usage: healthprobe flow FILE [flags]"},
	{[]string{"flow", "/dev/zero"}, "FLOW UNKNOWN - /dev/zero is larger than 1 MiB"},
	{[]string{"flow", "$DIR/flow-broken"}, "FLOW UNKNOWN - $DIR/flow-broken: not valid YAML or JSON: line 2: did not find expected node content"},
	{[]string{"flow", "$DIR/flow-key"}, `FLOW UNKNOWN - $DIR/flow-key: line 4: step a: unknown key "keywords" (a step takes the keys of an http check, and name, always, timeout, extract, json)`},
	{[]string{"flow", "$DIR/flow-loop"}, "FLOW UNKNOWN - $DIR/flow-loop: line 4: json: YAML aliases are not supported"},
	{[]string{"flow", "$DIR/flow-ref"}, `FLOW UNKNOWN - $DIR/flow-ref: line 2: step a: key "url": {{b}} refers to no value an earlier step extracts (step b extracts it, after this one)`},
	{[]string{"flow", "$DIR/flow-many"}, "FLOW UNKNOWN - $DIR/flow-many: line 2: 101 steps: a flow has at most 100"},
	{[]string{"flow", "$DIR/good.yaml"}, `FLOW UNKNOWN - $DIR/good.yaml: line 1: unknown key "checks" (want name, timeout, show, steps)`},
	{[]string{"flow", "$DIR/flow-key", "-t", "0"}, `FLOW UNKNOWN - --timeout: "0" is out of range: give more than 0 and at most 86400 seconds (24h)`},
	{[]string{"run", "-c", "$DIR/flow-in-batch"}, `RUN UNKNOWN - $DIR/flow-in-batch: check "f" (line 2): open $DIR/nope.yaml: no such file or directory`},
	{[]string{"demo", "extra"}, `DEMO UNKNOWN - unknown command "extra" for "healthprobe demo"`},
	{[]string{"--bogus"}, "HEALTHPROBE UNKNOWN - unknown flag: --bogus"},
	{[]string{"nosuchcommand"}, `HEALTHPROBE UNKNOWN - unknown command "nosuchcommand" for "healthprobe"`},
}

// badInputVars is the environment of the bad-input tests.
var badInputVars = map[string]string{"PW": "p4ss-env", "MULTILINE": "line1\nline2"}

func TestBadInputMessages(t *testing.T) {
	dir := t.TempDir()
	badInputFiles(t, dir)
	for _, tt := range badInputs {
		args := make([]string, len(tt.args))
		for i, a := range tt.args {
			args[i] = strings.ReplaceAll(a, "$DIR", dir)
		}
		want := strings.NewReplacer("$DIR", dir, "$KINDS", strings.Join(kindNames(), ", ")).Replace(tt.want) + "\n"
		code, out, errOut := runArgs(t, badInputVars, args...)
		if code != 3 || out != want {
			t.Errorf("%q: exit %d\n got: %q\nwant: %q\nstderr: %q", tt.args, code, out, want, errOut)
		}
		// the same refusal in JSON when JSON was asked for, wherever
		// --output stands on the line
		if strings.Contains(want, "--output") || len(args) == 0 {
			continue
		}
		code, out, _ = runArgs(t, badInputVars, append(args, "--output", "json")...)
		if code != 3 || !strings.HasPrefix(out, `{"kind":`) || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"status":"UNKNOWN","code":3`) {
			t.Errorf("%q --output json: exit %d %q", tt.args, code, out)
		}
	}
}

// The property: whatever the command line, the exit code is 0-3, stdout
// starts with one plugin line (or help, the version, a batch's lines),
// and nothing shows a Go panic, a stack trace or a control character.
// Command lines are drawn at random from the commands' own flags and a
// corpus of good and bad values; the seed is fixed (HEALTHPROBE_SEED
// picks another) and each failure names the command line.
func TestRandomBadInput(t *testing.T) {
	seed := uint64(20261121)
	if s := os.Getenv("HEALTHPROBE_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seed = n
	}
	iterations := 1500
	if testing.Short() {
		iterations = 200
	}
	dir := t.TempDir()
	badInputFiles(t, dir)
	rng := rand.New(rand.NewPCG(seed, seed))
	var codes [4]int
	gen := newArgGen(dir)
	for i := 0; i < iterations; i++ {
		args := gen.commandLine(rng)
		code, msg := checkCommandLine(args)
		if msg != "" {
			t.Fatalf("seed %d, run %d: healthprobe %q\n%s", seed, i, args, msg)
		}
		codes[code]++
	}
	t.Logf("seed %d: %d command lines, exit codes 0-3: %v; %d passed validation (and were interrupted before sending anything)",
		seed, iterations, codes, interrupted.Load())
	if codes[3] == iterations {
		t.Errorf("every command line was refused: the generator makes nothing valid")
	}
}

// FuzzCommandLine runs command lines made by the fuzzer (words split at
// NUL) through the same property. Paths are confined to a temporary
// directory: no word names a file outside it.
func FuzzCommandLine(f *testing.F) {
	for _, tt := range badInputs {
		f.Add(strings.Join(tt.args, "\x00"))
	}
	f.Add("http\x00http://127.0.0.1:1/\x00-s\x00ok\x00-w\x001:2\x00--jq\x00.a\x00--jq-equals\x00x")
	f.Add("pexip\x00127.0.0.1:1\x00--alias\x00a\x00--pin-env\x00PW\x00-vvv\x00--output\x00json")
	dir := f.TempDir()
	badInputFiles(f, dir)
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		for i, a := range args {
			if strings.ContainsRune(a, '/') && !strings.HasPrefix(a, "http://127.0.0.1:1") {
				args[i] = filepath.Join(dir, filepath.Base(a))
			}
			if a == "demo" || a == "completion" || a == "__complete" || a == "man" || a == "contrib" {
				args[i] = "http" // slow, or writes scripts and files: not what this is about
			}
		}
		args = (&argGen{dir: dir}).confineStateDir(args)
		if _, msg := checkCommandLine(args); msg != "" {
			t.Fatalf("healthprobe %q\n%s", args, msg)
		}
	})
}

// interrupted counts the command lines that passed validation.
var interrupted atomic.Int64

var (
	pluginLine  = regexp.MustCompile(`^[A-Z][A-Z0-9-]* (OK|WARNING|CRITICAL|UNKNOWN) - \S`)
	batchLine   = regexp.MustCompile(`^\[[^\]\n]+\] [A-Z]+ (OK|WARNING|CRITICAL|UNKNOWN) - `)
	jsonLine    = regexp.MustCompile(`^\{"(kind|name)":`)
	versionLine = regexp.MustCompile(`^healthprobe \S+`)
	ansiColour  = regexp.MustCompile("\x1b\\[[0-9;]*m")
)

// checkCommandLine runs args in-process with a context that is already
// cancelled, so that no check sends anything anywhere (a random word may
// be a host name), and returns the exit code and what is wrong with the
// outcome, or "".
func checkCommandLine(args []string) (code int, problem string) {
	defer func() {
		if code < 0 || code > 3 {
			code = 3 // reported as the problem; keeps the tally in range
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
		getenv: testGetenv(badInputVars)})
	stdout := ansiColour.ReplaceAllString(out.String(), "") // --color always is a choice
	line1, _, _ := strings.Cut(stdout, "\n")
	if strings.Contains(line1, " - interrupted") {
		interrupted.Add(1)
	}
	help := false
	for _, a := range args {
		// -h also asks for help inside a group of shorthands ("-hA0")
		if a == "--help" || a == "help" || a == "-help" || strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "h") {
			help = true
		}
	}
	switch {
	case code < 0 || code > 3:
		return code, fmt.Sprintf("exit code %d\n%s", code, stdout)
	case stdout == "":
		return code, fmt.Sprintf("exit %d with nothing on stdout; stderr: %q", code, errOut.String())
	case help || code == 3 && strings.Contains(stdout, "\nUsage:\n"):
	case versionLine.MatchString(line1) && code == 0:
	case strings.HasPrefix(line1, "# HELP "), batchLine.MatchString(line1), jsonLine.MatchString(line1):
	case strings.HasPrefix(line1, "[") && strings.Contains(args2(args), "--dry-run"):
	case pluginLine.MatchString(line1):
		if st := strings.Fields(line1)[1]; !strings.HasPrefix(line1, "RUN ") && stateCode(st) != code {
			return code, fmt.Sprintf("line 1 says %s, exit code %d: %q", st, code, line1)
		}
	default:
		return code, fmt.Sprintf("exit %d, line 1 is no plugin line: %q", code, line1)
	}
	for name, text := range map[string]string{"stdout": stdout, "stderr": errOut.String()} {
		for _, bad := range []string{"panic", "goroutine ", "runtime/debug", ".go:"} {
			if strings.Contains(text, bad) {
				return code, fmt.Sprintf("%s shows %q:\n%s", name, bad, text)
			}
		}
		for _, r := range text {
			if r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f) {
				return code, fmt.Sprintf("%s holds the control character %U: %q", name, r, text)
			}
		}
	}
	return code, ""
}

func args2(args []string) string { return strings.Join(args, " ") }

func stateCode(name string) int {
	return map[string]int{"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}[name]
}

// argGen draws command lines from the commands' own flags and a corpus of
// values, good and bad.
type argGen struct {
	dir      string
	commands map[string][]*pflag.Flag // subcommand -> its flags, global ones included
	names    []string
	values   []string
	targets  []string
}

func newArgGen(dir string) *argGen {
	g := &argGen{dir: dir, commands: map[string][]*pflag.Flag{}}
	root := newRootCmd(defaultFlags(), newRunState(env{getenv: func(string) string { return "" }}))
	for _, c := range root.Commands() {
		name := c.Name()
		if name == "demo" || name == "completion" || name == "help" || name == "man" || name == "contrib" || c.Hidden {
			continue // slow, or (man, contrib) packaging tools that write files
		}
		var flags []*pflag.Flag
		c.InheritedFlags().VisitAll(func(f *pflag.Flag) { flags = append(flags, f) })
		c.Flags().VisitAll(func(f *pflag.Flag) { flags = append(flags, f) })
		g.commands[name] = flags
		g.names = append(g.names, name)
	}
	g.values = []string{
		"", " ", "0", "-1", "1", "10", "0.5", "1e3", "NaN", "Inf", "99999999999999999999", "abc", "@1:2", "~:", "10:", "20:10",
		"200-299,301", "2xx", "ok", "warning", "critical", "unknown", "maybe", "json", "xml", "nagios", "prometheus",
		"auto", "basic", "digest", "always", "never", "follow", "GET", "GE T", "1MiB", "512K", "2T", ".status", ".[", "(",
		"X-Probe: 1", "Authorization: Bearer t0ken-value", "bad header", "a\x00b", "a\nb", "\xff\xfe", "\u202e", "+918040001111",
		"PW", "NOPE", "MULTILINE", "incoming", "sms", "app_state", "a b", "Professional",
		"/dev/zero", "/dev/null", "/nonexistent/file", dir, filepath.Join(dir, "not.pem"), filepath.Join(dir, "secret.txt"),
		filepath.Join(dir, "good.yaml"), filepath.Join(dir, "broken.yaml"), filepath.Join(dir, "unknown-key"),
		strings.Repeat("x", 5000),
	}
	g.targets = []string{"http://127.0.0.1:1/", "https://127.0.0.1:1/health", "127.0.0.1:1", "127.0.0.1", "ftp://127.0.0.1/",
		"http://", "", "http://u:p4ss@127.0.0.1:1/?api_key=k", "[::1", "h/x", "-", "--"}
	return g
}

// goodValue is a value a flag accepts, by name or by type.
func (g *argGen) goodValue(f *pflag.Flag) string {
	byName := map[string]string{
		"alias": "edge.kuma", "format": "json", "service": "incoming", "number": "+918040001111", "auth": "digest",
		"onredirect": "warning", "expect-status": "200-299,301", "warning": "1:5", "critical": "10", "jq-warning": "@1:5",
		"jq-critical": "~:9", "jq": ".a.b", "jq-equals": "true", "jq-regex": "^a", "jq-label": "a", "header": "X-Probe: 1",
		"header-match": "Server: .", "output": "json", "color": "never", "url": "http://127.0.0.1:1/v1/", "scheme": "https",
		"path": "app_state", "license-type": "Free", "config": filepath.Join(g.dir, "good.yaml"), "only": "web",
		"user": "u", "method": "HEAD", "regex": "ready", "keyword": "ready", "data": `{"a":1}`, "sni": "localhost",
		"proxy": "http://127.0.0.1:1", "display-name": "probe", "call-tag": "probe", "region": "delhi", "region-code": "DL-IN",
		"no-proxy": "10.0.0.0/8,localhost", "address": "127.0.0.1", "prefer-ip": "6", "tls-min": "1.2", "tls-max": "1.3",
		"http-version": "1.1", "header-env": "X-Key: PW", "header-file": "X-Key: " + filepath.Join(g.dir, "secret.txt"),
		"oauth2-token-url": "http://127.0.0.1:1/token", "oauth2-client-id": "probe", "oauth2-scope": "read",
		"oauth2-param": "audience=api", "header-not-match": "Server: .", "header-allow-missing": "Server", "pagesize": "10:100K",
		"max-age": "12h", "expect-http-version": "1.1,2", "state-regex": "warning", "cookie-jar": filepath.Join(g.dir, "cookies.txt"),
	}
	switch {
	case byName[f.Name] != "":
		return byName[f.Name]
	case strings.HasSuffix(f.Name, "-env"):
		return "PW"
	case strings.HasSuffix(f.Name, "-file"):
		return filepath.Join(g.dir, "secret.txt")
	}
	return map[string]string{"duration": "1", "state": "warning", "size": "64K", "days": "7", "int": "3", "range": "1:5"}[f.Value.Type()]
}

func (g *argGen) commandLine(rng *rand.Rand) []string {
	var args []string
	name := g.names[rng.IntN(len(g.names))]
	switch rng.IntN(20) {
	case 0:
		name = "no-such-command"
	case 1:
		args = append(args, "-v") // a global flag before the command
	}
	args = append(args, name)
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	switch {
	case name == "kaleyra" || name == "run":
	case rng.IntN(4) == 0:
		for n := rng.IntN(3); n > 0; n-- {
			args = append(args, pick(g.targets))
		}
	default:
		args = append(args, "http://127.0.0.1:1/")
	}
	switch {
	case name == "pexip" && rng.IntN(3) > 0:
		args = append(args, "--alias", "edge.kuma")
	case name == "kaleyra" && rng.IntN(3) > 0:
		args = append(args, "--api-key-env", "PW")
	case name == "run" && rng.IntN(3) > 0:
		args = append(args, "-c", filepath.Join(g.dir, "good.yaml"))
	}
	flags := g.commands[name]
	for n := rng.IntN(6); n > 0 && len(flags) > 0; n-- {
		f := flags[rng.IntN(len(flags))]
		flag := "--" + f.Name
		if f.Shorthand != "" && rng.IntN(2) == 0 {
			flag = "-" + f.Shorthand
		}
		v := g.goodValue(f)
		if v == "" || rng.IntN(3) == 0 {
			v = pick(g.values)
		}
		switch {
		case f.Value.Type() == "bool" || f.Value.Type() == "count":
			if rng.IntN(6) == 0 {
				args = append(args, flag+"="+v)
			} else {
				args = append(args, flag)
			}
		case rng.IntN(15) == 0:
			args = append(args, flag) // the value is missing
		case rng.IntN(3) == 0:
			args = append(args, flag+"="+v)
		default:
			args = append(args, flag, v)
		}
	}
	if rng.IntN(20) == 0 {
		args = append(args, "--no-such-flag")
	}
	if rng.IntN(40) == 0 {
		args = append(args, "--help")
	}
	return g.confineStateDir(args)
}

// confineStateDir keeps every --state-dir and --cookie-jar under the
// test's own directory, whatever value it took (a missing value takes the
// next argument): state and cookies are written there.
func (g *argGen) confineStateDir(args []string) []string {
	for _, flag := range []string{"--state-dir", "--cookie-jar"} {
		under := func(v string) string { return filepath.Join(g.dir, strings.TrimPrefix(flag, "--"), filepath.Base(v)) }
		for i, a := range args {
			switch {
			case a == flag && i+1 < len(args):
				args[i+1] = under(args[i+1])
			case strings.HasPrefix(a, flag+"="):
				args[i] = flag + "=" + under(strings.TrimPrefix(a, flag+"="))
			}
		}
	}
	return args
}
