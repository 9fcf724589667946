package ibkr

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/jsonlite"
	"github.com/brokerauth/brokerauth/core/jws"
)

// Protocol constants (PROTOCOLS.md §4, ibauth).
const (
	pathToken       = "/oauth2/api/v1/token"
	pathSSOSessions = "/gw/api/v1/sso-sessions"
	pathValidate    = "/v1/api/sso/validate"
	pathInit        = "/v1/api/iserver/auth/ssodh/init"
	pathTickle      = "/v1/api/tickle"
	pathStatus      = "/v1/api/iserver/auth/status"
	pathLogout      = "/v1/api/logout"

	assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	scope         = "sso-sessions.write"
	// The client assertion is valid from 10 s in the past (clock skew)
	// to 20 s in the future, as ibauth signs it.
	assertionBackdate = 10 * time.Second
	assertionTTL      = 20 * time.Second
	// The bearer token is asked for a day, IBKR's longest session.
	bearerTTL = 24 * time.Hour

	dhTokenFailure = "failed to generate sso dh token"
)

// established is what connect produces: a complete new session.
type established struct {
	session *core.Session
	bearer  string
	ip      string
}

// connect runs token → bearer → validate → init. It holds no lock.
func (c *Client) connect(ctx context.Context) (*established, error) {
	ip, err := c.publicIP(ctx)
	if err != nil {
		return nil, err
	}
	access, err := c.accessToken(ctx)
	if err != nil {
		return nil, err
	}
	bearer, expires, err := c.bearerToken(ctx, access, ip)
	if err != nil {
		return nil, err
	}
	if _, err := c.validate(ctx, bearer); err != nil {
		return nil, err
	}
	st, err := c.initSession(ctx, bearer)
	if err != nil {
		return nil, err
	}
	return &established{
		session: &core.Session{
			Broker:        core.BrokerIBKR,
			Headers:       map[string]string{"Authorization": "Bearer " + bearer},
			ExpiresAt:     expires,
			Authenticated: st.Authenticated,
			Competing:     st.Competing,
			Connected:     st.Connected,
		},
		bearer: bearer,
		ip:     ip,
	}, nil
}

// tokenAnswer is the RFC 6749 token response of both token calls.
type tokenAnswer struct {
	AccessToken string
	ExpiresIn   *float64 // nil: not sent (or null)
}

func (t *tokenAnswer) field(key []byte, v jsonlite.Value) error {
	switch {
	case jsonlite.Match(key, "access_token"):
		return v.ReadString(&t.AccessToken)
	case jsonlite.Match(key, "expires_in"):
		switch v.Kind() {
		case jsonlite.Null:
			t.ExpiresIn = nil
			return nil
		case jsonlite.Number:
			// Out of float64's range (1e400) fails, as with encoding/json.
			if f, ok := v.Float64(); ok {
				t.ExpiresIn = &f
				return nil
			}
		}
		return jsonlite.ErrType
	}
	return nil
}

// accessToken is step 1: a client assertion signed with the private key
// buys a short-lived access token for sso-sessions.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	now := c.cfg.clock.Now()
	assertion, err := jws.Sign(c.cfg.key, jws.Header{Kid: c.cfg.kid}, map[string]any{
		"iss": c.cfg.clientID,
		"sub": c.cfg.clientID,
		"aud": "/token",
		"iat": now.Add(-assertionBackdate).Unix(),
		"exp": now.Add(assertionTTL).Unix(),
	})
	if err != nil {
		return "", withStep(err, "token")
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion":      {assertion},
		"client_assertion_type": {assertionType},
		"scope":                 {scope},
	}
	var ans tokenAnswer
	hdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}
	r, err := c.call(ctx, "token", http.MethodPost, pathToken, hdr, []byte(form.Encode()), ans.field)
	if err != nil {
		return "", err
	}
	if ans.AccessToken == "" {
		return "", core.BadResponse(core.BrokerIBKR, "token", r.status, "the answer has no access_token")
	}
	if !validHeaderValue(ans.AccessToken) { // see validHeaderValue
		return "", core.BadResponse(core.BrokerIBKR, "token", r.status, "the access_token holds characters no HTTP header can carry")
	}
	return ans.AccessToken, nil
}

// bearerToken is step 2: the access token and a JWS naming the user and
// the public IP buy the bearer token. ExpiresAt is issue time plus
// expires_in when IBKR sends it, else the exp we asked for.
func (c *Client) bearerToken(ctx context.Context, access, ip string) (string, time.Time, error) {
	now := c.cfg.clock.Now()
	exp := now.Add(bearerTTL)
	jwt, err := jws.Sign(c.cfg.key, jws.Header{Kid: c.cfg.kid}, map[string]any{
		"ip":         ip,
		"credential": c.cfg.credential,
		"iss":        c.cfg.clientID,
		"iat":        now.Unix(),
		"exp":        exp.Unix(),
	})
	if err != nil {
		return "", time.Time{}, withStep(err, "bearer")
	}
	hdr := http.Header{"Authorization": {"Bearer " + access}, "Content-Type": {"application/jwt"}, "Accept": {"application/json"}}
	var ans tokenAnswer
	r, err := c.call(ctx, "bearer", http.MethodPost, pathSSOSessions, hdr, []byte(jwt), ans.field)
	if err != nil {
		return "", time.Time{}, err
	}
	if ans.AccessToken == "" {
		return "", time.Time{}, core.BadResponse(core.BrokerIBKR, "bearer", r.status, "the answer has no access_token (the bearer token)")
	}
	if !validHeaderValue(ans.AccessToken) { // see validHeaderValue
		return "", time.Time{}, core.BadResponse(core.BrokerIBKR, "bearer", r.status, "the bearer token holds characters no HTTP header can carry")
	}
	if ans.ExpiresIn != nil && *ans.ExpiresIn > 0 && *ans.ExpiresIn <= 366*24*3600 {
		exp = now.Add(time.Duration(*ans.ExpiresIn * float64(time.Second)))
	}
	return ans.AccessToken, exp.Truncate(time.Second), nil
}

// validate is step 3: GET sso/validate. RESULT false means IBKR does not
// consider the SSO session valid, which is an error here.
func (c *Client) validate(ctx context.Context, bearer string) (map[string]any, error) {
	// The whole answer, as encoding/json decoded it into a map: numbers
	// as float64, the last of a repeated key.
	ans := map[string]any{}
	r, err := c.call(ctx, "validate", http.MethodGet, pathValidate, bearerHeader(bearer), nil, func(key []byte, v jsonlite.Value) error {
		x, err := v.Any()
		ans[string(key)] = x
		return err
	})
	if err != nil {
		return nil, err
	}
	if res, ok := ans["RESULT"].(bool); ok && !res {
		return nil, core.BadResponse(core.BrokerIBKR, "validate", r.status, "sso/validate answered RESULT false: the SSO session is not valid")
	}
	return ans, nil
}

// authStatus is the shape of ssodh/init, auth/status and tickle's
// iserver.authStatus.
type authStatus struct {
	Authenticated bool
	Competing     bool
	Connected     bool
	Message       string
}

func (st *authStatus) field(key []byte, v jsonlite.Value) error {
	switch {
	case jsonlite.Match(key, "authenticated"):
		return v.ReadBool(&st.Authenticated)
	case jsonlite.Match(key, "competing"):
		return v.ReadBool(&st.Competing)
	case jsonlite.Match(key, "connected"):
		return v.ReadBool(&st.Connected)
	case jsonlite.Match(key, "message"):
		return v.ReadString(&st.Message)
	}
	return nil
}

// initSession is step 4: open the brokerage session. New paper accounts
// get "500 failed to generate sso dh token" with compete:true for a while;
// one retry with compete:false gets them in, as some clients do.
func (c *Client) initSession(ctx context.Context, bearer string) (*authStatus, error) {
	st, r, err := c.init(ctx, bearer, true)
	if err != nil && r != nil && r.status == http.StatusInternalServerError && strings.Contains(string(r.body), dhTokenFailure) {
		st, _, err = c.init(ctx, bearer, false)
	}
	return st, err
}

func (c *Client) init(ctx context.Context, bearer string, compete bool) (*authStatus, *reply, error) {
	hdr := bearerHeader(bearer)
	hdr.Set("Content-Type", "application/json")
	body := []byte(`{"publish":true,"compete":true}`)
	if !compete {
		body = []byte(`{"publish":true,"compete":false}`)
	}
	var st authStatus
	r, err := c.call(ctx, "init", http.MethodPost, pathInit, hdr, body, st.field)
	if err != nil {
		return nil, r, err
	}
	return &st, r, nil
}

// withStep fills in Broker and Step of a local error (a key that cannot
// sign).
func withStep(err error, step string) error {
	if e, ok := err.(*core.Error); ok {
		e.Broker, e.Step = core.BrokerIBKR, step
	}
	return err
}
