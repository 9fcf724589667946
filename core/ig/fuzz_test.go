package ig_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/cst"
	"github.com/brokerauth/brokerauth/core/ig"
	"github.com/brokerauth/brokerauth/internal/fuzzcheck"
	"github.com/brokerauth/brokerauth/sim"
)

// Fuzz targets for every IG answer the client parses, driven through the
// public client with a scripted HTTPDoer: the fuzzed status, headers and
// body arrive exactly as a transport would deliver them. Each asserts that
// nothing panics, that a failure is a *core.Error with a code and no
// token-shaped text, and that the client holds either no session or a
// complete one (never half a login).

const (
	fzAPIKey   = "fz-ig-api-key-0123456789"
	fzPassword = "fz-ig-Passw0rd-0123456789"
	fzCST      = "goodCST0123456789abcdefABCDEF"
	fzXST      = "goodXST0123456789abcdefABCDEF"
	fzAccess   = "goodAccess-0123456789abcdefABCDEF"
	fzRefresh  = "goodRefresh-0123456789abcdefABCDEF"
	fzBase     = "https://demo-api.ig.com/gateway/deal"
)

var fzSecrets = []string{fzAPIKey, fzPassword, fzCST, fzXST, fzAccess, fzRefresh}

const v2Body = `{"accountType":"CFD","currentAccountId":"ACC1","lightstreamerEndpoint":"https://ls.example",` +
	`"accounts":[{"accountId":"ACC1","accountName":"CFD","accountType":"CFD","preferred":true},` +
	`{"accountId":"ACC2","accountName":"Spread bet","accountType":"SPREADBET","preferred":false}]}`

const v3Body = `{"clientId":"101","accountId":"ACC1","timezoneOffset":0,"lightstreamerEndpoint":"https://ls.example",` +
	`"oauthToken":{"access_token":"` + fzAccess + `","refresh_token":"` + fzRefresh + `","scope":"profile","token_type":"Bearer","expires_in":"60"}}`

// goodIG answers every IG call as IG does.
func goodIG(req *fuzzcheck.Request) *fuzzcheck.Answer {
	path := strings.TrimPrefix(req.URL.Path, "/gateway/deal")
	switch {
	case req.Method == http.MethodGet && path == "/session/encryptionKey":
		return fuzzcheck.JSON(`{"encryptionKey":"` + encKeyB64() + `","timeStamp":1700000000000}`)
	case req.Method == http.MethodPost && path == "/session" && req.Header.Get("Version") == "3":
		return fuzzcheck.JSON(v3Body)
	case req.Method == http.MethodPost && path == "/session":
		a := fuzzcheck.JSON(v2Body)
		a.Header = core.Header{"Cst": {fzCST}, "X-Security-Token": {fzXST}}
		return a
	case req.Method == http.MethodPost && path == "/session/refresh-token":
		return fuzzcheck.JSON(`{"access_token":"` + fzAccess + `","refresh_token":"` + fzRefresh + `","scope":"profile","token_type":"Bearer","expires_in":"60"}`)
	case req.Method == http.MethodPut && path == "/session":
		a := fuzzcheck.JSON(`{"trailingStopsEnabled":false,"dealingEnabled":true}`)
		a.Header = core.Header{"X-Security-Token": {fzXST + "2"}}
		return a
	case path == "/session" || path == "/accounts":
		return fuzzcheck.JSON(`{"accountId":"ACC1"}`)
	}
	return nil
}

func encKeyB64() string {
	k, err := sim.SharedKey()
	if err != nil {
		panic(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return base64.StdEncoding.EncodeToString(der)
}

// fuzzClient is a client whose calls go to route, falling back to goodIG.
func fuzzClient(t *testing.T, version int, encrypt bool, clock core.Clock, route func(*fuzzcheck.Request) *fuzzcheck.Answer) (*ig.Client, *fuzzcheck.Doer) {
	d := &fuzzcheck.Doer{Route: func(req *fuzzcheck.Request) *fuzzcheck.Answer {
		if a := route(req); a != nil {
			return a
		}
		return goodIG(req)
	}}
	c, err := ig.New(ig.Config{
		APIKey: fzAPIKey, Identifier: "fz-user", Password: fzPassword,
		BaseURL: fzBase, Version: version, Encrypt: &encrypt,
		HTTP: d, Clock: clock, Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, d
}

// answer builds a fuzzed answer with optional token headers.
func answer(status int, cst, xst string, body []byte) *fuzzcheck.Answer {
	h := core.Header{}
	if cst != "" {
		h["Cst"] = []string{cst}
	}
	if xst != "" {
		h["X-Security-Token"] = []string{xst}
	}
	return &fuzzcheck.Answer{Status: status, Header: h, Body: body}
}

// checkSession asserts the client's session is nil or complete for its
// version, and that the client never sent a header it should have refused.
func checkSession(t *testing.T, c *ig.Client, d *fuzzcheck.Doer, version int, clock core.Clock) *core.Session {
	t.Helper()
	if h := d.BadRequestHeader(); h != "" {
		t.Fatalf("the client sent an invalid %s header: it installed a token it should have refused", h)
	}
	s := c.Session()
	if s == nil {
		return nil
	}
	if s.Broker != core.BrokerIG || s.AccountID == "" {
		t.Fatalf("incomplete session %+v", s)
	}
	if version == 3 {
		fuzzcheck.Headers(t, s, map[string]string{"X-IG-API-KEY": fzAPIKey, "Authorization": "", "IG-ACCOUNT-ID": s.AccountID})
		if tok, ok := strings.CutPrefix(s.Headers["Authorization"], "Bearer "); !ok || tok == "" {
			t.Fatalf("Authorization is not a bearer token: %q", s.Headers["Authorization"])
		}
		if !s.ExpiresAt.After(clock.Now()) {
			t.Fatalf("v3 session expires at %v, not after now %v", s.ExpiresAt, clock.Now())
		}
	} else {
		fuzzcheck.Headers(t, s, map[string]string{"X-IG-API-KEY": fzAPIKey, "CST": "", "X-SECURITY-TOKEN": ""})
	}
	return s
}

// checkBrokerCode asserts that a status error's code is the sanitised
// errorCode of the body, or http_NNN.
func checkBrokerCode(t *testing.T, e *core.Error, status int, body []byte) {
	t.Helper()
	if e.Status != status || status >= 200 && status <= 299 || e.Code == core.CodeBadResponse || e.Code == core.CodeNetwork {
		return
	}
	want := core.Code(cst.ErrorCode(body))
	if want == "" {
		want = core.HTTPStatusCode(status)
	}
	if e.Code != want {
		t.Fatalf("code %q, want %q", e.Code, want)
	}
	if (status >= 500 || status == http.StatusTooManyRequests) && !e.Retryable {
		t.Fatalf("HTTP %d not retryable", status)
	}
}

func seedLoginAnswers(f *testing.F) {
	f.Add(200, "cst-0123456789", "xst-0123456789", []byte(v2Body))
	f.Add(200, "cst", "xst", []byte(`{"currentAccountId":"X"}`))
	f.Add(200, "", "xst", []byte(v2Body))
	f.Add(200, "cst", "", []byte(v2Body))
	f.Add(200, " ", "\t", []byte(v2Body))
	f.Add(200, "cst", "xst", []byte(`{"currentAccountId":""}`))
	f.Add(200, "cst", "xst", []byte(`{"accountType":"CFD","currentAccountId":"ABC`))
	f.Add(200, "cst", "xst", []byte(`{"currentAccountId":"A","accounts":"x"}`))
	f.Add(401, "", "", []byte(`{"errorCode":"error.security.invalid-details"}`))
	f.Add(403, "", "", []byte(`{"errorCode":"error.public-api.exceeded-api-key-allowance"}`))
	f.Add(400, "", "", []byte(`{"errorCode":"error.public-api.failure.encryption.required"}`))
	f.Add(502, "", "", []byte(`<html><body>502 Bad Gateway</body></html>`))
	f.Add(204, "cst", "xst", []byte(``))
	f.Add(0, "", "", []byte(``))
	f.Add(200, "cst\x01", "xst", []byte(v2Body))
}

// FuzzLoginV2 fuzzes the v2 POST /session answer: status, CST and
// X-SECURITY-TOKEN headers, body.
func FuzzLoginV2(f *testing.F) {
	seedLoginAnswers(f)
	f.Fuzz(func(t *testing.T, status int, cst, xst string, body []byte) {
		clock := fuzzcheck.NewClock(time.UnixMilli(1_700_000_000_000))
		c, d := fuzzClient(t, 2, false, clock, func(req *fuzzcheck.Request) *fuzzcheck.Answer {
			if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/session") {
				return answer(status, cst, xst, body)
			}
			return nil
		})
		s, err := c.Login(context.Background())
		if err != nil {
			e := fuzzcheck.Error(t, err, core.BrokerIG, append(fzSecrets, tokenLike(cst), tokenLike(xst))...)
			checkBrokerCode(t, e, status, body)
			if s != nil || c.Session() != nil {
				t.Fatal("a failed login left a session")
			}
			return
		}
		got := checkSession(t, c, d, 2, clock)
		if got == nil || got.Headers["CST"] != strings.Trim(cst, " \t") {
			t.Fatalf("session %+v does not carry the answer's CST", got)
		}
	})
}

// tokenLike returns s when it is long enough to count as a secret.
func tokenLike(s string) string {
	if len(fuzzcheck.TokenShaped(s)) > 0 {
		return s
	}
	return ""
}

// FuzzLoginV3 fuzzes the v3 POST /session answer and its oauthToken.
func FuzzLoginV3(f *testing.F) {
	f.Add(200, []byte(v3Body))
	f.Add(200, []byte(strings.Replace(v3Body, `"60"`, `60`, 1)))
	f.Add(200, []byte(strings.Replace(v3Body, `"60"`, `"0"`, 1)))
	f.Add(200, []byte(strings.Replace(v3Body, `"60"`, `"-5"`, 1)))
	f.Add(200, []byte(strings.Replace(v3Body, `"60"`, `"9223372036854775807"`, 1)))
	f.Add(200, []byte(strings.Replace(v3Body, `"60"`, `"1e3"`, 1)))
	f.Add(200, []byte(strings.Replace(v3Body, fzAccess, `tok\r\nX-Evil: 1`, 1)))
	f.Add(200, []byte(strings.Replace(v3Body, fzAccess, ``, 1)))
	f.Add(200, []byte(strings.Replace(v3Body, fzRefresh, ``, 1)))
	f.Add(200, []byte(`{"accountId":"ACC1","oauthToken":null}`))
	f.Add(200, []byte(`{"accountId":"","oauthToken":{}}`))
	f.Add(200, []byte(`{"accountId":"ACC1","oauthToken":"x"}`))
	f.Add(401, []byte(`{"errorCode":"error.security.invalid-details"}`))
	f.Add(500, []byte(`{"errorCode":"error.security.authentication.timeout"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		clock := fuzzcheck.NewClock(time.UnixMilli(1_700_000_000_000))
		c, d := fuzzClient(t, 3, false, clock, func(req *fuzzcheck.Request) *fuzzcheck.Answer {
			if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/session") {
				return &fuzzcheck.Answer{Status: status, Body: body}
			}
			return nil
		})
		_, err := c.Login(context.Background())
		if err != nil {
			e := fuzzcheck.Error(t, err, core.BrokerIG, fzSecrets...)
			checkBrokerCode(t, e, status, body)
			if c.Session() != nil {
				t.Fatal("a failed login left a session")
			}
			return
		}
		checkSession(t, c, d, 3, clock)
		// The session must be usable: a call goes out with its headers.
		if _, err := c.Request(context.Background(), "GET", "/accounts", nil, nil); err != nil {
			t.Fatalf("the new session is not usable: %v", err)
		}
		checkSession(t, c, d, 3, clock)
	})
}

// FuzzEncryptionKeyAnswer fuzzes GET /session/encryptionKey as the v2
// login meets it.
func FuzzEncryptionKeyAnswer(f *testing.F) {
	key := encKeyB64()
	f.Add(200, []byte(`{"encryptionKey":"`+key+`","timeStamp":1700000000000}`))
	f.Add(200, []byte(`{"encryptionKey":"`+key+`","timeStamp":"1700000000000"}`))
	f.Add(200, []byte(`{"encryptionKey":"`+key+`","timeStamp":"abc"}`))
	f.Add(200, []byte(`{"encryptionKey":"`+key+`"}`))
	f.Add(200, []byte(`{"encryptionKey":"`+key[:60]+`","timeStamp":1}`))
	f.Add(200, []byte(`{"encryptionKey":"MA==","timeStamp":1}`))
	f.Add(200, []byte(`[]`))
	f.Add(403, []byte(`{"errorCode":"error.security.api-key-invalid"}`))
	f.Add(504, []byte(``))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		clock := fuzzcheck.NewClock(time.UnixMilli(1_700_000_000_000))
		c, d := fuzzClient(t, 2, true, clock, func(req *fuzzcheck.Request) *fuzzcheck.Answer {
			if strings.HasSuffix(req.URL.Path, "/session/encryptionKey") {
				return &fuzzcheck.Answer{Status: status, Body: body}
			}
			return nil
		})
		_, err := c.Login(context.Background())
		if err != nil {
			e := fuzzcheck.Error(t, err, core.BrokerIG, fzSecrets...)
			if e.Step != cst.StepEncryptionKey {
				t.Fatalf("failure at step %q, want encryptionKey: %v", e.Step, e)
			}
			checkBrokerCode(t, e, status, body)
			if c.Session() != nil {
				t.Fatal("a failed login left a session")
			}
			return
		}
		checkSession(t, c, d, 2, clock)
	})
}

// FuzzRefreshAnswer fuzzes POST /session/refresh-token (v3): whatever it
// answers, the client ends with a complete session (IG refusing the
// refresh token makes it log in) or keeps the one it had.
func FuzzRefreshAnswer(f *testing.F) {
	good := `{"access_token":"a-0123456789","refresh_token":"r-0123456789","scope":"profile","token_type":"Bearer","expires_in":"60"}`
	f.Add(200, []byte(good))
	f.Add(200, []byte(strings.Replace(good, `"60"`, `"99999999999999"`, 1)))
	f.Add(200, []byte(strings.Replace(good, `"60"`, `" 60"`, 1)))
	f.Add(200, []byte(strings.Replace(good, `a-0123456789`, `a\u0000b`, 1)))
	f.Add(200, []byte(strings.Replace(good, `r-0123456789`, ``, 1)))
	f.Add(200, []byte(`{}`))
	f.Add(200, []byte(`{"access_token":1}`))
	f.Add(401, []byte(`{"errorCode":"error.security.oauth-token-invalid"}`))
	f.Add(400, []byte(`{"errorCode":"invalid_grant"}`))
	f.Add(429, []byte(``))
	f.Add(503, []byte(`<html/>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		clock := fuzzcheck.NewClock(time.UnixMilli(1_700_000_000_000))
		c, d := fuzzClient(t, 3, false, clock, func(req *fuzzcheck.Request) *fuzzcheck.Answer {
			if strings.HasSuffix(req.URL.Path, "/session/refresh-token") {
				return &fuzzcheck.Answer{Status: status, Body: body}
			}
			return nil
		})
		if _, err := c.Login(context.Background()); err != nil {
			t.Fatal(err)
		}
		before := c.Session()
		_, err := c.Refresh(context.Background())
		if err != nil {
			e := fuzzcheck.Error(t, err, core.BrokerIG, fzSecrets...)
			checkBrokerCode(t, e, status, body)
			if s := c.Session(); s == nil || s.Headers["Authorization"] != before.Headers["Authorization"] {
				t.Fatal("a failed refresh changed the session")
			}
		}
		checkSession(t, c, d, 3, clock)
		// Near expiry, a keepalive refreshes through the same answer.
		clock.Advance(58 * time.Second)
		if err := c.KeepAliveOnce(context.Background()); err != nil {
			fuzzcheck.Error(t, err, core.BrokerIG, fzSecrets...)
		}
		checkSession(t, c, d, 3, clock)
	})
}

// FuzzSwitchAnswer fuzzes PUT /session (account switch) for v2 and v3: the
// new X-SECURITY-TOKEN header and the body.
func FuzzSwitchAnswer(f *testing.F) {
	f.Add(false, 200, "xst-new-0123456789", []byte(`{"trailingStopsEnabled":false}`))
	f.Add(false, 200, "", []byte(``))
	f.Add(true, 200, "", []byte(`{}`))
	f.Add(false, 401, "", []byte(`{"errorCode":"error.security.account-token-invalid"}`))
	f.Add(true, 401, "", []byte(`{"errorCode":"error.security.oauth-token-invalid"}`))
	f.Add(false, 412, "", []byte(`{"errorCode":"error.switch.accountId-must-be-different"}`))
	f.Add(false, 400, "", []byte(`{"errorCode":"error.switch.cannot-switch-to-unknown-account-id"}`))
	f.Add(false, 500, "x", []byte(`<html/>`))
	f.Add(false, 200, "a\x7fb", []byte(`{}`))
	f.Fuzz(func(t *testing.T, v3 bool, status int, xst string, body []byte) {
		version := 2
		if v3 {
			version = 3
		}
		clock := fuzzcheck.NewClock(time.UnixMilli(1_700_000_000_000))
		c, d := fuzzClient(t, version, false, clock, func(req *fuzzcheck.Request) *fuzzcheck.Answer {
			if req.Method == http.MethodPut {
				return answer(status, "", xst, body)
			}
			return nil
		})
		if _, err := c.Login(context.Background()); err != nil {
			t.Fatal(err)
		}
		s, err := c.SwitchAccount(context.Background(), "ACC2")
		if err != nil {
			e := fuzzcheck.Error(t, err, core.BrokerIG, append(fzSecrets, tokenLike(xst))...)
			checkBrokerCode(t, e, status, body)
			if got := checkSession(t, c, d, version, clock); got == nil || got.AccountID != "ACC1" {
				t.Fatalf("a failed switch left session %+v", got)
			}
			return
		}
		got := checkSession(t, c, d, version, clock)
		if s.AccountID != "ACC2" || got.AccountID != "ACC2" {
			t.Fatalf("switched to %q / %q", s.AccountID, got.AccountID)
		}
		if !v3 {
			want := strings.Trim(xst, " \t")
			if want == "" {
				want = fzXST
			}
			if got.Headers["X-SECURITY-TOKEN"] != want {
				t.Fatalf("X-SECURITY-TOKEN %q, want %q", got.Headers["X-SECURITY-TOKEN"], want)
			}
		}
	})
}

// FuzzErrorAnswer fuzzes what a logged-in call (the keepalive's GET
// /session, a Request) gets back: error bodies above all. Only a 401
// makes the keepalive log in again; the code is the sanitised errorCode.
func FuzzErrorAnswer(f *testing.F) {
	f.Add(false, 401, []byte(`{"errorCode":"error.security.client-token-invalid"}`))
	f.Add(false, 401, []byte(`{"errorCode":"error.security.account-token-invalid"}`))
	f.Add(true, 401, []byte(`{"errorCode":"error.security.oauth-token-invalid"}`))
	f.Add(false, 403, []byte(`{"errorCode":"error.public-api.exceeded-account-allowance"}`))
	f.Add(false, 500, []byte(`{"errorCode":"x y"}`))
	f.Add(false, 502, []byte(`<html>bad gateway 0123456789abcdefABCDEF0123456789</html>`))
	f.Add(false, 404, []byte(`{"errorCode":"`+fzCST+`"}`))
	f.Add(false, 200, []byte(`{}`))
	f.Add(true, 299, []byte(`not json`))
	f.Fuzz(func(t *testing.T, v3 bool, status int, body []byte) {
		version := 2
		if v3 {
			version = 3
		}
		clock := fuzzcheck.NewClock(time.UnixMilli(1_700_000_000_000))
		c, d := fuzzClient(t, version, false, clock, func(req *fuzzcheck.Request) *fuzzcheck.Answer {
			if req.Method == http.MethodGet && (strings.HasSuffix(req.URL.Path, "/session") || strings.HasSuffix(req.URL.Path, "/accounts")) {
				return &fuzzcheck.Answer{Status: status, Body: body}
			}
			return nil
		})
		if _, err := c.Login(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := c.KeepAliveOnce(context.Background()); err != nil {
			e := fuzzcheck.Error(t, err, core.BrokerIG, fzSecrets...)
			checkBrokerCode(t, e, status, body)
		} else if status != http.StatusUnauthorized && (status < 200 || status > 299) {
			t.Fatalf("keepalive succeeded on HTTP %d", status)
		}
		if checkSession(t, c, d, version, clock) == nil {
			t.Fatal("a keepalive dropped the session")
		}
		resp, err := c.Request(context.Background(), "GET", "/accounts", nil, nil)
		if err != nil {
			e := fuzzcheck.Error(t, err, core.BrokerIG, fzSecrets...)
			checkBrokerCode(t, e, status, body)
			if resp != nil && resp.Status != status {
				t.Fatalf("response status %d, want %d", resp.Status, status)
			}
		}
		checkSession(t, c, d, version, clock)
	})
}
