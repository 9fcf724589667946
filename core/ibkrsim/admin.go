package ibkrsim

import (
	"encoding/json"
	"net/http"
	"net/netip"
)

// The admin surface, for pages and other processes that cannot call the Go
// hooks. Every POST takes an optional JSON body and answers {"ok":true} or
// 400 {"error":"…"}:
//
//	POST /__sim/expire             every bearer token is revoked (→ 401)
//	POST /__sim/drop-authenticated brokerage sessions drop (tickle says authenticated:false)
//	POST /__sim/competing          {"competing":true|false} (default true)
//	POST /__sim/dh-fail            {"times":n} (default 1): the next n ssodh/init with compete:true
//	                               answer 500 {"error":"failed to generate sso dh token"}
//	POST /__sim/fault              {"path","method","kind":"drop|hang|html500|malformed|status","status","body","times"}
//	POST /__sim/reset              faults, flags, tokens and counts cleared; clients kept
//	GET  /__sim/stats              Stats as JSON
//	GET  /__sim/ip                 the "public IP", text/plain
//	POST /__sim/ip                 {"ip":"198.51.100.9"} sets it
func (s *Sim) serveAdmin(w http.ResponseWriter, r *http.Request) {
	post := func(fn func(body []byte) string) {
		if r.Method != http.MethodPost {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use POST"})
			return
		}
		body, ok := readBody(r)
		if !ok {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "body too large"})
			return
		}
		if msg := fn(body); msg != "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": msg})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	}
	decode := func(body []byte, v any) string {
		if len(body) == 0 {
			return ""
		}
		if json.Unmarshal(body, v) != nil {
			return "body is not the expected JSON"
		}
		return ""
	}
	switch r.URL.Path {
	case "/__sim/expire":
		post(func([]byte) string { s.Expire(); return "" })
	case "/__sim/drop-authenticated":
		post(func([]byte) string { s.DropAuthenticated(); return "" })
	case "/__sim/competing":
		post(func(b []byte) string {
			v := struct{ Competing *bool }{}
			if msg := decode(b, &v); msg != "" {
				return msg
			}
			s.SetCompeting(v.Competing == nil || *v.Competing)
			return ""
		})
	case "/__sim/dh-fail":
		post(func(b []byte) string {
			v := struct{ Times int }{Times: 1}
			if msg := decode(b, &v); msg != "" {
				return msg
			}
			s.FailInitDH(v.Times)
			return ""
		})
	case "/__sim/fault":
		post(func(b []byte) string {
			var f Fault
			if len(b) == 0 {
				return "body must be a fault"
			}
			if msg := decode(b, &f); msg != "" {
				return msg
			}
			if err := s.AddFault(f); err != nil {
				return err.Error()
			}
			return ""
		})
	case "/__sim/reset":
		post(func([]byte) string { s.Reset(); return "" })
	case "/__sim/stats":
		writeJSON(w, http.StatusOK, s.Stats())
	case "/__sim/ip":
		if r.Method == http.MethodPost {
			post(func(b []byte) string {
				var v struct{ IP string }
				if msg := decode(b, &v); msg != "" {
					return msg
				}
				if err := s.SetIP(v.IP); err != nil {
					return err.Error()
				}
				return ""
			})
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(s.IP() + "\n"))
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "no such simulator hook"})
	}
}

// Expire revokes every bearer and access token: the next call gets 401, as
// after IBKR's daily restart.
func (s *Sim) Expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bearers = map[string]*bearer{}
	s.access = map[string]*accessToken{}
}

// DropAuthenticated ends every brokerage session but keeps the bearer
// tokens, as another session that competes for the user does: tickle
// answers authenticated:false, /iserver calls "Init session first", until
// ssodh/init.
func (s *Sim) DropAuthenticated() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.bearers {
		b.authenticated = false
	}
}

// SetCompeting marks every brokerage session, and those opened later, as
// competing with another session (another device logged in).
func (s *Sim) SetCompeting(competing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.competing = competing
	for _, b := range s.bearers {
		if b.authenticated {
			b.competing = competing
		}
	}
}

// FailInitDH makes the next n ssodh/init calls with compete:true answer
// 500 "failed to generate sso dh token", as IBKR does for new paper
// accounts; compete:false still works.
func (s *Sim) FailInitDH(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dhFail = max(n, 0)
}

// SetIP sets what GET /__sim/ip answers.
func (s *Sim) SetIP(ip string) error {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Zone() != "" {
		return &adminError{"ip must be an IP address"}
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

// Reset clears faults, flags, tokens, sessions and counts, and sets the IP
// back to DefaultIP. Registered clients stay.
func (s *Sim) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

func (s *Sim) resetLocked() {
	s.access = map[string]*accessToken{}
	s.bearers = map[string]*bearer{}
	s.faults = nil
	s.stats = Stats{}
	s.ip = DefaultIP
	s.competing = false
	s.dhFail = 0
}

type adminError struct{ msg string }

func (e *adminError) Error() string { return "ibkrsim: " + e.msg }
