package ibkr

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/brokerauth/brokerauth/sim/internal/simkit"
)

// serverInfo is what IBKR reports about the gateway host; fixed here.
var serverInfo = map[string]any{"serverName": "SimGW1", "serverVersion": "Build 10.30.1, ibkrsim"}

const simMAC = "00:00:5E:00:53:01"

// authorize finds the live session of a /v1/api call, or answers 401 with
// an empty text/plain body, as IBKR's OpenAPI describes its Unauthorized
// answer (docs/PROTOCOLS.md §6.3). The call may carry an OAuth 2.0 bearer
// token or an OAuth 1.0a header signed with a live session token
// (authorizeOAuth1); both lead to the same kind of session. A session
// logged out of is refused too, except by ssodh/init, which answers 410
// Gone for it (handleInit).
func (s *Sim) authorize(w http.ResponseWriter, r *http.Request) (*bearer, bool) {
	var b *bearer
	if isOAuth1(r) {
		b = s.authorizeOAuth1(r)
	} else if tok, ok := bearerOf(r); ok {
		s.mu.Lock()
		b = s.bearers[tok]
		if b != nil && !s.clock.Now().Before(b.expires) {
			delete(s.bearers, tok)
			b = nil
		}
		s.mu.Unlock()
	}
	if b != nil {
		s.mu.Lock()
		if b.loggedOut && r.URL.Path != pathInit {
			b = nil
		}
		s.mu.Unlock()
	}
	if b == nil {
		unauthorized(w)
		return nil, false
	}
	return b, true
}

// unauthorized is IBKR's 401: an empty text/plain body.
func unauthorized(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
}

// iserverReady answers an /iserver call that has no brokerage session:
// 400 "no bridge" before ssodh/init, 400 "Init session first" after
// another session knocked this one out (docs/PROTOCOLS.md §6.3). ok is
// true when the brokerage session is open.
func (s *Sim) iserverReady(w http.ResponseWriter, b *bearer) bool {
	s.mu.Lock()
	authenticated, connected := b.authenticated, b.connected
	s.mu.Unlock()
	switch {
	case authenticated:
		return true
	case connected:
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Init session first", "statusCode": 400})
	default:
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Bad Request: no bridge", "statusCode": 400})
	}
	return false
}

// answer answers a call on a live bearer with view's JSON, which it makes
// under s.mu.
func (s *Sim) answer(w http.ResponseWriter, r *http.Request, view func(b *bearer, now time.Time) map[string]any) {
	b, ok := s.authorize(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	resp := view(b, s.clock.Now())
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

func (s *Sim) handleValidate(w http.ResponseWriter, r *http.Request) { s.answer(w, r, validation) }

// validation is the answer of GET /v1/api/sso/validate.
func validation(b *bearer, now time.Time) map[string]any {
	return map[string]any{
		"USER_ID":         b.user.id,
		"USER_NAME":       b.user.credential,
		"RESULT":          true,
		"AUTH_TIME":       b.issued.UnixMilli(),
		"SF_ENABLED":      false,
		"IS_FREE_TRIAL":   false,
		"CREDENTIAL":      b.user.credential,
		"IP":              b.ip,
		"EXPIRES":         b.expires.Sub(now).Milliseconds(),
		"LOGIN_TYPE":      2,
		"PAPER_USER_NAME": b.user.credential,
		"LANDING_APP":     "UNIVERSAL",
		"IS_MASTER":       false,
		"lastAccessed":    now.UnixMilli(),
		"region":          "NJ",
	}
}

// handleInit is POST iserver/auth/ssodh/init {"publish":bool,"compete":bool}:
// it opens the brokerage session on top of the SSO session.
func (s *Sim) handleInit(w http.ResponseWriter, r *http.Request) {
	b, ok := s.authorize(w, r)
	if !ok {
		return
	}
	body, ok := simkit.ReadBody(r)
	var req struct {
		Publish *bool `json:"publish"`
		Compete *bool `json:"compete"`
	}
	if !ok || json.Unmarshal(body, &req) != nil || req.Publish == nil || req.Compete == nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": `body must be {"publish":bool,"compete":bool}`, "statusCode": 400})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.loggedOut {
		// The body was never captured; the shape is IBKR's usual one.
		writeJSON(w, http.StatusGone, map[string]any{"error": "gone", "statusCode": 410})
		return
	}
	if *req.Compete && s.dhFail > 0 {
		s.dhFail--
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "failed to generate sso dh token", "statusCode": 500})
		return
	}
	b.authenticated, b.connected, b.competing = true, true, s.competing
	writeJSON(w, http.StatusOK, authStatus(b))
}

func authStatus(b *bearer) map[string]any {
	return map[string]any{
		"authenticated": b.authenticated,
		"competing":     b.competing,
		"connected":     b.connected,
		"message":       "",
		"MAC":           simMAC,
		"serverInfo":    serverInfo,
	}
}

func (s *Sim) handleTickle(w http.ResponseWriter, r *http.Request) { s.answer(w, r, tickle) }

// tickle is the answer of GET|POST /v1/api/tickle.
func tickle(b *bearer, now time.Time) map[string]any {
	return map[string]any{
		"session":    b.session,
		"ssoExpires": b.expires.Sub(now).Milliseconds(),
		"collission": false,
		"userId":     b.user.id,
		"hmds":       map[string]any{"error": "no bridge"},
		"iserver":    map[string]any{"authStatus": authStatus(b)},
	}
}

func (s *Sim) handleStatus(w http.ResponseWriter, r *http.Request) {
	s.answer(w, r, func(b *bearer, _ time.Time) map[string]any { return authStatus(b) })
}

func (s *Sim) handleLogout(w http.ResponseWriter, r *http.Request) {
	b, ok := s.authorize(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	b.loggedOut, b.authenticated, b.connected = true, false, false
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"status": true})
}

func accountID(u *user) string { return fmt.Sprintf("DU%07d", u.id%10000000) }

func (s *Sim) handlePortfolioAccounts(w http.ResponseWriter, r *http.Request) {
	b, ok := s.authorize(w, r)
	if !ok {
		return
	}
	id := accountID(b.user)
	writeJSON(w, http.StatusOK, []map[string]any{{
		"id": id, "accountId": id, "accountVan": id, "accountTitle": "Simulated paper account",
		"displayName": id, "accountAlias": nil, "currency": "USD", "type": "DEMO",
		"tradingType": "STKNOPT", "faclient": false, "clearingStatus": "O", "covestor": false,
		"accountStatus": time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC).UnixMilli(), "desc": id,
	}})
}

// handleIserverAccounts needs the brokerage session, not just the bearer:
// iserver endpoints answer 400 until ssodh/init has succeeded.
func (s *Sim) handleIserverAccounts(w http.ResponseWriter, r *http.Request) {
	b, ok := s.authorize(w, r)
	if !ok {
		return
	}
	if !s.iserverReady(w, b) {
		return
	}
	id := accountID(b.user)
	writeJSON(w, http.StatusOK, map[string]any{"accounts": []string{id}, "selectedAccount": id, "isFA": false})
}
