package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/healthprobe/healthprobe/internal/limitfile"

	"go.yaml.in/yaml/v3"
)

// FileConfig is the notification config file (--notify-config): YAML, or
// JSON when the file name ends in .json. The batch config reuses SinkConfig.
type FileConfig struct {
	Sinks        []SinkConfig `json:"sinks" yaml:"sinks"`
	OutboxCap    int          `json:"outbox_cap,omitempty" yaml:"outbox_cap,omitempty"`
	OutboxMaxAge Duration     `json:"outbox_max_age,omitempty" yaml:"outbox_max_age,omitempty"`
}

// SinkConfig is one receiver of events, as written in a config file.
type SinkConfig struct {
	// Name identifies the sink: its sequence numbers and outbox entries are
	// kept under it (default: derived from format and URL).
	Name   string `json:"name,omitempty" yaml:"name,omitempty"`
	URL    string `json:"url" yaml:"url"`
	Method string `json:"method,omitempty" yaml:"method,omitempty"` // GET or POST (default)
	Format string `json:"format,omitempty" yaml:"format,omitempty"` // json (default), wmspanel, template, icinga2, uptime-kuma, healthchecks or pushgateway
	// Payload is the body of a template POST, e.g. data={response}; it is
	// form-encoded unless Raw is set, then sent as is as JSON.
	Payload string            `json:"payload,omitempty" yaml:"payload,omitempty"`
	Raw     bool              `json:"raw,omitempty" yaml:"raw,omitempty"`
	Headers map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`

	Username     string `json:"username,omitempty" yaml:"username,omitempty"`
	Password     string `json:"password,omitempty" yaml:"password,omitempty"`
	PasswordEnv  string `json:"password_env,omitempty" yaml:"password_env,omitempty"`
	PasswordFile string `json:"password_file,omitempty" yaml:"password_file,omitempty"`

	Token     string `json:"token,omitempty" yaml:"token,omitempty"` // wmspanel signing token
	TokenEnv  string `json:"token_env,omitempty" yaml:"token_env,omitempty"`
	TokenFile string `json:"token_file,omitempty" yaml:"token_file,omitempty"`
	Server    string `json:"server,omitempty" yaml:"server,omitempty"` // wmspanel "server" (default: the target's host)

	VerifyTLS      *bool    `json:"verify_tls,omitempty" yaml:"verify_tls,omitempty"`           // default true
	CAFile         string   `json:"ca_file,omitempty" yaml:"ca_file,omitempty"`                 // verify the server against these CA certificates (PEM)
	TLSServerName  string   `json:"tls_server_name,omitempty" yaml:"tls_server_name,omitempty"` // the name to verify, when the URL's host differs
	ConnectTimeout Duration `json:"connect_timeout,omitempty" yaml:"connect_timeout,omitempty"` // default 7s
	Active         *bool    `json:"active,omitempty" yaml:"active,omitempty"`                   // default true

	// Send is every-run (every run's result) or changes (hard state
	// changes and reminders); the default depends on the format.
	Send string `json:"send,omitempty" yaml:"send,omitempty"`

	// icinga2: the service "HOST!SERVICE" (default: the check's target host
	// and its name), check_source (default: this machine's name), ttl.
	Host        string   `json:"host,omitempty" yaml:"host,omitempty"`
	Service     string   `json:"service,omitempty" yaml:"service,omitempty"`
	CheckSource string   `json:"check_source,omitempty" yaml:"check_source,omitempty"`
	TTL         Duration `json:"ttl,omitempty" yaml:"ttl,omitempty"`
	// uptime-kuma: "warning" reports WARNING as down (default "critical":
	// CRITICAL and UNKNOWN are down, OK and WARNING up).
	DownOn string `json:"down_on,omitempty" yaml:"down_on,omitempty"`
	// healthchecks: ping /start before the check, so Healthchecks shows
	// its duration.
	Measure bool `json:"measure,omitempty" yaml:"measure,omitempty"`
	// pushgateway: the job of the grouping key (default healthprobe).
	Job string `json:"job,omitempty" yaml:"job,omitempty"`
}

// Duration is a config duration: "7s", "30m", or a number of seconds.
type Duration time.Duration

func parseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "eEnNxX") {
		if f < 0 || f > 1e6 {
			return 0, fmt.Errorf("%q is out of range", s)
		}
		return Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration (7s, 30m or a number of seconds)", s)
	}
	return Duration(d), nil
}

// UnmarshalJSON accepts "7s" or 7.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		s = string(b)
	}
	v, err := parseDuration(s)
	*d = v
	return err
}

// UnmarshalYAML accepts 7s or 7.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a duration must be a scalar such as 7s", n.Line)
	}
	v, err := parseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

// MarshalText writes the Go form, e.g. 7s.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// MaxConfig caps the size of a config file.
const MaxConfig = 1 << 20

// MaxSecretFile caps a file a sink's password or token is read from (its
// first line).
const MaxSecretFile = 64 << 10

// LoadConfig reads a config file: JSON when its name ends in .json, YAML
// otherwise. Unknown keys are errors that name the key.
func LoadConfig(path string) (FileConfig, error) {
	data, err := limitfile.Read(context.Background(), path, MaxConfig)
	if err != nil {
		return FileConfig{}, err
	}
	return ParseConfig(data, strings.EqualFold(filepath.Ext(path), ".json"))
}

// ParseConfig decodes a config file's content.
func ParseConfig(data []byte, isJSON bool) (FileConfig, error) {
	var c FileConfig
	if isJSON {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, jsonError(data, err)
		}
		if dec.More() {
			return c, errors.New("data after the top-level object")
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil {
			if errors.Is(err, io.EOF) {
				return c, errors.New("the file is empty")
			}
			return c, yamlError(err)
		}
	}
	if len(c.Sinks) == 0 {
		return c, errors.New("no sinks: the file needs a top-level sinks: list")
	}
	if c.OutboxCap < 0 {
		return c, errors.New("outbox_cap must be 0 (default 1000) or more")
	}
	return c, nil
}

var (
	yamlUnknown = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`field (\S+) not found in type \S+`) })
	yamlType    = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`cannot unmarshal !!\w+ ` + "`" + `([^` + "`" + `]*)` + "`" + ` into (\S+)`)
	})
	jsonUnknown = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^json: unknown field "(.*)"$`) })
)

// yamlError turns yaml.v3's messages into one line without Go type names.
func yamlError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			m = yamlUnknown().ReplaceAllString(m, `unknown key "$1"`)
			msgs[i] = yamlType().ReplaceAllStringFunc(m, func(t string) string {
				sub := yamlType().FindStringSubmatch(t)
				return fmt.Sprintf("%q is not %s", sub[1], goTypeWords(sub[2]))
			})
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return errors.New(strings.TrimPrefix(oneLine(err.Error()), "yaml: "))
}

// goTypeWords names a Go type for a config author.
func goTypeWords(t string) string {
	switch {
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint") || strings.HasPrefix(t, "float"):
		return "a number"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	}
	return "a mapping"
}

// jsonError adds the line number to a JSON decoding error.
func jsonError(data []byte, err error) error {
	if m := jsonUnknown().FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("unknown key %q", m[1])
	}
	var se *json.SyntaxError
	var ue *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("line %d: %s", lineAt(data, se.Offset), se.Error())
	case errors.As(err, &ue):
		return fmt.Errorf("line %d: %s: a %s is not %s", lineAt(data, ue.Offset), ue.Field, ue.Value, goTypeWords(ue.Type.String()))
	}
	return errors.New(oneLine(strings.TrimPrefix(err.Error(), "json: ")))
}

func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
