package capital_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/capital"
	"github.com/brokerauth/brokerauth/core/cst"
	"github.com/brokerauth/brokerauth/internal/fuzzcheck"
	"github.com/brokerauth/brokerauth/sim"
)

// Fuzz targets for every Capital.com answer the client parses, driven
// through the public client with a scripted HTTPDoer. Each asserts: no
// panic, every failure a *core.Error with a code and no token-shaped text,
// and the client's session either nil or complete.

const (
	fzAPIKey   = "fz-cap-api-key-0123456789"
	fzPassword = "fz-cap-Passw0rd-0123456789"
	fzCST      = "capCST0123456789abcdefABCDEF"
	fzXST      = "capXST0123456789abcdefABCDEF"
	fzBase     = "https://demo-api-capital.backend-capital.com"
)

var fzSecrets = []string{fzAPIKey, fzPassword, fzCST, fzXST}

// fzClock is shared by every iteration: Capital.com's login gate is
// process-wide per API key and remembers the last login's time, so the
// clock must only move forward. Its After fires at once.
var fzClock = fuzzcheck.NewClock(time.UnixMilli(1_700_000_000_000))

const capBody = `{"accountType":"CFD","currentAccountId":"CAP1","streamingHost":"wss://s.example/",` +
	`"accounts":[{"accountId":"CAP1","accountName":"USD","preferred":true},{"accountId":"CAP2","accountName":"EUR","preferred":false}]}`

func encKeyB64() string {
	k, err := sim.SharedKey()
	if err != nil {
		panic(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return base64.StdEncoding.EncodeToString(der)
}

func goodCapital(req *fuzzcheck.Request) *fuzzcheck.Answer {
	path := strings.TrimPrefix(req.URL.Path, "/api/v1")
	switch {
	case req.Method == http.MethodGet && path == "/session/encryptionKey":
		return fuzzcheck.JSON(`{"encryptionKey":"` + encKeyB64() + `","timeStamp":1700000000000}`)
	case req.Method == http.MethodPost && path == "/session":
		a := fuzzcheck.JSON(capBody)
		a.Header = core.Header{"Cst": {fzCST}, "X-Security-Token": {fzXST}}
		return a
	case req.Method == http.MethodPut && path == "/session":
		a := fuzzcheck.JSON(`{"trailingStopsEnabled":false,"dealingEnabled":true,"hasActiveDemoAccounts":true}`)
		a.Header = core.Header{"X-Security-Token": {fzXST + "2"}}
		return a
	case path == "/ping":
		return fuzzcheck.JSON(`{"status":"OK"}`)
	}
	return nil
}

func fuzzClient(t *testing.T, encrypt bool, route func(*fuzzcheck.Request) *fuzzcheck.Answer) (*capital.Client, *fuzzcheck.Doer) {
	d := &fuzzcheck.Doer{Route: func(req *fuzzcheck.Request) *fuzzcheck.Answer {
		if a := route(req); a != nil {
			return a
		}
		return goodCapital(req)
	}}
	c, err := capital.New(capital.Config{
		APIKey: fzAPIKey, Identifier: "fz@example.com", Password: fzPassword,
		BaseURL: fzBase, Encrypt: &encrypt, HTTP: d, Clock: fzClock, Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, d
}

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

func checkSession(t *testing.T, c *capital.Client, d *fuzzcheck.Doer) *core.Session {
	t.Helper()
	if h := d.BadRequestHeader(); h != "" {
		t.Fatalf("the client sent an invalid %s header", h)
	}
	s := c.Session()
	if s == nil {
		return nil
	}
	if s.Broker != core.BrokerCapital || s.AccountID == "" {
		t.Fatalf("incomplete session %+v", s)
	}
	fuzzcheck.Headers(t, s, map[string]string{"X-CAP-API-KEY": fzAPIKey, "CST": "", "X-SECURITY-TOKEN": ""})
	return s
}

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

func tokenLike(s string) string {
	if len(fuzzcheck.TokenShaped(s)) > 0 {
		return s
	}
	return ""
}

// FuzzLogin fuzzes POST /api/v1/session: status, CST, X-SECURITY-TOKEN,
// Retry-After (a 429 is retried a bounded number of times) and body.
func FuzzLogin(f *testing.F) {
	f.Add(200, "cst-0123456789", "xst-0123456789", "", []byte(capBody))
	f.Add(200, "cst", "xst", "", []byte(`{"currentAccountId":"X","accounts":[]}`))
	f.Add(200, "", "xst", "", []byte(capBody))
	f.Add(200, "cst", "", "", []byte(capBody))
	f.Add(200, "cst", "xst", "", []byte(`{"currentAccountId":""}`))
	f.Add(200, "cst", "xst", "", []byte(`{"accountType":"CFD","currentAccountId":"ABC`))
	f.Add(401, "", "", "", []byte(`{"errorCode":"error.invalid.details"}`))
	f.Add(400, "", "", "", []byte(`{"errorCode":"error.null.api.key"}`))
	f.Add(429, "", "", "1", []byte(`{"errorCode":"error.too-many.requests"}`))
	f.Add(429, "", "", "99999999999999999999", []byte(``))
	f.Add(429, "", "", "-3", []byte(`{}`))
	f.Add(503, "", "", "", []byte(`<html/>`))
	f.Add(200, "c\x00st", "xst", "", []byte(capBody))
	f.Fuzz(func(t *testing.T, status int, cst, xst, retryAfter string, body []byte) {
		calls := 0
		c, d := fuzzClient(t, false, func(req *fuzzcheck.Request) *fuzzcheck.Answer {
			if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/session") {
				calls++
				a := answer(status, cst, xst, body)
				if retryAfter != "" {
					a.Header.Set("Retry-After", retryAfter)
				}
				return a
			}
			return nil
		})
		start := fzClock.Now()
		s, err := c.Login(context.Background())
		if calls > 4 {
			t.Fatalf("%d login posts for one Login", calls)
		}
		if waited := fzClock.Now().Sub(start); waited > 4*(10*time.Second+capital.LoginSpacing) {
			t.Fatalf("one Login waited %v", waited)
		}
		if err != nil {
			e := fuzzcheck.Error(t, err, core.BrokerCapital, append(fzSecrets, tokenLike(cst), tokenLike(xst))...)
			checkBrokerCode(t, e, status, body)
			if s != nil || c.Session() != nil {
				t.Fatal("a failed login left a session")
			}
			return
		}
		got := checkSession(t, c, d)
		if got == nil || got.Headers["CST"] != strings.Trim(cst, " \t") {
			t.Fatalf("session %+v does not carry the answer's CST", got)
		}
	})
}

// FuzzEncryptionKeyAnswer fuzzes GET /api/v1/session/encryptionKey.
func FuzzEncryptionKeyAnswer(f *testing.F) {
	key := encKeyB64()
	f.Add(200, []byte(`{"encryptionKey":"`+key+`","timeStamp":1700000000000}`))
	f.Add(200, []byte(`{"encryptionKey":"`+key[:100]+"\\n"+key[100:]+`","timeStamp":1647440528194}`))
	f.Add(200, []byte(`{"encryptionKey":"`+key+`","timeStamp":null}`))
	f.Add(200, []byte(`{"encryptionKey":"`+key+`","timeStamp":"0x10"}`))
	f.Add(200, []byte(`{"encryptionKey":"AAAA","timeStamp":1}`))
	f.Add(200, []byte(`{"encryptionKey":"`+key+`","timeStamp":1e400}`))
	f.Add(400, []byte(`{"errorCode":"error.null.api.key"}`))
	f.Add(500, []byte(``))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		c, d := fuzzClient(t, true, func(req *fuzzcheck.Request) *fuzzcheck.Answer {
			if strings.HasSuffix(req.URL.Path, "/session/encryptionKey") {
				return &fuzzcheck.Answer{Status: status, Body: body}
			}
			return nil
		})
		_, err := c.Login(context.Background())
		if err != nil {
			e := fuzzcheck.Error(t, err, core.BrokerCapital, fzSecrets...)
			if e.Step != cst.StepEncryptionKey {
				t.Fatalf("failure at step %q: %v", e.Step, e)
			}
			checkBrokerCode(t, e, status, body)
			if c.Session() != nil {
				t.Fatal("a failed login left a session")
			}
			return
		}
		checkSession(t, c, d)
	})
}

// FuzzSwitchAnswer fuzzes PUT /api/v1/session.
func FuzzSwitchAnswer(f *testing.F) {
	f.Add(200, "xst-new-0123456789", []byte(`{"trailingStopsEnabled":false}`))
	f.Add(200, "", []byte(``))
	f.Add(400, "", []byte(`{"errorCode":"error.invalid.accountId"}`))
	f.Add(401, "", []byte(`{"errorCode":"error.invalid.session.token"}`))
	f.Add(429, "", []byte(`{"errorCode":"error.too-many.requests"}`))
	f.Add(502, "x", []byte(`<html/>`))
	f.Fuzz(func(t *testing.T, status int, xst string, body []byte) {
		c, d := fuzzClient(t, false, func(req *fuzzcheck.Request) *fuzzcheck.Answer {
			if req.Method == http.MethodPut {
				return answer(status, "", xst, body)
			}
			return nil
		})
		if _, err := c.Login(context.Background()); err != nil {
			t.Fatal(err)
		}
		s, err := c.SwitchAccount(context.Background(), "CAP2")
		if err != nil {
			e := fuzzcheck.Error(t, err, core.BrokerCapital, append(fzSecrets, tokenLike(xst))...)
			checkBrokerCode(t, e, status, body)
			if got := checkSession(t, c, d); got == nil || got.AccountID != "CAP1" {
				t.Fatalf("a failed switch left session %+v", got)
			}
			return
		}
		got := checkSession(t, c, d)
		if s.AccountID != "CAP2" || got.AccountID != "CAP2" {
			t.Fatalf("switched to %q / %q", s.AccountID, got.AccountID)
		}
		want := strings.Trim(xst, " \t")
		if want == "" {
			want = fzXST
		}
		if got.Headers["X-SECURITY-TOKEN"] != want {
			t.Fatalf("X-SECURITY-TOKEN %q, want %q", got.Headers["X-SECURITY-TOKEN"], want)
		}
	})
}

// FuzzPingAnswer fuzzes the keepalive's GET /api/v1/ping and a Request:
// error bodies above all.
func FuzzPingAnswer(f *testing.F) {
	f.Add(401, []byte(`{"errorCode":"error.invalid.session.token"}`))
	f.Add(400, []byte(`{"errorCode":"error.null.client.token"}`))
	f.Add(429, []byte(`{"errorCode":"error.too-many.requests"}`))
	f.Add(500, []byte(`{"errorCode":"`+strings.Repeat("a", 121)+`"}`))
	f.Add(503, []byte(`<html>0123456789abcdefABCDEF0123456789</html>`))
	f.Add(200, []byte(`{"status":"OK"}`))
	f.Add(200, []byte(``))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		c, d := fuzzClient(t, false, func(req *fuzzcheck.Request) *fuzzcheck.Answer {
			if strings.HasSuffix(req.URL.Path, "/ping") || strings.HasSuffix(req.URL.Path, "/accounts") {
				return &fuzzcheck.Answer{Status: status, Body: body}
			}
			return nil
		})
		if _, err := c.Login(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := c.KeepAliveOnce(context.Background()); err != nil {
			e := fuzzcheck.Error(t, err, core.BrokerCapital, fzSecrets...)
			checkBrokerCode(t, e, status, body)
		} else if status != http.StatusUnauthorized && (status < 200 || status > 299) {
			t.Fatalf("keepalive succeeded on HTTP %d", status)
		}
		if checkSession(t, c, d) == nil {
			t.Fatal("a keepalive dropped the session")
		}
		if _, err := c.Request(context.Background(), "GET", "/api/v1/accounts", nil, nil); err != nil {
			e := fuzzcheck.Error(t, err, core.BrokerCapital, fzSecrets...)
			checkBrokerCode(t, e, status, body)
		}
		checkSession(t, c, d)
	})
}
