package ibkr

import (
	"context"
	"crypto/rsa"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/jws"
	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

// OAuth 2.0 protocol constants (docs/PROTOCOLS.md §4, ibauth).
const (
	pathToken       = "/oauth2/api/v1/token"
	pathSSOSessions = "/gw/api/v1/sso-sessions"

	assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	scope         = "sso-sessions.write"
	// The client assertion is valid from 10 s in the past (clock skew)
	// to 20 s in the future, as ibauth signs it.
	assertionBackdate = 10 * time.Second
	assertionTTL      = 20 * time.Second
	// The bearer token is asked for a day, IBKR's longest session.
	bearerTTL = 24 * time.Hour
)

// oauth2 is IBKR's OAuth 2.0 mode (private-key JWT, as ibauth does it):
// the flow the Engine runs for a Config with a ClientID.
type oauth2 struct {
	webAPI
	clientID, kid, credential string
	key                       *rsa.PrivateKey
	fixedIP                   string
	ipURL                     string

	mu      sync.Mutex
	ipCheck time.Time // when the keepalive last looked up the public IP
}

// extraIP keys the public IP a bearer token is bound to in its session's
// extra state.
const extraIP = "ip"

// Authorize puts the bearer token on a caller's request; a body without
// Content-Type goes as JSON.
func (f *oauth2) Authorize(req *core.Request, s *core.Session) error {
	req.Header.Set("Authorization", s.Headers["Authorization"])
	jsonByDefault(req)
	return nil
}

// Ping is one keepalive round: every IPCheckInterval (when Config.IP is
// empty) look up the public IP, and if it changed, the session is gone (the
// bearer token is bound to the old one); then tickle. A failed IP lookup
// is not an error here (the lookup service being down says nothing about
// IBKR); it is tried again next round.
func (f *oauth2) Ping(ctx context.Context, c *core.Caller, s *core.Session) (*core.Session, bool, error) {
	if f.ipCheckDue(c.Clock().Now()) {
		if ip, err := f.publicIP(ctx, c); err == nil {
			f.ipChecked(c.Clock().Now())
			if ip != s.Extra(extraIP) {
				return s, true, nil
			}
		}
	}
	return f.ping(ctx, c, s)
}

func (f *oauth2) ipCheckDue(now time.Time) bool {
	if f.fixedIP != "" {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return !now.Before(f.ipCheck.Add(IPCheckInterval))
}

func (f *oauth2) ipChecked(now time.Time) {
	f.mu.Lock()
	f.ipCheck = now
	f.mu.Unlock()
}

// Login runs token → bearer → validate → init and returns the new
// session; the public IP it baked into the bearer token stays in the
// session's extra state, for the keepalive's IP check.
func (f *oauth2) Login(ctx context.Context, c *core.Caller) (*core.Session, error) {
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
	return f.openBrokerage(ctx, c, s)
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
func (f *oauth2) accessToken(ctx context.Context, c *core.Caller) (string, error) {
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
	r, err := f.send(ctx, c, "token", &core.Request{Method: http.MethodPost, URL: f.base + pathToken, Header: hdr, Body: []byte(form.Encode())}, ans.field)
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
func (f *oauth2) bearerToken(ctx context.Context, c *core.Caller, access, ip string) (string, time.Time, error) {
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
	r, err := f.send(ctx, c, "bearer", &core.Request{Method: http.MethodPost, URL: f.base + pathSSOSessions, Header: hdr, Body: []byte(jwt)}, ans.field)
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
