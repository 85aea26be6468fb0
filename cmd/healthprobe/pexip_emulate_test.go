package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/healthprobe/healthprobe/emulate"
)

// emulatePexip starts a Pexip emulator for a script and sets envName to its
// base URL. GET $URL/emulator/tokens tells how many tokens were issued,
// released and left outstanding.
//
//	pexip-maintenance    in maintenance mode: status and request_token answer 503
//	pexip-overloaded     status 200, but request_token answers 503
//	pexip-release-fails  release_token answers 500, so tokens stay outstanding
//	pexip-hang           request_token never answers
//	pexip-tls            a node in service over TLS; writes its CA to $WORK/pexip-ca.pem
//	                     and sets PEXIP_TLS_ADDR to its host:port
//	not-pexip            a web server that is not a Pexip node (404 HTML everywhere)
func emulatePexip(ts *testscript.TestScript, name, envName string) {
	var h http.Handler = emulate.NewPexip()
	switch p := h.(*emulate.Pexip); name {
	case "pexip-maintenance":
		p.SetMaintenance(true)
	case "pexip-overloaded":
		p.FailRequestToken(http.StatusServiceUnavailable)
	case "pexip-release-fails":
		p.FailRelease(http.StatusInternalServerError)
	case "pexip-hang":
		p.FailRequestToken(emulate.Hang)
	case "not-pexip":
		h = emulate.NotPexip()
	case "pexip-tls":
		srv := httptest.NewTLSServer(h)
		ts.Defer(srv.Close)
		ts.Setenv(envName, srv.URL)
		ts.Setenv("PEXIP_TLS_ADDR", srv.Listener.Addr().String())
		pem := certPEM(srv.Certificate().Raw)
		ts.Check(os.WriteFile(filepath.Join(ts.Getenv("WORK"), "pexip-ca.pem"), pem, 0o600))
		return
	}
	srv, err := emulate.Serve(h)
	ts.Check(err)
	ts.Defer(srv.Close)
	ts.Setenv(envName, srv.URL)
}
