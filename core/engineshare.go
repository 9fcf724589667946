package core

import (
	"context"
	"errors"
	"time"
)

// How the Engine uses its Store. The first two are variables for tests
// (export_test.go).
var (
	// storeLease is how long the login lock holds without its holder: a
	// process that dies mid-login blocks the others no longer than this.
	// The holder extends it every third of it while its login runs.
	storeLease = 10 * time.Second
	// storeWait bounds the wait for another process's login.
	storeWait = 60 * time.Second
)

const (
	// storeOpTimeout bounds each store operation, so that a store that
	// stops answering fails a call rather than hang it.
	storeOpTimeout = 5 * time.Second
	// sessionTTL is how long the store keeps a session: a dead one is
	// replaced before then, by whoever sees the broker refuse it.
	sessionTTL = 24 * time.Hour
	// failureTTL is how long a failed login's error stands for the
	// processes that waited for it.
	failureTTL = 15 * time.Second
	// The lock is polled from every pollMin, growing to pollMax.
	pollMin = 10 * time.Millisecond
	pollMax = 250 * time.Millisecond
)

// shared runs fn, the renewal of cur, once across every client that shares
// the store:
//
//  1. A session in the store that is not cur (another client's newer one)
//     and not stale is taken as it is.
//  2. Otherwise the client takes the account's login lock, waiting (up to
//     storeWait) for whoever holds it; a session or a failure that another
//     client stores meanwhile ends the wait.
//  3. Holding the lock, it looks once more, then runs fn, on the freshest
//     session there is (the store's, whose refresh token another client may
//     have rotated), and stores what fn made under a new id, or, for a
//     refusal by the broker, the error, for the clients that waited.
//
// A store that cannot be reached fails the call (a typed error, step
// "store"), or, with StoreFallback "local", runs fn alone.
func (e *Engine) shared(ctx context.Context, cur *Session, fn changeFunc) (*Session, error) {
	started := time.Now()
	curID := cur.storeID()
	token := newToken()
	poll := pollMin
	var stored storedSession
	locked := false
	defer func() {
		if locked {
			e.storeUnlock(ctx, token)
		}
	}()
	for {
		var err error
		if stored, err = e.stored(ctx, curID); err != nil {
			return e.alone(ctx, cur, fn, err)
		}
		if stored.usable {
			return stored.session, nil
		}
		if locked {
			if f := e.failure(ctx); f != nil {
				return nil, f
			}
			break
		}
		// Not the lock yet: take it (then look once more), or wait.
		if locked, err = e.storeLock(ctx, token); err != nil {
			return e.alone(ctx, cur, fn, err)
		}
		if locked {
			continue
		}
		// Another client holds the lock: its login may have been refused.
		if f := e.failure(ctx); f != nil {
			return nil, f
		}
		if time.Since(started) > storeWait {
			return nil, &Error{Code: CodeTimeout, Broker: e.broker(), Step: "store", Retryable: true,
				Message: "waited " + storeWait.String() + " for another client's login to this account (the session store's lock), which has not finished"}
		}
		if err := Sleep(ctx, SystemClock, poll); err != nil {
			return nil, TransportError(ctx, e.broker(), "store", err)
		}
		poll = min(poll*3/2, pollMax)
	}

	base := cur
	if stored.session != nil {
		base = stored.session
	}
	stop := e.holdLock(ctx, token)
	next, err := fn(ctx, base)
	stop()
	if err != nil {
		e.recordFailure(ctx, err)
		return nil, err
	}
	next = next.WithExtra(extraStoreID, newToken())
	e.publish(ctx, next)
	return next, nil
}

// storedSession is what the store holds for the account: session, if
// any, and whether the client may take it instead of renewing.
type storedSession struct {
	session *Session
	usable  bool
}

// stored reads the account's session. An entry that does not open is
// reported and counts as none; usable means it is another session than
// the one with id curID, of this broker, and not stale.
func (e *Engine) stored(ctx context.Context, curID string) (storedSession, error) {
	opCtx, cancel := context.WithTimeout(ctx, storeOpTimeout)
	defer cancel()
	raw, err := e.store.Get(opCtx, e.keys.session)
	if err == nil && raw != nil {
		var s *Session
		if s, err = decodeSession(raw); err == nil {
			e.badEntry.Store(false)
			usable := s.storeID() != curID && s.Broker == e.broker() && !e.stale(s)
			return storedSession{session: s, usable: usable}, nil
		}
	}
	if isCode(err, CodeStoreEntry) {
		if !e.badEntry.Swap(true) {
			e.storeProblem(err)
		}
		return storedSession{}, nil
	}
	if err != nil {
		return storedSession{}, e.storeError(ctx, err)
	}
	return storedSession{}, nil
}

// publish stores s as the account's session. A store that fails here
// costs nothing but sharing: the session works, so the call goes on.
func (e *Engine) publish(ctx context.Context, s *Session) {
	opCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeOpTimeout)
	defer cancel()
	if err := e.store.Put(opCtx, e.keys.session, encodeSession(s), sessionTTL); err != nil {
		e.storeProblem(e.storeError(ctx, err))
		return
	}
	e.badEntry.Store(false)
}

// unpublish removes s from the store if the store still holds s (and not
// a newer session another client stored).
func (e *Engine) unpublish(ctx context.Context, s *Session) {
	if s == nil {
		return
	}
	opCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeOpTimeout)
	defer cancel()
	raw, err := e.store.Get(opCtx, e.keys.session)
	if err == nil && raw != nil {
		if held, derr := decodeSession(raw); derr == nil && held.storeID() == s.storeID() {
			err = e.store.Delete(opCtx, e.keys.session, raw)
		}
	}
	if err != nil && !isCode(err, CodeStoreEntry) {
		e.storeProblem(e.storeError(ctx, err))
	}
}

func (e *Engine) storeLock(ctx context.Context, token string) (bool, error) {
	opCtx, cancel := context.WithTimeout(ctx, storeOpTimeout)
	defer cancel()
	ok, err := e.store.Lock(opCtx, e.keys.lock, token, storeLease)
	if err != nil {
		return false, e.storeError(ctx, err)
	}
	return ok, nil
}

// storeUnlock releases the lock even when ctx has ended: the others should
// not wait out the lease.
func (e *Engine) storeUnlock(ctx context.Context, token string) {
	opCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeOpTimeout)
	defer cancel()
	_ = e.store.Unlock(opCtx, e.keys.lock, token)
}

// holdLock extends the lock every third of its lease until the returned
// stop is called.
func (e *Engine) holdLock(ctx context.Context, token string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(storeLease / 3)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				_, _ = e.storeLock(context.WithoutCancel(ctx), token)
			}
		}
	}()
	return func() { close(done); <-finished }
}

// recordFailure stores a refusal by the broker (not a network failure, a
// timeout or a cancellation: those say nothing about the next try) for the
// clients that waited for this login.
func (e *Engine) recordFailure(ctx context.Context, err error) {
	var ce *Error
	if !errors.As(err, &ce) || ce.Retryable || ce.Code == CodeCanceled || ce.Status == 0 {
		return
	}
	opCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeOpTimeout)
	defer cancel()
	rec := encodeFailure(failureRecord{err: ce, holder: e.holder})
	if perr := e.store.Put(opCtx, e.keys.failure, rec, failureTTL); perr != nil {
		e.storeProblem(e.storeError(ctx, perr))
	}
}

// failure returns the error of another client's login that failed in the
// last failureTTL, or nil. A client's own failures do not count: it tries
// again when asked to, as without a store.
func (e *Engine) failure(ctx context.Context) *Error {
	opCtx, cancel := context.WithTimeout(ctx, storeOpTimeout)
	defer cancel()
	raw, err := e.store.Get(opCtx, e.keys.failure)
	if err != nil || raw == nil {
		return nil
	}
	f, ok := decodeFailure(raw)
	if !ok || f.holder == e.holder {
		return nil
	}
	f.err.Message += " (another client's login, which this one waited for)"
	return f.err
}

// alone is the answer to a store that cannot be reached (a retryable
// failure): with StoreFallback "local", fn runs without the store; else,
// and for a store that cannot work as set up or a call canceled, the
// error.
func (e *Engine) alone(ctx context.Context, cur *Session, fn changeFunc, err error) (*Session, error) {
	var ce *Error
	if e.fallback != "local" || !errors.As(err, &ce) || !ce.Retryable {
		return nil, err
	}
	e.storeProblem(err)
	next, ferr := fn(ctx, cur)
	if ferr != nil {
		return nil, ferr
	}
	return next.WithExtra(extraStoreID, newToken()), nil
}

// storeError types an error of the store: the end of the caller's context
// as such (canceled, or its deadline), a *Error as it is (the store
// implementations make their own), anything else as a network error.
func (e *Engine) storeError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return TransportError(ctx, e.broker(), "store", ctx.Err())
	}
	var ce *Error
	if errors.As(err, &ce) {
		c := *ce
		if c.Broker == "" {
			c.Broker = e.broker()
		}
		if c.Step == "" {
			c.Step = "store"
		}
		return &c
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: CodeTimeout, Broker: e.broker(), Step: "store", Retryable: true,
			Message: "the session store did not answer within " + storeOpTimeout.String()}
	}
	return &Error{Code: CodeNetwork, Broker: e.broker(), Step: "store", Retryable: true, Err: err,
		Message: "the session store failed: " + err.Error()}
}

func (e *Engine) storeProblem(err error) {
	if e.onStoreError != nil && err != nil {
		e.onStoreError(err)
	}
}

// storeID is the id the Engine gave s, or "" (nil has none).
func (s *Session) storeID() string {
	if s == nil {
		return ""
	}
	return s.Extra(extraStoreID)
}
