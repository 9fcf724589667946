package core

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Engine runs a broker's Flow: it holds the current session and makes
// every change to it one at a time, so that twenty calls that find the
// session dead cause one login, not twenty; it renews a session about to
// expire before use, renews once and retries once after an answer that
// says the session died, keeps the session alive, and tells
// OnSessionChange of every change. The broker packages' clients are an
// Engine with their Flow (and a few broker-only methods).
//
// The session lives in a Store (a MemoryStore of the Engine's own unless
// Settings say otherwise): Engines sharing one, across processes too, log
// in once per account and take each other's sessions (engineshare.go).
//
// An Engine is safe for concurrent use. It never stores a context.
type Engine struct {
	flow   Flow
	caller *Caller
	notify func(*Session)

	store        Store
	keys         storeKeys
	holder       string // this Engine, in the store's failure records
	fallback     string
	onStoreError func(error)
	// badEntry says an entry that does not open was reported, so that the
	// same entry, read again before a session replaces it, is not.
	badEntry atomic.Bool

	// sem is a one-slot semaphore rather than a Mutex, so that waiting for
	// a change honours the caller's context.
	sem chan struct{}

	mu      sync.Mutex
	sess    *Session           // never modified in place: a change installs a new one
	gen     uint64             // bumped on every change
	tries   uint64             // bumped on every renewal attempt
	lastErr error              // outcome of the last renewal attempt
	logouts uint64             // bumped by Logout: renewals that began before it stand down
	running context.CancelFunc // cancels the renewal in progress, for Logout

	// chosen is the account SwitchAccount chose, which automatic
	// renewals put the new session back on.
	chosen atomic.Pointer[string]
}

// NewEngine returns an Engine running flow with settings s.
func NewEngine(flow Flow, s *Settings) *Engine {
	store := s.Store
	if store == nil {
		store = NewMemoryStore()
	}
	return &Engine{
		flow:         flow,
		caller:       NewCaller(s, flow.Error),
		notify:       s.OnSessionChange,
		store:        store,
		keys:         newStoreKeys(s.Broker, s.Base, s.Identity),
		holder:       newToken(),
		fallback:     s.StoreFallback,
		onStoreError: s.OnStoreError,
		sem:          make(chan struct{}, 1),
	}
}

// Caller is what the Engine sends its flow's requests through.
func (e *Engine) Caller() *Caller { return e.caller }

func (e *Engine) broker() string { return e.caller.broker }

// Session returns a copy of the current session, or nil before the first
// login and after Logout.
func (e *Engine) Session() *Session {
	s, _ := e.snapshot()
	return s.Clone()
}

// snapshot returns the current session (shared: never modify it) and its
// generation.
func (e *Engine) snapshot() (*Session, uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sess, e.gen
}

// Login logs in anew, on the account the broker starts a login on (an
// account SwitchAccount chose is forgotten). Calls that wait while another
// login completes take that one's session (or its error) rather than log
// in again.
func (e *Engine) Login(ctx context.Context) (*Session, error) {
	e.ForgetAccount()
	_, g := e.snapshot()
	s, _, err := e.renew(ctx, "login", g, func(ctx context.Context, _ *Session) (*Session, error) {
		return e.flow.Login(ctx, e.caller)
	})
	return s.Clone(), err
}

// Refresh renews the session: IG v3 spends its refresh token; the other
// brokers log in again. Without a session it logs in.
func (e *Engine) Refresh(ctx context.Context) (*Session, error) {
	_, g := e.snapshot()
	s, _, err := e.renew(ctx, "refresh", g, e.renewal)
	return s.Clone(), err
}

// renewal is the ChangeFunc of every renewal: the flow's Renew (else
// Login), then back to the account SwitchAccount chose, if the new session
// is on another one. Should that switch fail, the renewal fails with its
// error, rather than let calls run on an account the caller left.
func (e *Engine) renewal(ctx context.Context, cur *Session) (*Session, error) {
	var next *Session
	var err error
	if r, ok := e.flow.(Renewer); ok && cur != nil {
		next, err = r.Renew(ctx, e.caller, cur)
	} else {
		next, err = e.flow.Login(ctx, e.caller)
	}
	chosen := e.chosenAccount()
	sw, ok := e.flow.(Switcher)
	if err != nil || !ok || chosen == "" || next.AccountID == chosen {
		return next, err
	}
	return sw.Switch(ctx, e.caller, next, chosen, false)
}

// Usable returns a copy of a session to make a call with: it logs in
// first when there is none and renews one that is stale.
func (e *Engine) Usable(ctx context.Context) (*Session, error) {
	s, _, err := e.usable(ctx)
	return s.Clone(), err
}

// usable is Usable's shared session and its generation.
func (e *Engine) usable(ctx context.Context) (*Session, uint64, error) {
	s, g := e.snapshot()
	switch {
	case s == nil:
		return e.renew(ctx, "login", g, e.renewal)
	case e.stale(s):
		return e.renew(ctx, "refresh", g, e.renewal)
	}
	return s, g, nil
}

func (e *Engine) stale(s *Session) bool {
	st, ok := e.flow.(Stale)
	return ok && st.Stale(s, e.caller.clock.Now())
}

// Call makes a call with a usable session and, if the answer says the
// session died (Flow.Expired), renews it once and calls once more. The
// answer may have any status. Broker packages build their own calls on it.
func (e *Engine) Call(ctx context.Context, call func(ctx context.Context, s *Session) (*Response, error)) (*Response, error) {
	s, g, err := e.usable(ctx)
	if err != nil {
		return nil, err
	}
	r, err := call(ctx, s)
	if err != nil || !e.flow.Expired(r) {
		return r, err
	}
	if s, _, err = e.renew(ctx, "login", g, e.renewal); err != nil {
		return nil, err
	}
	return call(ctx, s)
}

// Send makes an authorized request: req.URL is a path on the base URL
// ("/accounts", "/v1/api/portfolio/accounts?x=1"), checked to stay on the
// broker's host. It logs in first when there is no session and retries
// once after an expired one (Call). The one rule for every broker: a
// non-2xx answer returns the Response together with a *Error (step
// "request", the broker's own code when it sent one).
func (e *Engine) Send(ctx context.Context, req *Request) (*Response, error) {
	url, err := JoinPath(e.broker(), e.caller.base, req.URL)
	if err != nil {
		return nil, err
	}
	r, err := e.Call(ctx, func(ctx context.Context, s *Session) (*Response, error) {
		// A copy, so that the caller's Request is never written to.
		out := *req
		out.URL = url
		if out.Method == "" {
			out.Method = "GET"
		}
		if out.Limit == 0 {
			out.Limit = DataLimit
		}
		out.Header = req.Header.Clone()
		if out.Header == nil {
			out.Header = Header{}
		}
		if err := e.flow.Authorize(&out, s); err != nil {
			return nil, err
		}
		return e.caller.Do(ctx, "request", &out)
	})
	if err != nil {
		return nil, err
	}
	if !r.OK() {
		return r, e.flow.Error("request", r)
	}
	return r, nil
}

// Request is Send for a method, a path on the base URL, a body (nil for
// none) and header (an http.Header, say), which the session's own headers
// override.
func (e *Engine) Request(ctx context.Context, method, path string, body []byte, header map[string][]string) (*Response, error) {
	return e.Send(ctx, &Request{Method: method, URL: path, Body: body, Header: HeaderOf(header)})
}

// notLoggedIn is the error of a call that needs a session before Login or
// after Logout.
func (e *Engine) notLoggedIn(step, what string) *Error {
	return &Error{Code: CodeNotLoggedIn, Broker: e.broker(), Step: step, Message: what}
}

// NeedSession is not_logged_in when there is no session, else nil.
func (e *Engine) NeedSession(step string) error {
	if s, _ := e.snapshot(); s == nil {
		return e.notLoggedIn(step, "no session: call Login first")
	}
	return nil
}

// KeepAliveOnce is one keepalive round: the flow's ping with the current
// session (a stale one renewed first), and a new login only when the
// broker says the session is gone. Any other failure is returned, the
// retryable ones for the loop to try again later: a login on every 5xx or
// 429 would spend the very allowance (Capital.com's one per second) that
// is short already. Without a session it returns not_logged_in: a
// keepalive keeps a session alive, it does not start one.
func (e *Engine) KeepAliveOnce(ctx context.Context) error {
	s, g := e.snapshot()
	if s == nil {
		return e.notLoggedIn("ping", "no session to keep alive: call Login first")
	}
	if e.stale(s) {
		var err error
		if s, g, err = e.renew(ctx, "refresh", g, e.renewal); err != nil {
			return err
		}
	}
	next, gone, err := e.flow.Ping(ctx, e.caller, s)
	if next != nil && next != s {
		g = e.Amend(g, next)
	}
	if err != nil || !gone {
		return err
	}
	_, _, err = e.renew(ctx, "login", g, e.renewal)
	return err
}

// Backoff after a failed keepalive round: 1 s, 2 s, 4 s … up to 30 s and
// never longer than the interval, so that a network blip is bridged soon
// without hammering the broker through an outage.
const (
	backoffBase = time.Second
	backoffMax  = 30 * time.Second
)

// KeepAlive runs KeepAliveOnce every interval on the clock until ctx
// ends, then returns nil. A retryable failure (network, timeout, 5xx, 429)
// never stops it: the next round comes sooner, with bounded backoff. An
// error that trying again cannot fix (the broker refusing the credentials
// on re-login) ends it and is returned, and so does not_logged_in, at once
// when there is no session. OnRound hears every round's outcome.
func (e *Engine) KeepAlive(ctx context.Context, interval time.Duration, opts ...KeepAliveOption) error {
	if interval <= 0 {
		return &Error{Code: CodeInvalidArgument, Broker: e.broker(), Message: "keepalive interval must be positive"}
	}
	if err := e.NeedSession("ping"); err != nil {
		return err
	}
	o := ApplyKeepAliveOptions(opts)
	wait, failures := interval, 0
	for Sleep(ctx, e.caller.clock, wait) == nil {
		err := e.KeepAliveOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if o.OnRound != nil {
			o.OnRound(err)
		}
		if err == nil {
			wait, failures = interval, 0
			continue
		}
		var ce *Error
		if !errors.As(err, &ce) || !ce.Retryable {
			return err
		}
		failures++
		wait = min(backoffBase<<min(failures-1, 10), backoffMax, interval)
	}
	return nil
}

// Logout ends the session at the broker and forgets it; the chosen
// account is forgotten too. An answer that says it was gone already is
// success. If the broker cannot be reached or fails (no answer, 5xx), the
// session is kept and the error returned, so that Logout can be tried
// again; on any other refusal it is forgotten all the same.
//
// A login in progress when Logout is called is canceled, and neither it
// nor the calls waiting for it log in again: a Logout is never undone by a
// login that began before it.
func (e *Engine) Logout(ctx context.Context) error {
	e.ForgetAccount()
	e.mu.Lock()
	e.logouts++
	if e.running != nil {
		e.running()
	}
	e.mu.Unlock()
	var refused error
	_, err := e.change(ctx, "logout", func(ctx context.Context, cur *Session) (*Session, error) {
		if cur == nil {
			return nil, nil
		}
		err := e.flow.Logout(ctx, e.caller, cur)
		var ce *Error
		if errors.As(err, &ce) && (ce.Status == 0 || ce.Retryable) {
			return cur, err // kept: try again
		}
		refused = err
		return nil, nil
	})
	if err != nil {
		return err
	}
	return refused
}

// SwitchAccount makes the session act for accountID; setDefault also makes
// it the account later logins start on, where the broker has that. It
// logs in (or refreshes) first outside the change lock, so that concurrent
// calls share that; refuses an account the login's own account list
// proves unknown; sends nothing when accountID is current already (unless
// setDefault); and if the session has died, logs in again once and retries
// once. A session that re-login produced is kept even when the retried
// switch then fails: it is live at the broker, and the dead one is of no
// use.
//
// The account chosen stays chosen: a later automatic renewal puts the new
// session back on it, so that calls never drift to the broker's default
// account. Login and Logout forget it.
func (e *Engine) SwitchAccount(ctx context.Context, accountID string, setDefault bool) (*Session, error) {
	sw, ok := e.flow.(Switcher)
	if !ok {
		return nil, &Error{Code: CodeInvalidArgument, Broker: e.broker(), Step: "switch", Message: "this broker has no account switch"}
	}
	if accountID == "" {
		return nil, &Error{Code: CodeInvalidArgument, Broker: e.broker(), Step: "switch", Message: "accountID is empty"}
	}
	s, _, err := e.usable(ctx)
	if err != nil {
		return nil, err
	}
	if sw.ListsAccounts(s) && len(s.Accounts) > 0 && !slices.ContainsFunc(s.Accounts, func(a Account) bool { return a.ID == accountID }) {
		return nil, &Error{Code: CodeInvalidArgument, Broker: e.broker(), Step: "switch",
			Message: "accountID is not one of this login's accounts (session.accounts lists them)"}
	}
	once := func(ctx context.Context, cur *Session) (*Session, error) {
		if cur.AccountID == accountID && !setDefault {
			return cur, nil
		}
		return sw.Switch(ctx, e.caller, cur, accountID, setDefault)
	}
	s, err = e.change(ctx, "switch", func(ctx context.Context, cur *Session) (*Session, error) {
		var err error
		if cur == nil { // logged out meanwhile
			if cur, err = e.flow.Login(ctx, e.caller); err != nil {
				return nil, err
			}
		}
		next, err := once(ctx, cur)
		if IsSessionError(err) {
			if cur, err = e.flow.Login(ctx, e.caller); err != nil {
				return nil, err
			}
			if next, err = once(ctx, cur); err != nil {
				return cur, err // install the fresh login, report the failed switch
			}
		}
		if err == nil {
			e.chosen.Store(&accountID)
		}
		return next, err
	})
	return s.Clone(), err
}

// IsSessionError reports an error that says the session's tokens are dead
// (401 or 403 with a token error code): a new login fixes it.
func IsSessionError(err error) bool {
	var ce *Error
	return errors.As(err, &ce) && (ce.Status == 401 || ce.Status == 403) && tokenCodes[string(ce.Code)]
}

// tokenCodes are the broker codes that mean "this session is gone; a new
// login will fix it".
var tokenCodes = map[string]bool{
	"error.security.client-token-invalid":  true,
	"error.security.account-token-invalid": true,
	"error.security.oauth-token-invalid":   true,
	"error.invalid.session.token":          true,
}

// IsTokenCode reports a broker code that means the session's tokens are
// dead.
func IsTokenCode(code string) bool { return tokenCodes[code] }

// chosenAccount is the account SwitchAccount last chose, or "".
func (e *Engine) chosenAccount() string {
	if p := e.chosen.Load(); p != nil {
		return *p
	}
	return ""
}

// ForgetAccount drops the chosen account.
func (e *Engine) ForgetAccount() { e.chosen.Store(nil) }

// Current returns a copy of the current session (nil when there is none)
// and its generation, for Amend.
func (e *Engine) Current() (*Session, uint64) {
	s, g := e.snapshot()
	return s.Clone(), g
}

// Amend replaces the current session with next if its generation is
// still gen (a tickle reporting new brokerage-session flags, say), tells
// OnSessionChange, and returns the generation now current.
func (e *Engine) Amend(gen uint64, next *Session) uint64 {
	e.mu.Lock()
	if e.gen != gen || e.sess == nil {
		g := e.gen
		e.mu.Unlock()
		return g
	}
	e.sess = next
	e.gen++
	g := e.gen
	e.mu.Unlock()
	e.tell(next)
	return g
}

// tell hands OnSessionChange a copy, outside every lock.
func (e *Engine) tell(s *Session) {
	if e.notify != nil {
		e.notify(s.Clone())
	}
}

// changeFunc computes the next session from the current one (nil when
// there is none). Returning cur itself means "no change"; nil with no
// error, "logged out".
type changeFunc func(ctx context.Context, cur *Session) (*Session, error)

func (e *Engine) acquire(ctx context.Context, step string) error {
	select {
	case e.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return TransportError(ctx, e.broker(), step, ctx.Err())
	}
}

func (e *Engine) release() { <-e.sem }

// change runs fn under the change lock and installs what it returns. fn
// may return a session together with an error (a re-login that worked
// before the step it was for failed): that session is installed, since it
// is live at the broker, and the error returned.
func (e *Engine) change(ctx context.Context, step string, fn changeFunc) (*Session, error) {
	next, changed, err := e.changeLocked(ctx, step, fn)
	if changed {
		e.tell(next)
	}
	if err != nil {
		return nil, err
	}
	return next, nil
}

// changeLocked is change's locked part. The lock is released by defer so
// that a panic in fn (recovered further up, at the wasm boundary) cannot
// leave every later call waiting for it.
func (e *Engine) changeLocked(ctx context.Context, step string, fn changeFunc) (next *Session, changed bool, err error) {
	if err := e.acquire(ctx, step); err != nil {
		return nil, false, err
	}
	defer e.release()
	cur, _ := e.snapshot()
	next, err = fn(ctx, cur)
	changed = next != cur && (err == nil || next != nil)
	if changed {
		// A changed session is the store's business too: a switched one
		// replaces the stored one under a new id; a logout removes it.
		if next != nil {
			next = next.WithExtra(extraStoreID, newToken())
			e.publish(ctx, next)
		} else {
			e.unpublish(ctx, cur)
		}
		e.mu.Lock()
		e.sess = next
		e.gen++
		e.mu.Unlock()
	}
	return next, changed, err
}

// renew replaces a session the caller found dead or missing (stale is the
// generation it saw). If another call replaced it meanwhile, renew returns
// that session without running fn; if another call's attempt failed while
// this one waited, it returns that error instead of trying again, so that
// a broker refusing the login is asked once, not once per caller.
func (e *Engine) renew(ctx context.Context, step string, stale uint64, fn changeFunc) (*Session, uint64, error) {
	next, g, ran, err := e.renewLocked(ctx, step, stale, fn)
	if err != nil {
		return nil, 0, err
	}
	if ran {
		e.tell(next)
	}
	return next, g, nil
}

// renewLocked is renew's locked part; ran reports whether fn ran and its
// session was installed.
func (e *Engine) renewLocked(ctx context.Context, step string, stale uint64, fn changeFunc) (next *Session, g uint64, ran bool, err error) {
	e.mu.Lock()
	tries, logouts := e.tries, e.logouts
	e.mu.Unlock()
	if err := e.acquire(ctx, step); err != nil {
		return nil, 0, false, err
	}
	defer e.release()
	e.mu.Lock()
	switch {
	case e.logouts != logouts:
		e.mu.Unlock()
		return nil, 0, false, e.notLoggedIn(step, "Logout was called meanwhile")
	case e.gen != stale && e.sess != nil:
		s, g := e.sess, e.gen
		e.mu.Unlock()
		return s, g, false, nil
	case e.tries != tries && e.lastErr != nil && !isCanceled(e.lastErr):
		err := e.lastErr
		e.mu.Unlock()
		return nil, 0, false, err
	}
	cur := e.sess
	runCtx, cancel := context.WithCancel(ctx)
	e.running = cancel
	e.mu.Unlock()

	next, err = e.shared(runCtx, cur, fn)

	e.mu.Lock()
	e.running = nil
	cancel()
	if e.logouts != logouts {
		// Logout was called while fn ran: what it made is discarded.
		next, err = nil, e.notLoggedIn(step, "Logout was called while logging in")
	}
	e.tries++
	e.lastErr = err
	if err == nil {
		e.sess = next
		e.gen++
	}
	g = e.gen
	e.mu.Unlock()
	return next, g, err == nil, err
}

// isCanceled: an attempt its caller canceled says nothing about the
// broker, so the callers that waited try for themselves.
func isCanceled(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == CodeCanceled
}
