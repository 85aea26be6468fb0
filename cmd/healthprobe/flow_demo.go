package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/examples"
	"github.com/healthprobe/healthprobe/nagios"
)

// flowDemo runs the flows of examples/flows (those of docs/flow.md)
// against the login API emulator. The demo writes the emulator's address
// in place of ${APP_URL}; ${APP_PASSWORD} is left to healthprobe, which
// reads it from the environment, as a secret.
func flowDemo(vars map[string]string) ([]demoCase, func(), error) {
	srv, err := emulate.Serve(emulate.NewLoginAPI())
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "healthprobe-demo-")
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	stop := func() {
		srv.Close()
		os.RemoveAll(dir)
	}
	vars["APP_PASSWORD"] = emulate.LoginPassword
	write := func(name, text string) (string, error) {
		filled := strings.ReplaceAll(text, "${APP_URL}", srv.URL)
		path := filepath.Join(dir, name)
		return path, os.WriteFile(path, []byte(filled), 0o600)
	}
	files := map[string]string{}
	for _, name := range []string{"token.yaml", "cookie.yaml", "items.yaml"} {
		text, err := examples.Flows.ReadFile("flows/" + name)
		if err == nil {
			files[name], err = write(name, string(text))
		}
		if err != nil {
			stop()
			return nil, nil, err
		}
	}
	token, _ := examples.Flows.ReadFile("flows/token.yaml")
	failing, err := write("failing.yaml", strings.Replace(string(token), "/api/orders?limit=1", "/api/orders?fail=1", 1))
	if err != nil {
		stop()
		return nil, nil, err
	}
	show := func(name string) []string { return []string{"flow", "examples/flows/" + name} }
	return []demoCase{
		{"log in to a JSON API (the password from the environment), carry the token, check the orders, log out",
			[]string{"flow", files["token.yaml"]}, nagios.OK, show("token.yaml")},
		{"log in through a form: the session cookie goes with every later step",
			[]string{"flow", files["cookie.yaml"]}, nagios.OK, show("cookie.yaml")},
		{"create a resource, read it back by its id, delete it (always)",
			[]string{"flow", files["items.yaml"]}, nagios.OK, show("items.yaml")},
		{"the orders fail: line 1 names the step, the logout still runs",
			[]string{"flow", failing}, nagios.Critical, []string{"flow", "failing.yaml"}},
	}, stop, nil
}
