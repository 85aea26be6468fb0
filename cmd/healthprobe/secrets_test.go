package main

import (
	"encoding/base64"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/healthprobe/healthprobe/emulate"
)

// Secrets never show: every subcommand runs at -vvv, in every output
// format, with every kind of secret set (passwords, a PIN, an API key, a
// bearer token, credential headers, a password in the URL), against the
// emulators, right and wrong; stdout, stderr and, when this tree has a
// --state-dir flag, every file written under it are scanned for each
// secret in every form it travels in.

// The secrets of the test: each must never be seen.
const (
	secWrongPassword = "wr0ng-pass-7a1c"
	secBearer        = "bearer-tok-93b2e"
	secHeaderToken   = "hdr-auth-tok-55d1"
	secAPIKeyHeader  = "x-api-key-4f0e9"
	secCookie        = "cookie-sess-8c2a"
	secURLPassword   = "url-pass-61f3"
	secQueryToken    = "query-tok-2b7d"
	secWrongPIN      = "4417009"
	secWrongKey      = "wrong-kaleyra-key-9e"
	secHeaderEnv     = "hdr-env-val-3a9c"
	secHeaderFile    = "hdr-file-val-7d21"
	secOAuthWrong    = "oauth-wrong-6b0f"
	secJarCookie     = "jar-cookie-val-2e8a"
	secKumaToken     = "kumaTok5e8d21"
	secWrongKuma     = "kumaWrong77c3"
	secHCUUID        = "9b1d2c3e-4f50-4a61-8b72-c3d4e5f60a1b"
	secHCPingKey     = "hcPingKey31a9"
	secFlowKey       = "flow-api-key-5d3e"
)

// secretsFiles writes the secret files and returns their directory.
func secretsFiles(t *testing.T) string {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"web.pw":       emulate.WebPassword + "\n",
		"wrong.pw":     secWrongPassword + "\r\n",
		"itgrix.pw":    emulate.ItgrixPassword + "\n",
		"guest.pin":    emulate.PexipGuestPIN + "\n",
		"kaleyra.key":  emulate.KaleyraAPIKey + "\n",
		"header.val":   secHeaderFile + "\n",
		"oauth.secret": emulate.WebOAuthSecret + "\n",
		"app.cookies":  "127.0.0.1\tFALSE\t/\tFALSE\t0\tsaved\t" + secJarCookie + "\n",
		"manager.pw":   emulate.PexipManagerPassword + "\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// secretForms is every secret in the forms it is sent in: as given, URL
// encoded, inside a basic Authorization header.
func secretForms() []string {
	plain := []string{
		emulate.WebPassword, emulate.ItgrixPassword, emulate.PexipHostPIN, emulate.PexipGuestPIN, emulate.KaleyraAPIKey,
		secWrongPassword, secBearer, secHeaderToken, secAPIKeyHeader, secCookie, secURLPassword, secQueryToken,
		secWrongPIN, secWrongKey, secKumaToken, secWrongKuma, secHCUUID, secHCPingKey,
		emulate.PexipTokenPrefix, // every call token the Pexip emulator issues starts with it
		secHeaderEnv, secHeaderFile, secOAuthWrong, secJarCookie,
		emulate.WebOAuthSecret, emulate.WebOAuthToken, // the token is learnt during the run
		emulate.WebSession, // a cookie the server sets, saved to --cookie-jar
		emulate.PexipManagerPassword,
		// what the Management Node's configuration list holds for each node
		emulate.PexipFleetSNMPCommunity, emulate.PexipFleetNodePassword,
		// a flow's: the login's password from ${LOGIN_PASSWORD}, every token
		// and session id the login API issues, a ${...KEY} sent in a header
		emulate.LoginPassword, emulate.LoginTokenPrefix, emulate.LoginSessionPrefix, secFlowKey,
	}
	var forms []string
	for _, s := range plain {
		forms = append(forms, s)
		if q := url.QueryEscape(s); q != s {
			forms = append(forms, q)
		}
	}
	for _, login := range []string{emulate.WebUser + ":" + emulate.WebPassword, emulate.WebUser + ":" + secWrongPassword,
		emulate.ItgrixUser + ":" + emulate.ItgrixPassword, "demo:" + secURLPassword,
		emulate.PexipManagerUser + ":" + emulate.PexipManagerPassword, emulate.PexipManagerUser + ":" + secWrongPassword} {
		forms = append(forms, base64.StdEncoding.EncodeToString([]byte(login)))
	}
	return forms
}

// secretCases returns the command lines of each subcommand, each run with
// every output format it has.
func secretCases(t *testing.T, dir string) map[string][][]string {
	web, itgrixEmu, pexipEmu, kaleyraEmu := serveEmulator(t, emulate.Web()), serveItgrix(t), serveEmulator(t, emulate.NewPexip()),
		serveEmulator(t, emulate.Kaleyra(emulate.KaleyraAPIKey))
	webHost := strings.TrimPrefix(web, "http://")
	manager, err := emulate.NewPexipManager(emulate.FleetAlarmsEachLevel) // its alarms need the configuration list
	if err != nil {
		t.Fatal(err)
	}
	fleetEmu := serveEmulator(t, manager)
	fleetLogin := []string{"pexip-fleet", fleetEmu, "-u", emulate.PexipManagerUser}
	fleetCalls := []string{"--test-call", emulate.PexipTestCall, "--node-url", fleetEmu + "/nodes/{hostname}"}
	kumaEmu, hcEmu := emulate.NewUptimeKuma(), emulate.NewHealthchecks()
	kumaEmu.AddMonitor(secKumaToken, true)
	hcEmu.AddCheck(secHCUUID, secHCPingKey, "web")
	kuma, hc := serveEmulator(t, kumaEmu), serveEmulator(t, hcEmu)
	loginAPI := serveEmulator(t, emulate.NewLoginAPI())
	flows := secretFlows(t, dir, loginAPI)
	batch := filepath.Join(dir, "checks.yaml")
	err = os.WriteFile(batch, fmt.Appendf(nil, `checks:
  - {name: web, kind: http, url: %[1]s/secure, user: demo, password_env: WEB_PW}
  - {name: web-wrong, kind: http, url: %[1]s/basic, user: demo, password: %[2]s}
  - {name: bearer, kind: http, url: %[1]s/ready, bearer_env: BEARER, header: ["X-Api-Key: %[3]s"]}
  - {name: itgrix, kind: itgrix, host: %[4]s, user: admin, password_file: %[5]s}
  - {name: pexip, kind: pexip, node: %[6]s, alias: %[7]s, pin_env: PIN}
  - {name: pexip-wrong, kind: pexip, node: %[6]s, alias: %[7]s, pin: "%[8]s"}
  - {name: kaleyra, kind: kaleyra, url: %[9]s/v1/, api_key_env: KALEYRA_KEY}
  - {name: kaleyra-wrong, kind: kaleyra, url: %[9]s/v1/, api_key: %[10]s, format: json}
  - {name: oauth, kind: http, url: %[1]s/oauth/api, oauth2-token-url: %[1]s/oauth/token, oauth2-client-id: demo-client, oauth2_client_secret_env: OAUTH_PW}
  - {name: header-env, kind: http, url: %[1]s/ready, header-env: ["X-Env: HDR_ENV"]}
  - {name: pushed, kind: http, url: %[1]s/ready, push: ["uptime-kuma=%[11]s/api/push/%[12]s", "healthchecks=%[13]s/%[14]s"]}
  - {name: fleet, kind: pexip-fleet, manager: %[15]s, user: monitor, password_file: %[16]s, test_call: %[17]s, node_url: "%[15]s/nodes/{hostname}", pin_env: PIN}
  - {name: fleet-wrong, kind: pexip-fleet, manager: %[15]s, user: monitor, password: %[2]s}
  - {name: flow-file, kind: flow, file: echo.yaml}
  - name: flow-inline
    kind: flow
    steps:
      - {name: login, method: POST, url: "%[18]s/api/login", json: {user: monitor, password: "${LOGIN_PASSWORD}"}, extract: {token: .access_token}}
      - {name: whoami, url: "%[18]s/api/whoami", header: ["Authorization: Bearer {{token}}"], keyword: absent}
`, web, secWrongPassword, secAPIKeyHeader, itgrixEmu, filepath.Join(dir, "itgrix.pw"), pexipEmu, emulate.PexipPINRoom,
		secWrongPIN, kaleyraEmu, secWrongKey, kuma, secKumaToken, hc, secHCUUID,
		fleetEmu, filepath.Join(dir, "manager.pw"), emulate.PexipTestCall, loginAPI), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	return map[string][][]string{
		"http": {
			{"http", web + "/secure", "-u", emulate.WebUser, "--password-env", "WEB_PW", "-s", "welcome"},
			{"http", web + "/secure", "-u", emulate.WebUser, "--password", secWrongPassword},
			{"http", web + "/basic", "-u", emulate.WebUser, "--password-file", filepath.Join(dir, "web.pw"), "--auth", "basic"},
			{"http", web + "/basic", "-u", emulate.WebUser, "--password-file", filepath.Join(dir, "wrong.pw")},
			{"http", web + "/json", "--bearer-env", "BEARER", "-H", "X-Api-Key: " + secAPIKeyHeader, "-H", "Cookie: s=" + secCookie,
				"--jq", ".status", "--jq-equals", "up"},
			{"http", web + "/ready", "-H", "Authorization: Bearer " + secHeaderToken, "-s", "ready"},
			{"http", "http://demo:" + secURLPassword + "@" + webHost + "/basic?token=" + secQueryToken},
			{"http", web + "/loop", "-u", emulate.WebUser, "--password-env", "WEB_PW", "--bearer-env", "BEARER"},
			// a secret the page itself holds is masked too, should it be quoted
			{"http", web + "/ready", "-u", emulate.WebUser, "--password", secWrongPassword, "-s", secWrongPassword},
			// header values from the environment and files; an OAuth2 secret and the token it buys
			{"http", web + "/ready", "--header-env", "X-Env: HDR_ENV", "--header-file", "X-File: " + filepath.Join(dir, "header.val"),
				"-s", secHeaderEnv, "-s", secHeaderFile},
			{"http", web + "/oauth/api", "--oauth2-token-url", web + "/oauth/token", "--oauth2-client-id", emulate.WebOAuthClient,
				"--oauth2-client-secret-file", filepath.Join(dir, "oauth.secret")},
			{"http", web + "/oauth/api", "--oauth2-token-url", web + "/oauth/token", "--oauth2-client-id", emulate.WebOAuthClient,
				"--oauth2-client-secret", secOAuthWrong},
			// cookies read from and written to --cookie-jar
			{"http", web + "/login", "--cookie-jar", filepath.Join(dir, "app.cookies"), "-s", secJarCookie},
			// push URLs: their tokens, UUIDs and ping keys are secrets, accepted or refused
			{"http", web + "/ready", "--push", "uptime-kuma=" + kuma + "/api/push/" + secKumaToken + "?status=up&msg=OK&ping=",
				"--push", "healthchecks=" + hc + "/ping/" + secHCUUID},
			{"http", web + "/fail", "--name", "wrong-push", "--push", "uptime-kuma=" + kuma + "/api/push/" + secWrongKuma,
				"--push", "healthchecks=" + hc + "/" + secHCPingKey + "/web", "-t", "1"},
		},
		"itgrix": {
			{"itgrix", itgrixEmu, "-u", emulate.ItgrixUser, "--password-env", "ITGRIX_PW"},
			{"itgrix", itgrixEmu, "-u", emulate.ItgrixUser, "--password-file", filepath.Join(dir, "wrong.pw")},
			{"itgrix", itgrixEmu, "-u", emulate.ItgrixUser, "--password-file", filepath.Join(dir, "itgrix.pw"), "--path", "license.type",
				"--jq", ".", "--jq-equals", "Professional"},
		},
		"pexip": {
			{"pexip", pexipEmu, "--alias", emulate.PexipTestCall, "--jq", ".result.role", "--jq-equals", "HOST"},
			{"pexip", pexipEmu, "--alias", emulate.PexipPINRoom, "--pin-env", "PIN"},
			{"pexip", pexipEmu, "--alias", emulate.PexipPINRoom, "--pin", secWrongPIN},
			{"pexip", pexipEmu, "--alias", emulate.PexipPINRoom, "--pin-file", filepath.Join(dir, "guest.pin")},
			{"pexip", pexipEmu, "--alias", emulate.PexipTestCall, "--no-release"},
		},
		"pexip-fleet": {
			append(slices.Clone(fleetLogin), "--password-env", "FLEET_PW"),
			append(append(slices.Clone(fleetLogin), "--password-file", filepath.Join(dir, "manager.pw")), fleetCalls...),
			append(slices.Clone(fleetLogin), "--password", secWrongPassword),
			append(append(slices.Clone(fleetLogin), "--password-env", "FLEET_PW", "--jq", ".nodes[0].configuration", "--pin-env", "PIN",
				"--bearer-env", "BEARER", "-H", "X-Api-Key: "+secAPIKeyHeader), fleetCalls...),
			append(append(slices.Clone(fleetLogin), "--password-env", "FLEET_PW", "--pin", secWrongPIN, "--jq", ".alarms"), fleetCalls...),
			append(append(slices.Clone(fleetLogin), "--password-env", "FLEET_PW", "--pin-file", filepath.Join(dir, "guest.pin")), fleetCalls...),
			{"pexip-fleet", "http://" + emulate.PexipManagerUser + ":" + secURLPassword + "@" + strings.TrimPrefix(fleetEmu, "http://")},
		},
		"kaleyra": {
			{"kaleyra", "--url", kaleyraEmu + "/incidents/v1/", "--api-key-env", "KALEYRA_KEY"},
			{"kaleyra", "--url", kaleyraEmu + "/v1/", "--api-key-file", filepath.Join(dir, "kaleyra.key"), "--format", "json", "--jq", ".status"},
			{"kaleyra", "--url", kaleyraEmu + "/v1/", "--api-key", secWrongKey},
			{"kaleyra", "--url", kaleyraEmu + "/html/v1/", "--api-key-env", "KALEYRA_KEY"},
		},
		"run": {
			{"run", "-c", batch},
			{"run", "-c", batch, "--dry-run"},
			{"run", "-c", batch, "--output", "json"},
			{"run", "-c", batch, "--output", "prometheus"},
		},
		"flow": {
			{"flow", flows["echo.yaml"]},
			{"flow", flows["query.yaml"]},
			{"flow", flows["cookie.yaml"]},
			{"flow", flows["wrong.yaml"]},
		},
		"demo": {
			{"demo"},
		},
		"notify": {
			{"notify", "test", "--notify", "http://demo:" + secURLPassword + "@" + webHost + "/hook?token=" + secQueryToken},
			{"notify", "flush", "--notify", "http://demo:" + secURLPassword + "@" + webHost + "/hook"},
			{"notify", "verify", "--token", secWrongPassword},
			{"notify", "test", "--push", "uptime-kuma=" + kuma + "/api/push/" + secWrongKuma, "--push", "healthchecks=" + hc + "/" + secHCUUID},
		},
	}
}

// secretFlows writes flows against the login API that put every secret a
// flow has where a server sends it back: a token echoed in a body quoted by
// a failed keyword, a token in a URL's query, a session cookie, a password
// and a key from the environment, a wrong password.
func secretFlows(t *testing.T, dir, api string) map[string]string {
	login := `  - {name: login, method: POST, url: "` + api + `/api/login", json: {user: monitor, password: "${LOGIN_PASSWORD}"}, extract: {token: .access_token}}
`
	logout := `  - {name: logout, always: true, method: POST, url: "` + api + `/api/logout", header: ["Authorization: Bearer {{token}}"]}
`
	flows := map[string]string{
		"echo.yaml": "steps:\n" + login +
			`  - {name: whoami, url: "` + api + `/api/whoami", header: ["Authorization: Bearer {{token}}", "X-Api-Key: ${FLOW_API_KEY}"], keyword: absent}
` + logout,
		"query.yaml": "steps:\n" + login +
			`  - {name: orders, url: "` + api + `/api/orders?token={{token}}&key=${FLOW_API_KEY}", expect-status: 200}
` + logout,
		"cookie.yaml": `steps:
  - {name: login, method: POST, url: "` + api + `/session/login", data: "user=monitor&password=${LOGIN_PASSWORD}", header: ["Content-Type: application/x-www-form-urlencoded"]}
  - {name: me, url: "` + api + `/session/me", keyword: absent, header: ["Cookie: extra=${FLOW_API_KEY}"]}
  - {name: logout, always: true, method: POST, url: "` + api + `/session/logout"}
`,
		"wrong.yaml": `steps:
  - {name: login, method: POST, url: "` + api + `/api/login", json: {user: monitor, password: "` + secWrongPassword + `"}, extract: {token: .access_token}}
` + logout,
	}
	paths := map[string]string{}
	for name, text := range flows {
		paths[name] = filepath.Join(dir, name)
		if err := os.WriteFile(paths[name], []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return paths
}

func serveEmulator(t *testing.T, h http.Handler) string {
	t.Helper()
	srv, err := emulate.Serve(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv.URL
}

func serveItgrix(t *testing.T) string {
	t.Helper()
	e, err := emulate.NewItgrix("stopped")
	if err != nil {
		t.Fatal(err)
	}
	return serveEmulator(t, e)
}

// stateDirFlags returns the subcommands that take a --state-dir flag (or
// inherit one); none in a tree without notification state.
func stateDirFlags() map[string]bool {
	out := map[string]bool{}
	root := newRootCmd(defaultFlags(), newRunState(env{getenv: func(string) string { return "" }}))
	for _, c := range root.Commands() {
		var has bool
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.InheritedFlags()} {
			has = has || fs.Lookup("state-dir") != nil
		}
		if has {
			out[c.Name()] = true
		}
	}
	return out
}

func TestSecretsNeverShownAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo")
	}
	dir := secretsFiles(t)
	vars := map[string]string{
		"WEB_PW": emulate.WebPassword, "ITGRIX_PW": emulate.ItgrixPassword, "PIN": emulate.PexipHostPIN,
		"KALEYRA_KEY": emulate.KaleyraAPIKey, "BEARER": secBearer, "HDR_ENV": secHeaderEnv,
		"OAUTH_PW": emulate.WebOAuthSecret, "FLEET_PW": emulate.PexipManagerPassword,
		"LOGIN_PASSWORD": emulate.LoginPassword, "FLOW_API_KEY": secFlowKey,
	}
	cases := secretCases(t, dir)
	stateDir := filepath.Join(t.TempDir(), "state")
	withState := stateDirFlags()
	if len(withState) == 0 {
		t.Log("no --state-dir flag in this tree: there are no state or outbox files to scan")
	}
	root := newRootCmd(defaultFlags(), newRunState(env{getenv: func(string) string { return "" }}))
	for _, c := range root.Commands() {
		name := c.Name()
		if k, ok := findKind(name); ok && len(k.demo) > 0 {
			continue // its demo's command lines run below
		}
		if name != "help" && name != "completion" && !c.Hidden && len(cases[name]) == 0 {
			t.Errorf("subcommand %q has no command lines in secretCases: add some that set its secrets", name)
		}
	}
	forms := secretForms()
	scan := func(name string, args []string, vars map[string]string, forms []string) {
		variants := [][]string{{"-vvv", "--output", "nagios"}, {"-vvv", "--output", "json"}}
		if name == "run" || name == "demo" {
			variants = [][]string{{"-vvv"}} // run's formats are in its command lines; demo has one
		}
		for _, variant := range variants {
			full := append(slices.Clone(args), variant...)
			if withState[name] {
				full = append(full, "--state-dir", stateDir)
			}
			code, out, errOut := runArgs(t, vars, full...)
			if code < 0 || code > 3 {
				t.Errorf("%q: exit %d", full, code)
			}
			if !strings.Contains(errOut, "> ") && name != "demo" && !slices.Contains(full, "--dry-run") &&
				!slices.Contains(full, "verify") && !slices.Contains(full, "flush") { // these send nothing here
				t.Errorf("%q: -vvv logged no request, so the scan proves little:\n%s", full, errOut)
			}
			for _, s := range forms {
				if strings.Contains(out, s) || strings.Contains(errOut, s) {
					t.Errorf("%q shows the secret %q:\nstdout:\n%s\nstderr:\n%s", full, s, out, errOut)
				}
			}
		}
	}
	for name, lines := range cases {
		for _, args := range lines {
			scan(name, args, vars, forms)
		}
	}
	// every kind's demo, too: the values its demo puts in variables are
	// secrets (passwords, PINs, keys), right and wrong
	for _, k := range kinds {
		for _, sec := range k.demo {
			demoVars := maps.Clone(vars)
			demoCases, stop, err := sec.start(demoVars)
			if err != nil {
				t.Fatal(err)
			}
			demoForms := slices.Clone(forms)
			for name, v := range demoVars {
				if _, ours := vars[name]; !ours {
					demoForms = append(demoForms, v, url.QueryEscape(v))
				}
			}
			for _, c := range demoCases {
				scan(k.name, c.args, demoVars, demoForms)
			}
			stop()
		}
	}
	scanStateDir(t, stateDir, forms)
}

// scanStateDir checks every file under dir: readable by its owner only,
// holding no secret. A tree without --state-dir has no such directory.
func scanStateDir(t *testing.T, dir string, forms []string) {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && path == dir {
				return fs.SkipDir
			}
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			if info.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s: directory mode %v, want no access for group and others", path, info.Mode().Perm())
			}
			return nil
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", path, info.Mode().Perm())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range forms {
			if strings.Contains(string(b), s) {
				t.Errorf("%s holds the secret %q", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}
