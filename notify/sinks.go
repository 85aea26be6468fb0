package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/healthprobe/healthprobe/internal/limitfile"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
	"github.com/healthprobe/healthprobe/redact"
)

// Sink formats.
const (
	FormatJSON         = "json"         // the Event as JSON, POST
	FormatWMSPanel     = "wmspanel"     // {"time","digest","server","status"} signed with MD5(time + token), POST
	FormatTemplate     = "template"     // GET with placeholders in the URL, or POST with a payload
	FormatIcinga2      = "icinga2"      // Icinga 2 API process-check-result, POST
	FormatUptimeKuma   = "uptime-kuma"  // an Uptime Kuma push monitor: status, msg and ping in the query, GET
	FormatHealthchecks = "healthchecks" // a Healthchecks ping URL with /<exit code>, the output as the body, POST
	FormatPushgateway  = "pushgateway"  // a Prometheus Pushgateway group, text exposition format, PUT
)

// Formats lists every sink format; PushFormats those --push takes.
var (
	Formats     = []string{FormatJSON, FormatWMSPanel, FormatTemplate, FormatIcinga2, FormatUptimeKuma, FormatHealthchecks, FormatPushgateway}
	PushFormats = []string{FormatUptimeKuma, FormatHealthchecks, FormatPushgateway}
)

// reporting reports whether a format sends a run's whole result (and so
// every run, by default).
func reporting(format string) bool {
	switch format {
	case FormatIcinga2, FormatUptimeKuma, FormatHealthchecks, FormatPushgateway:
		return true
	}
	return false
}

// DefaultConnectTimeout limits connecting to a sink, as Pexip event sinks do.
const DefaultConnectTimeout = 7 * time.Second

// sinkConns is how many connections a sink keeps to its server: a batch's
// checks share the sink and report over these, reused.
const sinkConns = 8

// Sink is a configured receiver, its secrets resolved. One Sink may serve
// many checks at once (a batch's): Send is safe for concurrent use.
type Sink struct {
	Key    string // stable identity: sequence numbers and outbox entries are kept under it
	Label  string // for output: the name, or the URL without query and credentials
	Format string
	Method string
	Active bool
	// EveryRun: the sink is sent every run's result (send: every-run),
	// else hard state changes and reminders.
	EveryRun bool

	base           *url.URL // the URL of a reporting format
	url, payload   tmpl
	raw            bool
	header         http.Header
	user, password string
	token, server  string
	verifyTLS      bool
	caFile, sni    string
	connectTimeout time.Duration
	secrets        []string

	host, service, checkSource string        // icinga2
	ttl                        time.Duration // icinga2
	downOnWarning              bool          // uptime-kuma
	measure                    bool          // healthchecks
	job                        string        // pushgateway

	// UserAgent, Verbose and Log are passed to the HTTP client, and
	// Redactor (the run's; default: one of the sink's own secrets) masks
	// what it logs.
	UserAgent string
	Verbose   int
	Log       func(format string, args ...any)
	Redactor  *redact.Redactor

	once   sync.Once
	client *probe.Client
	cerr   error
}

var (
	sinkName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`) })
)

// Build checks a sink's config and resolves its secrets (password_env,
// token_file ...) with getenv.
func (c SinkConfig) Build(getenv func(string) string) (*Sink, error) {
	s := &Sink{Format: strings.ToLower(c.Format), Method: strings.ToUpper(c.Method), Active: c.Active == nil || *c.Active,
		raw: c.Raw, user: c.Username, server: c.Server, verifyTLS: c.VerifyTLS == nil || *c.VerifyTLS,
		caFile: c.CAFile, sni: c.TLSServerName, connectTimeout: time.Duration(c.ConnectTimeout), header: http.Header{}}
	if s.Format == "" {
		s.Format = FormatJSON
	}
	if !slices.Contains(Formats, s.Format) {
		return nil, fmt.Errorf("invalid format %q (want %s or %s)", probe.SanitizeLine(c.Format, 40),
			strings.Join(Formats[:len(Formats)-1], ", "), Formats[len(Formats)-1])
	}
	if s.connectTimeout == 0 {
		s.connectTimeout = DefaultConnectTimeout
	}
	switch c.Send {
	case "":
		s.EveryRun = reporting(s.Format)
	case SendEveryRun, SendChanges:
		s.EveryRun = c.Send == SendEveryRun
	default:
		return nil, fmt.Errorf("invalid send %q (want %s or %s)", probe.SanitizeLine(c.Send, 40), SendEveryRun, SendChanges)
	}
	if c.URL == "" {
		return nil, errors.New("url is missing")
	}
	if reporting(s.Format) {
		if c.Method != "" {
			return nil, fmt.Errorf("method belongs to format template: %s has its own", s.Format)
		}
		if err := s.buildReporting(c); err != nil {
			return nil, err
		}
	} else if err := c.checkReportingKeys(s.Format); err != nil {
		return nil, err
	}
	var err error
	if s.url, err = parseTemplate(c.URL); err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	if s.Format != FormatTemplate && s.url.has() {
		s.url = tmpl{parts: []tmplPart{{lit: c.URL}}} // placeholders only mean something in a template
	}
	if s.base == nil {
		if err := checkURLTemplate(s.url); err != nil {
			return nil, fmt.Errorf("url %q: %w", probe.RedactURLText(c.URL), err)
		}
	}
	if !reporting(s.Format) {
		if s.Method == "" {
			s.Method = http.MethodPost
		}
		switch s.Method {
		case http.MethodPost:
		case http.MethodGet:
			if s.Format != FormatTemplate {
				return nil, fmt.Errorf("method GET needs format template (%s is sent by POST)", s.Format)
			}
		default:
			return nil, fmt.Errorf("invalid method %q (want GET or POST)", c.Method)
		}
	}
	switch s.Format {
	case FormatTemplate:
		if s.Method == http.MethodGet && (c.Payload != "" || c.Raw) {
			return nil, errors.New("a GET template has no payload: put the placeholders in the url")
		}
		if s.Method == http.MethodPost && c.Payload == "" {
			return nil, errors.New("a POST template needs a payload, e.g. data={response}")
		}
		if s.payload, err = parseTemplate(c.Payload); err != nil {
			return nil, fmt.Errorf("payload: %w", err)
		}
	default:
		if c.Payload != "" || c.Raw {
			return nil, fmt.Errorf("payload and raw belong to format template, not %s", s.Format)
		}
	}
	if s.connectTimeout < 0 || s.connectTimeout > time.Hour {
		return nil, fmt.Errorf("connect_timeout %s is out of range", s.connectTimeout)
	}
	if !s.verifyTLS && s.caFile != "" {
		return nil, errors.New("give ca_file or verify_tls: false, not both")
	}
	for name, value := range c.Headers {
		if name == "" || strings.ContainsAny(name, " \t\r\n:") || strings.ContainsAny(value, "\r\n") {
			return nil, fmt.Errorf("invalid header %q", probe.SanitizeLine(name, 60))
		}
		s.header.Set(name, value)
		if probe.SensitiveHeader(name) {
			s.secrets = append(s.secrets, value)
		}
	}
	if s.password, err = secret("password", c.Password, c.PasswordEnv, c.PasswordFile, getenv); err != nil {
		return nil, err
	}
	if s.password != "" && s.user == "" {
		return nil, errors.New("a password needs a username")
	}
	if s.Format == FormatIcinga2 && (s.user == "" || s.password == "") {
		return nil, errors.New("format icinga2 needs username and password (password_env or password_file): an ApiUser with the permission actions/process-check-result")
	}
	if s.token, err = secret("token", c.Token, c.TokenEnv, c.TokenFile, getenv); err != nil {
		return nil, err
	}
	if s.Format == FormatWMSPanel && s.token == "" {
		return nil, errors.New("format wmspanel needs a token (token, token_env or token_file)")
	}
	if s.Format != FormatWMSPanel && (s.token != "" || s.server != "") {
		return nil, fmt.Errorf("token and server belong to format wmspanel, not %s", s.Format)
	}
	s.secrets = append(s.secrets, s.password, s.token)
	if s.password != "" {
		s.secrets = append(s.secrets, base64.StdEncoding.EncodeToString([]byte(s.user+":"+s.password)))
	}
	if u, err := url.Parse(c.URL); err == nil {
		if p, ok := u.User.Password(); ok {
			s.secrets = append(s.secrets, p, base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+p)))
		}
		for k, vs := range u.Query() {
			if redact.SecretName(k) {
				s.secrets = append(s.secrets, vs...)
			}
		}
	}
	s.Key, s.Label = c.Name, c.Name
	if c.Name == "" {
		sum := sha256.Sum256([]byte(s.Format + " " + c.URL))
		s.Key = "sink-" + hex.EncodeToString(sum[:6])
		s.Label = urlLabel(c.URL)
		if s.base != nil { // a push URL's path holds its secret
			s.Label = s.Format + " " + s.base.Host
		}
	} else if !sinkName().MatchString(c.Name) {
		return nil, fmt.Errorf("invalid name %q (letters, digits, . _ -; at most 64)", probe.SanitizeLine(c.Name, 70))
	}
	return s, nil
}

// secret resolves a secret given as a value, an environment variable or a
// file (its first line); at most one may be given.
func secret(what, value, env, file string, getenv func(string) string) (string, error) {
	n := 0
	for _, v := range []string{value, env, file} {
		if v != "" {
			n++
		}
	}
	switch {
	case n > 1:
		return "", fmt.Errorf("give only one of %s, %s_env and %s_file", what, what, what)
	case env != "":
		v := getenv(env)
		if v == "" {
			return "", fmt.Errorf("%s_env: environment variable %s is not set or empty", what, env)
		}
		return v, nil
	case file != "":
		b, err := limitfile.Read(context.Background(), file, MaxSecretFile)
		if err != nil {
			return "", fmt.Errorf("%s_file: %w", what, err)
		}
		v, _, _ := strings.Cut(string(b), "\n")
		v = strings.TrimRight(v, "\r")
		if v == "" {
			return "", fmt.Errorf("%s_file: %s is empty", what, file)
		}
		return v, nil
	}
	return value, nil
}

// urlLabel is a URL without credentials, query or fragment.
func urlLabel(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.User, u.RawQuery, u.Fragment, u.RawFragment = nil, "", "", ""
	return u.String()
}

// BuildSinks builds every sink of a config; errors name the sink.
func BuildSinks(cfgs []SinkConfig, getenv func(string) string) ([]*Sink, error) {
	var sinks []*Sink
	seen := map[string]bool{}
	for i, c := range cfgs {
		s, err := c.Build(getenv)
		if err != nil {
			if c.Name != "" && sinkName().MatchString(c.Name) {
				return nil, fmt.Errorf("sink %s: %w", c.Name, err)
			}
			return nil, fmt.Errorf("sink %d: %w", i+1, err)
		}
		if seen[s.Key] {
			return nil, fmt.Errorf("sink %d: %s is configured twice (give each sink its own name)", i+1, s.Label)
		}
		seen[s.Key] = true
		sinks = append(sinks, s)
	}
	return sinks, nil
}

// Secrets are the sink's secret values: its password, token and credential
// headers, the Basic value of its login, its URL's password and
// secret-looking query values (a sink whose URL path holds a secret adds
// it to s.secrets when it is built). Callers add them to the run's
// redactor (redact.Redactor.Add).
func (s *Sink) Secrets() []string {
	var out []string
	for _, v := range s.secrets {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// wants says whether the sink is sent this event: a wmspanel sink only
// speaks of a server going offline or coming back online.
func (s *Sink) wants(ev Event) bool {
	if s.Format != FormatWMSPanel || ev.Event != EventChange {
		return true
	}
	return wmsStatus(ev.State) != wmsStatus(ev.Previous)
}

// wantsReport says whether the sink's events carry the run's Report.
func (s *Sink) wantsReport() bool { return s.base != nil || s.EveryRun }

// request renders the HTTP request for an event.
func (s *Sink) request(ev Event) (method, rawURL string, body []byte, header http.Header, err error) {
	if s.base != nil {
		rawURL, body, header, err = s.reportRequest(ev)
		if err != nil {
			return "", "", nil, nil, fmt.Errorf("encoding the result: %w", err)
		}
		return s.Method, rawURL, body, header, nil
	}
	evJSON, err := marshal(ev)
	if err != nil {
		return "", "", nil, nil, fmt.Errorf("encoding the event: %w", err)
	}
	header = http.Header{}
	switch s.Format {
	case FormatJSON:
		body = evJSON
		header.Set("Content-Type", "application/json")
	case FormatWMSPanel:
		if body, err = marshal(wmsPayload(ev, s.token, s.server)); err != nil {
			return "", "", nil, nil, fmt.Errorf("encoding the payload: %w", err)
		}
		header.Set("Content-Type", "application/json")
	case FormatTemplate:
		values := templateValues(ev, evJSON)
		rawURL = s.url.render(values, inPath)
		if s.Method == http.MethodPost {
			if s.raw {
				body = []byte(s.payload.render(values, inJSON))
				header.Set("Content-Type", "application/json")
			} else {
				body = []byte(s.payload.render(values, inForm))
				header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		}
	}
	if rawURL == "" {
		rawURL = s.url.render(nil, inPath)
	}
	return s.Method, rawURL, body, header, nil
}

// marshal encodes v as compact JSON, leaving <, > and & as they are.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func templateValues(ev Event, evJSON []byte) map[string]string {
	return map[string]string{
		"response": string(evJSON), "name": ev.Name, "state": ev.State, "previous": ev.Previous,
		"summary": ev.Summary, "target": ev.Target, "time": ev.Time.Format(time.RFC3339), "kind": ev.Kind,
		"seq": strconv.FormatUint(ev.Seq, 10), "event": ev.Event,
	}
}

// Delivery is the answer of a sink that accepted an event.
type Delivery struct {
	Status   string
	Duration time.Duration
}

// httpClient is the sink's client, made on first use and shared by every
// check that reports to the sink: it keeps a few connections to the
// server, and reuses them.
func (s *Sink) httpClient() (*probe.Client, error) {
	s.once.Do(func() {
		if s.UserAgent == "" {
			s.UserAgent = "healthprobe"
		}
		red := s.Redactor
		if red == nil {
			red = redact.New()
			for _, sec := range s.Secrets() {
				red.Add(sec)
			}
		}
		s.client, s.cerr = probe.NewClient(probe.ClientConfig{
			TimeoutState: nagios.Critical, Insecure: !s.verifyTLS, CAFile: s.caFile, SNI: s.sni,
			ConnectTimeout: s.connectTimeout, MaxConnsPerHost: sinkConns,
			Settings:  probe.TLSSettings{CAFile: "ca_file", Insecure: "verify_tls: false", ServerName: "tls_server_name"},
			UserAgent: s.UserAgent, Headers: s.header, User: s.user, Password: s.password, Auth: "basic",
			MaxBody: 64 << 10, Verbose: s.Verbose, Log: s.Log, Redactor: red,
		})
	})
	return s.client, s.cerr
}

// Send delivers one event: one request, which a 2xx answer accepts (and,
// for a reporting format, what the answer says). The error is one line
// without secrets.
func (s *Sink) Send(ctx context.Context, ev Event) (Delivery, error) {
	client, err := s.httpClient()
	if err != nil {
		return Delivery{}, err
	}
	method, rawURL, body, header, err := s.request(ev)
	if err != nil {
		return Delivery{}, err
	}
	for k, v := range s.header {
		if header.Get(k) != "" { // a configured header overrides Content-Type
			header[k] = v
		}
	}
	start := time.Now()
	ex, err := client.Do(ctx, method, rawURL, body, header)
	if err != nil {
		var rerr *probe.RequestError
		if errors.As(err, &rerr) {
			return Delivery{}, errors.New(rerr.Reason)
		}
		return Delivery{}, err
	}
	if err := s.checkAnswer(ex, ev); err != nil {
		return Delivery{}, err
	}
	return Delivery{Status: ex.StatusLine, Duration: time.Since(start)}, nil
}

// Measures says whether the sink is pinged when a check starts
// (healthchecks with measure: true).
func (s *Sink) Measures() bool { return s.Active && s.measure }

// sendStart pings a healthchecks sink's /start, with the run's id: one
// attempt.
func (s *Sink) sendStart(ctx context.Context, runID string) error {
	client, err := s.httpClient()
	if err != nil {
		return err
	}
	u := s.base.JoinPath("start")
	q := u.Query()
	q.Set("rid", runID)
	u.RawQuery = q.Encode()
	ex, err := client.Do(ctx, http.MethodGet, u.String(), nil, nil)
	if err != nil {
		var rerr *probe.RequestError
		if errors.As(err, &rerr) {
			return errors.New(rerr.Reason)
		}
		return err
	}
	return s.checkAnswer(ex, Event{})
}
