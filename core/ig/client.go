package ig

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/cstsession"
	"github.com/brokerauth/brokerauth/core/internal/jsonlite"
)

const broker = core.BrokerIG

// Client is one IG login. It is safe for concurrent use.
type Client struct {
	s    *settings
	call cstsession.Caller
	m    *cstsession.Manager
	auth cstsession.Auth

	// refreshToken is IG v3's single-use refresh token. Only ChangeFuncs
	// touch it, and the Manager runs those one at a time.
	refreshToken string
}

// New checks cfg and returns a client; it sends nothing.
func New(cfg Config) (*Client, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	c := &Client{s: s, call: cstsession.Caller{Broker: broker, HTTP: s.HTTPClient, Timeout: s.Timeout}}
	c.m = cstsession.NewManager(s.OnSessionChange)
	// A v2 login lists every account of the login; a v3 login names one.
	c.auth = cstsession.Auth{M: c.m, Broker: broker, Login: c.login, Switch: c.switchOnce, ListsAccounts: s.version == 2}
	if s.version == 3 {
		c.auth.Renew = c.renewV3
		c.auth.Stale = func(sess *core.Session) bool {
			return !sess.ExpiresAt.IsZero() && !s.Clock.Now().Before(sess.ExpiresAt.Add(-refreshAhead))
		}
	}
	return c, nil
}

// Session returns a copy of the current session, or nil before the first
// login and after Logout.
func (c *Client) Session() *core.Session { return c.m.Clone() }

// Login logs in anew, whatever the current session, on the account the
// broker starts a login on (an account SwitchAccount chose is forgotten).
func (c *Client) Login(ctx context.Context) (*core.Session, error) {
	c.auth.ForgetAccount()
	s, err := c.m.Change(ctx, broker, "login", c.login)
	return s.Clone(), err
}

// Refresh renews the session: v3 spends the refresh token (and logs in if
// IG refuses it or there is none); v2 has no refresh, so it logs in.
func (c *Client) Refresh(ctx context.Context) (*core.Session, error) {
	fn := c.login
	if c.s.version == 3 {
		fn = c.renewV3
	}
	s, err := c.m.Change(ctx, broker, "refresh", fn)
	return s.Clone(), err
}

// Logout ends the session at IG and forgets it. A session IG already
// considers dead counts as logged out; on any other failure the session is
// forgotten all the same and the error returned.
func (c *Client) Logout(ctx context.Context) error {
	var callErr error
	c.auth.ForgetAccount()
	_, err := c.m.Change(ctx, broker, "logout", func(ctx context.Context, cur *core.Session) (*core.Session, error) {
		c.refreshToken = ""
		if cur == nil {
			return nil, nil
		}
		r, err := c.call.Do(ctx, "logout", http.MethodDelete, c.s.base+"/session", c.authHeader(cur, "1"), nil, cstsession.AuthLimit)
		switch {
		case err != nil:
			callErr = err
		case !r.OK() && !cstsession.IsTokenError(r):
			callErr = c.call.StatusError("logout", r)
		}
		return nil, nil
	})
	if err != nil {
		return err
	}
	return callErr
}

// header is what every IG call carries.
func (c *Client) header(version string) http.Header {
	h := http.Header{}
	h.Set("X-IG-API-KEY", c.s.APIKey)
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Accept", "application/json; charset=UTF-8")
	h.Set("Version", version)
	return h
}

// authHeader adds the session's headers.
func (c *Client) authHeader(s *core.Session, version string) http.Header {
	h := c.header(version)
	for k, v := range s.Headers {
		h.Set(k, v)
	}
	return h
}

// login is the ChangeFunc that makes a new session.
func (c *Client) login(ctx context.Context, _ *core.Session) (*core.Session, error) {
	if c.s.version == 3 {
		return c.loginV3(ctx)
	}
	password, encrypted := c.s.Password, false
	if c.s.encrypt {
		enc, err := c.call.EncryptPassword(ctx, c.s.base+"/session/encryptionKey", c.header("1"), c.s.Password)
		if err != nil {
			return nil, err
		}
		password, encrypted = enc, true
	}
	body := cstsession.LoginBody(c.s.Identifier, password, encrypted, true)
	r, err := c.call.Expect(ctx, "login", http.MethodPost, c.s.base+"/session", c.header("2"), body)
	if err != nil {
		return nil, err
	}
	return cstsession.ParseCSTLogin(broker, "login", r, "X-IG-API-KEY", c.s.APIKey)
}

// oauthToken is IG v3's token block; IG sends every field as a string.
// The fields are read as encoding/json read them (see jsonlite): each must
// be a string or null, except expires_in, kept as the JSON text it is.
type oauthToken struct {
	AccessToken  string
	RefreshToken string
	TokenType    string
	ExpiresIn    []byte
}

func (t *oauthToken) field(key []byte, v jsonlite.Value) error {
	switch {
	case jsonlite.Match(key, "access_token"):
		return v.ReadString(&t.AccessToken)
	case jsonlite.Match(key, "refresh_token"):
		return v.ReadString(&t.RefreshToken)
	case jsonlite.Match(key, "token_type"):
		return v.ReadString(&t.TokenType)
	case jsonlite.Match(key, "expires_in"):
		t.ExpiresIn = v.Raw()
	}
	return nil
}

// v3Login is the part of IG's v3 login answer a session needs.
type v3Login struct {
	AccountID             string
	LightstreamerEndpoint string
	OAuthToken            *oauthToken
}

func (b *v3Login) field(key []byte, v jsonlite.Value) error {
	switch {
	case jsonlite.Match(key, "accountId"):
		return v.ReadString(&b.AccountID)
	case jsonlite.Match(key, "lightstreamerEndpoint"):
		return v.ReadString(&b.LightstreamerEndpoint)
	case jsonlite.Match(key, "oauthToken"):
		return jsonlite.StructPtr(v, &b.OAuthToken, (*oauthToken).field)
	}
	return nil
}

func (c *Client) loginV3(ctx context.Context) (*core.Session, error) {
	c.refreshToken = ""
	body := cstsession.LoginBody(c.s.Identifier, c.s.Password, false, false)
	r, err := c.call.Expect(ctx, "login", http.MethodPost, c.s.base+"/session", c.header("3"), body)
	if err != nil {
		return nil, err
	}
	var b v3Login
	if jsonlite.Unmarshal(r.Body, b.field) != nil {
		return nil, core.BadResponse(broker, "login", r.Status, "the login answer is not valid JSON")
	}
	if b.AccountID == "" || b.OAuthToken == nil {
		return nil, core.BadResponse(broker, "login", r.Status, "the v3 login answer lacks accountId or oauthToken")
	}
	// v3 does not list the accounts; the session knows the current one.
	base := &core.Session{
		Broker:            broker,
		AccountID:         b.AccountID,
		Accounts:          []core.Account{{ID: b.AccountID, Preferred: true}},
		StreamingEndpoint: b.LightstreamerEndpoint,
	}
	return c.withToken("login", r.Status, base, b.OAuthToken)
}

// withToken returns a copy of base using tok, and keeps tok's refresh token.
func (c *Client) withToken(step string, status int, base *core.Session, tok *oauthToken) (*core.Session, error) {
	secs, err := strconv.Atoi(strings.Trim(string(tok.ExpiresIn), `"`))
	if tok.AccessToken == "" || tok.RefreshToken == "" || err != nil || secs <= 0 {
		return nil, core.BadResponse(broker, step, status, "the OAuth token lacks access_token, refresh_token or a positive expires_in")
	}
	// The access token goes into an Authorization header: one with a
	// control character (JSON can carry any) would make every later call
	// fail in the transport as a "network" error, retried forever by
	// KeepAlive. Found by FuzzLoginV3.
	if !validHeaderValue(tok.AccessToken) {
		return nil, core.BadResponse(broker, step, status, "the OAuth access_token holds characters no HTTP header can carry")
	}
	// A huge expires_in overflowed time.Duration into an expiry in the
	// past, so every call "refreshed" first. IG's tokens last a minute;
	// no token is trusted for more than maxExpiresIn. Found by FuzzLoginV3.
	secs = min(secs, int(maxExpiresIn/time.Second))
	s := base.Clone()
	s.Headers = map[string]string{
		"X-IG-API-KEY":  c.s.APIKey,
		"Authorization": "Bearer " + tok.AccessToken,
		"IG-ACCOUNT-ID": s.AccountID,
	}
	s.ExpiresAt = c.s.Clock.Now().Add(time.Duration(secs) * time.Second)
	c.refreshToken = tok.RefreshToken
	return s, nil
}

// renewV3 is v3's ChangeFunc after a token error or near expiry: spend the
// refresh token, and log in when IG refuses it (or there is none). A
// network failure or 5xx is returned instead, since a login would meet
// the same broker.
func (c *Client) renewV3(ctx context.Context, cur *core.Session) (*core.Session, error) {
	if cur != nil && c.refreshToken != "" {
		s, err := c.refresh(ctx, cur)
		if err == nil {
			return s, nil
		}
		var e *core.Error
		if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || e.Status == http.StatusTooManyRequests {
			return nil, err
		}
	}
	return c.login(ctx, cur)
}

func (c *Client) refresh(ctx context.Context, cur *core.Session) (*core.Session, error) {
	tok := c.refreshToken
	c.refreshToken = "" // single use, whatever happens next
	var w jsonlite.ObjectWriter
	w.String("refresh_token", tok)
	body := w.Bytes()
	r, err := c.call.Expect(ctx, "refresh", http.MethodPost, c.s.base+"/session/refresh-token", c.header("1"), body)
	if err != nil {
		// No answer, or IG failing for now (5xx, 429): the token was most
		// likely not spent, so keep it. Spending it on every blip turned
		// the next keepalive round into a password login (the 72-hour
		// soak saw 43 logins where 34 were needed); if IG did spend it,
		// the next try gets a 4xx and renewV3 logs in as before.
		if e, ok := err.(*core.Error); ok && (e.Status == 0 || e.Retryable) {
			c.refreshToken = tok
		}
		return nil, err
	}
	var t oauthToken
	if jsonlite.Unmarshal(r.Body, t.field) != nil {
		return nil, core.BadResponse(broker, "refresh", r.Status, "the refresh answer is not valid JSON")
	}
	return c.withToken("refresh", r.Status, cur, &t)
}

// maxExpiresIn caps a v3 expires_in (see withToken).
const maxExpiresIn = 24 * time.Hour

// validHeaderValue is what Go's transport and fetch accept as a header
// value: no control characters but tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}
