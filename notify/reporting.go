package notify

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/output"
	"github.com/healthprobe/healthprobe/probe"
)

// The reporting formats: each run's result into the monitoring system the
// operator already runs, in that system's own protocol.
//
//   - icinga2: POST /v1/actions/process-check-result (a passive check result)
//   - uptime-kuma: GET the push URL with status, msg and ping in the query
//   - healthchecks: POST the ping URL + /<exit code>, the plugin output as body
//   - pushgateway: PUT /metrics/job/<job>/instance/<check>, text exposition

// icingaPath is the Icinga 2 API action that takes a passive check result.
const icingaPath = "/v1/actions/process-check-result"

// hcBodyLimit is the most a healthchecks ping body carries: hc-ping.com's
// limit (a self-hosted Healthchecks answers its own in Ping-Body-Limit).
const hcBodyLimit = 10000

var (
	uuidRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	})
	hcAction = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(start|fail|log|[0-9]{1,3})$`) })
)

// checkReportingKeys refuses the keys of the reporting formats on a sink
// of another format.
func (c SinkConfig) checkReportingKeys(format string) error {
	var keys []string
	add := func(set bool, key, owner string) {
		if set && format != owner {
			keys = append(keys, key+" belongs to format "+owner)
		}
	}
	add(c.Host != "", "host", FormatIcinga2)
	add(c.Service != "", "service", FormatIcinga2)
	add(c.CheckSource != "", "check_source", FormatIcinga2)
	add(c.TTL != 0, "ttl", FormatIcinga2)
	add(c.DownOn != "", "down_on", FormatUptimeKuma)
	add(c.Measure, "measure", FormatHealthchecks)
	add(c.Job != "", "job", FormatPushgateway)
	if len(keys) > 0 {
		return fmt.Errorf("%s, not to %s", strings.Join(keys, "; "), format)
	}
	return nil
}

// buildReporting checks the URL and keys of a reporting format. Its error
// never quotes the URL: a push URL's path is its secret.
func (s *Sink) buildReporting(c SinkConfig) error {
	if err := c.checkReportingKeys(s.Format); err != nil {
		return err
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("url: not an http(s) URL with a host")
	}
	u.Fragment, u.RawFragment = "", ""
	segs := pathSegments(u)
	switch s.Format {
	case FormatIcinga2:
		s.Method = http.MethodPost
		for _, v := range []struct{ key, val string }{{"host", c.Host}, {"service", c.Service}} {
			if strings.Contains(v.val, "!") || strings.ContainsAny(v.val, "\r\n") {
				return fmt.Errorf("%s %q: an Icinga 2 name has no ! or line break", v.key, probe.SanitizeLine(v.val, 60))
			}
		}
		if c.TTL < 0 || time.Duration(c.TTL) > 365*24*time.Hour {
			return errors.New("ttl is out of range")
		}
		s.host, s.service, s.checkSource, s.ttl = c.Host, c.Service, c.CheckSource, time.Duration(c.TTL)
		if s.checkSource == "" {
			if s.checkSource, err = os.Hostname(); err != nil || s.checkSource == "" {
				s.checkSource = "healthprobe"
			}
		}
		if !strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), icingaPath) {
			u = u.JoinPath(icingaPath)
		}
		q := u.Query()
		q.Set("verbose", "1") // a 404 then says whether the service or a permission is missing
		u.RawQuery = q.Encode()
	case FormatUptimeKuma:
		s.Method = http.MethodGet
		token := ""
		if i := slices.Index(segs, "push"); i >= 0 && i+1 < len(segs) {
			token = segs[i+1]
		} else if len(segs) > 0 {
			token = segs[len(segs)-1]
		}
		if token == "" {
			return errors.New("url: not a push URL such as https://kuma.example.com/api/push/TOKEN")
		}
		s.secrets = append(s.secrets, token)
		switch strings.ToLower(c.DownOn) {
		case "", "critical":
		case "warning":
			s.downOnWarning = true
		default:
			return fmt.Errorf("invalid down_on %q (want critical or warning)", probe.SanitizeLine(c.DownOn, 40))
		}
	case FormatHealthchecks:
		s.Method = http.MethodPost
		if len(segs) == 0 {
			return errors.New("url: not a ping URL such as https://hc-ping.com/UUID or https://hc-ping.com/PING-KEY/SLUG")
		}
		if last := segs[len(segs)-1]; hcAction().MatchString(last) {
			return fmt.Errorf("url: give the ping URL without /%s: healthprobe adds /start and /<exit code>", last)
		}
		last := segs[len(segs)-1]
		switch {
		case uuidRE().MatchString(last):
			s.secrets = append(s.secrets, last)
		case len(segs) >= 2 && segs[len(segs)-2] != "ping": // PING-KEY/SLUG
			s.secrets = append(s.secrets, segs[len(segs)-2])
		default:
			s.secrets = append(s.secrets, last)
		}
		s.measure = c.Measure
	case FormatPushgateway:
		s.Method = http.MethodPut
		if strings.Contains(u.Path, "/metrics/") {
			return errors.New("url: give the Pushgateway's address (http://127.0.0.1:9091): the job is the job key and the instance the check's name")
		}
		if u.RawQuery != "" {
			return errors.New("url: a Pushgateway URL takes no query")
		}
		s.job = c.Job
		if s.job == "" {
			s.job = "healthprobe"
		}
	}
	s.base = u
	return nil
}

// pathSegments are the non-empty segments of a URL's path, unescaped.
func pathSegments(u *url.URL) []string {
	var out []string
	for _, seg := range strings.Split(u.Path, "/") {
		if seg != "" {
			out = append(out, seg)
		}
	}
	return out
}

// icingaObject names the Icinga 2 service of an event: the check's own
// --icinga2-host/--icinga2-service, else the sink's host and service, else
// the check's target host and its name (its kind when it has none).
func (s *Sink) icingaObject(ev Event, rep Report) (host, service string) {
	host, service = rep.Host, rep.Service
	if host == "" {
		host = s.host
	}
	if host == "" {
		host = targetHost(ev.Target)
	}
	if service == "" {
		service = s.service
	}
	if service == "" {
		service = rep.Check
	}
	if service == "" {
		service = strings.ToLower(ev.Kind)
	}
	return host, service
}

// icingaResult is the body of process-check-result.
type icingaResult struct {
	Type            string   `json:"type"`
	Service         string   `json:"service"`
	ExitStatus      int      `json:"exit_status"`
	PluginOutput    string   `json:"plugin_output"`
	PerformanceData []string `json:"performance_data"`
	CheckSource     string   `json:"check_source"`
	ExecutionStart  float64  `json:"execution_start"`
	ExecutionEnd    float64  `json:"execution_end"`
	TTL             int64    `json:"ttl,omitempty"`
}

// unixSeconds is t as Unix seconds, to the millisecond.
func unixSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// reportRequest renders the request of a reporting format.
func (s *Sink) reportRequest(ev Event) (rawURL string, body []byte, header http.Header, err error) {
	rep := ev.report()
	header = http.Header{}
	u := *s.base
	switch s.Format {
	case FormatIcinga2:
		host, service := s.icingaObject(ev, rep)
		body, err = marshal(icingaResult{
			Type: "Service", Service: host + "!" + service, ExitStatus: exitCode(ev.State),
			PluginOutput: rep.Output, PerformanceData: rep.Perfdata, CheckSource: s.checkSource,
			ExecutionStart: unixSeconds(rep.Start), ExecutionEnd: unixSeconds(rep.End), TTL: int64(s.ttl / time.Second),
		})
		header.Set("Accept", "application/json") // without it Icinga 2 answers 400 in HTML
		header.Set("Content-Type", "application/json")
	case FormatUptimeKuma:
		q := u.Query()
		q.Set("status", s.kumaStatus(ev.State))
		q.Set("msg", rep.firstLine())
		q.Del("ping")
		if ev.Report != nil {
			// milliseconds to the microsecond: 0.00665 s is 6.65, not 6.6499999999999995
			q.Set("ping", strconv.FormatFloat(math.Round(rep.Duration*1e6)/1e3, 'f', -1, 64))
		}
		u.RawQuery = q.Encode()
	case FormatHealthchecks:
		u = *u.JoinPath(strconv.Itoa(exitCode(ev.State)))
		if rep.RunID != "" {
			q := u.Query()
			q.Set("rid", rep.RunID)
			u.RawQuery = q.Encode()
		}
		body = []byte(cutUTF8(rep.pluginOutput(), hcBodyLimit))
		header.Set("Content-Type", "text/plain; charset=utf-8")
	case FormatPushgateway:
		instance := ev.Name
		u.RawQuery = ""
		base := strings.TrimSuffix(u.String(), "/")
		body = []byte(pushMetrics(ev, rep, instance))
		header.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		return base + "/metrics/" + groupingPair("job", s.job) + "/" + groupingPair("instance", instance), body, header, nil
	}
	return u.String(), body, header, err
}

// kumaStatus is up or down: CRITICAL and UNKNOWN are down, and WARNING too
// with down_on: warning.
func (s *Sink) kumaStatus(state string) string {
	switch state {
	case "CRITICAL", "UNKNOWN":
		return "down"
	case "WARNING":
		if s.downOnWarning {
			return "down"
		}
	}
	return "up"
}

// groupingPair is one label of a Pushgateway grouping key in its path:
// name/value, or name@base64/<URL-safe base64> for a value that holds a /
// or is empty.
func groupingPair(name, value string) string {
	if value == "" {
		return name + "@base64/="
	}
	if strings.Contains(value, "/") {
		return name + "@base64/" + base64.URLEncoding.EncodeToString([]byte(value))
	}
	return name + "/" + url.PathEscape(value)
}

// pushMetrics is the exposition a Pushgateway sink pushes: the series of
// run --output prometheus for this one check.
func pushMetrics(ev Event, rep Report, instance string) string {
	state, err := nagios.ParseState(ev.State)
	if err != nil {
		state = nagios.Unknown
	}
	res := probe.Result{Kind: ev.Kind, State: state, Duration: time.Duration(rep.Duration * float64(time.Second))}
	for _, m := range rep.Metrics {
		res.Perfdata = append(res.Perfdata, nagios.Perfdata{Label: m.Label, Value: m.Value, UOM: m.UOM})
	}
	return output.PrometheusText([]output.Named{{Name: instance, Kind: strings.ToLower(ev.Kind), Result: res}})
}

// cutUTF8 cuts s to at most n bytes, at a character boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// refusal is a sink's answer that refuses a delivery. A permanent one (a
// 4xx: credentials, permission, no such service) is not retried within the
// run: the event stays queued for the next one.
type refusal struct {
	msg       string
	permanent bool
}

func (r *refusal) Error() string { return r.msg }

// permanentStatus says whether an answer with this status will be the
// same however often the request is sent again soon.
func permanentStatus(code int) bool {
	return code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooEarly &&
		code != http.StatusTooManyRequests
}

func refused(ex *probe.Exchange, format string, args ...any) error {
	return &refusal{msg: fmt.Sprintf(format, args...), permanent: permanentStatus(ex.Status)}
}

// answered is the generic refusal: the status line, and for a reporting
// format what the body says (a Pushgateway's reason for a 400, say).
func (s *Sink) answered(ex *probe.Exchange) error {
	msg := "answered " + ex.StatusLine
	if text := probe.Excerpt(ex.Body, 120); s.base != nil && text != "" && !strings.HasPrefix(strings.TrimSpace(string(ex.Body)), "<") {
		msg += ": " + text
	}
	return refused(ex, "%s", msg)
}

// icingaAnswer is the body of an Icinga 2 API answer.
type icingaAnswer struct {
	Results []struct {
		Code   float64 `json:"code"`
		Status string  `json:"status"`
	} `json:"results"`
	Error      float64 `json:"error"`
	Status     string  `json:"status"`
	Diagnostic string  `json:"diagnostic_information"`
}

// missingPermission finds the permission Icinga 2 names with ?verbose=1.
var missingPermission = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`Missing permission: (\S+)`) })

// checkAnswer tells whether a reporting sink accepted the event, and if
// not, why, in the operator's terms.
func (s *Sink) checkAnswer(ex *probe.Exchange, ev Event) error {
	ok := ex.Status >= 200 && ex.Status <= 299
	switch s.Format {
	case FormatIcinga2:
		var a icingaAnswer
		_ = json.Unmarshal(ex.Body, &a) // an answer that is not JSON is told by its status
		host, service := s.icingaObject(ev, ev.report())
		object := probe.SanitizeLine(host+"!"+service, 120)
		status := ""
		if len(a.Results) > 0 {
			status = probe.SanitizeLine(a.Results[0].Status, 160)
		} else if a.Status != "" {
			status = probe.SanitizeLine(a.Status, 160)
		}
		switch {
		case ok && len(a.Results) > 0 && a.Results[0].Code == 200:
			return nil
		case ok:
			return &refusal{msg: fmt.Sprintf("Icinga 2 did not take the result for %s (%s: %s)", object, ex.StatusLine, status)}
		case ex.Status == http.StatusUnauthorized:
			return refused(ex, "Icinga 2 refused the credentials of API user %q (%s): check username and password", probe.SanitizeLine(s.user, 60), ex.StatusLine)
		case ex.Status == http.StatusNotFound:
			if m := missingPermission().FindStringSubmatch(a.Diagnostic); m != nil {
				return refused(ex, "the Icinga 2 API user %q lacks the permission %s (%s)", probe.SanitizeLine(s.user, 60), probe.SanitizeLine(m[1], 80), ex.StatusLine)
			}
			return refused(ex, "Icinga 2 has no service %s (%s): define it (a passive service: check_command dummy), or set host and service", object, ex.StatusLine)
		case ex.Status == http.StatusForbidden && strings.Contains(status, "Passive checks are disabled"):
			return refused(ex, "passive checks are disabled for the Icinga 2 service %s (%s): set enable_passive_checks = true", object, ex.StatusLine)
		case status != "":
			return refused(ex, "Icinga 2 answered %s: %s", ex.StatusLine, status)
		}
		return s.answered(ex)
	case FormatUptimeKuma:
		var a struct {
			OK  bool   `json:"ok"`
			Msg string `json:"msg"`
		}
		err := json.Unmarshal(ex.Body, &a)
		switch {
		case ok && err == nil && a.OK:
			return nil
		case strings.Contains(a.Msg, "Monitor not found or not active"):
			// 404 in Uptime Kuma 1, 500 in 2: neither passes by retrying
			return &refusal{msg: fmt.Sprintf("Uptime Kuma has no active push monitor with this token (%s: %s)", ex.StatusLine, probe.SanitizeLine(a.Msg, 80)), permanent: true}
		case a.Msg != "":
			return refused(ex, "Uptime Kuma answered %s: %s", ex.StatusLine, probe.SanitizeLine(a.Msg, 160))
		case ok:
			return &refusal{msg: fmt.Sprintf("Uptime Kuma answered %s without {\"ok\":true}: not a push URL?", ex.StatusLine)}
		}
		return s.answered(ex)
	case FormatHealthchecks:
		switch {
		case ok:
			return nil
		case ex.Status == http.StatusNotFound:
			return refused(ex, "Healthchecks has no check with this ping URL (%s)", ex.StatusLine)
		}
		return s.answered(ex)
	}
	if ok {
		return nil
	}
	return s.answered(ex)
}
