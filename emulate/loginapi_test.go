package emulate

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func loginRequest(t *testing.T, c *http.Client, method, u, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if strings.Contains(body, "user=") && !strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestLoginAPITokens(t *testing.T) {
	api := NewLoginAPI()
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := srv.Client()
	if code, _ := loginRequest(t, c, "POST", srv.URL+"/api/login", "", `{"user":"monitor","password":"wrong"}`); code != 401 {
		t.Errorf("wrong password: %d", code)
	}
	if code, _ := loginRequest(t, c, "GET", srv.URL+"/api/orders", "", ""); code != 401 {
		t.Errorf("orders without a token: %d", code)
	}
	code, body := loginRequest(t, c, "POST", srv.URL+"/api/login", "", `{"user":"`+LoginUser+`","password":"`+LoginPassword+`"}`)
	var ans struct {
		AccessToken string `json:"access_token"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &ans) != nil || !strings.HasPrefix(ans.AccessToken, LoginTokenPrefix) {
		t.Fatalf("login: %d %s", code, body)
	}
	tok := ans.AccessToken
	if code, body := loginRequest(t, c, "GET", srv.URL+"/api/orders?limit=1", tok, ""); code != 200 || !strings.Contains(body, `"total":12.50`) || !strings.Contains(body, `"count":1`) {
		t.Errorf("orders: %d %s", code, body)
	}
	if code, _ := loginRequest(t, c, "GET", srv.URL+"/api/orders?fail=1", tok, ""); code != 500 {
		t.Errorf("failing orders: %d", code)
	}
	if code, body := loginRequest(t, c, "GET", srv.URL+"/api/whoami", tok, ""); code != 200 || !strings.Contains(body, tok) {
		t.Errorf("whoami: %d %s", code, body)
	}
	code, body = loginRequest(t, c, "POST", srv.URL+"/api/items", tok, `{"name":"probe"}`)
	if code != 201 || !strings.Contains(body, `"id":"item-1"`) {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, _ := loginRequest(t, c, "GET", srv.URL+"/api/items/item-1", tok, ""); code != 200 {
		t.Errorf("get: %d", code)
	}
	if s := api.Stats(); s != (LoginStats{Tokens: 1, Items: 1, Logins: 1}) {
		t.Errorf("stats %+v", s)
	}
	if code, _ := loginRequest(t, c, "DELETE", srv.URL+"/api/items/item-1", tok, ""); code != 204 {
		t.Errorf("delete: %d", code)
	}
	if code, _ := loginRequest(t, c, "DELETE", srv.URL+"/api/items/item-1", tok, ""); code != 404 {
		t.Errorf("delete again: %d", code)
	}
	if code, _ := loginRequest(t, c, "POST", srv.URL+"/api/logout", tok, ""); code != 204 {
		t.Errorf("logout: %d", code)
	}
	if code, _ := loginRequest(t, c, "GET", srv.URL+"/api/orders", tok, ""); code != 401 {
		t.Errorf("orders after logout: %d", code)
	}
	if code, body := loginRequest(t, c, "GET", srv.URL+"/api/stats", "", ""); code != 200 || body != `{"tokens":0,"sessions":0,"items":0,"logins":1,"logouts":1}`+"\n" {
		t.Errorf("stats: %d %s", code, body)
	}
}

func TestLoginAPISession(t *testing.T) {
	api := NewLoginAPI()
	srv := httptest.NewServer(api)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if code, _ := loginRequest(t, c, "GET", srv.URL+"/session/me", "", ""); code != 401 {
		t.Errorf("me without a session: %d", code)
	}
	form := url.Values{"user": {LoginUser}, "password": {"wrong"}}.Encode()
	if code, _ := loginRequest(t, c, "POST", srv.URL+"/session/login", "", form); code != 401 {
		t.Errorf("wrong password: %d", code)
	}
	form = url.Values{"user": {LoginUser}, "password": {LoginPassword}}.Encode()
	if code, _ := loginRequest(t, c, "POST", srv.URL+"/session/login", "", form); code != 200 {
		t.Errorf("login: %d", code)
	}
	if code, _ := loginRequest(t, c, "GET", srv.URL+"/session/me", "", ""); code != 200 {
		t.Errorf("me: %d", code)
	}
	if api.Stats().Sessions != 1 {
		t.Errorf("stats %+v", api.Stats())
	}
	if code, _ := loginRequest(t, c, "POST", srv.URL+"/session/logout", "", ""); code != 204 {
		t.Errorf("logout: %d", code)
	}
	if code, _ := loginRequest(t, c, "GET", srv.URL+"/session/me", "", ""); code != 401 {
		t.Errorf("me after logout: %d", code)
	}
	if s := api.Stats(); s.Sessions != 0 || s.Logouts != 1 {
		t.Errorf("stats %+v", s)
	}
}
