package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/healthprobe/healthprobe/probe"
)

// targetURL is the one URL normaliser of the check kinds and the sinks: it
// trims raw, adds scheme:// when raw has no scheme, and checks that the
// result is an http or https URL with a host. what names raw in its errors
// ("URL", "NODE"), which never show a password or a secret-looking query
// value. A kind adds its own rules on the URL it returns (no query in a
// base URL, say).
func targetURL(raw, what, scheme string) (string, *url.URL, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = scheme + "://" + s
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", nil, fmt.Errorf("invalid %s %q", what, probe.RedactURLText(raw))
	case u.Scheme != "http" && u.Scheme != "https":
		return "", nil, fmt.Errorf("invalid %s %q: the scheme must be http or https", what, probe.RedactURLText(raw))
	case u.Host == "":
		return "", nil, fmt.Errorf("invalid %s %q: no host", what, probe.RedactURLText(raw))
	}
	return s, u, nil
}
