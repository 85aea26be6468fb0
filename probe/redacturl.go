package probe

import (
	"net/url"
	"regexp"
	"sync"
)

// secretQuery matches query parameter names whose values are credentials.
var secretQuery = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)key|token|pass|secret|pin|auth|sig`)
})

// In a URL that does not parse: the userinfo, and a secret-looking query
// parameter with its value (the same names as secretQuery).
var (
	rawUserinfo    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`://[^/?#@]*@`) })
	rawSecretParam = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)([?&][^=&#]*(?:key|token|pass|secret|pin|auth|sig)[^=&#]*=)[^&#]*`)
	})
)

// RedactURLText redacts a URL by its text, as one line: for a URL template
// (placeholders stay as written) or a URL that does not parse.
func RedactURLText(raw string) string {
	s := rawUserinfo().ReplaceAllString(raw, "://xxxxx@")
	return SanitizeLine(rawSecretParam().ReplaceAllString(s, "${1}xxxxx"), 200)
}

// RedactURL removes a password and secret-looking query values from a URL.
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
		if secretQuery().MatchString(k) {
			q[k] = []string{"xxxxx"}
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}
