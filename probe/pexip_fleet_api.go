package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// The Pexip Infinity management API, on the Management Node. Lists are
// paged Tastypie-style: ?limit=N&offset=M, answered with
// {"meta": {"limit", "next", "offset", "previous", "total_count"}, "objects": [...]}.
const (
	PexipStatusNodesPath = "/api/admin/status/v1/worker_vm/"
	PexipConfigNodesPath = "/api/admin/configuration/v1/worker_vm/"
	PexipAlarmsPath      = "/api/admin/status/v1/alarm/"
	PexipLicensingPath   = "/api/admin/status/v1/licensing/"
)

// Bounds on reading one list, so that a hostile or broken Management Node
// can neither loop the probe nor fill its memory.
const (
	// PexipPageLimit is the page size asked for: Pexip asks integrators for
	// few, large requests.
	PexipPageLimit = 1000
	// DefaultFleetMaxPages bounds the pages read of one list.
	DefaultFleetMaxPages = 50
	// DefaultFleetMaxObjects bounds the objects read of one list.
	DefaultFleetMaxObjects = 20000
	// DefaultFleetMaxPage is the body cap of one page when --max-body is not
	// given: a page of 1000 node status objects is about 1 MiB.
	DefaultFleetMaxPage = 4 << 20
	// FleetMaxListBytes bounds the pages of one list, together.
	FleetMaxListBytes = 32 << 20
)

// tastypiePage is one page of a list.
type tastypiePage struct {
	Meta    *tastypieMeta     `json:"meta"`
	Objects []json.RawMessage `json:"objects"`
	size    int               // of the body
}

type tastypieMeta struct {
	Next       *string    `json:"next"`
	Offset     jsonNumber `json:"offset"`
	TotalCount jsonNumber `json:"total_count"`
}

// listError is a list that could not be read, mapped to a state and a
// reason that names the list.
type listError struct {
	state  nagios.State
	reason string
}

func (e *listError) Error() string { return e.reason }

// managerReader reads lists from the Management Node, one request per page.
type managerReader struct {
	s        *Session
	base     *url.URL // the Management Node's base URL
	haveAuth bool
	maxPages int
	maxObjs  int

	mu       sync.Mutex
	requests int       // pages asked for, over all lists
	first    *Exchange // the first answer, for the certificate check
}

// list reads every object of a list, following meta.next (or the offset
// when a page has no next but total_count says more are left).
func (m *managerReader) list(ctx context.Context, path, what string) ([]json.RawMessage, error) {
	first := *m.base
	first.Path = strings.TrimRight(m.base.Path, "/") + path // Tastypie's lists end in a slash, as path does
	first.RawPath, first.RawQuery, first.Fragment = "", "", ""
	q := url.Values{"limit": {strconv.Itoa(PexipPageLimit)}}
	first.RawQuery = q.Encode()
	fail := func(state nagios.State, format string, args ...any) error {
		return &listError{state, what + ": " + fmt.Sprintf(format, args...)}
	}
	var objects []json.RawMessage
	var size int
	seen := map[string]bool{}
	u := &first
	for page := 1; ; page++ {
		if page > m.maxPages {
			return nil, fail(nagios.Unknown, "more than %d pages (a list that never ends): not read further", m.maxPages)
		}
		if seen[u.String()] {
			return nil, fail(nagios.Unknown, "page %d links back to a page already read (meta.next loops)", page)
		}
		seen[u.String()] = true
		p, err := m.page(ctx, u.String(), what)
		if err != nil {
			return nil, err
		}
		objects = append(objects, p.Objects...)
		if size += p.size; size > FleetMaxListBytes {
			return nil, fail(nagios.Unknown, "more than %s: not read further", FormatBytes(FleetMaxListBytes))
		}
		if len(objects) > m.maxObjs {
			return nil, fail(nagios.Unknown, "more than %d objects: not read further", m.maxObjs)
		}
		next, err := m.nextPage(&first, u, p, len(objects))
		if err != nil {
			return nil, fail(nagios.Unknown, "%s", err.Error())
		}
		if next == nil {
			return objects, nil
		}
		u = next
	}
}

// nextPage returns the URL of the page after p, or nil after the last.
// meta.next is followed only to the same list on the same server: the
// Management Node's credentials go with every request.
func (m *managerReader) nextPage(first, cur *url.URL, p *tastypiePage, read int) (*url.URL, error) {
	if p.Meta.Next != nil && strings.TrimSpace(*p.Meta.Next) != "" {
		ref, err := url.Parse(strings.TrimSpace(*p.Meta.Next))
		if err != nil {
			return nil, fmt.Errorf("meta.next %q is not a URL", SanitizeLine(*p.Meta.Next, 80))
		}
		next := cur.ResolveReference(ref)
		switch {
		case !sameOrigin(first, next):
			return nil, fmt.Errorf("meta.next points to another server (%s): not followed, the login goes only to %s",
				hostPort(next), hostPort(first))
		case strings.TrimRight(next.Path, "/") != strings.TrimRight(first.Path, "/"):
			return nil, fmt.Errorf("meta.next points to another list (%s): not followed", SanitizeLine(next.Path, 80))
		}
		return next, nil
	}
	total, ok := p.Meta.TotalCount.int()
	if !ok || read >= total || len(p.Objects) == 0 {
		return nil, nil
	}
	// no next, but more objects left: ask for them by offset
	next := *first
	q := next.Query()
	q.Set("offset", strconv.Itoa(read))
	next.RawQuery = q.Encode()
	return &next, nil
}

// page reads and decodes one page.
func (m *managerReader) page(ctx context.Context, rawURL, what string) (*tastypiePage, error) {
	m.mu.Lock()
	m.requests++
	m.mu.Unlock()
	ex, rerr := m.s.Do(ctx, http.MethodGet, rawURL, nil, http.Header{"Accept": {"application/json"}})
	if rerr != nil {
		return nil, &listError{rerr.State, rerr.Reason}
	}
	m.mu.Lock()
	if m.first == nil {
		m.first = ex
	}
	m.mu.Unlock()
	if st, reason := managerHTTPStatus(ex, m.haveAuth); reason != "" {
		return nil, &listError{st, what + ": " + reason}
	}
	if ex.Truncated {
		return nil, &listError{nagios.Unknown, fmt.Sprintf("%s: a page is larger than %s (--max-body): not read",
			what, FormatBytes(int64(len(ex.Body))))}
	}
	p, err := decodePage(ex.Body)
	if err != nil {
		return nil, &listError{nagios.Unknown, what + ": " + err.Error()}
	}
	p.size = len(ex.Body)
	return p, nil
}

// decodePage reads one page of a list; its error reads after "LIST: ".
func decodePage(body []byte) (*tastypiePage, error) {
	var p tastypiePage
	if _, err := DecodeJSON(body); err != nil {
		return nil, errors.New("the answer is " + err.Error())
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Meta == nil || p.Objects == nil {
		return nil, errors.New("the answer is JSON but not a list of the management API (no meta and objects): " +
			Quote(string(body), 60))
	}
	return &p, nil
}

// managerHTTPStatus turns an answer that is not a 2xx into a reason.
func managerHTTPStatus(ex *Exchange, withLogin bool) (nagios.State, string) {
	switch code := ex.Status; {
	case code >= 200 && code < 300:
		return nagios.OK, ""
	case authProblem(ex, withLogin) != "":
		return CredentialsRefused, authProblem(ex, withLogin)
	case code == http.StatusUnauthorized:
		return CredentialsMissing, "the management API needs a login: give -u and --password-env (" + ex.StatusLine + ")"
	case code == http.StatusForbidden:
		return CredentialsMissing, "the account may not read it (" + ex.StatusLine + "): give it read access to the status API"
	case code == http.StatusNotFound:
		return nagios.Critical, "not a Pexip Management Node: " + ex.StatusLine + " to the management API, " + describeBody(ex)
	case code >= 300 && code < 400:
		loc := SanitizeLine(RedactURL(ex.Header.Get("Location")), 100)
		return nagios.Critical, fmt.Sprintf("redirected (%s to %s): give the Management Node's own address", ex.StatusLine, loc)
	default:
		return nagios.Critical, "answered " + ex.StatusLine + ", " + describeBody(ex)
	}
}

// jsonNumber reads a JSON number, or a string holding one, leniently: any
// other value leaves it unset rather than failing the whole object.
type jsonNumber struct {
	v  float64
	ok bool
}

func (n *jsonNumber) UnmarshalJSON(b []byte) error {
	var t jsonText
	if err := t.UnmarshalJSON(b); err != nil {
		return err
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(string(t)), 64)
	*n = jsonNumber{f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)}
	return nil
}

func (n jsonNumber) int() (int, bool) {
	if !n.ok || n.v < 0 || n.v > 1e9 {
		return 0, false
	}
	return int(n.v), true
}

// jsonBool reads true/false, or a string or number standing for one.
type jsonBool bool

func (v *jsonBool) UnmarshalJSON(b []byte) error {
	var t jsonText
	if err := t.UnmarshalJSON(b); err != nil {
		return err
	}
	s := strings.TrimSpace(strings.ToLower(string(t)))
	if bytes.Equal(bytes.TrimSpace(b), []byte("true")) {
		s = "true"
	}
	*v = s == "true" || s == "1" || s == "yes"
	return nil
}

// pexipTimeLayouts are the forms the management API writes times in: UTC
// as 2006-01-02T15:04:05.000000, sometimes with a zone, sometimes without
// the fraction (Go reads a fraction after the seconds whether or not the
// layout has one).
var pexipTimeLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05Z07:00",
}

// ParsePexipTime reads a time of the management API; a time without a zone
// is UTC.
func ParsePexipTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range pexipTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			// a zone may carry a time of year 1 out of the years a time
			// can be written in (0000-01-01T00:00:00+00:01): not a time
			// the API sends
			if u := t.UTC(); u.Year() >= 1 && u.Year() <= 9999 {
				return u, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time", SanitizeLine(s, 40))
}

// secretKey matches the keys of a management API object whose values must
// not be shown: the configuration of a node carries its SNMP community and
// passwords, and SSH keys.
var secretKey = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)pass|secret|community|private|token|credential|authorized_keys|^key$|_key$`)
})

// managerScan bounds how much of a management API answer is read for its
// secrets: the -vvv log shows its first 400 characters (Exchange.Excerpt
// reads no more than 4*400 bytes and 16 KiB of white space), and the check
// shows no configuration value, so the work stays small however large the
// page (a hostile one included).
const managerScan = 32 << 10

// managerIssued returns the secrets of a management API answer for the
// run's redactor (ClientConfig.Issued): every string under a secret key, at
// any depth, read from the answer's start. A start that is not JSON and
// names a secret (a login page) is itself taken for one: what the log
// would show of it is masked whole.
func managerIssued(ex *Exchange) []string {
	start := ex.Body[:min(len(ex.Body), managerScan)]
	secrets, isJSON := secretStrings(start, secretKey().MatchString)
	if !isJSON && secretKey().Match(start) {
		shown := ex.Body[:min(len(ex.Body), 4*400+excerptSlack)]
		return []string{string(shown), strings.TrimSpace(string(shown))}
	}
	return secrets
}
