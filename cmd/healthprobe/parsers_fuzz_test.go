package main

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseHeaders: an accepted -H has a token name and a value without
// control characters; a refusal is one line.
func FuzzParseHeaders(f *testing.F) {
	for _, s := range []string{"X-A: 1", "Host: example.com", "bad", ": v", "X: a\x00b", "X A: b", "X:\tv"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		h, err := parseHeaders([]string{raw})
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("%q: %q", raw, err)
			}
			return
		}
		for name, vs := range h {
			if !isToken(name) {
				t.Fatalf("%q: name %q", raw, name)
			}
			for _, v := range vs {
				if headerSafe("v", v) != nil {
					t.Fatalf("%q: value %q", raw, v)
				}
			}
		}
	})
}

// FuzzTargets: URL, NODE and HOST arguments either give an http(s) URL
// with a host or are refused in one line.
func FuzzTargets(f *testing.F) {
	for _, s := range []string{"example.com", "http://h:8077/status", "https://[::1]:443", "h:99999", "ftp://x", "u:p@h", "%zz", "h/x?y"} {
		f.Add(s, 8077, false)
	}
	f.Fuzz(func(t *testing.T, s string, port int, portSet bool) {
		check := func(what, u string, err error) {
			if err != nil {
				if strings.ContainsAny(err.Error(), "\r\n") {
					t.Fatalf("%s %q: %q", what, s, err)
				}
				return
			}
			pu, perr := url.Parse(u)
			if perr != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
				t.Fatalf("%s %q gave %q", what, s, u)
			}
		}
		u, _, err := targetURL(s, "URL", "http")
		check("URL", u, err)
		u, err = pexipBaseURL(s)
		check("NODE", u, err)
		u, err = itgrixBaseURL(s, port, "http", portSet, false)
		check("HOST", u, err)
	})
}

// FuzzJQFlags: any sequence of jq flags and values gives assertions or an
// error (run() makes every error one line; FuzzCommandLine checks that).
func FuzzJQFlags(f *testing.F) {
	f.Add([]byte{0, 2, 5}, ".a\x001:5\x00a")
	f.Add([]byte{4}, "x")
	f.Add([]byte{0, 5}, ".[\x00(")
	names := []string{"jq", "jq-warning", "jq-critical", "jq-label", "jq-equals", "jq-regex", "jq-state"}
	f.Fuzz(func(t *testing.T, flags []byte, values string) {
		vs := strings.Split(values, "\x00")
		var o jqFlags
		for i, b := range flags {
			v := ""
			if i < len(vs) {
				v = vs[i]
			}
			o.items = append(o.items, jqItem{flag: names[int(b)%len(names)], value: v})
		}
		a, err := o.build()
		if err != nil && err.Error() == "" || err == nil && len(o.items) > 0 && flags[0]%7 == 0 && len(a) != 1 {
			t.Fatalf("%v %q: %v %v", flags, values, a, err)
		}
	})
}
