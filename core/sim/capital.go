package sim

import (
	"crypto/rsa"
	"net/http"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// Demo credentials a Capital.com simulator accepts unless CapitalOptions say
// otherwise.
const (
	CapitalDemoAPIKey     = "sim-capital-demo-api-key"
	CapitalDemoIdentifier = "sim-capital-user@example.com"
	CapitalDemoPassword   = "sim-capital-Passw0rd"
	CapitalDemoClientID   = "12345678"
)

// CapitalAPIPrefix is where Capital.com's REST API lives on its hosts.
const CapitalAPIPrefix = "/api/v1"

// Capital.com error codes, from PROTOCOLS.md §3 unless marked as a guess.
const (
	CapitalCodeNullAPIKey       = "error.null.api.key"
	CapitalCodeInvalidDetails   = "error.invalid.details"
	CapitalCodeInvalidSession   = "error.invalid.session.token"
	CapitalCodeTooManyRequests  = "error.too-many.requests"
	CapitalCodeInvalidAccountID = "error.invalid.accountId"
	CapitalCodeNullClientToken  = "error.null.client.token"
	CapitalCodeNullAccountToken = "error.null.account.token"
	// The status (401) is a guess; the code appears in client libraries.
	CapitalCodeInvalidAPIKey = "error.invalid.api.key"
	// Guess: what switching to the current account answers.
	CapitalCodeSameAccount = "error.not-different.accountId"
)

// CapitalOptions configure a Capital.com simulator. Zero fields take the
// defaults.
type CapitalOptions struct {
	APIKey, Identifier, Password string // default CapitalDemo*
	ClientID                     string
	Accounts                     []Account // default DefaultCapitalAccounts()
	Clock                        core.Clock
	// Key is the RSA key handed out by GET /session/encryptionKey; nil
	// generates one (see SharedKey).
	Key    *rsa.PrivateKey
	KeyTTL time.Duration
	// SessionIdleTTL is how long a session lives without a call, default
	// 10 minutes.
	SessionIdleTTL time.Duration
	// LoginInterval is the least time between two POST /session per API
	// key, default 1 s.
	LoginInterval time.Duration
	StreamingHost string // sent in login answers
	// Logf, if set, receives one line per request: method, path, status.
	Logf func(format string, args ...any)
}

// Capital simulates Capital.com's REST login API under /api/v1. Use it as
// an http.Handler; it is safe for concurrent use.
type Capital struct {
	base
	opts CapitalOptions

	// Guarded by base.mu.
	sessions  map[string]*capSession // by CST
	lastLogin map[string]time.Time   // API key → last POST /session let through
	hedging   bool
}

type capSession struct {
	cst, xst  string
	accountID string
	lastUsed  time.Time
}

// NewCapital returns a Capital.com simulator. It panics only if the system
// cannot make an RSA key.
func NewCapital(opts CapitalOptions) *Capital {
	if opts.APIKey == "" {
		opts.APIKey = CapitalDemoAPIKey
	}
	if opts.Identifier == "" {
		opts.Identifier = CapitalDemoIdentifier
	}
	if opts.Password == "" {
		opts.Password = CapitalDemoPassword
	}
	if opts.ClientID == "" {
		opts.ClientID = CapitalDemoClientID
	}
	if len(opts.Accounts) == 0 {
		opts.Accounts = DefaultCapitalAccounts()
	}
	if opts.SessionIdleTTL <= 0 {
		opts.SessionIdleTTL = 10 * time.Minute
	}
	if opts.LoginInterval <= 0 {
		opts.LoginInterval = time.Second
	}
	if opts.StreamingHost == "" {
		opts.StreamingHost = "wss://api-streaming-capital.backend-capital.com/"
	}
	s := &Capital{opts: opts}
	s.init("capital", CapitalAPIPrefix, opts.Clock, opts.Logf, mustKeyring(opts.Key, opts.KeyTTL))
	s.resetSessions()
	return s
}

// ServeHTTP answers Capital.com's paths under /api/v1 and the admin paths
// under /__sim/.
func (s *Capital) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r, s) }

// Stats returns what the simulator has counted.
func (s *Capital) Stats() Stats { return s.snapshot(s) }

// Reset forgets sessions, faults, issued timeStamps, rate-limit memory and
// stats.
func (s *Capital) Reset() { s.reset(s) }

// ExpireAllSessions kills every session, as 10 idle minutes would; it
// returns how many there were.
func (s *Capital) ExpireAllSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.expire(false)
}

func (s *Capital) expire(accessOnly bool) int {
	if accessOnly { // Capital.com has no access tokens apart from sessions
		return 0
	}
	n := len(s.sessions)
	s.sessions = map[string]*capSession{}
	return n
}

func (s *Capital) resetSessions() {
	s.sessions = map[string]*capSession{}
	s.lastLogin = map[string]time.Time{}
}

func (s *Capital) activeSessions() int {
	now := s.clock.Now()
	n := 0
	for _, ss := range s.sessions {
		if now.Sub(ss.lastUsed) <= s.opts.SessionIdleTTL {
			n++
		}
	}
	return n
}

func (s *Capital) route(w http.ResponseWriter, r *http.Request, rel string) {
	methods := map[string]string{
		"/session/encryptionKey": "GET",
		"/session":               "POST GET PUT DELETE",
		"/ping":                  "GET",
		"/time":                  "GET",
		"/accounts":              "GET",
		"/accounts/preferences":  "GET PUT",
	}[rel]
	if !s.allowed(w, r, methods) {
		return
	}
	op := r.Method + " " + rel
	switch op {
	case "GET /time": // no authentication at all
		writeJSON(w, http.StatusOK, map[string]int64{"serverTime": s.clock.Now().UnixMilli()})
		return
	case "GET /session/encryptionKey", "POST /session":
		// Only the calls before a session need the API key; afterwards
		// CST and X-SECURITY-TOKEN identify the caller.
		switch key := r.Header.Get("X-CAP-API-KEY"); {
		case key == "":
			s.fail(w, http.StatusBadRequest, CapitalCodeNullAPIKey)
			return
		case !secretEqual(key, s.opts.APIKey):
			s.fail(w, http.StatusUnauthorized, CapitalCodeInvalidAPIKey)
			return
		}
		if op == "POST /session" {
			s.login(w, r)
		} else {
			s.encryptionKey(w)
		}
		return
	}
	sess, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	switch op {
	case "GET /session":
		acc, _ := findAccount(s.opts.Accounts, sess.accountID)
		writeJSON(w, http.StatusOK, map[string]any{
			"clientId": s.opts.ClientID, "accountId": sess.accountID, "timezoneOffset": 0,
			"locale": "en", "currency": acc.Currency, "streamEndpoint": s.opts.StreamingHost,
		})
	case "PUT /session":
		s.switchAccount(w, r, sess)
	case "DELETE /session":
		s.mu.Lock()
		delete(s.sessions, sess.cst)
		s.stats.Logouts++
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]string{"status": "SUCCESS"})
	case "GET /ping":
		s.mu.Lock()
		s.stats.Pings++
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
	case "GET /accounts":
		writeJSON(w, http.StatusOK, map[string]any{"accounts": accountDetails(s.opts.Accounts)})
	case "GET /accounts/preferences":
		s.mu.Lock()
		h := s.hedging
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"hedgingMode": h, "leverages": map[string]any{}})
	case "PUT /accounts/preferences":
		var p struct {
			HedgingMode *bool `json:"hedgingMode"`
		}
		if !readJSON(r, &p) || p.HedgingMode == nil {
			s.fail(w, http.StatusBadRequest, "error.invalid.hedgingMode") // guess
			return
		}
		s.mu.Lock()
		s.hedging = *p.HedgingMode
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]string{"status": "SUCCESS"})
	}
}

func (s *Capital) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	parsed := readJSON(r, &req)

	s.mu.Lock()
	now := s.clock.Now()
	key := s.opts.APIKey
	s.stats.LoginAttempts[key]++
	// 1 POST /session per second per API key. Every attempt that gets past
	// the limit moves the window, a wrong password included (the limit is
	// on requests, not on sessions); a rate-limited attempt does not.
	if last, ok := s.lastLogin[key]; ok && now.Sub(last) < s.opts.LoginInterval {
		s.stats.RateLimited++
		s.mu.Unlock()
		s.fail(w, http.StatusTooManyRequests, CapitalCodeTooManyRequests)
		return
	}
	s.lastLogin[key] = now
	if !parsed || req.Identifier == "" || req.Password == "" || !s.credentialsOK(&req, s.opts.Identifier, s.opts.Password) {
		s.mu.Unlock()
		s.fail(w, http.StatusUnauthorized, CapitalCodeInvalidDetails)
		return
	}
	acc := preferredAccount(s.opts.Accounts)
	sess := &capSession{cst: newToken(24), xst: newToken(24), accountID: acc.ID, lastUsed: now}
	s.sessions[sess.cst] = sess
	s.stats.Logins[key]++
	s.mu.Unlock()

	w.Header().Set("CST", sess.cst)
	w.Header().Set("X-SECURITY-TOKEN", sess.xst)
	writeJSON(w, http.StatusOK, map[string]any{
		"accountType":           acc.Type,
		"accountInfo":           accountInfo(acc),
		"currencyIsoCode":       acc.Currency,
		"currencySymbol":        currencySymbol(acc.Currency),
		"currentAccountId":      acc.ID,
		"streamingHost":         s.opts.StreamingHost,
		"accounts":              accountList(s.opts.Accounts),
		"clientId":              s.opts.ClientID,
		"timezoneOffset":        0,
		"hasActiveDemoAccounts": true,
		"hasActiveLiveAccounts": false,
		"trailingStopsEnabled":  false,
	})
}

// authenticate checks CST and X-SECURITY-TOKEN and refreshes the idle
// timer. It answers the error itself when it returns ok false.
func (s *Capital) authenticate(w http.ResponseWriter, r *http.Request) (*capSession, bool) {
	cst, xst := r.Header.Get("CST"), r.Header.Get("X-SECURITY-TOKEN")
	s.mu.Lock()
	now := s.clock.Now()
	sess := s.sessions[cst]
	if sess != nil && now.Sub(sess.lastUsed) > s.opts.SessionIdleTTL {
		delete(s.sessions, cst) // 10 minutes without a call
		sess = nil
	}
	status, code := 0, ""
	switch {
	case cst == "":
		status, code = http.StatusBadRequest, CapitalCodeNullClientToken
	case xst == "":
		status, code = http.StatusBadRequest, CapitalCodeNullAccountToken
	case sess == nil || sess.xst != xst:
		// A stale X-SECURITY-TOKEN gets the same code (guess).
		status, code = http.StatusUnauthorized, CapitalCodeInvalidSession
	default:
		sess.lastUsed = now
	}
	s.mu.Unlock()
	if code != "" {
		s.fail(w, status, code)
		return nil, false
	}
	return sess, true
}

func (s *Capital) switchAccount(w http.ResponseWriter, r *http.Request, sess *capSession) {
	var req struct {
		AccountID string `json:"accountId"`
	}
	if !readJSON(r, &req) {
		s.fail(w, http.StatusBadRequest, CapitalCodeInvalidAccountID)
		return
	}
	if _, ok := findAccount(s.opts.Accounts, req.AccountID); !ok {
		s.fail(w, http.StatusBadRequest, CapitalCodeInvalidAccountID)
		return
	}
	s.mu.Lock()
	if req.AccountID == sess.accountID {
		s.mu.Unlock()
		s.fail(w, http.StatusBadRequest, CapitalCodeSameAccount)
		return
	}
	// X-SECURITY-TOKEN names the account, so a switch issues a new one and
	// the old one stops working, as at IG (the renewal is a guess:
	// Capital.com does not document it; clients keep the old token when no
	// new one is sent).
	sess.accountID = req.AccountID
	sess.xst = newToken(24)
	xst := sess.xst
	s.stats.Switches++
	s.mu.Unlock()
	w.Header().Set("X-SECURITY-TOKEN", xst)
	writeJSON(w, http.StatusOK, map[string]bool{
		"trailingStopsEnabled": false, "dealingEnabled": true,
		"hasActiveDemoAccounts": true, "hasActiveLiveAccounts": false,
	})
}
