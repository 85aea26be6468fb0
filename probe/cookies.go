package probe

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CookieJar keeps the cookies of one check across its redirects (a login
// or consent redirect sets a cookie the next hop wants), and can be shared
// by the steps of a multi-step check, or loaded from and saved to a
// Netscape cookie file (curl's --cookie-jar, check_curl's too).
//
// net/http/cookiejar cannot list what it holds, which saving needs; this
// jar keeps RFC 6265's storage model (host-only and domain cookies, path
// matching, Secure, expiry) without a public suffix list, as
// net/http/cookiejar does when given none. Set-Cookie is parsed by
// net/http.
type CookieJar struct {
	mu      sync.Mutex
	entries map[cookieKey]*cookieEntry
	seq     uint64 // creation order, for equal path lengths
	now     func() time.Time
}

type cookieKey struct{ domain, path, name string }

type cookieEntry struct {
	value    string
	hostOnly bool
	secure   bool
	httpOnly bool
	expires  time.Time // zero: a session cookie
	created  uint64
}

// NewCookieJar returns an empty jar.
func NewCookieJar() *CookieJar {
	return &CookieJar{entries: map[cookieKey]*cookieEntry{}, now: time.Now}
}

// maxCookies caps what a jar holds: a server may set cookies without end.
const maxCookies = 3000

// SetCookies stores the cookies a response from u set.
func (j *CookieJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	host, ok := cookieHost(u)
	if !ok {
		return
	}
	now := j.now()
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range cookies {
		k := cookieKey{name: c.Name, path: c.Path}
		e := &cookieEntry{value: c.Value, secure: c.Secure, httpOnly: c.HttpOnly}
		if k.path == "" || k.path[0] != '/' {
			k.path = defaultCookiePath(u.EscapedPath())
		}
		switch d := strings.TrimPrefix(strings.ToLower(c.Domain), "."); {
		case d == "" || d == host:
			k.domain, e.hostOnly = host, d == ""
		case net.ParseIP(host) != nil || !strings.HasSuffix(host, "."+d):
			continue // a domain the host is not in, or an IP address's: refused
		default:
			k.domain = d
		}
		if e.secure && u.Scheme != "https" {
			continue
		}
		switch {
		case c.MaxAge < 0:
			delete(j.entries, k)
			continue
		case c.MaxAge > 0:
			e.expires = now.Add(time.Duration(c.MaxAge) * time.Second)
		case !c.Expires.IsZero():
			if !c.Expires.After(now) {
				delete(j.entries, k)
				continue
			}
			e.expires = c.Expires
		}
		if old, ok := j.entries[k]; ok {
			e.created = old.created
		} else {
			if len(j.entries) >= maxCookies {
				continue
			}
			j.seq++
			e.created = j.seq
		}
		j.entries[k] = e
	}
}

// Cookies returns the cookies to send with a request to u: longest path
// first, then the oldest.
func (j *CookieJar) Cookies(u *url.URL) []*http.Cookie {
	host, ok := cookieHost(u)
	if !ok {
		return nil
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	now := j.now()
	j.mu.Lock()
	defer j.mu.Unlock()
	type match struct {
		k cookieKey
		e *cookieEntry
	}
	var ms []match
	for k, e := range j.entries {
		switch {
		case !e.expires.IsZero() && !e.expires.After(now):
			delete(j.entries, k)
			continue
		case e.secure && u.Scheme != "https":
			continue
		case e.hostOnly && host != k.domain:
			continue
		case !e.hostOnly && host != k.domain && !strings.HasSuffix(host, "."+k.domain):
			continue
		case !pathMatch(path, k.path):
			continue
		}
		ms = append(ms, match{k, e})
	}
	slices.SortFunc(ms, func(a, b match) int {
		if d := len(b.k.path) - len(a.k.path); d != 0 {
			return d
		}
		return int(a.e.created) - int(b.e.created)
	})
	out := make([]*http.Cookie, len(ms))
	for i, m := range ms {
		out[i] = &http.Cookie{Name: m.k.name, Value: m.e.value}
	}
	return out
}

// Values lists the values of the cookies held: they are credentials, for
// the run's redaction.
func (j *CookieJar) Values() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var vs []string
	for _, e := range j.entries {
		vs = append(vs, e.value)
	}
	return vs
}

// Len is the number of cookies held.
func (j *CookieJar) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.entries)
}

func cookieHost(u *url.URL) (string, bool) {
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", false
	}
	h := strings.ToLower(u.Hostname())
	return strings.TrimSuffix(h, "."), h != ""
}

// defaultCookiePath is RFC 6265 5.1.4's default-path of a request path.
func defaultCookiePath(p string) string {
	i := strings.LastIndex(p, "/")
	if p == "" || p[0] != '/' || i == 0 {
		return "/"
	}
	return p[:i]
}

// pathMatch is RFC 6265 5.1.4's path-match.
func pathMatch(reqPath, cookiePath string) bool {
	switch {
	case reqPath == cookiePath:
		return true
	case !strings.HasPrefix(reqPath, cookiePath):
		return false
	}
	return strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
}

// The Netscape cookie file (curl's): one cookie a line, seven fields
// separated by tabs: domain, whether subdomains match (TRUE/FALSE), path,
// Secure (TRUE/FALSE), expiry (Unix seconds, 0 for a session cookie),
// name, value. A domain cookie's domain starts with a dot; "#HttpOnly_"
// before the domain marks HttpOnly; other lines starting with # are
// comments.

const httpOnlyPrefix = "#HttpOnly_"

// maxCookieLine caps a line of a cookie file.
const maxCookieLine = 16 << 10

// LoadNetscape adds the cookies of a Netscape cookie file's text to the
// jar (expired ones are dropped). A line that is not a cookie is an error
// naming its number.
func (j *CookieJar) LoadNetscape(data []byte) error {
	now := j.now()
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxCookieLine)
	j.mu.Lock()
	defer j.mu.Unlock()
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		httpOnly := strings.HasPrefix(line, httpOnlyPrefix)
		line = strings.TrimPrefix(line, httpOnlyPrefix)
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			return fmt.Errorf("line %d: %d fields, want 7 separated by tabs", n, len(f))
		}
		domain := strings.ToLower(f[0])
		hostOnly := !strings.HasPrefix(domain, ".") && f[1] != "TRUE"
		domain = strings.TrimPrefix(domain, ".")
		exp, err := strconv.ParseInt(f[4], 10, 64)
		if err != nil || exp < 0 || domain == "" || !strings.HasPrefix(f[2], "/") || !validCookieName(f[5]) {
			return fmt.Errorf("line %d: not a cookie (domain, TRUE/FALSE, path, TRUE/FALSE, expiry, name, value)", n)
		}
		e := &cookieEntry{value: f[6], hostOnly: hostOnly, secure: f[3] == "TRUE", httpOnly: httpOnly}
		if exp > 0 {
			e.expires = time.Unix(min(exp, 1<<40), 0)
			if !e.expires.After(now) {
				continue
			}
		}
		k := cookieKey{domain: domain, path: f[2], name: f[5]}
		if _, ok := j.entries[k]; !ok {
			if len(j.entries) >= maxCookies {
				return fmt.Errorf("more than %d cookies", maxCookies)
			}
			j.seq++
			e.created = j.seq
		}
		j.entries[k] = e
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("a line longer than %s", FormatBytes(maxCookieLine))
	}
	return nil
}

func validCookieName(s string) bool { return s != "" && isTokenText(s) }

func isTokenText(s string) bool {
	for _, r := range s {
		if r <= 0x20 || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

// Netscape renders the jar as a Netscape cookie file, session cookies
// included (with expiry 0, as curl writes them), in a stable order.
func (j *CookieJar) Netscape() []byte {
	j.mu.Lock()
	defer j.mu.Unlock()
	keys := make([]cookieKey, 0, len(j.entries))
	for k := range j.entries {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b cookieKey) int {
		return strings.Compare(a.domain+"\x00"+a.path+"\x00"+a.name, b.domain+"\x00"+b.path+"\x00"+b.name)
	})
	var b bytes.Buffer
	b.WriteString("# Netscape HTTP Cookie File\n# written by healthprobe: the cookies of its last run\n\n")
	tf := func(v bool) string {
		if v {
			return "TRUE"
		}
		return "FALSE"
	}
	for _, k := range keys {
		e := j.entries[k]
		domain := k.domain
		if !e.hostOnly {
			domain = "." + domain
		}
		if e.httpOnly {
			domain = httpOnlyPrefix + domain
		}
		var exp int64
		if !e.expires.IsZero() {
			exp = e.expires.Unix()
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", domain, tf(!e.hostOnly), k.path, tf(e.secure), exp, k.name, oneLine(e.value))
	}
	return b.Bytes()
}

// oneLine keeps a value on its line of the file.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
}
