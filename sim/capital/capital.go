package capital

import (
	"crypto/rsa"
	"net/http"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/sim"
	"github.com/brokerauth/brokerauth/sim/internal/simkit"
)

// Demo credentials the simulator accepts unless Options say otherwise.
const (
	DemoAPIKey     = "sim-capital-demo-api-key"
	DemoIdentifier = "sim-capital-user@example.com"
	DemoPassword   = "sim-capital-Passw0rd"
	DemoClientID   = "12345678"
)

// APIPrefix is where Capital.com's REST API lives on its hosts.
const APIPrefix = "/api/v1"

// Capital.com error codes, from PROTOCOLS.md §3 unless marked as a guess.
const (
	CodeNullAPIKey       = "error.null.api.key"
	CodeInvalidDetails   = "error.invalid.details"
	CodeInvalidSession   = "error.invalid.session.token"
	CodeTooManyRequests  = "error.too-many.requests"
	CodeInvalidAccountID = "error.invalid.accountId"
	CodeNullClientToken  = "error.null.client.token"
	CodeNullAccountToken = "error.null.account.token"
	// The status (401) is a guess; the code appears in client libraries.
	CodeInvalidAPIKey = "error.invalid.api.key"
	// Guess: what switching to the current account answers.
	CodeSameAccount = "error.not-different.accountId"
)

// DefaultAccounts is what the simulator owns unless told otherwise: two
// CFD accounts in different currencies.
func DefaultAccounts() []sim.Account {
	return []sim.Account{
		{ID: "250316283046346693", Name: "USD", Type: "CFD", Currency: "USD", Preferred: true, Balance: 1000},
		{ID: "250316283046346694", Name: "EUR", Type: "CFD", Currency: "EUR", Balance: 1000},
	}
}

// Options configure the simulator. Zero fields take the defaults.
type Options struct {
	APIKey, Identifier, Password string // default Demo*
	ClientID                     string
	Accounts                     []sim.Account // default DefaultAccounts()
	Clock                        core.Clock    // default core.SystemClock
	// Key is the RSA key handed out by GET /session/encryptionKey; nil
	// generates one (see sim.SharedKey).
	Key    *rsa.PrivateKey
	KeyTTL time.Duration // how long a timeStamp is usable, default sim.DefaultKeyTTL
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

// kit is the chassis; embedded, it gives Sim its shared methods.
type kit = simkit.Base

// Sim simulates Capital.com's REST login API under /api/v1, and the admin
// surface under /__sim/. Use it as an http.Handler; it is safe for
// concurrent use.
// Its shared methods are ServeHTTP, InjectFault, Reset, ExpireAllSessions
// and Close (which releases requests held by sim.FaultHang).
type Sim struct {
	*kit
	desk *simkit.Desk
	opts Options

	// Guarded by desk.
	sessions  map[string]*session  // by CST
	lastLogin map[string]time.Time // API key → last POST /session let through
	hedging   bool
}

type session struct {
	cst, xst  string
	accountID string
	lastUsed  time.Time
}

// New returns a Capital.com simulator. It panics only if the system cannot
// make an RSA key.
func New(opts Options) *Sim {
	simkit.Default(&opts.APIKey, DemoAPIKey)
	simkit.Default(&opts.Identifier, DemoIdentifier)
	simkit.Default(&opts.Password, DemoPassword)
	simkit.Default(&opts.ClientID, DemoClientID)
	if len(opts.Accounts) == 0 {
		opts.Accounts = DefaultAccounts()
	}
	simkit.Default(&opts.SessionIdleTTL, 10*time.Minute)
	simkit.Default(&opts.LoginInterval, time.Second)
	simkit.Default(&opts.StreamingHost, "wss://api-streaming-capital.backend-capital.com/")
	s := &Sim{opts: opts}
	s.desk, s.kit = simkit.NewDesk(simkit.DeskConfig{
		Name: core.BrokerCapital, APIPrefix: APIPrefix, Logf: opts.Logf,
		Clock: opts.Clock, Key: opts.Key, KeyTTL: opts.KeyTTL,
		APIKey: opts.APIKey, Identifier: opts.Identifier, Password: opts.Password,
		Route: s.route, Expire: s.expire, ResetSessions: s.resetSessions, ActiveSessions: s.activeSessions,
	})
	s.resetSessions()
	return s
}

// Stats returns what the simulator has counted.
func (s *Sim) Stats() Stats { return s.desk.Snapshot() }

// expire kills every session, as 10 idle minutes would. The caller holds
// s.desk.
func (s *Sim) expire(accessOnly bool) int {
	if accessOnly { // Capital.com has no access tokens apart from sessions
		return 0
	}
	n := len(s.sessions)
	s.sessions = map[string]*session{}
	return n
}

// resetSessions also forgets the rate-limit memory.
func (s *Sim) resetSessions() {
	s.sessions = map[string]*session{}
	s.lastLogin = map[string]time.Time{}
}

func (s *Sim) activeSessions() int {
	now := s.desk.Now()
	return simkit.Count(s.sessions, func(ss *session) bool { return now.Sub(ss.lastUsed) <= s.opts.SessionIdleTTL })
}

var writeJSON = simkit.WriteJSON

func (s *Sim) route(w http.ResponseWriter, r *http.Request, rel string) {
	methods := map[string]string{
		"/session/encryptionKey": "GET",
		"/session":               "POST GET PUT DELETE",
		"/ping":                  "GET",
		"/time":                  "GET",
		"/accounts":              "GET",
		"/accounts/preferences":  "GET PUT",
	}[rel]
	if !s.desk.Allowed(w, r, methods) {
		return
	}
	op := r.Method + " " + rel
	switch op {
	case "GET /time": // no authentication at all
		writeJSON(w, http.StatusOK, map[string]int64{"serverTime": s.desk.Now().UnixMilli()})
		return
	case "GET /session/encryptionKey", "POST /session":
		// Only the calls before a session need the API key; afterwards
		// CST and X-SECURITY-TOKEN identify the caller.
		if !s.desk.APIKeyOK(w, r, "X-CAP-API-KEY", CodeNullAPIKey, http.StatusUnauthorized, CodeInvalidAPIKey) {
			return
		}
		if op == "POST /session" {
			s.login(w, r)
		} else {
			s.desk.EncryptionKey(w)
		}
		return
	}
	sess, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	switch op {
	case "GET /session":
		acc, _ := simkit.FindAccount(s.opts.Accounts, sess.accountID)
		writeJSON(w, http.StatusOK, map[string]any{
			"clientId": s.opts.ClientID, "accountId": sess.accountID, "timezoneOffset": 0,
			"locale": "en", "currency": acc.Currency, "streamEndpoint": s.opts.StreamingHost,
		})
	case "PUT /session":
		s.switchAccount(w, r, sess)
	case "DELETE /session":
		s.desk.Lock()
		delete(s.sessions, sess.cst)
		s.desk.Stats.Logouts++
		s.desk.Unlock()
		writeJSON(w, http.StatusOK, map[string]string{"status": "SUCCESS"})
	case "GET /ping":
		s.desk.Lock()
		s.desk.Stats.Pings++
		s.desk.Unlock()
		writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
	case "GET /accounts":
		simkit.WriteAccounts(w, s.opts.Accounts)
	default: // GET and PUT /accounts/preferences
		var p struct {
			HedgingMode *bool `json:"hedgingMode"`
		}
		s.desk.Preference(w, r, &s.hedging, func(h bool) any { return map[string]any{"hedgingMode": h, "leverages": map[string]any{}} },
			&p, &p.HedgingMode, "error.invalid.hedgingMode") // guess
	}
}

func (s *Sim) login(w http.ResponseWriter, r *http.Request) {
	var req simkit.LoginRequest
	parsed := simkit.ReadJSON(r, &req)

	s.desk.Lock()
	now := s.desk.Now()
	key := s.opts.APIKey
	s.desk.Stats.LoginAttempts[key]++
	// 1 POST /session per second per API key. Every attempt that gets past
	// the limit moves the window, a wrong password included (the limit is
	// on requests, not on sessions); a rate-limited attempt does not.
	if last, ok := s.lastLogin[key]; ok && now.Sub(last) < s.opts.LoginInterval {
		s.desk.Stats.RateLimited++
		s.desk.Unlock()
		s.desk.Fail(w, http.StatusTooManyRequests, CodeTooManyRequests)
		return
	}
	s.lastLogin[key] = now
	if !parsed || req.Identifier == "" || req.Password == "" || !s.desk.CredentialsOK(&req) {
		s.desk.Unlock()
		s.desk.Fail(w, http.StatusUnauthorized, CodeInvalidDetails)
		return
	}
	acc := simkit.PreferredAccount(s.opts.Accounts)
	sess := &session{cst: simkit.NewToken(24), xst: simkit.NewToken(24), accountID: acc.ID, lastUsed: now}
	s.sessions[sess.cst] = sess
	s.desk.Stats.Logins[key]++
	s.desk.Unlock()

	body := simkit.LoginAnswer(acc, s.opts.Accounts, s.opts.ClientID)
	body["streamingHost"] = s.opts.StreamingHost
	simkit.WriteSession(w, sess.cst, sess.xst, body)
}

// authenticate checks CST and X-SECURITY-TOKEN and refreshes the idle
// timer. It answers the error itself when it returns ok false.
func (s *Sim) authenticate(w http.ResponseWriter, r *http.Request) (*session, bool) {
	cst, xst := r.Header.Get("CST"), r.Header.Get("X-SECURITY-TOKEN")
	s.desk.Lock()
	now := s.desk.Now()
	sess := s.sessions[cst]
	if sess != nil && now.Sub(sess.lastUsed) > s.opts.SessionIdleTTL {
		delete(s.sessions, cst) // 10 minutes without a call
		sess = nil
	}
	status, code := 0, ""
	switch {
	case cst == "":
		status, code = http.StatusBadRequest, CodeNullClientToken
	case xst == "":
		status, code = http.StatusBadRequest, CodeNullAccountToken
	case sess == nil || sess.xst != xst:
		// A stale X-SECURITY-TOKEN gets the same code (guess).
		status, code = http.StatusUnauthorized, CodeInvalidSession
	default:
		sess.lastUsed = now
	}
	s.desk.Unlock()
	if code != "" {
		s.desk.Fail(w, status, code)
		return nil, false
	}
	return sess, true
}

func (s *Sim) switchAccount(w http.ResponseWriter, r *http.Request, sess *session) {
	var req struct {
		AccountID string `json:"accountId"`
	}
	if !simkit.ReadJSON(r, &req) {
		s.desk.Fail(w, http.StatusBadRequest, CodeInvalidAccountID)
		return
	}
	if _, ok := simkit.FindAccount(s.opts.Accounts, req.AccountID); !ok {
		s.desk.Fail(w, http.StatusBadRequest, CodeInvalidAccountID)
		return
	}
	s.desk.Lock()
	if req.AccountID == sess.accountID {
		s.desk.Unlock()
		s.desk.Fail(w, http.StatusBadRequest, CodeSameAccount)
		return
	}
	// X-SECURITY-TOKEN names the account, so a switch issues a new one and
	// the old one stops working, as at IG (the renewal is a guess:
	// Capital.com does not document it; clients keep the old token when no
	// new one is sent).
	sess.accountID = req.AccountID
	sess.xst = simkit.NewToken(24)
	xst := sess.xst
	s.desk.Stats.Switches++
	s.desk.Unlock()
	simkit.WriteSwitched(w, xst)
}
