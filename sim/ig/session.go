package ig

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/brokerauth/brokerauth/sim/internal/simkit"
)

var writeJSON = simkit.WriteJSON

func (s *Sim) route(w http.ResponseWriter, r *http.Request, rel string) {
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
	if !s.desk.Allowed(w, r, methods) {
		return
	}
	// Every IG call, logged in or not, carries the API key.
	if !s.desk.APIKeyOK(w, r, "X-IG-API-KEY", CodeAPIKeyMissing, http.StatusForbidden, CodeAPIKeyInvalid) {
		return
	}
	switch r.Method + " " + rel {
	case "GET /session/encryptionKey":
		s.desk.EncryptionKey(w)
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
		switch rel {
		case "/session":
			if r.Method == http.MethodGet {
				s.getSession(w, r, a)
			} else {
				s.logout(w, a.sess)
			}
		case "/accounts":
			simkit.WriteAccounts(w, s.opts.Accounts)
		case "/accounts/preferences":
			var p struct {
				TrailingStopsEnabled *bool `json:"trailingStopsEnabled"`
			}
			s.desk.Preference(w, r, &s.trailing, func(t bool) any { return map[string]bool{"trailingStopsEnabled": t} },
				&p, &p.TrailingStopsEnabled, CodeInvalidRequest+".trailingStopsEnabled")
		}
	}
}

func (s *Sim) login(w http.ResponseWriter, r *http.Request) {
	version := 0
	switch r.Header.Get("Version") {
	case "", "1":
		version = 1
	case "2":
		version = 2
	case "3":
		version = 3
	default:
		s.desk.Fail(w, http.StatusBadRequest, CodeInvalidVersion)
		return
	}
	var req simkit.LoginRequest
	parsed := simkit.ReadJSON(r, &req)

	s.desk.Lock()
	s.desk.Stats.LoginAttempts[s.opts.APIKey]++
	status, code := 0, ""
	switch {
	case !parsed:
		status, code = http.StatusBadRequest, CodeInvalidRequest
	case req.Identifier == "":
		status, code = http.StatusBadRequest, CodeInvalidRequest+".identifier"
	case req.Password == "":
		status, code = http.StatusBadRequest, CodeInvalidRequest+".password"
	case version == 3 && req.Encrypted():
		// v3's schema has no encryptedPassword: the ciphertext is taken as
		// the password itself, so it never matches.
		status, code = http.StatusUnauthorized, CodeInvalidDetails
	case version < 3 && s.opts.RequireEncryption && !req.Encrypted():
		status, code = http.StatusBadRequest, CodeEncryptionRequired
	case !s.desk.CredentialsOK(&req):
		status, code = http.StatusUnauthorized, CodeInvalidDetails
	}
	if code != "" {
		s.desk.Unlock()
		s.desk.Fail(w, status, code)
		return
	}
	now := s.desk.Now()
	acc, _ := simkit.FindAccount(s.opts.Accounts, s.defaultAccount)
	sess := &session{cst: simkit.NewToken(32), xst: simkit.NewToken(32), accountID: acc.ID, loggedIn: now, lastUsed: now}
	s.sessions[sess.cst] = sess
	s.xsts[sess.xst] = sess
	s.desk.Stats.Logins[s.opts.APIKey]++
	var access, refresh string
	if version == 3 {
		access, refresh = s.grant(sess, now)
	}
	s.desk.Unlock()

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
	body := simkit.LoginAnswer(acc, s.opts.Accounts, s.opts.ClientID)
	body["lightstreamerEndpoint"] = s.opts.LightstreamerEndpoint
	body["reroutingEnvironment"] = nil
	body["dealingEnabled"] = true
	simkit.WriteSession(w, sess.cst, sess.xst, body)
}

// grant issues a v3 access and refresh token pair. The caller holds s.desk.
func (s *Sim) grant(sess *session, now time.Time) (access, refresh string) {
	access, refresh = newUUID(), newUUID()
	s.access[access] = &token{sess: sess, expires: now.Add(s.opts.AccessTokenTTL)}
	s.refresh[refresh] = &token{sess: sess, expires: now.Add(s.opts.RefreshTokenTTL)}
	return access, refresh
}

// oauthToken is IG's v3 token block: every field a string, expires_in too.
func (s *Sim) oauthToken(access, refresh string) map[string]string {
	return map[string]string{
		"access_token":  access,
		"refresh_token": refresh,
		"scope":         "profile",
		"token_type":    "Bearer",
		"expires_in":    strconv.Itoa(int(s.opts.AccessTokenTTL / time.Second)),
	}
}

func (s *Sim) refreshToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RefreshToken string `json:"refresh_token"`
	}
	if !simkit.ReadJSON(r, &req) || req.RefreshToken == "" {
		s.desk.Fail(w, http.StatusBadRequest, CodeInvalidRequest+".refresh_token")
		return
	}
	s.desk.Lock()
	now := s.desk.Now()
	t, ok := s.refresh[req.RefreshToken]
	// Refresh tokens are single use: the old one dies whatever happens.
	delete(s.refresh, req.RefreshToken)
	if !ok || now.After(t.expires) || !s.alive(t.sess, now) {
		s.desk.Unlock()
		// IG does not document the refusal; a 401 with the OAuth code is
		// what clients report (guess).
		s.desk.Fail(w, http.StatusUnauthorized, CodeOAuthTokenInvalid)
		return
	}
	access, refresh := s.grant(t.sess, now)
	t.sess.lastUsed = now
	s.desk.Stats.Refreshes++
	s.desk.Unlock()
	writeJSON(w, http.StatusOK, s.oauthToken(access, refresh))
}

// auth is who a logged-in call is: the session and the account the call
// acts for.
type auth struct {
	sess      *session
	accountID string
	bearer    bool // v3: Authorization: Bearer (+ IG-ACCOUNT-ID)
}

// authenticate checks a logged-in call: either v3's Bearer token (with
// IG-ACCOUNT-ID naming the account; without it the call acts for the
// default account), or v2's CST with X-SECURITY-TOKEN. It answers the
// error itself when it returns ok false.
func (s *Sim) authenticate(w http.ResponseWriter, r *http.Request) (auth, bool) {
	if r.Header.Get("Authorization") == "" {
		return s.authenticateCST(w, r)
	}
	s.desk.Lock()
	now := s.desk.Now()
	var a auth
	code := ""
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	t := s.access[tok]
	switch {
	case t == nil || now.After(t.expires) || !s.alive(t.sess, now):
		code = CodeOAuthTokenInvalid
	default:
		a = auth{sess: t.sess, accountID: r.Header.Get("IG-ACCOUNT-ID"), bearer: true}
		if a.accountID == "" {
			// No IG-ACCOUNT-ID: IG answers for the default account
			// (docs/PROTOCOLS.md §6).
			a.accountID = s.defaultAccount
		} else if _, known := simkit.FindAccount(s.opts.Accounts, a.accountID); !known {
			code = CodeAccountTokenInvalid
		}
	}
	return s.authenticated(w, a, code, now)
}

// authenticateCST checks CST and X-SECURITY-TOKEN, whatever else the call
// carries.
func (s *Sim) authenticateCST(w http.ResponseWriter, r *http.Request) (auth, bool) {
	s.desk.Lock()
	now := s.desk.Now()
	cst, xst := r.Header.Get("CST"), r.Header.Get("X-SECURITY-TOKEN")
	c := s.sessions[cst]
	if c != nil && !s.alive(c, now) {
		s.dropSession(c)
		c = nil
	}
	code := ""
	switch {
	case cst == "":
		code = CodeClientTokenMissing
	case c == nil:
		code = CodeClientTokenInvalid
	case xst == "":
		code = CodeAccountTokenMissing
	case s.xsts[xst] != c:
		// An X-SECURITY-TOKEN replaced by an account switch lands here.
		code = CodeAccountTokenInvalid
	}
	var a auth
	if code == "" {
		a = auth{sess: c, accountID: c.accountID}
	}
	return s.authenticated(w, a, code, now)
}

// authenticated ends an authentication that s.desk was locked for: it
// marks the session used, or answers 401 code.
func (s *Sim) authenticated(w http.ResponseWriter, a auth, code string, now time.Time) (auth, bool) {
	if code == "" {
		a.sess.lastUsed = now
	}
	s.desk.Unlock()
	if code != "" {
		s.desk.Fail(w, http.StatusUnauthorized, code)
		return auth{}, false
	}
	return a, true
}

// dropSession forgets a session and every token tied to it. The caller
// holds s.desk.
func (s *Sim) dropSession(sess *session) {
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

func (s *Sim) getSession(w http.ResponseWriter, r *http.Request, a auth) {
	acc, _ := simkit.FindAccount(s.opts.Accounts, a.accountID)
	s.desk.Lock()
	s.desk.Stats.Pings++
	if a.bearer && a.sess.accountID != a.accountID && r.URL.Query().Get("fetchSessionTokens") == "true" {
		// The tokens handed to a v3 call are those of the account it acts
		// for: the CST/XST session moves there.
		s.moveLocked(a.sess, a.accountID)
	}
	cst, xst := a.sess.cst, a.sess.xst
	s.desk.Unlock()
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
// X-SECURITY-TOKEN; the old one dies. The caller holds s.desk.
func (s *Sim) moveLocked(sess *session, accountID string) {
	delete(s.xsts, sess.xst)
	sess.xst = simkit.NewToken(32)
	s.xsts[sess.xst] = sess
	sess.accountID = accountID
}

func (s *Sim) switchAccount(w http.ResponseWriter, r *http.Request, a auth) {
	var req struct {
		AccountID      string `json:"accountId"`
		DefaultAccount *bool  `json:"defaultAccount"`
	}
	if !simkit.ReadJSON(r, &req) || req.AccountID == "" {
		s.desk.Fail(w, http.StatusBadRequest, CodeInvalidRequest+".accountId")
		return
	}
	if _, ok := simkit.FindAccount(s.opts.Accounts, req.AccountID); !ok {
		s.desk.Fail(w, http.StatusBadRequest, CodeUnknownAccount)
		return
	}
	if req.AccountID == a.accountID {
		s.desk.Fail(w, http.StatusPreconditionFailed, CodeSameAccount)
		return
	}
	s.desk.Lock()
	if s.sessions[a.sess.cst] != a.sess { // logged out meanwhile
		s.desk.Unlock()
		s.desk.Fail(w, http.StatusUnauthorized, CodeClientTokenInvalid)
		return
	}
	// The new X-SECURITY-TOKEN replaces the old one, which dies.
	s.moveLocked(a.sess, req.AccountID)
	if req.DefaultAccount != nil && *req.DefaultAccount {
		s.defaultAccount = req.AccountID
	}
	xst := a.sess.xst
	s.desk.Stats.Switches++
	s.desk.Unlock()
	simkit.WriteSwitched(w, xst)
}

func (s *Sim) logout(w http.ResponseWriter, sess *session) {
	s.desk.Lock()
	s.dropSession(sess)
	s.desk.Stats.Logouts++
	s.desk.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// newUUID returns a random version-4 UUID, the shape of IG's v3 tokens.
func newUUID() string {
	h := simkit.NewToken(16)
	b := []byte(h)
	b[12] = '4'
	return string(b[0:8]) + "-" + string(b[8:12]) + "-" + string(b[12:16]) + "-" + string(b[16:20]) + "-" + string(b[20:32])
}
