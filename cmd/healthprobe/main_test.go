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
// NAME_URL (upper case, dashes as underscores) to its base URL:
//
//	emulate web       plain HTTP web app (emulate.Web)
//	emulate web-tls   the same over TLS; writes the CA to $WORK/ca.pem
//	emulate itgrix [CASE]  Itgrix /status set to CASE (default normal; every
//	                  case is also at $ITGRIX_URL/CASE); sets $ITGRIX_PORT too
//	emulate pexip     a Pexip node (emulate.Pexip); variants in pexip_emulate_test.go
//	emulate kaleyra   Kaleyra's voice monitor API (emulate.Kaleyra); also sets
//	                  $KALEYRA_API_KEY to the key it accepts
//	emulate receiver  a notification receiver (emulate.Receiver) writing each
//	                  request to $WORK/receiver/N.txt and N.body, answering
//	                  with the status code in $WORK/receiver.status if present;
//	                  receiver-NAME is another one, in $WORK/receiver-NAME/
func cmdEmulate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: emulate NAME [args...]")
	}
	name := args[0]
	envName := strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_URL"
	switch name {
	case "web":
		srv, err := emulate.Serve(emulate.Web())
		ts.Check(err)
		ts.Defer(srv.Close)
		ts.Setenv(envName, srv.URL)
	case "web-tls":
		srv := httptest.NewTLSServer(emulate.Web())
		ts.Defer(srv.Close)
		ts.Setenv(envName, srv.URL)
		pem := certPEM(srv.Certificate().Raw)
		ts.Check(os.WriteFile(filepath.Join(ts.Getenv("WORK"), "ca.pem"), pem, 0o600))
	case "itgrix":
		c := ""
		if len(args) > 1 {
			c = args[1]
		}
		emu, err := emulate.NewItgrix(c)
		ts.Check(err)
		srv, err := emulate.Serve(emu)
		ts.Check(err)
		ts.Defer(srv.Close)
		ts.Setenv(envName, srv.URL)
		ts.Setenv("ITGRIX_PORT", srv.Addr[strings.LastIndex(srv.Addr, ":")+1:])
	case "pexip", "pexip-maintenance", "pexip-overloaded", "pexip-release-fails", "pexip-hang", "pexip-tls", "not-pexip":
		emulatePexip(ts, name, envName)
	case "kaleyra":
		srv, err := emulate.Serve(emulate.Kaleyra(emulate.KaleyraAPIKey))
		ts.Check(err)
		ts.Defer(srv.Close)
		ts.Setenv(envName, srv.URL)
		ts.Setenv("KALEYRA_API_KEY", emulate.KaleyraAPIKey)
	case "receiver":
		emulateReceiver(ts, name, envName)
	default:
		if strings.HasPrefix(name, "receiver-") {
			emulateReceiver(ts, name, envName)
			return
		}
		ts.Fatalf("emulate: unknown emulator %q", name)
	}
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
