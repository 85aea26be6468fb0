package probe

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/healthprobe/healthprobe/nagios"
)

// rawServer answers every request on 127.0.0.1 with the bytes of answer,
// as they are, then closes the connection; each request's head goes to
// seen, when set.
func rawServer(t *testing.T, answer string, seen func(head string)) string {
	t.Helper()
	return "http://" + stallServer(t, nil, func(c net.Conn, _ <-chan struct{}) {
		defer c.Close()
		br := bufio.NewReader(c)
		var head strings.Builder
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
			if line == "\r\n" {
				break
			}
		}
		if seen != nil {
			seen(head.String())
		}
		_, _ = io.WriteString(c, answer)
	})
}

// TestHeaderMatchAsSent: the headers net/http takes out of the map are
// matched as the server sent them (check_curl's -d 'Transfer-Encoding:
// chunked' case).
func TestHeaderMatchAsSent(t *testing.T) {
	url := rawServer(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n"+
		"7\r\nchunked\r\n8\r\nencoding\r\n4\r\ntest\r\n0\r\nX-Sum: 42\r\n\r\n", nil)
	for _, tt := range []struct{ name, re string }{
		{"Transfer-Encoding", "^chunked$"}, {"Trailer", "^X-Sum$"}, {"Connection", "^close$"}, {"content-type", "^text/plain$"},
	} {
		r := runHTTP(t, HTTPConfig{URL: url, Keywords: []string{"chunkedencodingtest"},
			HeaderMatch: []HeaderMatch{{Name: tt.name, Re: regexp.MustCompile(tt.re)}}})
		if r.State != nagios.OK {
			t.Errorf("--header-match '%s: %s': %v %s", tt.name, tt.re, r.State, r.Summary)
		}
	}
	// Content-Length too, and a keep-alive Connection header is left alone
	url = rawServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok", nil)
	r := runHTTP(t, HTTPConfig{URL: url, HeaderMatch: []HeaderMatch{
		{Name: "Content-Length", Re: regexp.MustCompile(`^2$`)}, {Name: "Connection", Re: regexp.MustCompile(`^keep-alive$`)}}})
	if r.State != nagios.OK {
		t.Errorf("%v %s", r.State, r.Summary)
	}
}

// headerServer answers with each value of values as a header of its own
// named name (blackbox_exporter's header match tables).
func headerServer(t *testing.T) string {
	return plainServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, v := range r.URL.Query()["v"] {
			w.Header().Add(r.URL.Query().Get("h"), v)
		}
	})).URL
}

// TestHeaderMatchEachValue translates blackbox_exporter's
// TestFailIfHeaderMatchesRegexp and TestFailIfHeaderNotMatchesRegexp: each
// value of a repeated header is matched alone, a missing header fails
// unless allowed.
func TestHeaderMatchEachValue(t *testing.T) {
	base := headerServer(t)
	cookie1 := "zz=4; expires=Mon, 01-Jan-1990 00:00:00 GMT; Domain=www.example.com; Path=/"
	cookie2 := "gid=1; Expires=Tue, 19-Mar-2019 20:08:29 GMT; Domain=.example.com; Path=/"
	tests := []struct {
		header, re   string
		negate, miss bool
		values       []string
		ok           bool
	}{
		// fail_if_header_matches
		{"Content-Type", "text/javascript", true, false, []string{"text/javascript"}, false},
		{"Content-Type", "text/javascript", true, false, []string{"application/octet-stream"}, true},
		{"content-type", "text/javascript", true, false, []string{"application/octet-stream"}, true},
		{"Content-Type", ".*", true, false, []string{""}, false},
		{"Content-Type", ".*", true, false, nil, false},
		{"Content-Type", ".*", true, true, []string{""}, false},
		{"Content-Type", ".*", true, true, nil, true},
		{"Set-Cookie", `.*Domain=\.example\.com.*`, true, false, []string{cookie2}, false},
		{"Set-Cookie", `.*Domain=\.example\.com.*`, true, false, []string{cookie1, cookie2}, false},
		// fail_if_header_not_matches
		{"Content-Type", "text/javascript", false, false, []string{"text/javascript"}, true},
		{"content-type", "text/javascript", false, false, []string{"text/javascript"}, true},
		{"Content-Type", "text/javascript", false, false, []string{"application/octet-stream"}, false},
		{"Content-Type", ".*", false, false, []string{""}, true},
		{"Content-Type", ".*", false, false, nil, false},
		{"Content-Type", ".*", false, true, nil, true},
		{"Set-Cookie", `.*Domain=\.example\.com.*`, false, false, []string{cookie1}, false},
		{"Set-Cookie", `.*Domain=\.example\.com.*`, false, false, []string{cookie1, cookie2}, true},
		// an anchored pattern sees one value at a time, not the values joined
		{"Set-Cookie", `^gid=`, false, false, []string{cookie1, cookie2}, true},
	}
	for i, tt := range tests {
		q := "?h=" + tt.header
		for _, v := range tt.values {
			q += "&v=" + strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(v, " ", "+"), ";", "%3B"), ",", "%2C")
		}
		r := runHTTP(t, HTTPConfig{URL: base + "/" + q,
			HeaderMatch: []HeaderMatch{{Name: tt.header, Re: regexp.MustCompile(tt.re), Negate: tt.negate, AllowMissing: tt.miss}}})
		if got := r.State == nagios.OK; got != tt.ok {
			t.Errorf("case %d %+v: %v %s", i, tt, r.State, r.Summary)
		}
	}
}

func TestHeaderMatchTexts(t *testing.T) {
	base := headerServer(t)
	tests := []struct {
		m    HeaderMatch
		q    string
		want string
	}{
		{HeaderMatch{Name: "X-A", Re: regexp.MustCompile("^b")}, "?h=X-A&v=a&v=b", `header X-A "b" matches`},
		{HeaderMatch{Name: "X-A", Re: regexp.MustCompile("^c")}, "?h=X-A&v=a&v=b", `header X-A "a", "b" does not match "^c"`},
		{HeaderMatch{Name: "X-A", Re: regexp.MustCompile("^b"), Negate: true}, "?h=X-A&v=a&v=b", `header X-A "b" matches "^b", must not`},
		{HeaderMatch{Name: "X-A", Re: regexp.MustCompile("^c"), Negate: true}, "?h=X-A&v=a&v=b", `header X-A does not match "^c"`},
		{HeaderMatch{Name: "X-A", Re: regexp.MustCompile("^c"), AllowMissing: true}, "", `header X-A absent (allowed)`},
		{HeaderMatch{Name: "X-A", Re: regexp.MustCompile("^c"), Negate: true}, "", `header X-A missing`},
	}
	for _, tt := range tests {
		r := runHTTP(t, HTTPConfig{URL: base + "/" + tt.q, HeaderMatch: []HeaderMatch{tt.m}})
		d := detailsWith(r, "header")
		if len(d) != 1 || d[0].Text != tt.want {
			t.Errorf("%+v: got %+v, want %q", tt.m, d, tt.want)
		}
	}
}

// TestUserAgentHeaderWins: -H 'User-Agent: x' is sent as given, not
// overwritten by -A's default; the method is sent as given, case and all.
func TestUserAgentHeaderWins(t *testing.T) {
	var mu sync.Mutex
	var heads []string
	url := rawServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", func(h string) {
		mu.Lock()
		heads = append(heads, h)
		mu.Unlock()
	})
	runHTTP(t, HTTPConfig{URL: url, Client: ClientConfig{UserAgent: "healthprobe/dev"}})
	runHTTP(t, HTTPConfig{URL: url, Method: "foo", Client: ClientConfig{UserAgent: "healthprobe/dev", Headers: http.Header{"User-Agent": {"mine/1.0"}}}})
	mu.Lock()
	defer mu.Unlock()
	if len(heads) != 2 {
		t.Fatalf("%d requests", len(heads))
	}
	ua := func(head string) string {
		r := textproto.NewReader(bufio.NewReader(strings.NewReader(head)))
		line, _ := r.ReadLine()
		h, _ := r.ReadMIMEHeader()
		return line + " | " + strings.Join(h.Values("User-Agent"), ",")
	}
	if got := ua(heads[0]); !strings.HasPrefix(got, "GET / HTTP/1.1 | healthprobe/dev") {
		t.Errorf("default: %q", got)
	}
	if got := ua(heads[1]); !strings.HasPrefix(got, "foo / HTTP/1.1 | mine/1.0") {
		t.Errorf("with -X foo -H 'User-Agent: mine/1.0': %q", got)
	}
}
