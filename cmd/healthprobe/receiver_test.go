package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/healthprobe/healthprobe/emulate"
)

// emulateReceiver starts an emulate.Receiver for `emulate receiver` (or
// receiver-NAME): it writes each request to $WORK/NAME/N.txt and N.body and
// answers with the status code in $WORK/NAME.status and the body in
// $WORK/NAME.answer when those files exist. With next set, it records each
// request and hands it to next (another emulator).
func emulateReceiver(ts *testscript.TestScript, name, envName string, next ...http.Handler) {
	work := ts.Getenv("WORK")
	dir := filepath.Join(work, name)
	ts.Check(os.MkdirAll(dir, 0o700))
	rc := &emulate.Receiver{Dir: dir, Status: func() int {
		b, err := os.ReadFile(filepath.Join(work, name+".status"))
		if err != nil {
			return 0
		}
		code, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return code
	}}
	rc.Answer = func() string {
		b, err := os.ReadFile(filepath.Join(work, name+".answer"))
		if err != nil {
			return "received\n"
		}
		return string(b)
	}
	if len(next) > 0 {
		rc.Next = next[0]
	}
	srv, err := emulate.Serve(rc)
	ts.Check(err)
	ts.Defer(srv.Close)
	ts.Setenv(envName, srv.URL)
}

// cmdReceived asserts how many requests a receiver emulator has got:
//
//	received 2                  emulate receiver
//	received 1 receiver-wms     emulate receiver-wms
func cmdReceived(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: received N [receiver-NAME]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("received: %q is not a number", args[0])
	}
	name := "receiver"
	if len(args) == 2 {
		name = args[1]
	}
	files, err := filepath.Glob(filepath.Join(ts.Getenv("WORK"), name, "*.txt"))
	ts.Check(err)
	if len(files) != want {
		ts.Fatalf("%s got %d requests, want %d", name, len(files), want)
	}
}
