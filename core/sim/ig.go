package sim

import (
	"crypto/rsa"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// Demo credentials an IG simulator accepts unless IGOptions say otherwise.
const (
	IGDemoAPIKey     = "sim-ig-demo-api-key"
	IGDemoIdentifier = "sim-ig-user"
	IGDemoPassword   = "sim-ig-Passw0rd"
	IGDemoClientID   = "101234567"
)

// IGAPIPrefix is where IG's REST API lives on its hosts.
const IGAPIPrefix = "/gateway/deal"

// IG error codes, from docs/PROTOCOLS.md §2 and §6.1 unless marked as a
// guess.
const (
	IGCodeAPIKeyMissing       = "error.security.api-key-missing"
	IGCodeAPIKeyInvalid       = "error.security.api-key-invalid"
	IGCodeInvalidDetails      = "error.security.invalid-details"
	IGCodeEncryptionRequired  = "error.public-api.failure.encryption.required"
	IGCodeClientTokenInvalid  = "error.security.client-token-invalid"
	IGCodeAccountTokenInvalid = "error.security.account-token-invalid"
	IGCodeOAuthTokenInvalid   = "error.security.oauth-token-invalid"
	IGCodeClientTokenMissing  = "error.security.client-token-missing"
	IGCodeAccountTokenMissing = "error.security.account-token-missing"     // guess
	IGCodeInvalidVersion      = "error.request.invalid.version"            // guess
	IGCodeInvalidRequest      = "validation.null-not-allowed.request"      // guess (IG's validation style)
	IGCodeSameAccount         = "error.switch.accountId-must-be-different" // 412, seen live
	IGCodeUnknownAccount      = "error.switch.invalid-accountId"           // IG's catalogue; status a guess
)

// IGOptions configure an IG simulator. Zero fields take the defaults.
type IGOptions struct {
	APIKey, Identifier, Password string // default IGDemo*
	ClientID                     string
	Accounts                     []Account // default DefaultIGAccounts()
	Clock                        core.Clock
	// Key is the RSA key handed out by GET /session/encryptionKey; nil
	// generates one (see SharedKey to share one between simulators).
	Key    *rsa.PrivateKey
	KeyTTL time.Duration // how long a timeStamp is usable, default DefaultKeyTTL
	// RequireEncryption refuses v1/v2 logins with a plain password, as IG
	// does for IG Singapore clients.
	RequireEncryption bool
	AccessTokenTTL    time.Duration // v3 access token, default 60 s (expires_in "60")
	RefreshTokenTTL   time.Duration // v3 refresh token, default 10 min ("minutes" per IG)
	// SessionIdleTTL is how long a session lives without a call, default
	// 6 h; each call extends it, up to SessionMaxTTL after the login
	// (default 72 h). docs/PROTOCOLS.md §2.
	SessionIdleTTL time.Duration
	SessionMaxTTL  time.Duration
	// LightstreamerEndpoint is sent in login answers.
	LightstreamerEndpoint string
	// Logf, if set, receives one line per request: method, path, status.
	Logf func(format string, args ...any)
}

// IG simulates IG's REST login API under /gateway/deal. Use it as an
// http.Handler; it is safe for concurrent use.
type IG struct {
	base
	opts IGOptions

	// Guarded by base.mu.
	sessions       map[string]*igSession // by CST
	xsts           map[string]*igSession // by the current X-SECURITY-TOKEN
	access         map[string]*igToken   // v3 access tokens
	refresh        map[string]*igToken   // v3 refresh tokens
	trailing       bool                  // /accounts/preferences trailingStopsEnabled
	defaultAccount string                // what logins start on; PUT /session defaultAccount moves it
}

type igSession struct {
	cst, xst  string
	accountID string // the CST/XST session's account
	loggedIn  time.Time
	lastUsed  time.Time
}

type igToken struct {
	sess    *igSession
	expires time.Time
}

// NewIG returns an IG simulator. It panics only if the system cannot make
// an RSA key (crypto/rand failing), which no test can recover from anyway.
func NewIG(opts IGOptions) *IG {
	if opts.APIKey == "" {
		opts.APIKey = IGDemoAPIKey
	}
	if opts.Identifier == "" {
		opts.Identifier = IGDemoIdentifier
	}
	if opts.Password == "" {
		opts.Password = IGDemoPassword
	}
	if opts.ClientID == "" {
		opts.ClientID = IGDemoClientID
	}
	if len(opts.Accounts) == 0 {
		opts.Accounts = DefaultIGAccounts()
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = 60 * time.Second
	}
	if opts.RefreshTokenTTL <= 0 {
		opts.RefreshTokenTTL = 10 * time.Minute
	}
	if opts.SessionIdleTTL <= 0 {
		opts.SessionIdleTTL = 6 * time.Hour
	}
	if opts.SessionMaxTTL <= 0 {
		opts.SessionMaxTTL = 72 * time.Hour
	}
	if opts.LightstreamerEndpoint == "" {
		opts.LightstreamerEndpoint = "https://demo-apd.marketdatasystems.com"
	}
	s := &IG{opts: opts}
	s.init("ig", IGAPIPrefix, opts.Clock, opts.Logf, mustKeyring(opts.Key, opts.KeyTTL))
	s.resetSessions()
	return s
}

// ServeHTTP answers IG's paths under /gateway/deal and the admin paths
// under /__sim/.
func (s *IG) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r, s) }

// Stats returns what the simulator has counted.
func (s *IG) Stats() Stats { return s.snapshot(s) }

// Reset forgets sessions, faults, issued timeStamps and stats.
func (s *IG) Reset() { s.reset(s) }

// ExpireAllSessions kills every CST/XST pair and every v3 token, as IG's
// weekend maintenance does; it returns how many sessions there were.
func (s *IG) ExpireAllSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.expire(false)
}

// ExpireAccessTokens makes every v3 access token expired now, leaving
// refresh tokens usable; it returns how many there were.
func (s *IG) ExpireAccessTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.expire(true)
}

func (s *IG) expire(accessOnly bool) int {
	if accessOnly {
		past := s.clock.Now().Add(-time.Millisecond)
		for _, t := range s.access {
			t.expires = past
		}
		return len(s.access)
	}
	n := len(s.sessions)
	s.resetSessions()
	return n
}

func (s *IG) resetSessions() {
	s.defaultAccount = preferredAccount(s.opts.Accounts).ID
	s.sessions = map[string]*igSession{}
	s.xsts = map[string]*igSession{}
	s.access = map[string]*igToken{}
	s.refresh = map[string]*igToken{}
}

func (s *IG) activeSessions() int {
	now := s.clock.Now()
	n := 0
	for _, ss := range s.sessions {
		if s.alive(ss, now) {
			n++
		}
	}
	return n
}

// alive reports whether sess is still valid at now: used within
// SessionIdleTTL, and no older than SessionMaxTTL however often it was
// used (IG's 72-hour cap; docs/PROTOCOLS.md §2). The caller holds s.mu.
func (s *IG) alive(sess *igSession, now time.Time) bool {
	return s.sessions[sess.cst] == sess && now.Sub(sess.lastUsed) <= s.opts.SessionIdleTTL && now.Sub(sess.loggedIn) <= s.opts.SessionMaxTTL
}

func (s *IG) route(w http.ResponseWriter, r *http.Request, rel string) {
	// IG serves a path with a trailing slash as the path without it
	// (ig-trading-api requests "/accounts/"; docs/PROTOCOLS.md §6).
	if len(rel) > 1 {
		rel = strings.TrimSuffix(rel, "/")
	}
	methods := map[string]string{
		"/session/encryptionKey": "GET",
		"/session":               "POST GET PUT DELETE",
		"/session/refresh-token": "POST",
		"/accounts":              "GET",
		"/accounts/preferences":  "GET PUT",
	}[rel]
	if !s.allowed(w, r, methods) {
		return
	}
	// Every IG call, logged in or not, carries the API key.
	switch key := r.Header.Get("X-IG-API-KEY"); {
	case key == "":
		s.fail(w, http.StatusBadRequest, IGCodeAPIKeyMissing)
		return
	case !secretEqual(key, s.opts.APIKey):
		s.fail(w, http.StatusForbidden, IGCodeAPIKeyInvalid)
		return
	}
	switch r.Method + " " + rel {
	case "GET /session/encryptionKey":
		s.encryptionKey(w)
	case "POST /session":
		s.login(w, r)
	case "POST /session/refresh-token":
		s.refreshToken(w, r)
	case "PUT /session":
		// A CST/X-SECURITY-TOKEN call only: Bearer + IG-ACCOUNT-ID is
		// refused as a request without CST (docs/PROTOCOLS.md §6).
		a, ok := s.authenticateCST(w, r)
		if ok {
			s.switchAccount(w, r, a)
		}
	default:
		a, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		switch r.Method + " " + rel {
		case "GET /session":
			s.getSession(w, r, a)
		case "DELETE /session":
			s.logout(w, a.sess)
		case "GET /accounts":
			writeJSON(w, http.StatusOK, map[string]any{"accounts": accountDetails(s.opts.Accounts)})
		case "GET /accounts/preferences":
			s.mu.Lock()
			t := s.trailing
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]bool{"trailingStopsEnabled": t})
		case "PUT /accounts/preferences":
			var p struct {
				TrailingStopsEnabled *bool `json:"trailingStopsEnabled"`
			}
			if !readJSON(r, &p) || p.TrailingStopsEnabled == nil {
				s.fail(w, http.StatusBadRequest, IGCodeInvalidRequest+".trailingStopsEnabled")
				return
			}
			s.mu.Lock()
			s.trailing = *p.TrailingStopsEnabled
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]string{"status": "SUCCESS"})
		}
	}
}

func (s *IG) login(w http.ResponseWriter, r *http.Request) {
	version := 0
	switch r.Header.Get("Version") {
	case "", "1":
		version = 1
	case "2":
		version = 2
	case "3":
		version = 3
	default:
		s.fail(w, http.StatusBadRequest, IGCodeInvalidVersion)
		return
	}
	var req loginRequest
	parsed := readJSON(r, &req)

	s.mu.Lock()
	s.stats.LoginAttempts[s.opts.APIKey]++
	status, code := 0, ""
	switch {
	case !parsed:
		status, code = http.StatusBadRequest, IGCodeInvalidRequest
	case req.Identifier == "":
		status, code = http.StatusBadRequest, IGCodeInvalidRequest+".identifier"
	case req.Password == "":
		status, code = http.StatusBadRequest, IGCodeInvalidRequest+".password"
	case version == 3 && req.encrypted():
		// v3's schema has no encryptedPassword: the ciphertext is taken as
		// the password itself, so it never matches.
		status, code = http.StatusUnauthorized, IGCodeInvalidDetails
	case version < 3 && s.opts.RequireEncryption && !req.encrypted():
		status, code = http.StatusBadRequest, IGCodeEncryptionRequired
	case !s.credentialsOK(&req, s.opts.Identifier, s.opts.Password):
		status, code = http.StatusUnauthorized, IGCodeInvalidDetails
	}
	if code != "" {
		s.mu.Unlock()
		s.fail(w, status, code)
		return
	}
	now := s.clock.Now()
	acc, _ := findAccount(s.opts.Accounts, s.defaultAccount)
	sess := &igSession{cst: newToken(32), xst: newToken(32), accountID: acc.ID, loggedIn: now, lastUsed: now}
	s.sessions[sess.cst] = sess
	s.xsts[sess.xst] = sess
	s.stats.Logins[s.opts.APIKey]++
	var access, refresh string
	if version == 3 {
		access, refresh = s.grant(sess, now)
	}
	s.mu.Unlock()

	if version == 3 {
		writeJSON(w, http.StatusOK, map[string]any{
			"clientId":              s.opts.ClientID,
			"accountId":             acc.ID,
			"timezoneOffset":        0,
			"lightstreamerEndpoint": s.opts.LightstreamerEndpoint,
			"oauthToken":            s.oauthToken(access, refresh),
		})
		return
	}
	w.Header().Set("CST", sess.cst)
	w.Header().Set("X-SECURITY-TOKEN", sess.xst)
	writeJSON(w, http.StatusOK, map[string]any{
		"accountType":           acc.Type,
		"accountInfo":           accountInfo(acc),
		"currencyIsoCode":       acc.Currency,
		"currencySymbol":        currencySymbol(acc.Currency),
		"currentAccountId":      acc.ID,
		"lightstreamerEndpoint": s.opts.LightstreamerEndpoint,
		"accounts":              accountList(s.opts.Accounts),
		"clientId":              s.opts.ClientID,
		"timezoneOffset":        0,
		"hasActiveDemoAccounts": true,
		"hasActiveLiveAccounts": false,
		"trailingStopsEnabled":  false,
		"reroutingEnvironment":  nil,
		"dealingEnabled":        true,
	})
}

// grant issues a v3 access and refresh token pair. The caller holds s.mu.
func (s *IG) grant(sess *igSession, now time.Time) (access, refresh string) {
	access, refresh = newUUID(), newUUID()
	s.access[access] = &igToken{sess: sess, expires: now.Add(s.opts.AccessTokenTTL)}
	s.refresh[refresh] = &igToken{sess: sess, expires: now.Add(s.opts.RefreshTokenTTL)}
	return access, refresh
}

// oauthToken is IG's v3 token block: every field a string, expires_in too.
func (s *IG) oauthToken(access, refresh string) map[string]string {
	return map[string]string{
		"access_token":  access,
		"refresh_token": refresh,
		"scope":         "profile",
		"token_type":    "Bearer",
		"expires_in":    strconv.Itoa(int(s.opts.AccessTokenTTL / time.Second)),
	}
}

func (s *IG) refreshToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RefreshToken string `json:"refresh_token"`
	}
	if !readJSON(r, &req) || req.RefreshToken == "" {
		s.fail(w, http.StatusBadRequest, IGCodeInvalidRequest+".refresh_token")
		return
	}
	s.mu.Lock()
	now := s.clock.Now()
	t, ok := s.refresh[req.RefreshToken]
	// Refresh tokens are single use: the old one dies whatever happens.
	delete(s.refresh, req.RefreshToken)
	if !ok || now.After(t.expires) || !s.alive(t.sess, now) {
		s.mu.Unlock()
		// IG does not document the refusal; a 401 with the OAuth code is
		// what clients report (guess).
		s.fail(w, http.StatusUnauthorized, IGCodeOAuthTokenInvalid)
		return
	}
	access, refresh := s.grant(t.sess, now)
	t.sess.lastUsed = now
	s.stats.Refreshes++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.oauthToken(access, refresh))
}

// igAuth is who a logged-in call is: the session and the account the call
// acts for.
type igAuth struct {
	sess      *igSession
	accountID string
	bearer    bool // v3: Authorization: Bearer (+ IG-ACCOUNT-ID)
}

// authenticate checks a logged-in call: either v3's Bearer token (with
// IG-ACCOUNT-ID naming the account; without it the call acts for the
// default account), or v2's CST with X-SECURITY-TOKEN. It answers the
// error itself when it returns ok false.
func (s *IG) authenticate(w http.ResponseWriter, r *http.Request) (igAuth, bool) {
	if r.Header.Get("Authorization") == "" {
		return s.authenticateCST(w, r)
	}
	s.mu.Lock()
	now := s.clock.Now()
	var a igAuth
	code := ""
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	t := s.access[tok]
	switch {
	case t == nil || now.After(t.expires) || !s.alive(t.sess, now):
		code = IGCodeOAuthTokenInvalid
	default:
		a = igAuth{sess: t.sess, accountID: r.Header.Get("IG-ACCOUNT-ID"), bearer: true}
		if a.accountID == "" {
			// No IG-ACCOUNT-ID: IG answers for the default account
			// (docs/PROTOCOLS.md §6).
			a.accountID = s.defaultAccount
		} else if _, known := findAccount(s.opts.Accounts, a.accountID); !known {
			code = IGCodeAccountTokenInvalid
		}
	}
	if code == "" {
		a.sess.lastUsed = now
	}
	s.mu.Unlock()
	if code != "" {
		s.fail(w, http.StatusUnauthorized, code)
		return igAuth{}, false
	}
	return a, true
}

// authenticateCST checks CST and X-SECURITY-TOKEN, whatever else the call
// carries.
func (s *IG) authenticateCST(w http.ResponseWriter, r *http.Request) (igAuth, bool) {
	s.mu.Lock()
	now := s.clock.Now()
	cst, xst := r.Header.Get("CST"), r.Header.Get("X-SECURITY-TOKEN")
	c := s.sessions[cst]
	if c != nil && !s.alive(c, now) {
		s.dropSession(c)
		c = nil
	}
	code := ""
	switch {
	case cst == "":
		code = IGCodeClientTokenMissing
	case c == nil:
		code = IGCodeClientTokenInvalid
	case xst == "":
		code = IGCodeAccountTokenMissing
	case s.xsts[xst] != c:
		// An X-SECURITY-TOKEN replaced by an account switch lands here.
		code = IGCodeAccountTokenInvalid
	default:
		c.lastUsed = now
	}
	s.mu.Unlock()
	if code != "" {
		s.fail(w, http.StatusUnauthorized, code)
		return igAuth{}, false
	}
	return igAuth{sess: c, accountID: c.accountID}, true
}

// dropSession forgets a session and every token tied to it. The caller
// holds s.mu.
func (s *IG) dropSession(sess *igSession) {
	delete(s.sessions, sess.cst)
	delete(s.xsts, sess.xst)
	for k, t := range s.access {
		if t.sess == sess {
			delete(s.access, k)
		}
	}
	for k, t := range s.refresh {
		if t.sess == sess {
			delete(s.refresh, k)
		}
	}
}

func (s *IG) getSession(w http.ResponseWriter, r *http.Request, a igAuth) {
	acc, _ := findAccount(s.opts.Accounts, a.accountID)
	s.mu.Lock()
	s.stats.Pings++
	if a.bearer && a.sess.accountID != a.accountID && r.URL.Query().Get("fetchSessionTokens") == "true" {
		// The tokens handed to a v3 call are those of the account it acts
		// for: the CST/XST session moves there.
		s.moveLocked(a.sess, a.accountID)
	}
	cst, xst := a.sess.cst, a.sess.xst
	s.mu.Unlock()
	// Streaming after a v3 login needs CST/XST, which only this asks for.
	if r.URL.Query().Get("fetchSessionTokens") == "true" {
		w.Header().Set("CST", cst)
		w.Header().Set("X-SECURITY-TOKEN", xst)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"clientId":              s.opts.ClientID,
		"accountId":             a.accountID,
		"timezoneOffset":        0,
		"locale":                "en_GB",
		"currency":              acc.Currency,
		"lightstreamerEndpoint": s.opts.LightstreamerEndpoint,
	})
}

// moveLocked puts the CST/XST session on accountID with a new
// X-SECURITY-TOKEN; the old one dies. The caller holds s.mu.
func (s *IG) moveLocked(sess *igSession, accountID string) {
	delete(s.xsts, sess.xst)
	sess.xst = newToken(32)
	s.xsts[sess.xst] = sess
	sess.accountID = accountID
}

func (s *IG) switchAccount(w http.ResponseWriter, r *http.Request, a igAuth) {
	var req struct {
		AccountID      string `json:"accountId"`
		DefaultAccount *bool  `json:"defaultAccount"`
	}
	if !readJSON(r, &req) || req.AccountID == "" {
		s.fail(w, http.StatusBadRequest, IGCodeInvalidRequest+".accountId")
		return
	}
	if _, ok := findAccount(s.opts.Accounts, req.AccountID); !ok {
		s.fail(w, http.StatusBadRequest, IGCodeUnknownAccount)
		return
	}
	if req.AccountID == a.accountID {
		s.fail(w, http.StatusPreconditionFailed, IGCodeSameAccount)
		return
	}
	s.mu.Lock()
	if s.sessions[a.sess.cst] != a.sess { // logged out meanwhile
		s.mu.Unlock()
		s.fail(w, http.StatusUnauthorized, IGCodeClientTokenInvalid)
		return
	}
	// The new X-SECURITY-TOKEN replaces the old one, which dies.
	s.moveLocked(a.sess, req.AccountID)
	if req.DefaultAccount != nil && *req.DefaultAccount {
		s.defaultAccount = req.AccountID
	}
	xst := a.sess.xst
	s.stats.Switches++
	s.mu.Unlock()
	w.Header().Set("X-SECURITY-TOKEN", xst)
	writeJSON(w, http.StatusOK, map[string]bool{
		"trailingStopsEnabled": false, "dealingEnabled": true,
		"hasActiveDemoAccounts": true, "hasActiveLiveAccounts": false,
	})
}

func (s *IG) logout(w http.ResponseWriter, sess *igSession) {
	s.mu.Lock()
	s.dropSession(sess)
	s.stats.Logouts++
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// newUUID returns a random version-4 UUID, the shape of IG's v3 tokens.
func newUUID() string {
	h := newToken(16)
	b := []byte(h)
	b[12] = '4'
	return string(b[0:8]) + "-" + string(b[8:12]) + "-" + string(b[12:16]) + "-" + string(b[16:20]) + "-" + string(b[20:32])
}
