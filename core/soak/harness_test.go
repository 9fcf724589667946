package soak

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// step is how far the driver moves the clock at a time.
const step = time.Second

// clientTimeout bounds each HTTP call in real time: a hang costs this much
// real time, so it is short; everything else answers in microseconds.
const clientTimeout = 100 * time.Millisecond

// long reports whether to run the 72-hour soak (BROKERAUTH_SOAK=long).
func long() bool { return os.Getenv("BROKERAUTH_SOAK") == "long" }

// mode is what the network in front of a simulator does.
type mode int

const (
	up        mode = iota
	fail5xx        // every call: 503 with an HTML page (a load balancer)
	drop           // every call: connection closed without an answer
	hang           // every call: no answer until the client's Timeout
	loginFail      // logins only: 502 (the session is killed as it starts)
)

func (m mode) String() string {
	return [...]string{"up", "5xx", "drop", "hang", "login-5xx"}[m]
}

// netGate sits in front of a simulator and fails requests as its mode
// says. Requests it fails never reach the simulator (nor its stats).
type netGate struct {
	inner   http.Handler
	isLogin func(*http.Request) bool

	mu sync.Mutex
	m  mode
}

func (g *netGate) set(m mode) {
	g.mu.Lock()
	g.m = m
	g.mu.Unlock()
}

func (g *netGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	m := g.m
	g.mu.Unlock()
	switch {
	case m == up, m == loginFail && !g.isLogin(r):
		g.inner.ServeHTTP(w, r)
	case m == fail5xx, m == loginFail:
		status := http.StatusServiceUnavailable
		if m == loginFail {
			status = http.StatusBadGateway
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "<html><body><h1>"+http.StatusText(status)+"</h1></body></html>")
	case m == drop:
		panic(http.ErrAbortHandler)
	case m == hang:
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		panic(http.ErrAbortHandler)
	}
}

// recorder wraps the client's transport and notes, in simulated time,
// every login attempt and every answer that shows the client holds a
// usable session.
type recorder struct {
	inner   http.RoundTripper
	clock   core.Clock
	isLogin func(*http.Request) bool
	// usable reports an answer that proves a working session: a 2xx
	// keepalive call, or a successful login or refresh.
	usable func(req *http.Request, status int, body []byte) bool

	mu      sync.Mutex
	logins  []time.Time // when each login request was sent
	okTimes []time.Time // when each "usable" answer arrived
	calls   int
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	sent := r.clock.Now()
	login := r.isLogin(req)
	resp, err := r.inner.RoundTrip(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if login {
		r.logins = append(r.logins, sent)
	}
	if err != nil {
		return nil, err
	}
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr == nil && r.usable(req, resp.StatusCode, body) {
		r.okTimes = append(r.okTimes, r.clock.Now())
	}
	return resp, nil
}

// firstOK returns the first usable answer at or after t.
func (r *recorder) firstOK(t time.Time) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := sort.Search(len(r.okTimes), func(i int) bool { return !r.okTimes[i].Before(t) })
	if i == len(r.okTimes) {
		return time.Time{}, false
	}
	return r.okTimes[i], true
}

func (r *recorder) loginTimes() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.logins)
}

// outage is a stretch of simulated time during which the network fails.
type outage struct {
	from, to time.Duration // offsets from the start
	mode     mode
}

// event is something that happens to the broker at an offset.
type event struct {
	at    time.Duration
	name  string
	do    func()
	kills int // how many new logins it may make necessary
}

// scenario is one broker's soak.
type scenario struct {
	name     string
	start    time.Time
	length   time.Duration
	interval time.Duration
	outages  []outage
	events   []event
	// outageKills is how many new logins an outage of this length may
	// make necessary by itself (an idle expiry, a refresh token dying).
	outageKills func(o outage) int
	// loginsInOutages: the client may try to log in during any outage,
	// not only when a login fails (IG v3 spends its refresh token on the
	// first failed refresh, so later rounds log in).
	loginsInOutages bool
}

// periodicOutages spreads outages of every kind over the soak, one per
// period, skipping any that would come within margin of a reserved one.
func periodicOutages(length, period, margin time.Duration, reserved []outage) []outage {
	kinds := []struct {
		m mode
		d time.Duration
	}{{hang, 40 * time.Second}, {loginFail, 8 * time.Minute}, {fail5xx, 12 * time.Minute}, {drop, 4 * time.Minute}}
	var out []outage
	for k, at := 0, 20*time.Minute; ; k, at = k+1, at+period {
		kd := kinds[k%len(kinds)]
		o := outage{from: at, to: at + kd.d, mode: kd.m}
		if o.to > length-20*time.Minute {
			break
		}
		clash := false
		for _, r := range reserved {
			if o.from < r.to+margin && r.from < o.to+margin {
				clash = true
			}
		}
		if !clash {
			out = append(out, o)
		}
	}
	return out
}

// at returns the offsets from start of every time in [start, start+length)
// that falls on weekday wd (any weekday if wd < 0) at hh:mm UTC.
func at(start time.Time, length time.Duration, wd time.Weekday, hh, mm int) []time.Duration {
	var out []time.Duration
	day := time.Date(start.Year(), start.Month(), start.Day(), hh, mm, 0, 0, time.UTC)
	for ; day.Before(start.Add(length)); day = day.AddDate(0, 0, 1) {
		if day.Before(start) || (wd >= 0 && day.Weekday() != wd) {
			continue
		}
		out = append(out, day.Sub(start))
	}
	return out
}

// result is what a soak measured.
type result struct {
	recoveries   []time.Duration // after each outage's end
	maxRecover   time.Duration
	eventRecover []time.Duration // after each killing event outside outages (the next round finds it)
	kills        int             // the login bound's budget: 1 + every possible kill
	loginFails   int             // the extra login attempts outages may cause
}

// run drives sc: keepAlive runs the client's loop; the driver moves the
// clock a step at a time, waiting for the loop to park first, applies the
// events and outages as their time comes, and checks after each outage
// (or killing event) that a usable answer arrives within one interval.
func run(t *testing.T, clock *core.FakeClock, sc scenario, gate *netGate, rec *recorder, keepAlive func(context.Context) error) result {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- keepAlive(ctx) }()

	type check struct {
		name     string
		mark     time.Duration
		deadline time.Duration
		outage   bool
	}
	var checks []check
	res := result{kills: 1}
	evs := slices.Clone(sc.events)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at < evs[j].at })
	for _, e := range evs {
		res.kills += e.kills
		if e.kills == 0 {
			continue
		}
		mark := e.at
		for _, o := range sc.outages { // killed during an outage: recover after it
			if o.from <= e.at && e.at < o.to {
				mark = o.to
			}
		}
		if mark == e.at {
			checks = append(checks, check{e.name, mark, mark + sc.interval, false})
		}
	}
	for _, o := range sc.outages {
		res.kills += sc.outageKills(o)
		if o.mode == loginFail {
			res.kills++
		}
		if o.mode == loginFail || sc.loginsInOutages {
			// One try per keepalive round: backoff 1, 2, 4, 8, 16, then
			// every 30 s.
			res.loginFails += 8 + int((o.to-o.from)/(30*time.Second))
		}
		checks = append(checks, check{o.mode.String() + " outage", o.to, o.to + sc.interval, true})
	}
	sort.SliceStable(checks, func(i, j int) bool { return checks[i].deadline < checks[j].deadline })

	ei, ci := 0, 0
	for el := time.Duration(0); el <= sc.length; el += step {
		waitPark(t, clock, done)
		for _, o := range sc.outages {
			switch el {
			case o.from:
				gate.set(o.mode)
			case o.to:
				gate.set(up)
			}
		}
		for ; ei < len(evs) && evs[ei].at <= el; ei++ {
			evs[ei].do()
		}
		for ; ci < len(checks) && checks[ci].deadline <= el; ci++ {
			c := checks[ci]
			got, ok := rec.firstOK(sc.start.Add(c.mark))
			if !ok || got.After(sc.start.Add(c.deadline)) {
				cancel()
				t.Fatalf("%s: no usable session within one interval (%v) after the %s ending at +%v",
					sc.name, sc.interval, c.name, c.mark)
			}
			d := got.Sub(sc.start.Add(c.mark))
			if c.outage {
				res.recoveries = append(res.recoveries, d)
				res.maxRecover = max(res.maxRecover, d)
			} else {
				res.eventRecover = append(res.eventRecover, d)
			}
		}
		clock.Advance(step)
	}
	waitPark(t, clock, done)
	cancel()
	select {
	case err := <-done:
		if err != nil && err != context.Canceled {
			t.Fatalf("%s: keepalive ended with %v", sc.name, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: keepalive did not stop after cancel", sc.name)
	}
	return res
}

// waitPark waits (in real time, briefly) until the keepalive loop is
// parked on the clock; a loop that returned is a failure.
func waitPark(t *testing.T, clock *core.FakeClock, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for spins := 0; clock.Waiters() < 1; spins++ {
		select {
		case err := <-done:
			t.Fatalf("the keepalive loop stopped on its own at %v: %v", clock.Now(), err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the keepalive loop did not park within 30 s (real) at %v", clock.Now())
		}
		if spins < 200 {
			runtime.Gosched()
		} else {
			time.Sleep(20 * time.Microsecond)
		}
	}
}

// pump runs fn (a call that may wait on the clock, such as a login behind
// Capital.com's gate) after the loop has stopped, advancing the clock
// whenever fn parks on it.
func pump(t *testing.T, clock *core.FakeClock, fn func() error) error {
	t.Helper()
	base := clock.Waiters()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-done:
			return err
		default:
		}
		if clock.Waiters() > base {
			clock.Advance(100 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			t.Fatal("call did not finish")
		}
		time.Sleep(20 * time.Microsecond)
	}
}

// server serves handler behind a netGate on a loopback httptest server
// and returns a client whose transport a recorder wraps.
func server(t *testing.T, handler http.Handler, clock core.Clock, isLogin func(*http.Request) bool,
	usable func(*http.Request, int, []byte) bool) (*httptest.Server, *netGate, *recorder, *http.Client) {
	gate := &netGate{inner: handler, isLogin: isLogin}
	srv := httptest.NewServer(gate)
	t.Cleanup(srv.Close)
	rec := &recorder{inner: srv.Client().Transport, clock: clock, isLogin: isLogin, usable: usable}
	return srv, gate, rec, &http.Client{Transport: rec}
}

// report logs what a soak measured.
func report(t *testing.T, sc scenario, res result, extra string) {
	t.Helper()
	var sum time.Duration
	for _, d := range res.recoveries {
		sum += d
	}
	mean := time.Duration(0)
	if n := len(res.recoveries); n > 0 {
		mean = sum / time.Duration(n)
	}
	var modes []string
	for _, o := range sc.outages {
		modes = append(modes, fmt.Sprintf("%s@+%v(%v)", o.mode, o.from, o.to-o.from))
	}
	maxEv := time.Duration(0)
	for _, d := range res.eventRecover {
		maxEv = max(maxEv, d)
	}
	t.Logf("%s: %v simulated from %s, interval %v; outages %s; %d events; recovery after %d outages max %v mean %v, after %d expiries max %v; %s",
		sc.name, sc.length, sc.start.Format("Mon 15:04"), sc.interval, strings.Join(modes, " "), len(sc.events),
		len(res.recoveries), res.maxRecover, mean, len(res.eventRecover), maxEv, extra)
}

func fmtStats(format string, args ...any) string { return fmt.Sprintf(format, args...) }
