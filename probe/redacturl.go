package probe

import (
	"net/url"
	"regexp"
	"sync"

	"github.com/healthprobe/healthprobe/redact"
)

// In a URL that does not parse: the userinfo, and a query parameter with
// its value (masked when redact.SecretName says its name is a secret's).
var (
	rawUserinfo = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`://[^/?#@]*@`) })
	rawParam    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`([?&])([^=&#]*)=[^&#]*`) })
)

// RedactURLText redacts a URL by its text, as one line: for a URL template
// (placeholders stay as written) or a URL that does not parse.
func RedactURLText(raw string) string {
	s := rawUserinfo().ReplaceAllString(raw, "://xxxxx@")
	s = rawParam().ReplaceAllStringFunc(s, func(m string) string {
		sub := rawParam().FindStringSubmatch(m)
		if !redact.SecretName(sub[2]) {
			return m
		}
		return sub[1] + sub[2] + "=xxxxx"
	})
	return SanitizeLine(s, 200)
}

// RedactURL removes a password and secret-looking query values
// (redact.SecretName) from a URL.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return RedactURLText(raw)
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	changed := false
	for k := range q {
		if redact.SecretName(k) {
			q[k] = []string{"xxxxx"}
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}
