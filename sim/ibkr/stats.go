package ibkr

import (
	"strings"

	"github.com/brokerauth/brokerauth/sim/internal/simkit"
)

// Stats counts the requests that reached each endpoint, faulted or not, so
// tests can assert on how often a client logged in or re-authenticated.
type Stats struct {
	Token    int `json:"token"`    // POST /oauth2/api/v1/token
	Bearer   int `json:"bearer"`   // POST /gw/api/v1/sso-sessions
	Validate int `json:"validate"` // GET /v1/api/sso/validate
	Init     int `json:"init"`     // POST /v1/api/iserver/auth/ssodh/init
	Tickle   int `json:"tickle"`   // GET|POST /v1/api/tickle
	Status   int `json:"status"`   // POST /v1/api/iserver/auth/status
	Logout   int `json:"logout"`   // POST /v1/api/logout
	API      int `json:"api"`      // any other /v1/api path
	IP       int `json:"ip"`       // GET /__sim/ip
	// LiveSessionToken counts POST /v1/api/oauth/live_session_token.
	LiveSessionToken int `json:"liveSessionToken"`
	// SignatureFailures counts OAuth 1.0a signatures that did not verify:
	// RSA-SHA256 at the live session token, and HMAC-SHA256 on a protected
	// call that no token of the consumer (live or lately expired) signs.
	SignatureFailures int `json:"signatureFailures"`
	// LastBearerIP is the "ip" claim of the last bearer token issued.
	LastBearerIP string `json:"lastBearerIP"`
	// Sessions is the number of live sessions: bearer tokens and live
	// session tokens not expired or logged out of.
	Sessions int `json:"sessions"`
}

var statPaths = map[string]func(*Stats) *int{
	"/oauth2/api/v1/token":            func(s *Stats) *int { return &s.Token },
	"/gw/api/v1/sso-sessions":         func(s *Stats) *int { return &s.Bearer },
	"/v1/api/sso/validate":            func(s *Stats) *int { return &s.Validate },
	"/v1/api/iserver/auth/ssodh/init": func(s *Stats) *int { return &s.Init },
	"/v1/api/tickle":                  func(s *Stats) *int { return &s.Tickle },
	"/v1/api/iserver/auth/status":     func(s *Stats) *int { return &s.Status },
	"/v1/api/logout":                  func(s *Stats) *int { return &s.Logout },
	pathIP:                            func(s *Stats) *int { return &s.IP },
	pathLST:                           func(s *Stats) *int { return &s.LiveSessionToken },
}

// count notes a request on its way to its route, faulted or not.
func (s *Sim) count(path string, _ *simkit.Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := statPaths[path]; ok {
		*f(&s.stats)++
	} else if len(path) > len("/v1/api/") && strings.HasPrefix(path, "/v1/api/") {
		s.stats.API++
	}
}

// Stats returns the counts so far.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	now := s.clock.Now()
	s.eachSessionLocked(func(b *bearer) {
		if now.Before(b.expires) && !b.loggedOut {
			st.Sessions++
		}
	})
	return st
}
