package ibkr_test

import (
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/jws"
	"github.com/brokerauth/brokerauth/sim"
	"github.com/brokerauth/brokerauth/sim/ibkr"
)

var t0 = time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)

type fixture struct {
	sim   *ibkr.Sim
	srv   *httptest.Server
	clock *core.FakeClock
	key   *rsa.PrivateKey
	demo  ibkr.Demo
}

func newFixture(t *testing.T) *fixture {
	clock := core.NewFakeClock(t0)
	sim := ibkr.New(ibkr.Options{Clock: clock})
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	d := ibkr.DemoClient()
	k, err := jws.ParsePrivateKey(d.PrivateKeyPEM)
	require.NoError(t, err)
	return &fixture{sim, srv, clock, k, d}
}

func (f *fixture) do(t *testing.T, method, path, ctype, auth, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := f.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func (f *fixture) assertion(t *testing.T, kid string, claims map[string]any) string {
	now := f.clock.Now().Unix()
	base := map[string]any{"iss": f.demo.ClientID, "sub": f.demo.ClientID, "aud": "/token", "iat": now - 10, "exp": now + 20}
	for k, v := range claims {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	tok, err := jws.Sign(f.key, jws.Header{Kid: kid}, base)
	require.NoError(t, err)
	return tok
}

func tokenForm(assertion string, mod func(url.Values)) string {
	v := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion":      {assertion},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"scope":                 {"sso-sessions.write"},
	}
	if mod != nil {
		mod(v)
	}
	return v.Encode()
}

const formType = "application/x-www-form-urlencoded"

func TestTokenEndpointStrictness(t *testing.T) {
	f := newFixture(t)
	now := t0.Unix()
	cases := []struct {
		name   string
		ctype  string
		body   func() string
		status int
		code   string
	}{
		{"ok", formType, func() string { return tokenForm(f.assertion(t, "demo-key-1", nil), nil) }, 200, ""},
		{"json body", "application/json", func() string { return `{}` }, 400, "invalid_request"},
		{"grant type", formType, func() string {
			return tokenForm(f.assertion(t, "demo-key-1", nil), func(v url.Values) { v.Set("grant_type", "password") })
		}, 400, "unsupported_grant_type"},
		{"assertion type", formType, func() string {
			return tokenForm(f.assertion(t, "demo-key-1", nil), func(v url.Values) { v.Set("client_assertion_type", "jwt") })
		}, 400, "invalid_request"},
		{"scope", formType, func() string {
			return tokenForm(f.assertion(t, "demo-key-1", nil), func(v url.Values) { v.Set("scope", "all") })
		}, 400, "invalid_scope"},
		{"no scope", formType, func() string {
			return tokenForm(f.assertion(t, "demo-key-1", nil), func(v url.Values) { v.Del("scope") })
		}, 400, "invalid_request"},
		{"unknown kid", formType, func() string { return tokenForm(f.assertion(t, "other", nil), nil) }, 401, "invalid_client"},
		{"bad iss", formType, func() string { return tokenForm(f.assertion(t, "demo-key-1", map[string]any{"iss": "x"}), nil) }, 401, "invalid_client"},
		{"bad sub", formType, func() string { return tokenForm(f.assertion(t, "demo-key-1", map[string]any{"sub": "x"}), nil) }, 401, "invalid_client"},
		{"bad aud", formType, func() string { return tokenForm(f.assertion(t, "demo-key-1", map[string]any{"aud": "token"}), nil) }, 401, "invalid_client"},
		{"expired", formType, func() string { return tokenForm(f.assertion(t, "demo-key-1", map[string]any{"exp": now - 1}), nil) }, 401, "invalid_client"},
		{"exp far", formType, func() string { return tokenForm(f.assertion(t, "demo-key-1", map[string]any{"exp": now + 3600}), nil) }, 401, "invalid_client"},
		{"iat future", formType, func() string { return tokenForm(f.assertion(t, "demo-key-1", map[string]any{"iat": now + 120}), nil) }, 401, "invalid_client"},
		{"no iat", formType, func() string { return tokenForm(f.assertion(t, "demo-key-1", map[string]any{"iat": nil}), nil) }, 401, "invalid_client"},
		{"garbage assertion", formType, func() string { return tokenForm("a.b.c", nil) }, 401, "invalid_client"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := f.do(t, "POST", "/oauth2/api/v1/token", c.ctype, "", c.body())
			assert.Equal(t, c.status, status)
			if c.code == "" {
				assert.NotEmpty(t, body["access_token"])
			} else {
				assert.Equal(t, c.code, body["error"])
				assert.NotEmpty(t, body["error_description"])
			}
		})
	}
}

func (f *fixture) accessToken(t *testing.T) string {
	status, body := f.do(t, "POST", "/oauth2/api/v1/token", formType, "", tokenForm(f.assertion(t, "demo-key-1", nil), nil))
	require.Equal(t, 200, status)
	return body["access_token"].(string)
}

func (f *fixture) bearerJWS(t *testing.T, claims map[string]any) string {
	now := f.clock.Now().Unix()
	base := map[string]any{"iss": f.demo.ClientID, "credential": f.demo.Credential, "ip": "203.0.113.7", "iat": now, "exp": now + 86400}
	for k, v := range claims {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	tok, err := jws.Sign(f.key, jws.Header{Kid: f.demo.ClientKeyID}, base)
	require.NoError(t, err)
	return tok
}

func TestSSOSessionsStrictness(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name   string
		ctype  string
		auth   func() string
		claims map[string]any
		status int
		code   string
	}{
		{"ok", "application/jwt", func() string { return f.accessToken(t) }, nil, 200, ""},
		{"no access token", "application/jwt", func() string { return "" }, nil, 401, "invalid_token"},
		{"unknown access token", "application/jwt", func() string { return "nope" }, nil, 401, "invalid_token"},
		{"wrong type", "text/plain", func() string { return f.accessToken(t) }, nil, 400, "invalid_request"},
		{"no ip", "application/jwt", func() string { return f.accessToken(t) }, map[string]any{"ip": nil}, 400, "invalid_request"},
		{"bad ip", "application/jwt", func() string { return f.accessToken(t) }, map[string]any{"ip": "localhost"}, 400, "invalid_request"},
		{"no credential", "application/jwt", func() string { return f.accessToken(t) }, map[string]any{"credential": nil}, 400, "invalid_request"},
		{"wrong credential", "application/jwt", func() string { return f.accessToken(t) }, map[string]any{"credential": "x"}, 403, "access_denied"},
		{"wrong iss", "application/jwt", func() string { return f.accessToken(t) }, map[string]any{"iss": "x"}, 401, "invalid_client"},
		{"exp too far", "application/jwt", func() string { return f.accessToken(t) }, map[string]any{"exp": t0.Unix() + 3*86400}, 400, "invalid_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := f.do(t, "POST", "/gw/api/v1/sso-sessions", c.ctype, c.auth(), f.bearerJWS(t, c.claims))
			assert.Equal(t, c.status, status)
			if c.code == "" {
				assert.NotEmpty(t, body["access_token"])
				assert.Equal(t, float64(86400), body["expires_in"])
			} else {
				assert.Equal(t, c.code, body["error"])
			}
		})
	}
	t.Run("access token is single use and expires", func(t *testing.T) {
		at := f.accessToken(t)
		status, _ := f.do(t, "POST", "/gw/api/v1/sso-sessions", "application/jwt", at, f.bearerJWS(t, nil))
		assert.Equal(t, 200, status)
		status, _ = f.do(t, "POST", "/gw/api/v1/sso-sessions", "application/jwt", at, f.bearerJWS(t, nil))
		assert.Equal(t, 401, status)
		at = f.accessToken(t)
		f.clock.Advance(ibkr.AccessTokenTTL)
		status, _ = f.do(t, "POST", "/gw/api/v1/sso-sessions", "application/jwt", at, f.bearerJWS(t, nil))
		assert.Equal(t, 401, status)
	})
}

func (f *fixture) bearer(t *testing.T) string {
	status, body := f.do(t, "POST", "/gw/api/v1/sso-sessions", "application/jwt", f.accessToken(t), f.bearerJWS(t, nil))
	require.Equal(t, 200, status)
	return body["access_token"].(string)
}

func TestSessionEndpoints(t *testing.T) {
	f := newFixture(t)
	b := f.bearer(t)

	status, body := f.do(t, "GET", "/v1/api/sso/validate", "", b, "")
	require.Equal(t, 200, status)
	assert.Equal(t, true, body["RESULT"])
	assert.Equal(t, "203.0.113.7", body["IP"])
	assert.Equal(t, "demouser1", body["USER_NAME"])

	status, body = f.do(t, "POST", "/v1/api/tickle", "", b, "")
	require.Equal(t, 200, status)
	assert.Equal(t, false, body["iserver"].(map[string]any)["authStatus"].(map[string]any)["authenticated"])

	status, body = f.do(t, "GET", "/v1/api/iserver/accounts", "", b, "")
	assert.Equal(t, 400, status, "iserver needs the brokerage session")
	assert.Equal(t, map[string]any{"error": "Bad Request: no bridge", "statusCode": float64(400)}, body)
	status, body = f.do(t, "GET", "/v1/api/iserver/marketdata/snapshot", "", b, "")
	assert.Equal(t, 400, status, "any iserver path")
	assert.Equal(t, "Bad Request: no bridge", body["error"])

	status, _ = f.do(t, "POST", "/v1/api/iserver/auth/ssodh/init", "application/json", b, `{"publish":true}`)
	assert.Equal(t, 400, status)

	f.sim.FailInitDH(1)
	status, body = f.do(t, "POST", "/v1/api/iserver/auth/ssodh/init", "application/json", b, `{"publish":true,"compete":true}`)
	assert.Equal(t, 500, status)
	assert.Equal(t, "failed to generate sso dh token", body["error"])
	status, body = f.do(t, "POST", "/v1/api/iserver/auth/ssodh/init", "application/json", b, `{"publish":true,"compete":true}`)
	assert.Equal(t, 200, status)
	assert.Equal(t, true, body["authenticated"])

	status, body = f.do(t, "GET", "/v1/api/tickle", "", b, "")
	require.Equal(t, 200, status)
	assert.NotEmpty(t, body["session"])
	assert.Equal(t, true, body["iserver"].(map[string]any)["authStatus"].(map[string]any)["authenticated"])

	f.sim.SetCompeting(true)
	status, body = f.do(t, "POST", "/v1/api/iserver/auth/status", "", b, "")
	require.Equal(t, 200, status)
	assert.Equal(t, true, body["competing"])

	f.sim.DropAuthenticated()
	_, body = f.do(t, "POST", "/v1/api/iserver/auth/status", "", b, "")
	assert.Equal(t, false, body["authenticated"])
	status, body = f.do(t, "GET", "/v1/api/iserver/accounts", "", b, "")
	assert.Equal(t, 400, status)
	assert.Equal(t, "Init session first", body["error"], "knocked out, still connected")

	status, _ = f.do(t, "POST", "/v1/api/logout", "", b, "")
	assert.Equal(t, 200, status)
	status, _ = f.do(t, "POST", "/v1/api/logout", "", b, "")
	assert.Equal(t, 401, status)
	status, body = f.do(t, "POST", "/v1/api/iserver/auth/ssodh/init", "application/json", b, `{"publish":true,"compete":true}`)
	assert.Equal(t, 410, status, "ssodh/init after logout: gone")
	assert.Equal(t, "gone", body["error"])

	b = f.bearer(t)
	f.clock.Advance(24*time.Hour + time.Second)
	status, _ = f.do(t, "POST", "/v1/api/tickle", "", b, "")
	assert.Equal(t, 401, status, "bearer expires at its exp")

	status, _ = f.do(t, "GET", "/v1/api/portfolio/accounts", "", "", "")
	assert.Equal(t, 401, status)
	status, _ = f.do(t, "GET", "/v1/api/logout", "", "", "")
	assert.Equal(t, 405, status)

	st := f.sim.Stats()
	assert.Equal(t, 2, st.Bearer)
	assert.Equal(t, 4, st.Init)
	assert.Equal(t, 3, st.Tickle)
}

func TestAdminSurface(t *testing.T) {
	f := newFixture(t)
	b := f.bearer(t)
	post := func(path, body string) (int, map[string]any) {
		return f.do(t, "POST", "/__sim/"+path, "application/json", "", body)
	}

	status, body := post("fault", `{"path":"/v1/api/tickle","kind":"status","status":418,"times":2}`)
	require.Equal(t, 200, status, "%v", body)
	for range 2 {
		status, _ = f.do(t, "POST", "/v1/api/tickle", "", b, "")
		assert.Equal(t, 418, status)
	}
	status, _ = f.do(t, "POST", "/v1/api/tickle", "", b, "")
	assert.Equal(t, 200, status)

	status, body = post("fault", `{"path":"/v1/api/tickle","kind":"explode"}`)
	assert.Equal(t, 400, status)
	assert.Contains(t, body["error"], "unknown fault kind")

	status, _ = post("competing", `{"competing":true}`)
	assert.Equal(t, 200, status)
	status, _ = post("dh-fail", `{"times":1}`)
	assert.Equal(t, 200, status)
	status, _ = post("drop-authenticated", "")
	assert.Equal(t, 200, status)

	status, _ = post("ip", `{"ip":"198.51.100.1"}`)
	assert.Equal(t, 200, status)
	status, _ = post("ip", `{"ip":"nope"}`)
	assert.Equal(t, 400, status)
	resp, err := f.srv.Client().Get(f.srv.URL + "/__sim/ip")
	require.NoError(t, err)
	ip, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "198.51.100.1\n", string(ip))
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))

	status, _ = post("expire", "")
	assert.Equal(t, 200, status)
	status, _ = f.do(t, "POST", "/v1/api/tickle", "", b, "")
	assert.Equal(t, 401, status)

	status, body = f.do(t, "GET", "/__sim/stats", "", "", "")
	assert.Equal(t, 200, status)
	assert.Equal(t, float64(1), body["bearer"])
	assert.Equal(t, float64(4), body["tickle"])
	assert.Equal(t, "203.0.113.7", body["lastBearerIP"])

	status, _ = post("reset", "")
	assert.Equal(t, 200, status)
	_, body = f.do(t, "GET", "/__sim/stats", "", "", "")
	assert.Equal(t, float64(0), body["bearer"])
	assert.Equal(t, ibkr.DefaultIP, f.sim.IP())

	status, _ = f.do(t, "GET", "/__sim/expire", "", "", "")
	assert.Equal(t, 405, status)
	status, _ = f.do(t, "GET", "/__sim/nope", "", "", "")
	assert.Equal(t, 404, status)
}

func TestCORS(t *testing.T) {
	f := newFixture(t)
	req, _ := http.NewRequest("OPTIONS", f.srv.URL+"/oauth2/api/v1/token", nil)
	req.Header.Set("Origin", "http://localhost:5173")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	resp, err := f.srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 204, resp.StatusCode)
	assert.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, resp.Header.Get("Access-Control-Allow-Headers"), "Authorization")
	assert.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), "POST")

	status, _ := f.do(t, "POST", "/oauth2/api/v1/token", "text/plain", "", "")
	assert.Equal(t, 400, status)
}

func TestFaultKindsAtTheWire(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.sim.InjectFault(sim.Fault{Path: "/__sim/ip", Kind: sim.FaultDrop}))
	_, err := f.srv.Client().Post(f.srv.URL+"/__sim/ip", "application/json", strings.NewReader(`{}`))
	assert.Error(t, err)

	require.NoError(t, f.sim.InjectFault(sim.Fault{Path: "/v1/api/tickle", Kind: sim.FaultMalformedJSON}))
	resp, err := f.srv.Client().Post(f.srv.URL+"/v1/api/tickle", "", nil)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.False(t, json.Valid(b))

	require.NoError(t, f.sim.InjectFault(sim.Fault{Path: "/v1/api/tickle", Kind: sim.Fault5xxHTML}))
	resp, err = f.srv.Client().Post(f.srv.URL+"/v1/api/tickle", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 500, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")

	assert.Error(t, f.sim.InjectFault(sim.Fault{Path: "x", Kind: sim.FaultDrop}))
	assert.Error(t, f.sim.InjectFault(sim.Fault{Path: "/x", Kind: sim.FaultStatus}))
}

func TestDemoClientKey(t *testing.T) {
	d := ibkr.DemoClient()
	k, err := jws.ParsePrivateKey(d.PrivateKeyPEM)
	require.NoError(t, err)
	assert.Equal(t, 2048, k.N.BitLen())
	assert.True(t, strings.HasPrefix(d.PrivateKeyPEM, "-----BEGIN PRIVATE KEY-----\n"))
}
