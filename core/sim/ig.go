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

// IG error codes, from PROTOCOLS.md §2 unless marked as a guess.
const (
	IGCodeAPIKeyMissing       = "error.security.api-key-missing"
	IGCodeAPIKeyInvalid       = "error.security.api-key-invalid"
	IGCodeInvalidDetails      = "error.security.invalid-details"
	IGCodeEncryptionRequired  = "error.public-api.failure.encryption.required"
	IGCodeClientTokenInvalid  = "error.security.client-token-invalid"
	IGCodeAccountTokenInvalid = "error.security.account-token-invalid"
	IGCodeOAuthTokenInvalid   = "error.security.oauth-token-invalid"
	// Guesses: IG documents none of these.
	IGCodeClientTokenMissing  = "error.security.client-token-missing"              // guess
	IGCodeAccountTokenMissing = "error.security.account-token-missing"             // guess
	IGCodeInvalidVersion      = "error.request.invalid.version"                    // guess
	IGCodeInvalidRequest      = "validation.null-not-allowed.request"              // guess (IG's validation style)
	IGCodeSameAccount         = "error.switch.accountId-must-be-different"         // seen in the wild, status 412 a guess
	IGCodeUnknownAccount      = "error.switch.cannot-switch-to-unknown-account-id" // guess
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
	SessionIdleTTL    time.Duration // CST/XST idle lifetime, default 12 h (IG FAQ)
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
	sessions map[string]*igSession // by CST
	xsts     map[string]*igSession // by the current X-SECURITY-TOKEN
	access   map[string]*igToken   // v3 access tokens
	refresh  map[string]*igToken   // v3 refresh tokens
	trailing bool                  // /accounts/preferences trailingStopsEnabled
}

type igSession struct {
	cst, xst  string
	accountID string
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
		opts.SessionIdleTTL = 12 * time.Hour
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
	s.sessions = map[string]*igSession{}
	s.xsts = map[string]*igSession{}
	s.access = map[string]*igToken{}
	s.refresh = map[string]*igToken{}
}

func (s *IG) activeSessions() int {
	now := s.clock.Now()
	n := 0
	for _, ss := range s.sessions {
		if now.Sub(ss.lastUsed) <= s.opts.SessionIdleTTL {
			n++
		}
	}
	return n
}

func (s *IG) route(w http.ResponseWriter, r *http.Request, rel string) {
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
	default:
		sess, accountID, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		switch r.Method + " " + rel {
		case "GET /session":
			s.getSession(w, r, sess, accountID)
		case "PUT /session":
			s.switchAccount(w, r, sess, accountID)
		case "DELETE /session":
			s.logout(w, sess)
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
	acc := preferredAccount(s.opts.Accounts)
	sess := &igSession{cst: newToken(32), xst: newToken(32), accountID: acc.ID, lastUsed: now}
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
	if !ok || now.After(t.expires) || s.sessions[t.sess.cst] != t.sess {
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

// authenticate checks a logged-in call: either v3's Bearer token with
// IG-ACCOUNT-ID, or v2's CST with X-SECURITY-TOKEN. It answers the error
// itself when it returns ok false.
func (s *IG) authenticate(w http.ResponseWriter, r *http.Request) (sess *igSession, accountID string, ok bool) {
	s.mu.Lock()
	now := s.clock.Now()
	status, code := http.StatusUnauthorized, ""
	if authz := r.Header.Get("Authorization"); authz != "" {
		tok, _ := strings.CutPrefix(authz, "Bearer ")
		t := s.access[tok]
		accountID = r.Header.Get("IG-ACCOUNT-ID")
		switch {
		case t == nil || now.After(t.expires) || s.sessions[t.sess.cst] != t.sess:
			code = IGCodeOAuthTokenInvalid
		case accountID == "":
			code = IGCodeAccountTokenMissing
		default:
			if _, known := findAccount(s.opts.Accounts, accountID); !known {
				code = IGCodeAccountTokenInvalid
			} else {
				sess = t.sess
			}
		}
	} else {
		cst, xst := r.Header.Get("CST"), r.Header.Get("X-SECURITY-TOKEN")
		c := s.sessions[cst]
		if c != nil && now.Sub(c.lastUsed) > s.opts.SessionIdleTTL {
			s.dropSession(c)
			c = nil
		}
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
			sess, accountID = c, c.accountID
		}
	}
	if sess != nil {
		sess.lastUsed = now
	}
	s.mu.Unlock()
	if code != "" {
		s.fail(w, status, code)
		return nil, "", false
	}
	return sess, accountID, true
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

func (s *IG) getSession(w http.ResponseWriter, r *http.Request, sess *igSession, accountID string) {
	acc, _ := findAccount(s.opts.Accounts, accountID)
	s.mu.Lock()
	s.stats.Pings++
	cst, xst := sess.cst, sess.xst
	s.mu.Unlock()
	// Streaming after a v3 login needs CST/XST, which only this asks for.
	if r.URL.Query().Get("fetchSessionTokens") == "true" {
		w.Header().Set("CST", cst)
		w.Header().Set("X-SECURITY-TOKEN", xst)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"clientId":              s.opts.ClientID,
		"accountId":             accountID,
		"timezoneOffset":        0,
		"locale":                "en_GB",
		"currency":              acc.Currency,
		"lightstreamerEndpoint": s.opts.LightstreamerEndpoint,
	})
}

func (s *IG) switchAccount(w http.ResponseWriter, r *http.Request, sess *igSession, current string) {
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
	if req.AccountID == current {
		s.fail(w, http.StatusPreconditionFailed, IGCodeSameAccount)
		return
	}
	s.mu.Lock()
	if s.sessions[sess.cst] != sess { // logged out meanwhile
		s.mu.Unlock()
		s.fail(w, http.StatusUnauthorized, IGCodeClientTokenInvalid)
		return
	}
	// The new X-SECURITY-TOKEN replaces the old one, which dies.
	delete(s.xsts, sess.xst)
	sess.xst = newToken(32)
	s.xsts[sess.xst] = sess
	sess.accountID = req.AccountID
	xst := sess.xst
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
