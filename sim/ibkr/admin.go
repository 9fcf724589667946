package ibkr

import (
	"errors"
	"net/http"
	"net/netip"
	"time"

	"github.com/brokerauth/brokerauth/sim/internal/simkit"
)

// expire revokes every bearer token, access token and live session token:
// the next call gets 401, as after IBKR's daily restart. IBKR has no
// access tokens apart from the sessions in IG's sense, so accessOnly
// expires nothing.
func (s *Sim) expire(accessOnly bool) int {
	if accessOnly {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.bearers) + s.expireLSTsLocked()
	s.bearers = map[string]*bearer{}
	s.access = map[string]*accessToken{}
	return n
}

// ExpireLiveSessionTokens ends every OAuth 1.0a live session token, and
// the sessions riding on them, and returns how many were live. OAuth 2.0
// bearer tokens stay. A request signed with an expired token gets the
// generic 401 and the client must ask for a new one.
func (s *Sim) ExpireLiveSessionTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.expireLSTsLocked()
}

// eachSessionLocked calls f on every session, OAuth 2.0 and 1.0a, live or
// not. Callers hold s.mu.
func (s *Sim) eachSessionLocked(f func(*bearer)) {
	for _, b := range s.bearers {
		f(b)
	}
	for _, b := range s.lsts {
		f(b)
	}
}

// DropAuthenticated ends every brokerage session but keeps the bearer
// tokens, as another session that competes for the user does: tickle
// answers authenticated:false, /iserver calls "Init session first", until
// ssodh/init.
func (s *Sim) DropAuthenticated() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eachSessionLocked(func(b *bearer) { b.authenticated = false })
}

// SetCompeting marks every brokerage session, and those opened later, as
// competing with another session (another device logged in).
func (s *Sim) SetCompeting(competing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.competing = competing
	s.eachSessionLocked(func(b *bearer) {
		if b.authenticated {
			b.competing = competing
		}
	})
}

// competingHook is POST /__sim/competing {"competing": bool}, true when
// absent.
func (s *Sim) competingHook(body []byte) error {
	v := struct{ Competing *bool }{}
	if err := simkit.DecodeOptional(body, &v); err != nil {
		return err
	}
	s.SetCompeting(v.Competing == nil || *v.Competing)
	return nil
}

// FailInitDH makes the next n ssodh/init calls with compete:true answer
// 500 "failed to generate sso dh token", as IBKR does for new paper
// accounts; compete:false still works.
func (s *Sim) FailInitDH(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dhFail = max(n, 0)
}

// dhFailHook is POST /__sim/dh-fail {"times": n}, 1 when absent.
func (s *Sim) dhFailHook(body []byte) error {
	v := struct{ Times int }{Times: 1}
	if err := simkit.DecodeOptional(body, &v); err != nil {
		return err
	}
	s.FailInitDH(v.Times)
	return nil
}

// serveIP is the public-IP echo: POST {"ip": …} sets it, any other method
// reads it as text/plain.
func (s *Sim) serveIP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		simkit.RunHook(w, r, ibkrJSON, func(body []byte) error {
			var v struct{ IP string }
			if err := simkit.DecodeOptional(body, &v); err != nil {
				return err
			}
			return s.SetIP(v.IP)
		})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(s.IP() + "\n"))
}

// SetIP sets what GET /__sim/ip answers.
func (s *Sim) SetIP(ip string) error {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Zone() != "" {
		return errors.New("ibkr: ip must be an IP address")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ip = a.String()
	return nil
}

// IP returns what GET /__sim/ip answers.
func (s *Sim) IP() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ip
}

// reset clears flags, tokens, sessions, remembered nonces and counts, and
// sets the IP back to DefaultIP. Registered clients and consumers stay.
func (s *Sim) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access = map[string]*accessToken{}
	s.bearers = map[string]*bearer{}
	s.lsts = map[string]*bearer{}
	for _, c := range s.consumers {
		c.nonces, c.queue = map[string]time.Time{}, nil
	}
	s.stats = Stats{}
	s.ip = DefaultIP
	s.competing = false
	s.dhFail = 0
}
