package notify

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const yamlConfig = `# every sink shape
sinks:
  - name: ops
    url: https://hooks.example.com/healthprobe
    headers:
      X-Env: prod
    username: healthprobe
    password_env: HOOK_PASSWORD
    connect_timeout: 3s
  - name: wmspanel
    url: https://handler.example.com/offline
    format: wmspanel
    token_file: TOKEN_FILE
  - name: callback-get
    format: template
    method: GET
    url: https://webhook.site/6746153d-cd3f-46db-803f-de5ed1dfdc0b?data={response}
  - name: callback-post
    format: template
    url: https://webhook.site/6746153d-cd3f-46db-803f-de5ed1dfdc0b
    payload: data={response}
  - name: callback-raw
    format: template
    url: https://webhook.site/6746153d-cd3f-46db-803f-de5ed1dfdc0b
    payload: data={response}
    raw: true
    verify_tls: false
    active: false
outbox_cap: 50
outbox_max_age: 1h
`

func TestLoadConfigYAMLAndJSON(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("panel-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	y := filepath.Join(dir, "notify.yaml")
	if err := os.WriteFile(y, []byte(strings.Replace(yamlConfig, "TOKEN_FILE", tokenFile, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	j := filepath.Join(dir, "notify.json")
	js := `{"sinks":[{"name":"ops","url":"https://hooks.example.com/x","connect_timeout":2.5}],"outbox_max_age":"45m"}`
	if err := os.WriteFile(j, []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(y)
	if err != nil {
		t.Fatal(err)
	}
	if c.OutboxCap != 50 || time.Duration(c.OutboxMaxAge) != time.Hour || len(c.Sinks) != 5 {
		t.Fatalf("%+v", c)
	}
	sinks, err := BuildSinks(c.Sinks, func(k string) string { return map[string]string{"HOOK_PASSWORD": "pw-123"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if s := sinks[0]; s.password != "pw-123" || s.user != "healthprobe" || s.header.Get("X-Env") != "prod" || s.connectTimeout != 3*time.Second || !s.verifyTLS {
		t.Errorf("ops: %+v", s)
	}
	if s := sinks[1]; s.token != "panel-token" || s.Format != FormatWMSPanel || s.Method != "POST" {
		t.Errorf("wmspanel: %+v", s)
	}
	if s := sinks[4]; s.Active || s.verifyTLS || !s.raw || s.Label != "callback-raw" {
		t.Errorf("raw: %+v", s)
	}
	c, err = LoadConfig(j)
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(c.Sinks[0].ConnectTimeout) != 2500*time.Millisecond || time.Duration(c.OutboxMaxAge) != 45*time.Minute {
		t.Fatalf("%+v", c)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, c := range []struct {
		data   string
		isJSON bool
		want   string
	}{
		{"sinks:\n  - url: http://x/\n    passwd: x\n", false, `line 3: unknown key "passwd"`},
		{"sink:\n  - url: http://x/\n", false, `line 1: unknown key "sink"`},
		{"sinks:\n  - url: http://x/\n    connect_timeout: soon\n", false, `line 3: "soon" is not a duration (7s, 30m or a number of seconds)`},
		{"sinks:\n  - url: http://x/\n    raw: maybe\n", false, `line 3: "maybe" is not true or false`},
		{"sinks: [\n", false, "line 1: did not find expected node content"},
		{"", false, "the file is empty"},
		{"sinks: []\n", false, "no sinks: the file needs a top-level sinks: list"},
		{"sinks:\n  - url: http://x/\noutbox_cap: -1\n", false, "outbox_cap must be 0 (default 1000) or more"},
		{`{"sinks":[{"url":"http://x/","passwd":"x"}]}`, true, `unknown key "passwd"`},
		{"{\n\"sinks\": [\n}", true, "line 3: invalid character '}' looking for beginning of value"},
		{`{"sinks":[{"url":5}]}`, true, "line 1: sinks.url: a number is not a string"},
		{`{"sinks":[{"url":"http://x/"}]} []`, true, "data after the top-level object"},
	} {
		_, err := ParseConfig([]byte(c.data), c.isJSON)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: %v, want %q", c.data, err, c.want)
		}
	}
}

func TestSinkConfigErrors(t *testing.T) {
	env := func(k string) string { return map[string]string{"SET": "value"}[k] }
	for _, c := range []struct {
		cfg  SinkConfig
		want string
	}{
		{SinkConfig{}, "url is missing"},
		{SinkConfig{URL: "ftp://x/"}, `url "ftp://x/": not an http(s) URL with a host`},
		{SinkConfig{URL: "hooks.example.com"}, `url "hooks.example.com": not an http(s) URL with a host`},
		{SinkConfig{URL: "http://x/", Format: "xml"}, `invalid format "xml" (want json, wmspanel, template, icinga2, uptime-kuma, healthchecks or pushgateway)`},
		{SinkConfig{URL: "http://x/", Method: "PUT"}, `invalid method "PUT" (want GET or POST)`},
		{SinkConfig{URL: "http://x/", Method: "GET"}, "method GET needs format template (json is sent by POST)"},
		{SinkConfig{URL: "http://x/", Payload: "a"}, "payload and raw belong to format template, not json"},
		{SinkConfig{URL: "http://x/", Format: "template"}, "a POST template needs a payload, e.g. data={response}"},
		{SinkConfig{URL: "http://x/", Format: "template", Method: "GET", Payload: "x"}, "a GET template has no payload: put the placeholders in the url"},
		{SinkConfig{URL: "http://x/?d={respons}", Format: "template", Method: "GET"}, "url: unknown placeholder {respons} (known: {response}, {name}, {state}, {previous}, {summary}, {target}, {time}, {kind}, {seq}, {event})"},
		{SinkConfig{URL: "http://{target}/", Format: "template", Method: "GET"}, `url "http://{target}/": placeholders may only be in the path or the query`},
		{SinkConfig{URL: "http://x{name}/", Format: "template", Method: "GET"}, `url "http://x{name}/": placeholders may only be in the path or the query`},
		{SinkConfig{URL: "{response}", Format: "template", Method: "GET"}, `url "{response}": placeholders may only be in the path or the query`},
		{SinkConfig{URL: "http{name}://x/", Format: "template", Method: "GET"}, `url "http{name}://x/": placeholders may only be in the path or the query`},
		{SinkConfig{URL: "http://x/", Format: "template", Payload: "{summery}"}, "payload: unknown placeholder {summery} (known: {response}, {name}, {state}, {previous}, {summary}, {target}, {time}, {kind}, {seq}, {event})"},
		{SinkConfig{URL: "http://x/", Format: "wmspanel"}, "format wmspanel needs a token (token, token_env or token_file)"},
		{SinkConfig{URL: "http://x/", Token: "t"}, "token and server belong to format wmspanel, not json"},
		{SinkConfig{URL: "http://x/", Password: "p"}, "a password needs a username"},
		{SinkConfig{URL: "http://x/", Username: "u", Password: "p", PasswordEnv: "SET"}, "give only one of password, password_env and password_file"},
		{SinkConfig{URL: "http://x/", Username: "u", PasswordEnv: "UNSET"}, "password_env: environment variable UNSET is not set or empty"},
		{SinkConfig{URL: "http://x/", Username: "u", PasswordFile: "/nonexistent/pw"}, "password_file: open /nonexistent/pw: no such file or directory"},
		{SinkConfig{URL: "http://x/", Headers: map[string]string{"Bad Name": "x"}}, `invalid header "Bad Name"`},
		{SinkConfig{URL: "http://x/", Headers: map[string]string{"X": "a\r\nInjected: 1"}}, `invalid header "X"`},
		{SinkConfig{URL: "http://x/", Name: "../etc"}, `invalid name "../etc" (letters, digits, . _ -; at most 64)`},
		{SinkConfig{URL: "http://x/", ConnectTimeout: Duration(2 * time.Hour)}, "connect_timeout 2h0m0s is out of range"},
		{SinkConfig{URL: "http://x/", Send: "always"}, `invalid send "always" (want every-run or changes)`},
		{SinkConfig{URL: "http://x/", VerifyTLS: new(bool), CAFile: "ca.pem"}, "give ca_file or verify_tls: false, not both"},
		{SinkConfig{URL: "http://x/", Host: "web1", Job: "j"}, "host belongs to format icinga2; job belongs to format pushgateway, not to json"},
		{SinkConfig{URL: "http://x/", Format: "healthchecks", Service: "s"}, "service belongs to format icinga2, not to healthchecks"},
		{SinkConfig{URL: "http://x/", Format: "pushgateway", Measure: true}, "measure belongs to format healthchecks, not to pushgateway"},
		{SinkConfig{URL: "http://x/", Format: "icinga2", DownOn: "warning", Username: "u", Password: "p"}, "down_on belongs to format uptime-kuma, not to icinga2"},
		{SinkConfig{URL: "https://icinga:5665", Format: "icinga2"}, "format icinga2 needs username and password (password_env or password_file): an ApiUser with the permission actions/process-check-result"},
		{SinkConfig{URL: "https://icinga:5665", Format: "icinga2", Username: "u", Password: "p", Service: "a!b"}, `service "a!b": an Icinga 2 name has no ! or line break`},
		{SinkConfig{URL: "https://icinga:5665", Format: "icinga2", Username: "u", Password: "p", Method: "GET"}, "method belongs to format template: icinga2 has its own"},
		{SinkConfig{URL: "ftp://kuma/api/push/Secret123", Format: "uptime-kuma"}, "url: not an http(s) URL with a host"},
		{SinkConfig{URL: "https://kuma/", Format: "uptime-kuma"}, "url: not a push URL such as https://kuma.example.com/api/push/TOKEN"},
		{SinkConfig{URL: "https://kuma/api/push/Secret123", Format: "uptime-kuma", DownOn: "unknown"}, `invalid down_on "unknown" (want critical or warning)`},
		{SinkConfig{URL: "https://hc-ping.com", Format: "healthchecks"}, "url: not a ping URL such as https://hc-ping.com/UUID or https://hc-ping.com/PING-KEY/SLUG"},
		{SinkConfig{URL: "https://hc-ping.com/0c5e2b3a-4bd5-4f6d-9b0c-2d9c1d3e4f5a/start", Format: "healthchecks"}, "url: give the ping URL without /start: healthprobe adds /start and /<exit code>"},
		{SinkConfig{URL: "http://127.0.0.1:9091/metrics/job/x", Format: "pushgateway"}, "url: give the Pushgateway's address (http://127.0.0.1:9091): the job is the job key and the instance the check's name"},
		{SinkConfig{URL: "http://127.0.0.1:9091/?a=b", Format: "pushgateway"}, "url: a Pushgateway URL takes no query"},
	} {
		_, err := c.cfg.Build(env)
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v:\n got %v\nwant %s", c.cfg, err, c.want)
		}
	}
	_, err := BuildSinks([]SinkConfig{{URL: "http://x/a"}, {URL: "http://x/a"}}, env)
	if err == nil || err.Error() != "sink 2: http://x/a is configured twice (give each sink its own name)" {
		t.Errorf("duplicate: %v", err)
	}
	_, err = BuildSinks([]SinkConfig{{Name: "ops", URL: "http://x/a", Format: "bad"}}, env)
	if err == nil || err.Error() != `sink ops: invalid format "bad" (want json, wmspanel, template, icinga2, uptime-kuma, healthchecks or pushgateway)` {
		t.Errorf("named: %v", err)
	}
}

func TestSinkLabelHidesCredentials(t *testing.T) {
	s, err := SinkConfig{URL: "https://user:pa55word@hooks.example.com/x?token=abc"}.Build(noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if s.Label != "https://hooks.example.com/x" || !strings.HasPrefix(s.Key, "sink-") {
		t.Fatalf("label %q key %q", s.Label, s.Key)
	}
	if got := s.Secrets(); !slices.Equal(got, []string{"pa55word", "dXNlcjpwYTU1d29yZA==", "abc"}) { // the Basic value of user:pa55word
		t.Fatalf("secrets %q", got)
	}
}
