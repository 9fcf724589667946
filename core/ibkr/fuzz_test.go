package ibkr_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/ibkr"
	"github.com/brokerauth/brokerauth/internal/fuzzcheck"
	ibkrsim "github.com/brokerauth/brokerauth/sim/ibkr"
)

// Fuzz targets for every IBKR answer the client parses (token,
// sso-sessions, validate, ssodh/init, tickle, auth/status, and the error
// bodies of all of them), driven through the public client with a
// scripted HTTPDoer. Each asserts: no panic, every failure a *core.Error
// with a code and no token-shaped text, and the client's session either
// nil or complete (a bearer token a transport can send, an expiry ahead).

const (
	fzAccess = "fzAccess0123456789abcdefABCDEF"
	fzBearer = "fzBearer0123456789abcdefABCDEF"
)

var fzPaths = []string{
	"/oauth2/api/v1/token",
	"/gw/api/v1/sso-sessions",
	"/v1/api/sso/validate",
	"/v1/api/iserver/auth/ssodh/init",
	"/v1/api/tickle",
	"/v1/api/iserver/auth/status",
}

const fzTickle = `{"session":"abc123","ssoExpires":86000000,"collission":false,"userId":1,` +
	`"iserver":{"authStatus":{"authenticated":true,"competing":false,"connected":true,"message":""}}}`

func goodIBKR(req *fuzzcheck.Request) *fuzzcheck.Answer {
	switch req.URL.Path {
	case "/oauth2/api/v1/token":
		return fuzzcheck.JSON(`{"access_token":"` + fzAccess + `","token_type":"Bearer","expires_in":600}`)
	case "/gw/api/v1/sso-sessions":
		return fuzzcheck.JSON(`{"access_token":"` + fzBearer + `","token_type":"Bearer","expires_in":86400}`)
	case "/v1/api/sso/validate":
		return fuzzcheck.JSON(`{"USER_NAME":"demouser1","RESULT":true,"EXPIRES":86000000,"IP":"203.0.113.7"}`)
	case "/v1/api/iserver/auth/ssodh/init", "/v1/api/iserver/auth/status":
		return fuzzcheck.JSON(`{"authenticated":true,"competing":false,"connected":true,"message":""}`)
	case "/v1/api/tickle":
		return fuzzcheck.JSON(fzTickle)
	case "/v1/api/logout":
		return fuzzcheck.JSON(`{"status":true}`)
	}
	return nil
}

func fzClient(t *testing.T, clock core.Clock, route func(*fuzzcheck.Request) *fuzzcheck.Answer) (*ibkr.Client, *fuzzcheck.Doer) {
	d := &fuzzcheck.Doer{Route: func(req *fuzzcheck.Request) *fuzzcheck.Answer {
		if a := route(req); a != nil {
			return a
		}
		return goodIBKR(req)
	}}
	demo := ibkrsim.DemoClient()
	c, err := ibkr.New(ibkr.Config{
		ClientID: demo.ClientID, ClientKeyID: demo.ClientKeyID, Credential: demo.Credential,
		PrivateKey: demo.PrivateKeyPEM, IP: "203.0.113.7",
		HTTP: d, Clock: clock, Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, d
}

var fzSecretList = []string{fzAccess, fzBearer}

func fzCheckSession(t *testing.T, c *ibkr.Client, d *fuzzcheck.Doer, clock core.Clock) *core.Session {
	t.Helper()
	if h := d.BadRequestHeader(); h != "" {
		t.Fatalf("the client sent an invalid %s header: it kept a token it should have refused", h)
	}
	s := c.Session()
	if s == nil {
		return nil
	}
	if s.Broker != core.BrokerIBKR {
		t.Fatalf("session of broker %q", s.Broker)
	}
	fuzzcheck.Headers(t, s, map[string]string{"Authorization": ""})
	if tok, ok := strings.CutPrefix(s.Headers["Authorization"], "Bearer "); !ok || tok == "" {
		t.Fatalf("Authorization is not a bearer token: %q", s.Headers["Authorization"])
	}
	if !s.ExpiresAt.After(clock.Now()) {
		t.Fatalf("session expires at %v, not after now %v", s.ExpiresAt, clock.Now())
	}
	return s
}

func fzCheckError(t *testing.T, err error, status int) *core.Error {
	t.Helper()
	e := fuzzcheck.Error(t, err, core.BrokerIBKR, fzSecretList...)
	if e.Status == status && (status >= 500 || status == http.StatusTooManyRequests) && !e.Retryable {
		t.Fatalf("HTTP %d not retryable: %v", status, e)
	}
	return e
}

// FuzzLoginAnswers fuzzes one of the four login answers (token,
// sso-sessions, validate, ssodh/init; step picks which) while the others
// answer as IBKR does.
func FuzzLoginAnswers(f *testing.F) {
	for step, bodies := range [][]string{
		{`{"access_token":"a-0123456789","token_type":"Bearer","expires_in":600}`, `{"access_token":""}`, `{"access_token":"a\r\nb"}`,
			`{"error":"invalid_client","error_description":"bad kid 0123456789abcdefABCDEF0123"}`, `{"error":{"x":1}}`, `"x"`, `[]`},
		{`{"access_token":"b-0123456789","expires_in":86400}`, `{"access_token":"b","expires_in":1e308}`, `{"access_token":"b","expires_in":-1}`,
			`{"access_token":"b\u0000"}`, `{"error":"access_denied"}`, `{"error":"Init session first"}`},
		{`{"RESULT":true}`, `{"RESULT":false}`, `{"RESULT":"false"}`, `{}`, `<html/>`},
		{`{"authenticated":true,"connected":true}`, `{"authenticated":false}`, `{"error":"failed to generate sso dh token","statusCode":500}`,
			`{"authenticated":"yes"}`, `null`},
	} {
		for _, b := range bodies {
			f.Add(uint8(step), 200, []byte(b))
		}
	}
	f.Add(uint8(0), 401, []byte(`{"error":"invalid_client","error_description":"Client assertion is invalid"}`))
	f.Add(uint8(1), 400, []byte(`{"error":"invalid_grant","error_description":"ip claim does not match"}`))
	f.Add(uint8(3), 500, []byte(`{"error":"failed to generate sso dh token","statusCode":500}`))
	f.Add(uint8(3), 400, []byte(`{"error":"no bridge","statusCode":400}`))
	f.Add(uint8(2), 410, []byte(`{"error":"gone"}`))
	f.Add(uint8(1), 503, []byte(`<html>Service Unavailable</html>`))
	f.Add(uint8(0), 429, []byte(``))
	f.Fuzz(func(t *testing.T, step uint8, status int, body []byte) {
		path := fzPaths[int(step)%4]
		clock := fuzzcheck.NewClock(time.Unix(1_767_605_400, 0))
		c, d := fzClient(t, clock, func(req *fuzzcheck.Request) *fuzzcheck.Answer {
			if req.URL.Path == path {
				return &fuzzcheck.Answer{Status: status, Body: body}
			}
			return nil
		})
		s, err := c.Login(context.Background())
		if err != nil {
			fzCheckError(t, err, status)
			if s != nil || c.Session() != nil {
				t.Fatal("a failed login left a session")
			}
			fzCheckSession(t, c, d, clock)
			return
		}
		if fzCheckSession(t, c, d, clock) == nil {
			t.Fatal("Login succeeded without a session")
		}
		// The session works: a tickle goes out with it.
		if _, err := c.Tickle(context.Background()); err != nil {
			t.Fatalf("the new session is not usable: %v", err)
		}
	})
}

// FuzzSessionAnswers fuzzes tickle, auth/status and validate as a logged-in
// client meets them (which picks the call; 3 is a keepalive round, which
// re-establishes on 401, 410 or authenticated:false).
func FuzzSessionAnswers(f *testing.F) {
	for _, b := range []string{fzTickle, `{"session":""}`, `{"session":"s"}`, `{"session":"s","iserver":null}`,
		`{"session":"s","iserver":{"authStatus":{"authenticated":false}}}`, `{"session":1}`, `{"authenticated":true}`} {
		f.Add(uint8(0), 200, []byte(b))
		f.Add(uint8(3), 200, []byte(b))
	}
	f.Add(uint8(1), 200, []byte(`{"authenticated":false,"competing":true,"connected":true}`))
	f.Add(uint8(2), 200, []byte(`{"RESULT":false}`))
	f.Add(uint8(3), 401, []byte(`{"error":"not authorized","statusCode":401}`))
	f.Add(uint8(3), 410, []byte(`gone`))
	f.Add(uint8(3), 500, []byte(`{"error":"Init session first 0123456789abcdefABCDEFxyz"}`))
	f.Add(uint8(0), 400, []byte(`{"message":"no bridge"}`))
	f.Fuzz(func(t *testing.T, which uint8, status int, body []byte) {
		which %= 4
		path := fzPaths[4]
		switch which {
		case 1:
			path = fzPaths[5]
		case 2:
			path = fzPaths[2]
		}
		clock := fuzzcheck.NewClock(time.Unix(1_767_605_400, 0))
		armed := false
		c, d := fzClient(t, clock, func(req *fuzzcheck.Request) *fuzzcheck.Answer {
			if armed && req.URL.Path == path {
				return &fuzzcheck.Answer{Status: status, Body: body}
			}
			return nil
		})
		if _, err := c.Login(context.Background()); err != nil {
			t.Fatal(err)
		}
		armed = true
		var err error
		switch which {
		case 0:
			_, err = c.Tickle(context.Background())
		case 1:
			_, err = c.Status(context.Background())
		case 2:
			_, err = c.Validate(context.Background())
		case 3:
			err = c.KeepAliveOnce(context.Background())
		}
		if err != nil {
			fzCheckError(t, err, status)
		}
		if fzCheckSession(t, c, d, clock) == nil {
			t.Fatal("the session was dropped")
		}
	})
}
