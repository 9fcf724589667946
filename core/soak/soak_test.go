package soak

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/capital"
	"github.com/brokerauth/brokerauth/core/ibkr"
	"github.com/brokerauth/brokerauth/core/ig"
	"github.com/brokerauth/brokerauth/sim"
	capsim "github.com/brokerauth/brokerauth/sim/capital"
	ibkrsim "github.com/brokerauth/brokerauth/sim/ibkr"
	igsim "github.com/brokerauth/brokerauth/sim/ig"
)

// Friday 18:30 UTC: the short IG and Capital.com soaks reach IG's weekend
// wipe (Friday 22:00) after 3.5 hours; the long ones start Friday noon and
// run to Monday noon.
var (
	shortCSTStart  = time.Date(2026, 1, 9, 18, 30, 0, 0, time.UTC) // a Friday
	shortIBKRStart = time.Date(2026, 1, 11, 1, 0, 0, 0, time.UTC)  // a Sunday
	longStart      = time.Date(2026, 1, 9, 12, 0, 0, 0, time.UTC)  // a Friday
)

func length() time.Duration {
	if long() {
		return 72 * time.Hour
	}
	return 6 * time.Hour
}

func period() time.Duration {
	if long() {
		return 3 * time.Hour
	}
	return time.Hour
}

// forcedExpiries are the broker ending every session at +2:50 and then
// every 4 hours (a restart, a password change elsewhere).
func forcedExpiries(length time.Duration, do func()) []event {
	var out []event
	for at := 2*time.Hour + 50*time.Minute; at < length-30*time.Minute; at += 4 * time.Hour {
		out = append(out, event{at: at, name: "forced expiry", do: do, kills: 1})
	}
	return out
}

// addLoginFailKills makes every login-5xx outage start by killing the
// session, so that the keepalive's logins meet the failure.
func addLoginFailKills(sc *scenario, kill func()) {
	for _, o := range sc.outages {
		if o.mode == loginFail {
			sc.events = append(sc.events, event{at: o.from, name: "expiry at login-5xx start", do: kill})
		}
	}
}

func isPost(r *http.Request, suffix string) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, suffix)
}

func ok2xx(status int) bool { return status >= 200 && status <= 299 }

func TestSoakIGv2(t *testing.T) { soakIG(t, 2) }
func TestSoakIGv3(t *testing.T) { soakIG(t, 3) }

func soakIG(t *testing.T, version int) {
	start := shortCSTStart
	if long() {
		start = longStart
	}
	clock := core.NewFakeClock(start)
	key, err := sim.SharedKey()
	if err != nil {
		t.Fatal(err)
	}
	s := igsim.New(igsim.Options{Clock: clock, Key: key})
	t.Cleanup(s.Close)
	isLogin := func(r *http.Request) bool { return isPost(r, "/gateway/deal/session") }
	usable := func(r *http.Request, status int, _ []byte) bool {
		if !ok2xx(status) {
			return false
		}
		p := strings.TrimPrefix(r.URL.Path, igsim.APIPrefix)
		return p == "/session" && (r.Method == http.MethodGet || r.Method == http.MethodPost) || p == "/session/refresh-token"
	}
	srv, gate, rec, hc := server(t, s, clock, isLogin, usable)

	interval := 5 * time.Minute
	if version == 3 {
		interval = time.Minute // v3 access tokens last 60 s
	}
	sc := scenario{name: "IG v" + string(rune('0'+version)), start: start, length: length(), interval: interval}
	// IG's weekend maintenance: every token is wiped on Friday night (and
	// the API is down for a while), and again before Sunday's reopening.
	var reserved []outage
	for _, off := range at(start, sc.length, time.Friday, 22, 0) {
		reserved = append(reserved, outage{from: off, to: off + 90*time.Minute, mode: fail5xx})
		sc.events = append(sc.events, event{at: off, name: "weekend wipe", do: func() { s.ExpireAllSessions() }, kills: 1})
	}
	for _, off := range at(start, sc.length, time.Sunday, 21, 0) {
		sc.events = append(sc.events, event{at: off, name: "Sunday wipe", do: func() { s.ExpireAllSessions() }, kills: 1})
	}
	sc.outages = append(reserved, periodicOutages(sc.length, period(), interval+time.Minute, reserved)...)
	sc.events = append(sc.events, forcedExpiries(sc.length, func() { s.ExpireAllSessions() })...)
	addLoginFailKills(&sc, func() { s.ExpireAllSessions() })
	sc.outageKills = func(o outage) int {
		// v3: an outage outliving the refresh token (10 min) needs a login.
		if version == 3 && o.to-o.from+interval >= 10*time.Minute {
			return 1
		}
		return 0
	}

	c, err := ig.New(ig.Config{
		APIKey: igsim.DemoAPIKey, Identifier: igsim.DemoIdentifier, Password: igsim.DemoPassword,
		BaseURL: srv.URL + igsim.APIPrefix, Version: version, HTTPClient: hc, Clock: clock, Timeout: clientTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := run(t, clock, sc, gate, rec, func(ctx context.Context) error { return c.KeepAlive(ctx, interval) })

	// The session works at the end: a call succeeds (IG logs in and
	// refreshes without waiting on the clock).
	if _, err := c.Request(context.Background(), http.MethodGet, "/accounts", nil, nil); err != nil {
		t.Fatalf("a call after the soak failed: %v", err)
	}
	st := s.Stats()
	logins, attempts := st.Logins[igsim.DemoAPIKey], len(rec.loginTimes())
	if logins > res.kills {
		t.Errorf("%d logins, more than the %d the events needed", logins, res.kills)
	}
	if attempts > logins+res.loginFails {
		t.Errorf("%d login attempts for %d logins: more than %d failed attempts", attempts, logins, res.loginFails)
	}
	if st.RateLimited != 0 {
		t.Errorf("rate limited %d times", st.RateLimited)
	}
	report(t, sc, res, fmtStats("logins %d (bound %d), login attempts %d, refreshes %d, pings %d, requests %d, allowance errors %d",
		logins, res.kills, attempts, st.Refreshes, st.Pings, st.Requests,
		st.Errors["error.public-api.exceeded-api-key-allowance"]+st.Errors["error.public-api.exceeded-account-allowance"]))
}

func TestSoakCapital(t *testing.T) {
	start := shortCSTStart
	if long() {
		start = longStart
	}
	clock := core.NewFakeClock(start)
	key, err := sim.SharedKey()
	if err != nil {
		t.Fatal(err)
	}
	// An API key of its own: the login gate is process-wide per key.
	const apiKey = "soak-capital-api-key"
	s := capsim.New(capsim.Options{Clock: clock, Key: key, APIKey: apiKey})
	t.Cleanup(s.Close)
	isLogin := func(r *http.Request) bool { return isPost(r, "/api/v1/session") }
	usable := func(r *http.Request, status int, _ []byte) bool {
		return ok2xx(status) && (strings.HasSuffix(r.URL.Path, "/api/v1/ping") || isLogin(r))
	}
	srv, gate, rec, hc := server(t, s, clock, isLogin, usable)

	interval := 5 * time.Minute // sessions die after 10 idle minutes
	sc := scenario{name: "Capital.com", start: start, length: length(), interval: interval}
	sc.outages = periodicOutages(sc.length, period(), interval+time.Minute, nil)
	sc.events = forcedExpiries(sc.length, func() { s.ExpireAllSessions() })
	addLoginFailKills(&sc, func() { s.ExpireAllSessions() })
	sc.outageKills = func(o outage) int {
		// No successful ping for 10 minutes: the session idles out.
		if o.to-o.from+interval >= 10*time.Minute {
			return 1
		}
		return 0
	}

	c, err := capital.New(capital.Config{
		APIKey: apiKey, Identifier: capsim.DemoIdentifier, Password: capsim.DemoPassword,
		BaseURL: srv.URL, HTTPClient: hc, Clock: clock, Timeout: clientTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := pump(t, clock, func() error { _, err := c.Login(context.Background()); return err }); err != nil {
		t.Fatal(err)
	}
	res := run(t, clock, sc, gate, rec, func(ctx context.Context) error { return c.KeepAlive(ctx, interval) })

	if err := pump(t, clock, func() error {
		_, err := c.Request(context.Background(), http.MethodGet, "/api/v1/accounts", nil, nil)
		return err
	}); err != nil {
		t.Fatalf("a call after the soak failed: %v", err)
	}
	st := s.Stats()
	logins, times := st.Logins[apiKey], rec.loginTimes()
	if st.RateLimited != 0 {
		t.Errorf("Capital.com rate limited %d logins", st.RateLimited)
	}
	minGap := time.Duration(-1)
	for i := 1; i < len(times); i++ {
		gap := times[i].Sub(times[i-1])
		if gap < time.Second {
			t.Errorf("two POST /session %v apart at %v", gap, times[i])
		}
		if minGap < 0 || gap < minGap {
			minGap = gap
		}
	}
	if logins > res.kills {
		t.Errorf("%d logins, more than the %d the events needed", logins, res.kills)
	}
	if len(times) > logins+res.loginFails {
		t.Errorf("%d login attempts for %d logins: more than %d failed attempts", len(times), logins, res.loginFails)
	}
	report(t, sc, res, fmtStats("logins %d (bound %d), login attempts %d, closest two attempts %v, rate limited %d, pings %d, requests %d",
		logins, res.kills, len(times), minGap, st.RateLimited, st.Pings, st.Requests))
}

func TestSoakIBKR(t *testing.T) {
	start := shortIBKRStart
	if long() {
		start = longStart
	}
	clock := core.NewFakeClock(start)
	s := ibkrsim.New(ibkrsim.Options{Clock: clock})
	t.Cleanup(s.Close)
	isLogin := func(r *http.Request) bool { return isPost(r, "/oauth2/api/v1/token") }
	usable := func(r *http.Request, status int, body []byte) bool {
		if !ok2xx(status) {
			return false
		}
		switch r.URL.Path {
		case "/v1/api/tickle":
			return bytes.Contains(body, []byte(`"authenticated":true`))
		case "/v1/api/iserver/auth/ssodh/init":
			return true
		}
		return false
	}
	srv, gate, rec, hc := server(t, s, clock, isLogin, usable)

	interval := ibkr.DefaultKeepAliveInterval
	sc := scenario{name: "IBKR", start: start, length: length(), interval: interval}
	// The daily reset (05:00 UTC here): every session ends and the gateway
	// is down for a few minutes. Sunday brings the weekly forced re-auth.
	var reserved []outage
	for _, off := range at(start, sc.length, -1, 5, 0) {
		reserved = append(reserved, outage{from: off, to: off + 5*time.Minute, mode: fail5xx})
		sc.events = append(sc.events, event{at: off, name: "daily reset", do: func() { s.ExpireAllSessions() }, kills: 1})
	}
	for _, off := range at(start, sc.length, time.Sunday, 6, 0) {
		sc.events = append(sc.events, event{at: off, name: "weekly re-auth", do: func() { s.ExpireAllSessions() }, kills: 1})
	}
	// Another device logs in: the brokerage session is taken over (and
	// marked competing) every 12 hours from +1:40, freed half an hour later.
	for off := 100 * time.Minute; off < sc.length-time.Hour; off += 12 * time.Hour {
		sc.events = append(sc.events,
			event{at: off, name: "competing session", do: func() { s.SetCompeting(true); s.DropAuthenticated() }, kills: 1},
			event{at: off + 30*time.Minute, name: "competing session gone", do: func() { s.SetCompeting(false) }})
	}
	sc.outages = append(reserved, periodicOutages(sc.length, period(), interval+time.Minute, reserved)...)
	sc.events = append(sc.events, forcedExpiries(sc.length, func() { s.ExpireAllSessions() })...)
	addLoginFailKills(&sc, func() { s.ExpireAllSessions() })
	bearerDays := int(sc.length / (24 * time.Hour)) // a bearer token lasts a day
	sc.outageKills = func(outage) int { return 0 }

	var mu sync.Mutex
	competing := 0
	c, err := ibkr.New(ibkr.Config{
		ClientID: ibkrsim.DemoClient().ClientID, ClientKeyID: ibkrsim.DemoClient().ClientKeyID,
		Credential: ibkrsim.DemoClient().Credential, PrivateKey: ibkrsim.DemoClient().PrivateKeyPEM,
		BaseURL: srv.URL, IPLookupURL: srv.URL + "/__sim/ip", HTTPClient: hc, Clock: clock, Timeout: clientTimeout,
		OnSessionChange: func(s *core.Session) {
			if s != nil && s.Competing {
				mu.Lock()
				competing++
				mu.Unlock()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := run(t, clock, sc, gate, rec, func(ctx context.Context) error { return c.KeepAlive(ctx, interval) })
	res.kills += bearerDays

	if tr, err := c.Tickle(context.Background()); err != nil || !tr.Authenticated {
		t.Fatalf("a tickle after the soak: %+v, %v", tr, err)
	}
	st := s.Stats()
	attempts := len(rec.loginTimes())
	if st.Init > res.kills { // one ssodh/init per establish
		t.Errorf("%d sessions established, more than the %d the events needed", st.Init, res.kills)
	}
	if attempts > st.Init+res.loginFails {
		t.Errorf("%d token calls for %d sessions: more than %d failed attempts", attempts, st.Init, res.loginFails)
	}
	mu.Lock()
	defer mu.Unlock()
	report(t, sc, res, fmtStats("sessions established %d (bound %d), token calls %d, tickles %d, IP lookups %d, competing sessions seen %d",
		st.Init, res.kills, attempts, st.Tickle, st.IP, competing))
}
