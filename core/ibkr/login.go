package ibkr

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/jws"
	"github.com/brokerauth/brokerauth/internal/jsonlite"
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

// Login runs token → bearer → validate → init and returns the new
// session; the public IP it baked into the bearer token stays in the
// session's extra state, for the keepalive's IP check.
func (f *flow) Login(ctx context.Context, c *core.Caller) (*core.Session, error) {
	ip, err := f.publicIP(ctx, c)
	if err != nil {
		return nil, err
	}
	f.ipChecked(c.Clock().Now())
	access, err := f.accessToken(ctx, c)
	if err != nil {
		return nil, err
	}
	bearer, expires, err := f.bearerToken(ctx, c, access, ip)
	if err != nil {
		return nil, err
	}
	s := (&core.Session{
		Broker:    core.BrokerIBKR,
		Headers:   map[string]string{"Authorization": "Bearer " + bearer},
		ExpiresAt: expires,
	}).WithExtra(extraIP, ip)
	if _, err := f.validate(ctx, c, s); err != nil {
		return nil, err
	}
	st, err := f.initSession(ctx, c, s)
	if err != nil {
		return nil, err
	}
	s.Authenticated, s.Competing, s.Connected = st.Authenticated, st.Competing, st.Connected
	return s, nil
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
func (f *flow) accessToken(ctx context.Context, c *core.Caller) (string, error) {
	now := c.Clock().Now()
	assertion, err := jws.Sign(f.key, jws.Header{Kid: f.kid}, map[string]any{
		"iss": f.clientID,
		"sub": f.clientID,
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
	hdr := core.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}
	r, err := f.call(ctx, c, "token", http.MethodPost, pathToken, hdr, []byte(form.Encode()), ans.field)
	if err != nil {
		return "", err
	}
	if ans.AccessToken == "" {
		return "", core.BadResponse(core.BrokerIBKR, "token", r.Status, "the answer has no access_token")
	}
	// The token goes into an Authorization header: one with a control
	// character would fail every later call in the transport.
	if !core.ValidHeaderValue(ans.AccessToken) {
		return "", core.BadResponse(core.BrokerIBKR, "token", r.Status, "the access_token holds characters no HTTP header can carry")
	}
	return ans.AccessToken, nil
}

// bearerToken is step 2: the access token and a JWS naming the user and
// the public IP buy the bearer token. ExpiresAt is issue time plus
// expires_in when IBKR sends it, else the exp we asked for.
func (f *flow) bearerToken(ctx context.Context, c *core.Caller, access, ip string) (string, time.Time, error) {
	now := c.Clock().Now()
	exp := now.Add(bearerTTL)
	jwt, err := jws.Sign(f.key, jws.Header{Kid: f.kid}, map[string]any{
		"ip":         ip,
		"credential": f.credential,
		"iss":        f.clientID,
		"iat":        now.Unix(),
		"exp":        exp.Unix(),
	})
	if err != nil {
		return "", time.Time{}, withStep(err, "bearer")
	}
	hdr := core.Header{"Authorization": {"Bearer " + access}, "Content-Type": {"application/jwt"}, "Accept": {"application/json"}}
	var ans tokenAnswer
	r, err := f.call(ctx, c, "bearer", http.MethodPost, pathSSOSessions, hdr, []byte(jwt), ans.field)
	if err != nil {
		return "", time.Time{}, err
	}
	if ans.AccessToken == "" {
		return "", time.Time{}, core.BadResponse(core.BrokerIBKR, "bearer", r.Status, "the answer has no access_token (the bearer token)")
	}
	if !core.ValidHeaderValue(ans.AccessToken) {
		return "", time.Time{}, core.BadResponse(core.BrokerIBKR, "bearer", r.Status, "the bearer token holds characters no HTTP header can carry")
	}
	if ans.ExpiresIn != nil && *ans.ExpiresIn > 0 && *ans.ExpiresIn <= 366*24*3600 {
		exp = now.Add(time.Duration(*ans.ExpiresIn * float64(time.Second)))
	}
	return ans.AccessToken, exp.Truncate(time.Second), nil
}

// validate is step 3: GET sso/validate. RESULT false means IBKR does not
// consider the SSO session valid, which is an error here.
func (f *flow) validate(ctx context.Context, c *core.Caller, s *core.Session) (map[string]any, error) {
	// The whole answer, as encoding/json decoded it into a map: numbers
	// as float64, the last of a repeated key.
	ans := map[string]any{}
	r, err := f.call(ctx, c, "validate", http.MethodGet, pathValidate, bearerHeader(s), nil, func(key []byte, v jsonlite.Value) error {
		x, err := v.Any()
		ans[string(key)] = x
		return err
	})
	if err != nil {
		return nil, err
	}
	if res, ok := ans["RESULT"].(bool); ok && !res {
		return nil, core.BadResponse(core.BrokerIBKR, "validate", r.Status, "sso/validate answered RESULT false: the SSO session is not valid")
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
func (f *flow) initSession(ctx context.Context, c *core.Caller, s *core.Session) (*authStatus, error) {
	st, r, err := f.init(ctx, c, s, true)
	if err != nil && r != nil && r.Status == http.StatusInternalServerError && strings.Contains(string(r.Body), dhTokenFailure) {
		st, _, err = f.init(ctx, c, s, false)
	}
	return st, err
}

func (f *flow) init(ctx context.Context, c *core.Caller, s *core.Session, compete bool) (*authStatus, *core.Response, error) {
	hdr := bearerHeader(s)
	hdr.Set("Content-Type", "application/json")
	body := []byte(`{"publish":true,"compete":true}`)
	if !compete {
		body = []byte(`{"publish":true,"compete":false}`)
	}
	var st authStatus
	r, err := f.call(ctx, c, "init", http.MethodPost, pathInit, hdr, body, st.field)
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
