package ig

import (
	"crypto/rsa"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/sim"
	"github.com/brokerauth/brokerauth/sim/internal/simkit"
)

// Demo credentials the simulator accepts unless Options say otherwise.
const (
	DemoAPIKey     = "sim-ig-demo-api-key"
	DemoIdentifier = "sim-ig-user"
	DemoPassword   = "sim-ig-Passw0rd"
	DemoClientID   = "101234567"
)

// APIPrefix is where IG's REST API lives on its hosts.
const APIPrefix = "/gateway/deal"

// IG error codes, from docs/PROTOCOLS.md §2 and §6.1 unless marked as a
// guess.
const (
	CodeAPIKeyMissing       = "error.security.api-key-missing"
	CodeAPIKeyInvalid       = "error.security.api-key-invalid"
	CodeInvalidDetails      = "error.security.invalid-details"
	CodeEncryptionRequired  = "error.public-api.failure.encryption.required"
	CodeClientTokenInvalid  = "error.security.client-token-invalid"
	CodeAccountTokenInvalid = "error.security.account-token-invalid"
	CodeOAuthTokenInvalid   = "error.security.oauth-token-invalid"
	CodeClientTokenMissing  = "error.security.client-token-missing"
	CodeAccountTokenMissing = "error.security.account-token-missing"     // guess
	CodeInvalidVersion      = "error.request.invalid.version"            // guess
	CodeInvalidRequest      = "validation.null-not-allowed.request"      // guess (IG's validation style)
	CodeSameAccount         = "error.switch.accountId-must-be-different" // 412, seen live
	CodeUnknownAccount      = "error.switch.invalid-accountId"           // IG's catalogue; status a guess
)

// DefaultAccounts is what the simulator owns unless told otherwise: a CFD
// and a spread-bet account, as a UK demo login has.
func DefaultAccounts() []sim.Account {
	return []sim.Account{
		{ID: "Z3SIM1", Name: "Demo-CFD", Type: "CFD", Currency: "GBP", Preferred: true, Balance: 10000},
		{ID: "Z3SIM2", Name: "Demo-SpreadBet", Type: "SPREADBET", Currency: "GBP", Balance: 10000},
	}
}

// Options configure the simulator. Zero fields take the defaults.
type Options struct {
	APIKey, Identifier, Password string // default Demo*
	ClientID                     string
	Accounts                     []sim.Account // default DefaultAccounts()
	Clock                        core.Clock    // default core.SystemClock
	// Key is the RSA key handed out by GET /session/encryptionKey; nil
	// generates one (see sim.SharedKey to share one between simulators).
	Key    *rsa.PrivateKey
	KeyTTL time.Duration // how long a timeStamp is usable, default sim.DefaultKeyTTL
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

// kit is the chassis; embedded, it gives Sim its shared methods.
type kit = simkit.Base

// Sim simulates IG's REST login API under /gateway/deal, and the admin
// surface under /__sim/. Use it as an http.Handler; it is safe for
// concurrent use.
// Its shared methods are ServeHTTP, InjectFault, Reset, ExpireAllSessions
// and Close (which releases requests held by sim.FaultHang).
type Sim struct {
	*kit
	desk *simkit.Desk
	opts Options

	// Guarded by desk.
	sessions       map[string]*session // by CST
	xsts           map[string]*session // by the current X-SECURITY-TOKEN
	access         map[string]*token   // v3 access tokens
	refresh        map[string]*token   // v3 refresh tokens
	trailing       bool                // /accounts/preferences trailingStopsEnabled
	defaultAccount string              // what logins start on; PUT /session defaultAccount moves it
}

type session struct {
	cst, xst  string
	accountID string // the CST/XST session's account
	loggedIn  time.Time
	lastUsed  time.Time
}

type token struct {
	sess    *session
	expires time.Time
}

// New returns an IG simulator. It panics only if the system cannot make an
// RSA key (crypto/rand failing), which no test can recover from anyway.
func New(opts Options) *Sim {
	simkit.Default(&opts.APIKey, DemoAPIKey)
	simkit.Default(&opts.Identifier, DemoIdentifier)
	simkit.Default(&opts.Password, DemoPassword)
	simkit.Default(&opts.ClientID, DemoClientID)
	if len(opts.Accounts) == 0 {
		opts.Accounts = DefaultAccounts()
	}
	simkit.Default(&opts.AccessTokenTTL, 60*time.Second)
	simkit.Default(&opts.RefreshTokenTTL, 10*time.Minute)
	simkit.Default(&opts.SessionIdleTTL, 6*time.Hour)
	simkit.Default(&opts.SessionMaxTTL, 72*time.Hour)
	simkit.Default(&opts.LightstreamerEndpoint, "https://demo-apd.marketdatasystems.com")
	s := &Sim{opts: opts}
	s.desk, s.kit = simkit.NewDesk(simkit.DeskConfig{
		Name: core.BrokerIG, APIPrefix: APIPrefix, Logf: opts.Logf,
		Clock: opts.Clock, Key: opts.Key, KeyTTL: opts.KeyTTL,
		APIKey: opts.APIKey, Identifier: opts.Identifier, Password: opts.Password,
		Route: s.route, Expire: s.expire, ResetSessions: s.resetSessions, ActiveSessions: s.activeSessions,
	})
	s.resetSessions()
	return s
}

// Stats returns what the simulator has counted.
func (s *Sim) Stats() Stats { return s.desk.Snapshot() }

// ExpireAccessTokens makes every v3 access token expired now, leaving
// refresh tokens usable; it returns how many there were.
func (s *Sim) ExpireAccessTokens() int { return s.desk.Expire(true) }

// expire kills every CST/XST pair and every v3 token, as IG's weekend
// maintenance does, or (accessOnly) only expires the v3 access tokens. The
// caller holds s.desk.
func (s *Sim) expire(accessOnly bool) int {
	if accessOnly {
		past := s.desk.Now().Add(-time.Millisecond)
		for _, t := range s.access {
			t.expires = past
		}
		return len(s.access)
	}
	n := len(s.sessions)
	s.resetSessions()
	return n
}

func (s *Sim) resetSessions() {
	s.defaultAccount = simkit.PreferredAccount(s.opts.Accounts).ID
	s.sessions = map[string]*session{}
	s.xsts = map[string]*session{}
	s.access = map[string]*token{}
	s.refresh = map[string]*token{}
}

func (s *Sim) activeSessions() int {
	now := s.desk.Now()
	return simkit.Count(s.sessions, func(ss *session) bool { return s.alive(ss, now) })
}

// alive reports whether sess is still valid at now: used within
// SessionIdleTTL, and no older than SessionMaxTTL however often it was
// used (IG's 72-hour cap; docs/PROTOCOLS.md §2). The caller holds s.desk.
func (s *Sim) alive(sess *session, now time.Time) bool {
	return s.sessions[sess.cst] == sess && now.Sub(sess.lastUsed) <= s.opts.SessionIdleTTL && now.Sub(sess.loggedIn) <= s.opts.SessionMaxTTL
}
