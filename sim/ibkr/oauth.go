package ibkr

import (
	"math"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/brokerauth/brokerauth/core/jws"
	"github.com/brokerauth/brokerauth/sim/internal/simkit"
)

// The form values IBKR's token endpoint insists on.
const (
	grantClientCredentials = "client_credentials"
	assertionTypeJWTBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	scopeSSOSessionsWrite  = "sso-sessions.write"
)

// readTyped reads a body whose media type must be ctype. It answers
// invalid_request itself when it returns ok false.
func readTyped(w http.ResponseWriter, r *http.Request, ctype string) ([]byte, bool) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != ctype {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Content-Type must be "+ctype)
		return nil, false
	}
	body, ok := simkit.ReadBody(r)
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_request", "body too large or unreadable")
	}
	return body, ok
}

// handleToken is POST /oauth2/api/v1/token: client credentials with a
// private-key JWT client assertion (RFC 7523).
func (s *Sim) handleToken(w http.ResponseWriter, r *http.Request) {
	body, ok := readTyped(w, r, "application/x-www-form-urlencoded")
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "body is not form-urlencoded")
		return
	}
	for _, k := range []string{"grant_type", "client_assertion", "client_assertion_type", "scope"} {
		if len(form[k]) != 1 || form[k][0] == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", k+" is missing or repeated")
			return
		}
	}
	if form.Get("grant_type") != grantClientCredentials {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	if form.Get("client_assertion_type") != assertionTypeJWTBearer {
		oauthError(w, http.StatusBadRequest, "invalid_request", "client_assertion_type must be "+assertionTypeJWTBearer)
		return
	}
	if form.Get("scope") != scopeSSOSessionsWrite {
		oauthError(w, http.StatusBadRequest, "invalid_scope", "scope must be "+scopeSSOSessionsWrite)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	c, claims, msg := s.verifyLocked(form.Get("client_assertion"), "")
	if msg == "" {
		msg = checkAssertion(c, claims, now)
	}
	if msg != "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", msg)
		return
	}
	tok := s.newToken(32)
	s.access[tok] = &accessToken{client: c, expires: now.Add(AccessTokenTTL)}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"scope":        scopeSSOSessionsWrite,
		"expires_in":   int(AccessTokenTTL / time.Second),
	})
}

// verifyLocked picks the client by the token's kid and verifies the
// signature. want, if set, is the client the token must belong to.
func (s *Sim) verifyLocked(token string, wantKid string) (*client, map[string]any, string) {
	h, err := jws.DecodeHeader(token)
	if err != nil {
		return nil, nil, "JWS: " + err.Error()
	}
	kid, _ := h["kid"].(string)
	if kid == "" {
		return nil, nil, "JWS header has no kid"
	}
	c, ok := s.clients[kid]
	if !ok {
		return nil, nil, "unknown kid"
	}
	if wantKid != "" && kid != wantKid {
		return nil, nil, "kid does not belong to the client of this access token"
	}
	_, claims, err := jws.Verify(token, c.pub)
	if err != nil {
		return nil, nil, "JWS signature does not verify with the key registered for this kid"
	}
	return c, claims, ""
}

func checkAssertion(c *client, claims map[string]any, now time.Time) string {
	if str(claims, "iss") != c.id {
		return "iss must be the client_id"
	}
	if str(claims, "sub") != c.id {
		return "sub must be the client_id"
	}
	if str(claims, "aud") != "/token" {
		return `aud must be "/token"`
	}
	return checkTimes(claims, now, MaxAssertionTTL)
}

func checkTimes(claims map[string]any, now time.Time, maxTTL time.Duration) string {
	iat, ok := unixClaim(claims, "iat")
	if !ok {
		return "iat is missing or not a NumericDate"
	}
	exp, ok := unixClaim(claims, "exp")
	if !ok {
		return "exp is missing or not a NumericDate"
	}
	if iat.After(now.Add(ClockSkew)) {
		return "iat is in the future (clock skew?)"
	}
	if !exp.After(now) {
		return "the JWS has expired (exp is in the past; clock skew?)"
	}
	if exp.After(now.Add(maxTTL)) {
		return "exp is too far in the future"
	}
	if !exp.After(iat) {
		return "exp must be after iat"
	}
	return ""
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// unixClaim reads a NumericDate: a JSON number of seconds (RFC 7519 §2).
func unixClaim(m map[string]any, k string) (time.Time, bool) {
	f, ok := m[k].(float64)
	if !ok || math.IsNaN(f) || f < 0 || f > 1<<40 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// handleSSOSessions is POST /gw/api/v1/sso-sessions: the access token plus
// a JWS naming the user and the public IP buys a bearer token.
func (s *Sim) handleSSOSessions(w http.ResponseWriter, r *http.Request) {
	tok, ok := bearerOf(r)
	if !ok {
		oauthError(w, http.StatusUnauthorized, "invalid_token", "Authorization: Bearer <access_token> is missing")
		return
	}
	body, ok := readTyped(w, r, "application/jwt")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	at, ok := s.access[tok]
	if !ok || !now.Before(at.expires) {
		oauthError(w, http.StatusUnauthorized, "invalid_token", "the access token is unknown or expired")
		return
	}
	c, claims, msg := s.verifyLocked(strings.TrimSpace(string(body)), at.client.kid)
	if msg != "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", msg)
		return
	}
	if str(claims, "iss") != c.id {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "iss must be the client_id")
		return
	}
	if msg := checkTimes(claims, now, MaxBearerTTL); msg != "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", msg)
		return
	}
	if cred := str(claims, "credential"); cred == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "credential claim is missing")
		return
	} else if cred != c.user.credential {
		oauthError(w, http.StatusForbidden, "access_denied", "credential is not the user this client is registered for")
		return
	}
	ip, err := netip.ParseAddr(str(claims, "ip"))
	if err != nil || ip.Zone() != "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "ip claim is missing or not an IP address")
		return
	}
	exp, _ := unixClaim(claims, "exp")
	tokB := s.newToken(48)
	s.bearers[tokB] = &bearer{user: c.user, ip: ip.String(), issued: now, expires: exp, session: s.newToken(16)}
	s.stats.LastBearerIP = ip.String()
	// A bearer token is one-per-access-token, as a grant should be.
	delete(s.access, tok)
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tokB,
		"token_type":   "Bearer",
		"expires_in":   int(exp.Sub(now) / time.Second),
	})
}

func bearerOf(r *http.Request) (string, bool) {
	a := r.Header.Get("Authorization")
	const p = "Bearer "
	if len(a) <= len(p) || !strings.EqualFold(a[:len(p)], p) {
		return "", false
	}
	return strings.TrimSpace(a[len(p):]), true
}
