package notify

import (
	"bytes"
	"crypto/md5" //nolint:gosec // the WMSPanel protocol signs with MD5
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// WMSPanelTimeLayout is the "time" of a WMSPanel push, always in UTC.
const WMSPanelTimeLayout = "2006-01-02 15:04:05 UTC"

// WMSPanelPayload is the body of a WMSPanel server-offline push.
type WMSPanelPayload struct {
	Time   string `json:"time"`
	Digest string `json:"digest"`
	Server string `json:"server"`
	Status string `json:"status"`
}

// WMSPanelDigest is hex(MD5(time + token)).
func WMSPanelDigest(time, token string) string {
	sum := md5.Sum([]byte(time + token)) //nolint:gosec // protocol
	return hex.EncodeToString(sum[:])
}

// wmsStatus maps a state to the WMSPanel status: a server that fails its
// check (CRITICAL) or cannot be checked (UNKNOWN) is offline; OK and
// WARNING (it answers, with a complaint) are online, as is a check not
// run before (PENDING).
func wmsStatus(state string) string {
	switch state {
	case "CRITICAL", "UNKNOWN":
		return "offline"
	}
	return "online"
}

func wmsPayload(ev Event, token, server string) WMSPanelPayload {
	if server == "" {
		server = targetHost(ev.Target)
	}
	t := ev.Time.UTC().Format(WMSPanelTimeLayout)
	return WMSPanelPayload{Time: t, Digest: WMSPanelDigest(t, token), Server: server, Status: wmsStatus(ev.State)}
}

// targetHost is the host name of a URL target, or a target's first word.
func targetHost(target string) string {
	if u, err := url.Parse(target); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	host, _, _ := strings.Cut(target, "/")
	host, _, _ = strings.Cut(host, " ")
	return host
}

// Errors of VerifyWMSPanel.
var (
	ErrMalformed      = errors.New("malformed payload")
	ErrDigestMismatch = errors.New("digest does not match")
)

// VerifyWMSPanel checks a received payload against the token, comparing
// digests in constant time. The error wraps ErrMalformed (not a payload) or
// ErrDigestMismatch (a payload not signed with this token).
func VerifyWMSPanel(body []byte, token string) (WMSPanelPayload, error) {
	var p WMSPanelPayload
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&p); err != nil {
		var ue *json.UnmarshalTypeError
		if errors.As(err, &ue) {
			if ue.Field == "" {
				return p, fmt.Errorf("%w: not a JSON object (%s)", ErrMalformed, ue.Value)
			}
			return p, fmt.Errorf("%w: %q is a %s, not a string", ErrMalformed, ue.Field, ue.Value)
		}
		switch {
		case errors.Is(err, io.EOF):
			return p, fmt.Errorf("%w: empty, not a JSON object", ErrMalformed)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return p, fmt.Errorf("%w: the JSON ends early", ErrMalformed)
		}
		return p, fmt.Errorf("%w: %s", ErrMalformed, oneLine(strings.TrimPrefix(err.Error(), "json: ")))
	}
	if dec.More() {
		return p, fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	switch {
	case p.Time == "":
		return p, fmt.Errorf("%w: no \"time\"", ErrMalformed)
	case p.Digest == "":
		return p, fmt.Errorf("%w: no \"digest\"", ErrMalformed)
	}
	want := WMSPanelDigest(p.Time, token)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(p.Digest)), []byte(want)) != 1 {
		return p, ErrDigestMismatch
	}
	return p, nil
}
