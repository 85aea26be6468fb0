package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// The Pexip Infinity client API (v2) wraps every answer in an envelope:
// {"status": "success", "result": ...}. result is an object on 200, and on
// 403/404 an object (PIN, Virtual Reception, SSO) or a plain string
// ("Invalid PIN", "Neither conference nor gateway found").
type pexipEnvelope struct {
	Status string          `json:"status"`
	Result json.RawMessage `json:"result"`
}

// pexipGrant is the result of a successful request_token. Only the token is
// strict; the rest is read leniently, since it only decorates the output.
type pexipGrant struct {
	Token              string          `json:"-"`
	Expires            jsonText        `json:"expires"`
	Role               jsonText        `json:"role"`
	ServiceType        jsonText        `json:"service_type"`
	CurrentServiceType jsonText        `json:"current_service_type"`
	ConferenceName     jsonText        `json:"conference_name"`
	Version            json.RawMessage `json:"version"`
}

type pexipVersion struct {
	VersionID     jsonText `json:"version_id"`
	PseudoVersion jsonText `json:"pseudo_version"`
}

// pexipRefusal is the object result of a 403 to request_token.
type pexipRefusal struct {
	PIN                 jsonText        `json:"pin"`
	GuestPIN            jsonText        `json:"guest_pin"`
	ConferenceExtension jsonText        `json:"conference_extension"`
	IDP                 json.RawMessage `json:"idp"`
	RedirectURL         jsonText        `json:"redirect_url"`
	RedirectIDP         json.RawMessage `json:"redirect_idp"`
}

type pexipIDP struct {
	Name jsonText `json:"name"`
}

// jsonText reads a JSON string or number as text, and anything else
// (null, true, an object) as empty, without failing the whole decode.
type jsonText string

func (t *jsonText) UnmarshalJSON(b []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	switch v := v.(type) {
	case string:
		*t = jsonText(v)
	case json.Number:
		*t = jsonText(v.String())
	default:
		*t = ""
	}
	return nil
}

// defaultTokenLifetime is Pexip's token lifetime, used when an answer does
// not state it.
const defaultTokenLifetime = 120 * time.Second

// lifetime is how long the token stays valid (and the call visible).
func (g *pexipGrant) lifetime() time.Duration {
	f, err := strconv.ParseFloat(strings.TrimSpace(string(g.Expires)), 64)
	if err != nil || f <= 0 || f > 86400 {
		return defaultTokenLifetime
	}
	return time.Duration(f * float64(time.Second))
}

// role is the participant role in upper case, "an unknown role" when absent.
func (g *pexipGrant) role() string {
	if r := SanitizeLine(string(g.Role), 20); r != "" {
		return strings.ToUpper(r)
	}
	return "an unknown role"
}

// version renders the node's software version: "Infinity 36 (pseudo 79050.0.0)".
func (g *pexipGrant) version() string {
	var v pexipVersion
	if len(g.Version) == 0 || json.Unmarshal(g.Version, &v) != nil || v.VersionID == "" {
		return "Infinity version not reported"
	}
	s := "Infinity " + SanitizeLine(string(v.VersionID), 20)
	if v.PseudoVersion != "" {
		s += " (pseudo " + SanitizeLine(string(v.PseudoVersion), 30) + ")"
	}
	return s
}

// service describes what took the call: `test_call "Edge test call"`.
func (g *pexipGrant) service() string {
	st := g.CurrentServiceType
	if st == "" {
		st = g.ServiceType
	}
	var parts []string
	if st != "" {
		parts = append(parts, "service "+SanitizeLine(string(st), 30))
	}
	if g.ConferenceName != "" {
		parts = append(parts, Quote(string(g.ConferenceName), 60))
	}
	return strings.Join(parts, " ")
}

// tokenAnswer is what an answer to request_token means for the operator.
type tokenAnswer struct {
	state nagios.State
	text  string      // one line, free of the token
	grant *pexipGrant // set whenever the node issued a token: it must be released
}

// readRequestToken interprets an answer to request_token for the given alias.
// It never fails: every answer, however malformed, maps to a state and a
// one-line reason. The token is never part of the text.
func readRequestToken(ex *Exchange, alias string, pinGiven, withLogin bool) tokenAnswer {
	q := SanitizeLine(alias, 80)
	var env pexipEnvelope
	envErr := json.Unmarshal(ex.Body, &env)
	switch code := ex.Status; {
	case code == http.StatusOK:
		return readGrant(ex, env, envErr, q)
	case code == http.StatusForbidden:
		return readRefusal(ex, env, envErr, q, pinGiven)
	case code == http.StatusNotFound:
		if msg, ok := resultString(ex.Body, env, envErr); ok {
			return tokenAnswer{state: nagios.Critical,
				text: fmt.Sprintf("no service matches alias %s on this node (404: %s)", q, ex.Quote(msg, 80))}
		}
		return tokenAnswer{state: nagios.Critical,
			text: fmt.Sprintf("not a Pexip Infinity node: %s to the client API, %s", ex.StatusLine, describeBody(ex))}
	case code == http.StatusUnauthorized:
		if p := authProblem(ex, withLogin); p != "" {
			return tokenAnswer{state: CredentialsRefused, text: p}
		}
		return tokenAnswer{state: CredentialsMissing, text: "HTTP authentication required (" + ex.StatusLine +
			"): the node or a proxy in front of it asks for a login (give -u and --password-env)"}
	case code == http.StatusServiceUnavailable:
		return tokenAnswer{state: nagios.Critical,
			text: "node refuses new calls (" + ex.StatusLine + "): overloaded or in maintenance mode" + serverSays(ex, env, envErr)}
	case code == http.StatusBadGateway || code == http.StatusGatewayTimeout:
		return tokenAnswer{state: nagios.Critical,
			text: "node unavailable: " + ex.StatusLine + " from a proxy or load balancer in front of it"}
	case code >= 500:
		return tokenAnswer{state: nagios.Critical,
			text: "node failed to take the call (" + ex.StatusLine + ")" + serverSays(ex, env, envErr)}
	case code >= 300 && code < 400:
		loc := ex.Line(RedactURL(ex.Header.Get("Location")), 100)
		return tokenAnswer{state: nagios.Critical,
			text: fmt.Sprintf("request_token was redirected (%s to %s): give the node's own address as NODE", ex.StatusLine, loc)}
	}
	return tokenAnswer{state: nagios.Critical,
		text: "unexpected answer to request_token: " + ex.StatusLine + ", " + describeBody(ex)}
}

func readGrant(ex *Exchange, env pexipEnvelope, envErr error, q string) tokenAnswer {
	fail := func(format string, args ...any) tokenAnswer {
		return tokenAnswer{state: nagios.Critical, text: fmt.Sprintf(format, args...)}
	}
	if envErr != nil {
		// never quote a 200 body: it may hold a token
		switch {
		case ex.Truncated:
			return fail("request_token answer cut at %s (--max-body): no token could be read, so the call stays in the Live View until it expires", FormatBytes(int64(len(ex.Body))))
		case bodyIsHTML(ex):
			return fail("request_token answered %s with an HTML page, not Pexip JSON: not a Pexip Infinity node?", ex.StatusLine)
		case len(bytes.TrimSpace(ex.Body)) == 0:
			return fail("request_token answered %s with an empty body, not Pexip JSON", ex.StatusLine)
		}
		return fail("request_token answered %s but not with Pexip JSON (%s)", ex.StatusLine, ex.Line(jsonReason(envErr), 80))
	}
	g := &pexipGrant{}
	var tok struct {
		Token string `json:"token"`
	}
	if json.Unmarshal(env.Result, &tok) != nil || tok.Token == "" {
		if msg, ok := resultString(nil, env, nil); ok {
			return fail("request_token answered %s without a token: %s", ex.StatusLine, ex.Quote(msg, 80))
		}
		return fail("request_token answered %s without a token", ex.StatusLine)
	}
	g.Token = tok.Token
	_ = json.Unmarshal(env.Result, g) // lenient: the decoration may be missing
	if env.Status != "success" {
		return tokenAnswer{state: nagios.Critical, grant: g,
			text: fmt.Sprintf("alias %s: request_token answered status %s, not \"success\"", q, ex.Quote(env.Status, 80))}
	}
	text := fmt.Sprintf("alias %s: call accepted as %s", q, g.role())
	if s := g.service(); s != "" {
		text += " by " + s
	}
	return tokenAnswer{state: nagios.OK, text: text, grant: g}
}

func readRefusal(ex *Exchange, env pexipEnvelope, envErr error, q string, pinGiven bool) tokenAnswer {
	warn := func(format string, args ...any) tokenAnswer {
		return tokenAnswer{state: nagios.Warning, text: fmt.Sprintf(format, args...)}
	}
	pin := func(st nagios.State, format string, args ...any) tokenAnswer {
		return tokenAnswer{state: st, text: fmt.Sprintf(format, args...)}
	}
	if msg, ok := resultString(ex.Body, env, envErr); ok {
		if strings.Contains(strings.ToLower(msg), "pin") {
			if !pinGiven {
				return tokenAnswer{state: CredentialsMissing, text: fmt.Sprintf("alias %s needs a PIN and none was given (403: %s; use --pin-env or --pin-file)", q, ex.Quote(msg, 80))}
			}
			return tokenAnswer{state: CredentialsRefused, text: fmt.Sprintf("alias %s: PIN refused (403: %s)", q, ex.Quote(msg, 80))}
		}
		return tokenAnswer{state: nagios.Critical, text: fmt.Sprintf("alias %s: call refused (403: %s)", q, ex.Quote(msg, 80))}
	}
	var ref pexipRefusal
	if envErr != nil || json.Unmarshal(env.Result, &ref) != nil {
		return tokenAnswer{state: nagios.Critical, text: fmt.Sprintf("alias %s: call refused (%s), %s", q, ex.StatusLine, describeBody(ex))}
	}
	switch {
	case ref.RedirectURL != "" || len(ref.RedirectIDP) > 0:
		var idp pexipIDP
		_ = json.Unmarshal(ref.RedirectIDP, &idp)
		via := ""
		if idp.Name != "" {
			via = " via " + Quote(string(idp.Name), 40)
		}
		return warn("alias %s needs single sign-on%s: the probe cannot sign in; point --alias at a service without SSO", q, via)
	case len(ref.IDP) > 0:
		var idps []pexipIDP
		_ = json.Unmarshal(ref.IDP, &idps)
		return warn("alias %s needs single sign-on%s: the probe cannot sign in; point --alias at a service without SSO", q, idpNames(idps))
	case ref.PIN == "required" && ref.GuestPIN != "required":
		if pinGiven {
			return pin(CredentialsRefused, "alias %s: the PIN given was not accepted (a host PIN is required; guests join without one)", q)
		}
		return pin(CredentialsMissing, "alias %s needs a host PIN and none was given; guests join without one (--guest joins as a guest)", q)
	case ref.PIN == "required" || ref.GuestPIN == "required":
		if pinGiven {
			return pin(CredentialsRefused, "alias %s: the PIN given was not accepted (a PIN is required)", q)
		}
		return pin(CredentialsMissing, "alias %s needs a PIN and none was given (use --pin-env or --pin-file)", q)
	case ref.ConferenceExtension != "":
		return warn("alias %s is a Virtual Reception: it asks for the number of a conference to join; point --alias at a conference or test call service", q)
	}
	return tokenAnswer{state: nagios.Critical, text: fmt.Sprintf("alias %s: call refused (%s), %s", q, ex.StatusLine, describeBody(ex))}
}

func idpNames(idps []pexipIDP) string {
	var names []string
	for _, p := range idps {
		if p.Name != "" && len(names) < 3 {
			names = append(names, Quote(string(p.Name), 40))
		}
	}
	switch {
	case len(names) == 0:
		return ""
	case len(idps) > len(names):
		names = append(names, "…")
	}
	return " (identity providers " + strings.Join(names, ", ") + ")"
}

// resultString returns a string answer: a body that is one JSON string, or
// an envelope whose result is a string.
func resultString(body []byte, env pexipEnvelope, envErr error) (string, bool) {
	var s string
	if body != nil && json.Unmarshal(body, &s) == nil {
		return s, true
	}
	if envErr == nil && json.Unmarshal(env.Result, &s) == nil {
		return s, true
	}
	return "", false
}

// serverSays adds the node's own words to a 5xx reason, when it gave any.
func serverSays(ex *Exchange, env pexipEnvelope, envErr error) string {
	if msg, ok := resultString(ex.Body, env, envErr); ok && msg != "" {
		return ": " + ex.Quote(msg, 80)
	}
	return ""
}

// describeBody says what a non-Pexip answer was, for a reason line. Only
// used for answers that cannot carry a token.
func describeBody(ex *Exchange) string {
	switch {
	case len(bytes.TrimSpace(ex.Body)) == 0:
		return "empty answer"
	case bodyIsHTML(ex):
		return "an HTML page"
	}
	return "answer " + ex.QuoteBody(60)
}

// jsonReason is a decoding error without Go type names.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn) && strings.Contains(syn.Error(), "unexpected end"):
		return "the JSON ends early, at byte " + strconv.FormatInt(syn.Offset, 10)
	case errors.As(err, &syn):
		return "invalid JSON at byte " + strconv.FormatInt(syn.Offset, 10)
	case errors.As(err, &typ):
		return "a JSON " + typ.Value + " where an object was expected"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
