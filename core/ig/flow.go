package ig

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/cst"
	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

const broker = core.BrokerIG

// extraRefreshToken keys a v3 session's single-use refresh token in its
// core.Session extra state.
const extraRefreshToken = "refresh_token"

// flow is IG's login protocol for the core.Engine: v2 (CST and
// X-SECURITY-TOKEN, the password RSA-encrypted by default) or v3 (OAuth
// access and refresh tokens, the password as it is).
type flow struct {
	apiKey, identifier, password string
	version                      int
	encrypt                      bool
	base                         string
}

// header is what every IG call carries.
func (f *flow) header(version string) core.Header {
	return core.Header{
		"X-Ig-Api-Key": {f.apiKey},
		"Content-Type": {"application/json; charset=UTF-8"},
		"Accept":       {"application/json; charset=UTF-8"},
		"Version":      {version},
	}
}

// sessionHeader is header plus the session's own headers.
func (f *flow) sessionHeader(s *core.Session, version string) core.Header {
	return cst.WithSession(f.header(version), s)
}

// Authorize puts the session's headers on a caller's request: they
// override the caller's, except a Content-Type or Accept the caller set;
// Version defaults to 1.
func (f *flow) Authorize(req *core.Request, s *core.Session) error {
	version := req.Header.Get("Version")
	if version == "" {
		version = "1"
	}
	cst.Authorize(req, f.sessionHeader(s, version))
	return nil
}

func (f *flow) Expired(r *core.Response) bool { return cst.Expired(r) }

func (f *flow) Error(step string, r *core.Response) *core.Error { return cst.Error(broker, step, r) }

// Login logs in with the configured version.
func (f *flow) Login(ctx context.Context, c *core.Caller) (*core.Session, error) {
	if f.version == 3 {
		return f.loginV3(ctx, c)
	}
	keyReq := &core.Request{Method: "GET", URL: f.base + "/session/encryptionKey", Header: f.header("1")}
	body, err := cst.PasswordLogin(ctx, c, keyReq, f.identifier, f.password, f.encrypt)
	if err != nil {
		return nil, err
	}
	r, err := c.Expect(ctx, "login", &core.Request{Method: "POST", URL: f.base + "/session", Header: f.header("2"), Body: body})
	if err != nil {
		return nil, err
	}
	return cst.ParseLogin(broker, "login", r, "X-IG-API-KEY", f.apiKey)
}

// oauthToken is IG's v3 token block; IG sends every field as a string.
// The fields are read as encoding/json reads them (see jsonlite): each must
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

func (f *flow) loginV3(ctx context.Context, c *core.Caller) (*core.Session, error) {
	body := cst.LoginBody(f.identifier, f.password, false, false)
	r, err := c.Expect(ctx, "login", &core.Request{Method: "POST", URL: f.base + "/session", Header: f.header("3"), Body: body})
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
	return f.withToken("login", r.Status, base, b.OAuthToken, c.Clock().Now())
}

// withToken returns a copy of base using tok, which keeps tok's refresh
// token.
func (f *flow) withToken(step string, status int, base *core.Session, tok *oauthToken, now time.Time) (*core.Session, error) {
	secs, err := strconv.Atoi(strings.Trim(string(tok.ExpiresIn), `"`))
	if tok.AccessToken == "" || tok.RefreshToken == "" || err != nil || secs <= 0 {
		return nil, core.BadResponse(broker, step, status, "the OAuth token lacks access_token, refresh_token or a positive expires_in")
	}
	// The access token goes into an Authorization header: one with a
	// control character would fail every later call in the transport.
	if !core.ValidHeaderValue(tok.AccessToken) {
		return nil, core.BadResponse(broker, step, status, "the OAuth access_token holds characters no HTTP header can carry")
	}
	secs = min(secs, int(maxExpiresIn/time.Second))
	s := base.WithExtra(extraRefreshToken, tok.RefreshToken)
	s.Headers = map[string]string{
		"X-IG-API-KEY":  f.apiKey,
		"Authorization": "Bearer " + tok.AccessToken,
		"IG-ACCOUNT-ID": s.AccountID,
	}
	s.ExpiresAt = now.Add(time.Duration(secs) * time.Second)
	return s, nil
}

// Stale: a v3 access token is refreshed shortly before it expires.
func (f *flow) Stale(s *core.Session, now time.Time) bool {
	return f.version == 3 && !s.ExpiresAt.IsZero() && !now.Before(s.ExpiresAt.Add(-refreshAhead))
}

// Renew is v3's renewal after a token error or near expiry: spend the
// refresh token, and log in when IG refuses it (or there is none). A
// network failure or 5xx is returned instead, since a login would meet the
// same broker. v2 has no refresh: it logs in.
func (f *flow) Renew(ctx context.Context, c *core.Caller, cur *core.Session) (*core.Session, error) {
	if f.version == 3 && cur.Extra(extraRefreshToken) != "" {
		s, err := f.refresh(ctx, c, cur)
		if err == nil {
			return s, nil
		}
		var e *core.Error
		if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || e.Status == 429 {
			return nil, err
		}
	}
	return f.Login(ctx, c)
}

func (f *flow) refresh(ctx context.Context, c *core.Caller, cur *core.Session) (*core.Session, error) {
	var w jsonlite.ObjectWriter
	w.String("refresh_token", cur.Extra(extraRefreshToken))
	r, err := c.Expect(ctx, "refresh", &core.Request{Method: "POST", URL: f.base + "/session/refresh-token", Header: f.header("1"), Body: w.Bytes()})
	if err != nil {
		return nil, err
	}
	var t oauthToken
	if jsonlite.Unmarshal(r.Body, t.field) != nil {
		return nil, core.BadResponse(broker, "refresh", r.Status, "the refresh answer is not valid JSON")
	}
	return f.withToken("refresh", r.Status, cur, &t, c.Clock().Now())
}

// Ping is GET /session with the session.
func (f *flow) Ping(ctx context.Context, c *core.Caller, s *core.Session) (*core.Session, bool, error) {
	gone, err := cst.Ping(ctx, c, f.base+"/session", f.sessionHeader(s, "1"))
	return s, gone, err
}

// Logout is DELETE /session.
func (f *flow) Logout(ctx context.Context, c *core.Caller, s *core.Session) error {
	return cst.Logout(ctx, c, f.base+"/session", f.sessionHeader(s, "1"))
}

// ListsAccounts: a v2 login lists every account of the login; a v3 login
// names one.
func (f *flow) ListsAccounts(*core.Session) bool { return f.version == 2 }

// Switch is one account switch. v3 without setDefault sends nothing: the
// account travels in IG-ACCOUNT-ID. Otherwise PUT /session, which is a
// CST/X-SECURITY-TOKEN call: a v3 session fetches the two first.
func (f *flow) Switch(ctx context.Context, c *core.Caller, cur *core.Session, accountID string, setDefault bool) (*core.Session, error) {
	if f.version == 3 && !setDefault {
		return withAccount(cur, accountID), nil
	}
	h := f.sessionHeader(cur, "1")
	if f.version == 3 {
		cst, xst, err := f.fetchTokens(ctx, c, cur, "switch")
		if err != nil {
			return nil, err
		}
		h = f.header("1")
		h.Set("CST", cst)
		h.Set("X-SECURITY-TOKEN", xst)
	}
	r, err := cst.PutSession(ctx, c, f.base+"/session", h, accountID, setDefault)
	if err != nil {
		return nil, err
	}
	if f.version == 3 {
		return withAccount(cur, accountID), nil
	}
	return cst.AfterSwitch(cur, accountID, r), nil
}

// withAccount returns a copy of a v3 session acting for accountID.
func withAccount(cur *core.Session, accountID string) *core.Session {
	next := cur.Clone()
	next.AccountID = accountID
	next.Headers["IG-ACCOUNT-ID"] = accountID
	return next
}

// fetchTokensPath asks IG for the CST and X-SECURITY-TOKEN of a v3
// session: streaming and the CST/X-SECURITY-TOKEN calls such as
// PUT /session need them.
const fetchTokensPath = "/session?fetchSessionTokens=true"

// fetchTokens gets the CST and X-SECURITY-TOKEN of the v3 session s.
func (f *flow) fetchTokens(ctx context.Context, c *core.Caller, s *core.Session, step string) (cst, xst string, err error) {
	r, err := c.Do(ctx, step, &core.Request{Method: "GET", URL: f.base + fetchTokensPath, Header: f.sessionHeader(s, "1")})
	if err != nil {
		return "", "", err
	}
	return f.tokensOf(step, r)
}

// tokensOf reads the CST and X-SECURITY-TOKEN headers of IG's answer to
// fetchTokensPath.
func (f *flow) tokensOf(step string, r *core.Response) (string, string, error) {
	if !r.OK() {
		return "", "", f.Error(step, r)
	}
	c, x := cst.TokenHeader(r.Header, "CST"), cst.TokenHeader(r.Header, "X-SECURITY-TOKEN")
	if c == "" || x == "" {
		return "", "", core.BadResponse(broker, step, r.Status, "IG sent no CST or X-SECURITY-TOKEN for fetchSessionTokens=true (if in a browser, IG must expose them via CORS)")
	}
	if !core.ValidHeaderValue(c) || !core.ValidHeaderValue(x) {
		return "", "", core.BadResponse(broker, step, r.Status, "IG's CST or X-SECURITY-TOKEN holds characters no HTTP header can carry")
	}
	return c, x, nil
}
