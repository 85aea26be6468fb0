package main

import (
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/healthprobe/healthprobe/emulate"
)

func TestMain(m *testing.M) {
	// in this process and in every healthprobe it runs (testscript's
	// commands, the signal tests): a state directory outside the temporary
	// directory is refused
	stateDirGuard = guardStateDir
	// testscript runs privateEnv's Run only in this process, not in the
	// commands
	testscript.Main(privateEnv{m}, map[string]func(){
		"healthprobe": func() { os.Exit(Main()) },
	})
}

// TestScripts runs testdata/*.txtar: each script runs the real binary and
// asserts its exact exit code and output.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:   "testdata",
		Setup: scriptEnv,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"code":     cmdCode,
			"emulate":  cmdEmulate,
			"expand":   cmdExpand,
			"received": cmdReceived,
		},
	})
}

// cmdCode runs a command and asserts its exact exit code:
//
//	code 2 healthprobe http $WEB_URL/fail
//
// testscript's own "! exec" only tells zero from non-zero, and the exit code
// is healthprobe's contract.
func cmdCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: code N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("code: %q is not an exit code", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("code: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

// cmdEmulate starts an emulator for the rest of the script and sets
// NAME_URL (upper case, dashes as underscores) to its base URL, NAME_PORT
// to its port, and the variables it publishes (kinds.go):
//
//	emulate NAME [VARIANT]  any kind's emulator: web (http), itgrix, pexip,
//	                  kaleyra ...; VARIANT picks its state where it has
//	                  several: emulate itgrix CASE (default normal; every
//	                  case is also at $ITGRIX_URL/CASE)
//	emulate web-tls   the web emulator over TLS; writes the CA to $WORK/ca.pem
//	emulate pexip-... variants of the Pexip node, in pexip_emulate_test.go
//	emulate receiver  a notification receiver (emulate.Receiver) writing each
//	                  request to $WORK/receiver/N.txt and N.body, answering
//	                  with the status code in $WORK/receiver.status if present;
//	                  receiver-NAME is another one, in $WORK/receiver-NAME/;
//	                  the body of a 200 is $WORK/NAME.answer if present
//	emulate echo      a server that sends back the credentials a request
//	                  carries, in every form (secrets_test.go's echoServer)
//	emulate uptime-kuma, emulate healthchecks  those emulators, each request
//	                  also recorded as a receiver's ($WORK/uptime-kuma/N.txt)
func cmdEmulate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: emulate NAME [args...]")
	}
	name := args[0]
	envName := strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_URL"
	switch {
	case name == "web-tls":
		srv := httptest.NewTLSServer(emulate.Web())
		ts.Defer(srv.Close)
		ts.Setenv(envName, srv.URL)
		ts.Setenv("WEB_TLS_PORT", srv.URL[strings.LastIndex(srv.URL, ":")+1:])
		pem := certPEM(srv.Certificate().Raw)
		ts.Check(os.WriteFile(filepath.Join(ts.Getenv("WORK"), "ca.pem"), pem, 0o600))
	case (strings.HasPrefix(name, "pexip-") || name == "not-pexip") && !isEmulator(name):
		emulatePexip(ts, name, envName) // a node's variants; pexip-fleet is a kind's emulator
	case name == "receiver" || strings.HasPrefix(name, "receiver-"):
		emulateReceiver(ts, name, envName)
	case name == "echo":
		srv := httptest.NewServer(&echoServer{})
		ts.Defer(srv.Close)
		ts.Setenv(envName, srv.URL)
		ts.Setenv("ECHO_HOST", strings.TrimPrefix(srv.URL, "http://"))
	case name == "uptime-kuma": // recorded in $WORK/uptime-kuma/N.txt as a receiver's requests
		emulateReceiver(ts, name, envName, emulate.NewUptimeKuma())
		ts.Setenv("KUMA_TOKEN", emulate.KumaToken)
	case name == "healthchecks": // likewise, in $WORK/healthchecks/
		emulateReceiver(ts, name, envName, emulate.NewHealthchecks())
		ts.Setenv("HC_UUID", emulate.HealthchecksUUID)
		ts.Setenv("HC_PING_KEY", emulate.HealthchecksPingKey)
		ts.Setenv("HC_SLUG", emulate.HealthchecksSlug)
	default:
		e, ok := findEmulator(name)
		if !ok {
			ts.Fatalf("emulate: unknown emulator %q", name)
		}
		variant := ""
		if len(args) > 1 {
			variant = args[1]
		}
		h, err := e.handler(variant)
		ts.Check(err)
		srv, err := emulate.Serve(h)
		ts.Check(err)
		ts.Defer(srv.Close)
		ts.Setenv(e.urlVar(), srv.URL)
		ts.Setenv(strings.TrimSuffix(e.urlVar(), "_URL")+"_PORT", srv.Addr[strings.LastIndex(srv.Addr, ":")+1:])
		for _, v := range e.vars {
			ts.Setenv(v.name, v.value)
		}
	}
}

func isEmulator(name string) bool {
	_, ok := findEmulator(name)
	return ok
}

// cmdExpand replaces $VAR and ${VAR} in the named files with the script's
// environment, so that files can name emulator URLs:
//
//	expand checks.yaml
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: expand FILE...")
	}
	for _, name := range args {
		expanded := os.Expand(ts.ReadFile(name), ts.Getenv)
		ts.Check(os.WriteFile(ts.MkAbs(name), []byte(expanded), 0o600))
	}
}
