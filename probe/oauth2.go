package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/healthprobe/healthprobe/nagios"
)

// OAuth2 is the client-credentials grant (RFC 6749 4.4), as
// blackbox_exporter's oauth2 block: before its request, the probe asks the
// token endpoint for an access token and sends it as a bearer token. The
// client secret and the token are secrets: the token joins the run's
// redactor (ClientConfig.Redactor) before anything can show it.
type OAuth2 struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string
	Params       url.Values // more form parameters (blackbox's endpoint_params)
}

// maxTokenAnswer caps the token endpoint's answer.
const maxTokenAnswer = 64 << 10

// oauthAnswer is RFC 6749 5.1's answer, or 5.2's error.
type oauthAnswer struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// authorization returns the Authorization header's value for the
// client's requests, fetching the token on first use.
func (c *Client) authorization(ctx context.Context) (string, error) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	if c.token != "" {
		return c.token, nil
	}
	o := c.cfg.OAuth2
	// the client's credentials in the Authorization header first (RFC 6749
	// 2.3.1); an endpoint that refuses them there may want them in the form
	ans, status, err := c.requestToken(ctx, o, true)
	if err == nil && status/100 != 2 {
		c.logf(1, "> the token endpoint refused the credentials in a header (%s): sending them in the form", status2(status))
		ans, status, err = c.requestToken(ctx, o, false)
	}
	host := hostOf(o.TokenURL)
	switch {
	case err != nil:
		var rerr *RequestError
		if errors.As(err, &rerr) {
			if !strings.HasPrefix(rerr.Reason, "OAuth2 ") {
				rerr.Reason = "OAuth2 token request failed: " + rerr.Reason
			}
			return "", rerr
		}
		return "", &RequestError{State: nagios.Critical, Reason: "OAuth2 token request to " + host + " failed: " + SanitizeLine(err.Error(), 120), Err: err}
	case status/100 != 2:
		why := status2(status)
		if ans.Error != "" {
			why += ": " + SanitizeLine(ans.Error, 40)
			if ans.ErrorDescription != "" {
				why += " (" + SanitizeLine(ans.ErrorDescription, 100) + ")"
			}
		}
		return "", &RequestError{State: nagios.Critical, Reason: "OAuth2 token request to " + host + " refused: " + why, Err: errors.New(why)}
	case ans.AccessToken == "":
		return "", &RequestError{State: nagios.Critical, Reason: "OAuth2 token answer from " + host + " has no access_token", Err: errors.New("no access_token")}
	}
	if c.cfg.Redactor != nil {
		c.cfg.Redactor.Add(ans.AccessToken)
	}
	for _, r := range ans.AccessToken {
		if r < 0x20 || r == 0x7f {
			return "", &RequestError{State: nagios.Critical, Reason: "OAuth2 token answer from " + host + " has a token that cannot be sent in a header", Err: errors.New("bad token")}
		}
	}
	scheme := "Bearer"
	if t := ans.TokenType; t != "" && !strings.EqualFold(t, "bearer") && isTokenText(t) {
		scheme = t
	}
	c.logf(1, "< OAuth2 token of type %s from %s", SanitizeLine(scheme, 20), host)
	c.token = scheme + " " + ans.AccessToken
	return c.token, nil
}

func status2(code int) string {
	return strings.TrimSpace(fmt.Sprintf("%d %s", code, http.StatusText(code)))
}

// requestToken posts the grant, with the client's credentials in a basic
// Authorization header or in the form.
func (c *Client) requestToken(ctx context.Context, o *OAuth2, inHeader bool) (oauthAnswer, int, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	for k, vs := range o.Params {
		form[k] = vs
	}
	if len(o.Scopes) > 0 {
		form.Set("scope", strings.Join(o.Scopes, " "))
	}
	if !inHeader {
		form.Set("client_id", o.ClientID)
		form.Set("client_secret", o.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return oauthAnswer{}, 0, &RequestError{State: nagios.Unknown, Reason: "invalid OAuth2 token URL: " + redactError(err, o.TokenURL), Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	if inHeader {
		req.SetBasicAuth(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret))
	}
	tr := &tracer{}
	req = req.WithContext(tr.context(req.Context()))
	// the token endpoint is asked with the client's TLS and proxy settings,
	// but without the check's headers, login or cookies
	hc := &http.Client{Transport: &markTransport{base: c.base, c: c}}
	resp, err := hc.Do(req)
	if err != nil {
		return oauthAnswer{}, 0, c.classify(ctx, err, o.TokenURL, tr)
	}
	defer resp.Body.Close()
	body, err := readDecoded(resp, maxTokenAnswer)
	if err != nil {
		return oauthAnswer{}, 0, c.classify(ctx, err, o.TokenURL, tr)
	}
	var ans oauthAnswer
	if jerr := json.Unmarshal(body, &ans); jerr != nil && resp.StatusCode/100 == 2 {
		// no excerpt: a token may be in it
		return oauthAnswer{}, 0, &RequestError{State: nagios.Critical,
			Reason: fmt.Sprintf("OAuth2 token answer from %s is not JSON (%s, %s)", hostOf(o.TokenURL),
				Quote(resp.Header.Get("Content-Type"), 40), plural(int64(len(body)), "byte")), Err: jerr}
	}
	return ans, resp.StatusCode, nil
}

// readDecoded reads an answer's body, decoded, up to max bytes.
func readDecoded(resp *http.Response, max int64) ([]byte, error) {
	r, err := decodeBody(resp.Header, resp.Body)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r, max))
}
