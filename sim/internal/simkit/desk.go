package simkit

import (
	"crypto/rsa"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// CSTStats counts what an IG or Capital.com simulator has seen since it
// started or was Reset.
type CSTStats struct {
	Requests       int            `json:"requests"`
	EncryptionKeys int            `json:"encryptionKeys"`
	LoginAttempts  map[string]int `json:"loginAttempts"` // POST /session per API key
	Logins         map[string]int `json:"logins"`        // successful logins per API key
	Refreshes      int            `json:"refreshes"`     // IG v3 refresh-token grants
	Switches       int            `json:"switches"`
	Logouts        int            `json:"logouts"`
	Pings          int            `json:"pings"` // Capital.com GET /ping, IG GET /session
	RateLimited    int            `json:"rateLimited"`
	FaultsFired    int            `json:"faultsFired"`
	Errors         map[string]int `json:"errors"` // errorCode → how often it was answered
	ActiveSessions int            `json:"activeSessions"`
}

func newCSTStats() CSTStats {
	return CSTStats{LoginAttempts: map[string]int{}, Logins: map[string]int{}, Errors: map[string]int{}}
}

// Codes the IG and Capital.com simulators answer that no broker document
// lists; they are guesses at what the brokers say.
const (
	codeNotFound         = "error.not-found"          // guess
	codeMethodNotAllowed = "error.method-not-allowed" // guess
)

// corsHeaders are every request header IG's and Capital.com's clients send.
const corsHeaders = "Content-Type, Accept, Version, X-IG-API-KEY, X-CAP-API-KEY, CST, X-SECURITY-TOKEN, Authorization, IG-ACCOUNT-ID, _method"

// DeskConfig configures a Desk and the chassis it builds.
type DeskConfig struct {
	Name, APIPrefix              string
	Clock                        core.Clock // nil: core.SystemClock
	Key                          *rsa.PrivateKey
	KeyTTL                       time.Duration
	APIKey, Identifier, Password string
	Logf                         func(format string, args ...any)

	// Route answers the broker's API.
	Route func(w http.ResponseWriter, r *http.Request, rel string)
	// The broker's session table; each runs with the Desk locked.
	Expire         func(accessOnly bool) int
	ResetSessions  func()
	ActiveSessions func() int
}

// Desk is what IG and Capital.com share behind their routes: the lock
// that guards every simulator field, the clock, the key ring with its
// timeStamps, the credentials check, the stats and the {"errorCode"}
// answers.
type Desk struct {
	sync.Mutex
	cfg   DeskConfig
	keys  *keyring
	Stats CSTStats // guarded by the Desk's lock
}

// NewDesk returns the desk and the chassis of an IG or Capital.com
// simulator. It panics only if the system cannot make an RSA key.
func NewDesk(cfg DeskConfig) (*Desk, *Base) {
	if cfg.Clock == nil {
		cfg.Clock = core.SystemClock
	}
	d := &Desk{cfg: cfg, keys: newKeyring(cfg.Key, cfg.KeyTTL), Stats: newCSTStats()}
	return d, New(Config{
		Name:           cfg.Name,
		APIPrefix:      cfg.APIPrefix,
		Headers:        CORS("GET, POST, PUT, DELETE, OPTIONS", corsHeaders, "CST, X-SECURITY-TOKEN, Retry-After"),
		JSON:           CSTJSON,
		CST:            true,
		MethodOverride: true,
		Default5xx:     http.StatusBadGateway,
		MalformedJSON:  `{"accountType":"CFD","currentAccountId":"ABC`,
		ErrorBody:      errorBody,
		Logf:           cfg.Logf,
		NotFound:       func(w http.ResponseWriter) { d.Fail(w, http.StatusNotFound, codeNotFound) },
		Count:          d.count,
		Route:          cfg.Route,
		Expire:         d.Expire,
		Reset:          d.reset,
		Stats:          func() any { return d.Snapshot() },
	})
}

// errorBody is IG's and Capital.com's error: {"errorCode": code}, or no
// body without a code.
func errorBody(_ int, code string) any {
	if code == "" {
		return nil
	}
	return map[string]string{"errorCode": code}
}

// Now is the simulator's time.
func (d *Desk) Now() time.Time { return d.cfg.Clock.Now() }

// Expire runs the broker's Expire with the Desk locked.
func (d *Desk) Expire(accessOnly bool) int {
	d.Lock()
	defer d.Unlock()
	return d.cfg.Expire(accessOnly)
}

func (d *Desk) count(_ string, f *Fault) {
	d.Lock()
	defer d.Unlock()
	d.Stats.Requests++
	if f != nil {
		d.Stats.FaultsFired++
	}
}

func (d *Desk) reset() {
	d.Lock()
	defer d.Unlock()
	d.Stats = newCSTStats()
	d.keys.issued = map[int64]time.Time{}
	d.cfg.ResetSessions()
}

// Snapshot returns a copy of the stats.
func (d *Desk) Snapshot() CSTStats {
	d.Lock()
	defer d.Unlock()
	s := d.Stats
	s.LoginAttempts = maps.Clone(d.Stats.LoginAttempts)
	s.Logins = maps.Clone(d.Stats.Logins)
	s.Errors = maps.Clone(d.Stats.Errors)
	s.ActiveSessions = d.cfg.ActiveSessions()
	return s
}

// Fail answers {"errorCode": code} and counts it.
func (d *Desk) Fail(w http.ResponseWriter, status int, code string) {
	d.Lock()
	d.Stats.Errors[code]++
	d.Unlock()
	WriteJSON(w, status, map[string]string{"errorCode": code})
}

// Allowed answers 404 for a path the broker does not have (methods empty)
// and 405 for a method it does not take there (methods lists them, space
// separated), and reports whether the request may go on.
func (d *Desk) Allowed(w http.ResponseWriter, r *http.Request, methods string) bool {
	if methods == "" {
		d.Fail(w, http.StatusNotFound, codeNotFound)
		return false
	}
	if !slices.Contains(strings.Fields(methods), r.Method) {
		d.Fail(w, http.StatusMethodNotAllowed, codeMethodNotAllowed)
		return false
	}
	return true
}

// APIKeyOK checks the API key in header: missing is 400 missingCode, wrong
// is wrongStatus wrongCode. It answers the error itself when it returns
// false.
func (d *Desk) APIKeyOK(w http.ResponseWriter, r *http.Request, header, missingCode string, wrongStatus int, wrongCode string) bool {
	switch key := r.Header.Get(header); {
	case key == "":
		d.Fail(w, http.StatusBadRequest, missingCode)
		return false
	case !SecretEqual(key, d.cfg.APIKey):
		d.Fail(w, wrongStatus, wrongCode)
		return false
	}
	return true
}

// EncryptionKey answers GET …/session/encryptionKey.
func (d *Desk) EncryptionKey(w http.ResponseWriter) {
	d.Lock()
	ts := d.keys.issue(d.Now())
	key := d.keys.spki
	d.Stats.EncryptionKeys++
	d.Unlock()
	WriteJSON(w, http.StatusOK, map[string]any{"encryptionKey": key, "timeStamp": ts})
}

// LoginRequest is the body of POST /session at both brokers.
type LoginRequest struct {
	Identifier        string `json:"identifier"`
	Password          string `json:"password"`
	EncryptedPassword *bool  `json:"encryptedPassword"`
}

// Encrypted reports whether the password is flagged as encrypted.
func (l *LoginRequest) Encrypted() bool { return l.EncryptedPassword != nil && *l.EncryptedPassword }

// CredentialsOK checks a login body against the simulator's credentials.
// An encrypted password is always decrypted, so its timeStamp is used up
// even when the identifier is wrong. The caller holds the Desk's lock.
func (d *Desk) CredentialsOK(req *LoginRequest) bool {
	idOK := SecretEqual(req.Identifier, d.cfg.Identifier)
	var pwOK bool
	if req.Encrypted() {
		pwOK = d.keys.checkEncrypted(req.Password, d.cfg.Password, d.Now())
	} else {
		pwOK = SecretEqual(req.Password, d.cfg.Password)
	}
	return idOK && pwOK
}

// Preference answers GET and PUT of an /accounts/preferences flag held in
// *flag. GET answers get(flag); PUT decodes the body into body, whose
// field *put must be set (else 400 badCode), stores it and answers
// SUCCESS.
func (d *Desk) Preference(w http.ResponseWriter, r *http.Request, flag *bool, get func(bool) any, body any, put **bool, badCode string) {
	if r.Method == http.MethodGet {
		d.Lock()
		v := *flag
		d.Unlock()
		WriteJSON(w, http.StatusOK, get(v))
		return
	}
	if !ReadJSON(r, body) || *put == nil {
		d.Fail(w, http.StatusBadRequest, badCode)
		return
	}
	d.Lock()
	*flag = **put
	d.Unlock()
	WriteJSON(w, http.StatusOK, map[string]string{"status": "SUCCESS"})
}
