package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

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
		if name != "help" && name != "completion" && name != "man" && name != "contrib" && !c.Hidden && len(cases[name]) == 0 {
			t.Errorf("subcommand %q has no command lines in secretCases: add some that set its secrets", name)
		}
	}
	forms := secretForms()
	scan := func(name string, args []string, vars map[string]string, forms []string) {
		variants := [][]string{{"-vvv", "--output", "nagios"}, {"-vvv", "--output", "json"}}
		switch name {
		case "run":
			variants = [][]string{{"-vvv"}} // run's formats are in its command lines
		case "demo":
			variants = [][]string{{}} // it has one, and no -v
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

// The secrets of TestSecretsInEveryForm: characters that every encoding
// changes (a pipe, quotes, markup, a slash, a plus, a line break), secrets
// a server issues, and those of a proxy and a sink.
const (
	secNastyPassword = "n4sty|pa\"ss<w&rd>'/\nline-2+x" // --password-env: a line break too
	secNastyBearer   = `b3arer|"<&>/tok+en`             // header-safe: no line break
	secNastyKey      = `k3y&<x>"/+=y-api`               // a Kaleyra key the server echoes XML-escaped
	secNastyPIN      = "90817263"
	secIssuedCookie  = "srv-cookie-5d8e1f"
	secIssuedToken   = "srv-token-a71c09"
	secIssuedCall    = "pexemu-quoted-call-token-0e4d"
	secProxyPassword = "proxy-pass|3e91"
	secURLPassword2  = "urlpw<&>9d2c"
	secQueryKey      = "q-api&key=4c7b"
	secQuerySig      = "q-sig/9a1e"
	secSinkPassword  = "sink-pass\"0f3a"
	secSinkHeader    = "sink-hdr-tok-7b2e"
	secSinkQuery     = "sink-q-tok-61d0"
)

// echoForms are the forms a server writes a secret back in: as given,
// URL-escaped (query and path, upper and lower-case hex), JSON-escaped
// (Go's encoder, without HTML escapes, with \/), XML- and HTML-escaped.
// Written with the standard library, not with the redactor's own list.
func echoForms(s string) []string {
	goJSON, _ := json.Marshal(s)
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	var x strings.Builder
	_ = xml.EscapeText(&x, []byte(s))
	inner := func(q string) string { return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(q), `"`), `"`) }
	lowerHex := regexp.MustCompile(`%[0-9A-F]{2}`)
	return []string{
		s, url.QueryEscape(s), lowerHex.ReplaceAllStringFunc(url.QueryEscape(s), strings.ToLower), url.PathEscape(s),
		inner(string(goJSON)), inner(plain.String()), strings.ReplaceAll(inner(string(goJSON)), "/", `\/`),
		x.String(), html.EscapeString(s),
		strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s),
	}
}

// shownForms are the forms a secret must never take in what healthprobe
// writes: every echoForm, each as a plugin line shows it (white space
// folded to one space, a pipe as ¦) and quoted as Go's %q writes that.
func shownForms(s string) []string {
	var out []string
	for _, f := range echoForms(s) {
		line := strings.ReplaceAll(strings.Join(strings.Fields(f), " "), "|", "¦")
		q := strconv.Quote(line)
		out = append(out, f, line, q[1:len(q)-1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// echoServer answers with every secret a request carries (its Authorization
// and Proxy-Authorization values and the login in them, its X-Api-Key,
// Cookie, Pin and Token headers and its query values), written in every
// echoForm, and issues secrets of its own (a cookie and a credential
// header, echoed in the body too). GET /MODE/... picks the answer:
//
//	text     a text page that starts with a secret at byte 50 (an excerpt
//	         of 60 characters cuts it), then all the others
//	json     {"status":"down","echo":"...", ...}: jq quotes its values
//	xml      a Kaleyra API error whose message holds the secrets
//	reason   a 403 whose reason phrase holds the first secret
//	all      the text page with every secret of the test (a batch check
//	         that carries none of them)
//	hook     a sink: the body is kept (events) and the answer is a 500
//	         whose reason phrase holds the secrets the request carried
//
// and, as a Pexip node, request_token for alias "refuse" is a 403 that
// quotes the PIN and a token, for "grant" a call whose release is refused
// with the token and the PIN quoted.
type echoServer struct {
	mu     sync.Mutex
	events []string
	all    []string
}

func (e *echoServer) carried(r *http.Request) []string {
	var out []string
	for _, h := range []string{"Authorization", "Proxy-Authorization"} {
		v := r.Header.Get(h)
		if v == "" {
			continue
		}
		out = append(out, v)
		scheme, cred, _ := strings.Cut(v, " ")
		out = append(out, cred)
		if strings.EqualFold(scheme, "basic") {
			if b, err := base64.StdEncoding.DecodeString(cred); err == nil {
				_, pw, _ := strings.Cut(string(b), ":")
				out = append(out, pw)
			}
		}
	}
	for _, h := range []string{"X-Api-Key", "Pin", "Token"} {
		if v := r.Header.Get(h); v != "" {
			out = append(out, v)
		}
	}
	for _, c := range r.Cookies() {
		out = append(out, c.Value)
	}
	q := r.URL.Query()
	for _, k := range slices.Sorted(maps.Keys(q)) {
		out = append(out, q[k]...)
	}
	return out
}

func (e *echoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secrets := e.carried(r)
	mode, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if mode == "all" {
		secrets = e.all
	}
	if strings.HasPrefix(r.URL.Path, "/api/client/v2/") {
		e.pexip(w, r, secrets)
		return
	}
	w.Header().Add("Set-Cookie", "sid="+secIssuedCookie+"; Path=/; HttpOnly")
	w.Header().Set("X-Auth-Token", secIssuedToken)
	secrets = append(secrets, secIssuedCookie, secIssuedToken)
	var all []string
	for _, s := range secrets {
		all = append(all, echoForms(s)...)
	}
	first := strings.Repeat("a", 50) + " " + strings.ReplaceAll(secrets[0], "\n", " ")
	switch mode {
	case "json":
		w.Header().Set("Content-Type", "application/json")
		b, _ := json.Marshal(map[string]any{"status": "down", "echo": secrets[0], "forms": strings.Join(all, " ")})
		_, _ = w.Write(b)
	case "xml":
		var x strings.Builder
		_ = xml.EscapeText(&x, []byte(strings.Join(append([]string{secrets[0]}, all...), " ")))
		_, _ = io.WriteString(w, "<api><status>E101</status><message>Invalid API key "+x.String()+"</message></api>")
	case "reason", "hook":
		if mode == "hook" {
			body, _ := io.ReadAll(r.Body)
			e.mu.Lock()
			e.events = append(e.events, string(body))
			e.mu.Unlock()
		}
		rawAnswer403(w, strings.Join(secrets, " "))
	default:
		_, _ = io.WriteString(w, first+"\n"+strings.Join(all, "\n"))
	}
}

// rawAnswer403 answers 403 with a reason phrase of its own (net/http
// writes the standard one), one line of it.
func rawAnswer403(w http.ResponseWriter, reason string) {
	c, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer c.Close()
	reason = strings.NewReplacer("\r", " ", "\n", " ").Replace(reason)
	fmt.Fprintf(buf, "HTTP/1.1 403 %s\r\nSet-Cookie: sid=%s\r\nX-Auth-Token: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		reason, secIssuedCookie, secIssuedToken)
	_ = buf.Flush()
}

func (e *echoServer) pexip(w http.ResponseWriter, r *http.Request, secrets []string) {
	w.Header().Set("Content-Type", "application/json")
	quoted := strings.Join(secrets, " ")
	switch {
	case strings.HasSuffix(r.URL.Path, "/refuse/request_token"):
		w.WriteHeader(http.StatusForbidden)
		b, _ := json.Marshal(map[string]any{"status": "failed", "result": map[string]any{
			"token": secIssuedCall, "reason": "refused " + quoted + " for " + secIssuedCall}})
		_, _ = w.Write(b)
	case strings.HasSuffix(r.URL.Path, "/request_token"):
		b, _ := json.Marshal(map[string]any{"status": "success", "result": map[string]any{
			"token": secIssuedCall, "expires": "120", "role": "HOST", "display_name": "x",
			"conference_name": secIssuedCall + " " + quoted}})
		_, _ = w.Write(b)
	case strings.HasSuffix(r.URL.Path, "/release_token"):
		w.WriteHeader(http.StatusForbidden)
		b, _ := json.Marshal(map[string]any{"status": "failed", "result": "cannot release " + quoted})
		_, _ = w.Write(b)
	default:
		http.NotFound(w, r)
	}
}

// Every secret of section 3 of issue 12, in every form a server may send it
// back in, on every way out: stdout (nagios, json, prometheus), stderr at
// -v and -vvv, state and outbox files (last_error too), the events a sink
// receives; in a batch, every check's output with the secrets of all;
// an identity from a URL without a scheme. No form, and no head of one
// cut by an ellipsis, ever shows.
func TestSecretsInEveryForm(t *testing.T) {
	if testing.Short() {
		t.Skip("runs many checks")
	}
	echo := &echoServer{}
	srv := httptest.NewServer(echo)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	kal := serveEmulator(t, emulate.Kaleyra(emulate.KaleyraAPIKey))
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "state")
	vars := map[string]string{
		"NASTY_PW": secNastyPassword, "NASTY_BEARER": secNastyBearer, "NASTY_KEY": secNastyKey, "PIN": secNastyPIN,
		"SINK_PW": secSinkPassword, "WEB_PW": emulate.WebPassword,
	}
	sinkConfig := filepath.Join(dir, "sinks.yaml")
	writeFile(t, sinkConfig, fmt.Sprintf(`sinks:
  - name: hook
    url: %s/hook?token=%s
    username: hp
    password_env: SINK_PW
    headers: {X-Api-Key: %s}
`, srv.URL, url.QueryEscape(secSinkQuery), secSinkHeader))
	plain := []string{secNastyPassword, secNastyBearer, secNastyKey, secNastyPIN, secIssuedCookie, secIssuedToken,
		secIssuedCall, secProxyPassword, secURLPassword2, secQueryKey, secQuerySig, secSinkPassword, secSinkHeader,
		secSinkQuery, emulate.KaleyraAPIKey, emulate.WebPassword}
	echo.all = []string{secNastyPassword, secNastyBearer, secNastyKey, emulate.KaleyraAPIKey, emulate.WebPassword}
	var forms []string
	for _, s := range plain {
		forms = append(forms, shownForms(s)...)
	}
	for _, login := range []string{"demo:" + secNastyPassword, "proxy:" + secProxyPassword, "demo:" + secURLPassword2,
		"hp:" + secSinkPassword, "demo:" + emulate.WebPassword} {
		forms = append(forms, base64.StdEncoding.EncodeToString([]byte(login)))
	}
	batch := filepath.Join(dir, "checks.yaml")
	writeFile(t, batch, fmt.Sprintf(`checks:
  - {name: mirror, kind: http, url: %[1]s/all/page, keyword: nomatch}
  - {name: basic, kind: http, url: %[1]s/text, user: demo, password_env: NASTY_PW, auth: basic, keyword: nomatch}
  - {name: bearer, kind: http, url: %[1]s/json, bearer_env: NASTY_BEARER, jq: [{expr: .echo, equals: x}]}
  - {name: kaleyra, kind: kaleyra, url: %[2]s/v1/, api_key_env: NASTY_KEY}
  - {name: web, kind: http, url: %[2]s/v1/, user: demo, password: %[3]s, auth: basic}
`, srv.URL, kal, emulate.WebPassword))
	cases := [][]string{
		// a password with a pipe, quotes, markup and a line break, sent as
		// Basic and echoed in every form; the first one cut by the excerpt
		{"http", srv.URL + "/text", "-u", "demo", "--password-env", "NASTY_PW", "--auth", "basic", "-s", "nomatch"},
		// a bearer token and an API key header, echoed in JSON that jq quotes
		{"http", srv.URL + "/json", "--bearer-env", "NASTY_BEARER", "-H", "X-Api-Key: " + secNastyBearer,
			"--jq", ".echo", "--jq-equals", "x", "--jq", ".forms", "--jq-equals", "x"},
		// cookies the server sets and a credential header it issues, quoted by --header-match
		{"http", srv.URL + "/text", "--header-match", "Set-Cookie: ^nomatch$", "--header-match", "X-Auth-Token: ^nomatch$", "-H", "Cookie: a=" + secIssuedCookie},
		// credentials in a URL without a scheme: userinfo and secret-looking
		// query values; the state file's identity must not hold them
		{"http", "demo:" + url.PathEscape(secURLPassword2) + "@" + host + "/text?api_key=" + url.QueryEscape(secQueryKey) +
			"&sig=" + url.QueryEscape(secQuerySig), "-s", "nomatch", "--state-dir", stateDir},
		// a proxy's password, echoed by the proxy (the echo server)
		{"http", "http://example.invalid/text", "--proxy", "http://proxy:" + url.QueryEscape(secProxyPassword) + "@" + host, "-s", "nomatch"},
		// a reason phrase that holds the secrets
		{"http", srv.URL + "/reason?token=" + url.QueryEscape(secQueryKey), "-H", "X-Api-Key: " + secNastyBearer},
		// an API key echoed XML-escaped
		{"kaleyra", "--url", srv.URL + "/xml/v1/", "--api-key-env", "NASTY_KEY"},
		// a Pexip token and the PIN quoted in a refusal, and in a refused release
		{"pexip", srv.URL, "--alias", "refuse", "--pin-env", "PIN"},
		{"pexip", srv.URL, "--alias", "grant", "--pin-env", "PIN"},
		// a sink that fails with the secrets in its answer: the outbox keeps
		// last_error, the events it received are scanned
		{"http", srv.URL + "/text", "-u", "demo", "--password-env", "NASTY_PW", "-s", "nomatch", "--state-dir", stateDir,
			"--notify-config", sinkConfig, "-t", "2"},
		{"http", srv.URL + "/reason", "--state-dir", stateDir, "--name", "reasons",
			"--notify", "http://hp:" + url.QueryEscape(secSinkPassword) + "@" + host + "/hook?token=" + url.QueryEscape(secSinkQuery), "-t", "2"},
		{"notify", "flush", "--state-dir", stateDir, "--notify-config", sinkConfig, "-t", "2"},
		// a batch: every check's output is redacted with every check's secrets
		{"run", "-c", batch},
		{"run", "-c", batch, "--output", "json"},
		{"run", "-c", batch, "--output", "prometheus"},
		{"run", "-c", batch, "--dry-run"},
	}
	for _, args := range cases {
		for _, v := range []string{"-v", "-vvv"} {
			for _, format := range []string{"nagios", "json"} {
				full := append(slices.Clone(args), v)
				if args[0] != "run" {
					full = append(full, "--output", format)
				} else if format == "json" {
					continue
				}
				code, out, errOut := runArgs(t, vars, full...)
				if code < 0 || code > 3 {
					t.Errorf("%q: exit %d", full, code)
				}
				if line1, _, _ := strings.Cut(out, "\n"); (args[0] == "http" || args[0] == "pexip") && strings.Contains(line1, "UNKNOWN - ") {
					t.Errorf("%q did not run:\n%s", full, out)
				}
				checkNoSecret(t, fmt.Sprintf("%q stdout", full), out, forms)
				checkNoSecret(t, fmt.Sprintf("%q stderr", full), errOut, forms)
			}
		}
	}
	echo.mu.Lock()
	events := slices.Clone(echo.events)
	echo.mu.Unlock()
	if len(events) == 0 {
		t.Error("no event reached the sink: the test proves nothing about events")
	}
	for i, ev := range events {
		checkNoSecret(t, fmt.Sprintf("event %d", i), ev, forms)
	}
	entries, _ := filepath.Glob(filepath.Join(stateDir, "outbox", "*", "*.json"))
	lastError := false
	for _, e := range entries {
		b, _ := os.ReadFile(e)
		lastError = lastError || strings.Contains(string(b), `"last_error"`)
	}
	if !lastError {
		t.Errorf("no outbox entry with a last_error in %s: the test proves nothing about it", stateDir)
	}
	states, _ := filepath.Glob(filepath.Join(stateDir, "checks", "*.json"))
	identity := false
	for _, s := range states {
		b, _ := os.ReadFile(s)
		identity = identity || strings.Contains(string(b), `"identity": "http demo:[redacted]@`+host)
	}
	if !identity {
		t.Errorf("no state file has the identity of the URL without a scheme, redacted")
	}
	scanStateDir(t, stateDir, forms)
	scanCuts(t, stateDir, forms)
}

// checkNoSecret fails when text holds a form of a secret, or the head of
// one (three bytes or more) right before an ellipsis: a text cut short.
func checkNoSecret(t *testing.T, what, text string, forms []string) {
	t.Helper()
	for _, f := range forms {
		if strings.Contains(text, f) {
			t.Errorf("%s shows %q:\n%s", what, f, text)
			return
		}
		for k := 3; k < len(f); k++ {
			if utf8.RuneStart(f[k]) && strings.Contains(text, f[:k]+"…") {
				t.Errorf("%s shows the head %q of %q before an ellipsis:\n%s", what, f[:k], f, text)
				return
			}
		}
	}
}

// scanCuts checks every file under dir for the head of a form before an
// ellipsis.
func scanCuts(t *testing.T, dir string, forms []string) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err == nil {
			checkNoSecret(t, path, string(b), forms)
		}
		return nil
	})
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
