package cstsession

import (
	"context"
	"errors"
	"sync"

	"github.com/brokerauth/brokerauth/core"
)

// ChangeFunc computes the next session from the current one (nil when
// there is none). Returning cur itself means "no change"; returning nil
// with no error means "logged out".
type ChangeFunc func(ctx context.Context, cur *core.Session) (*core.Session, error)

// Manager holds a client's session and serialises every change to it:
// logins, refreshes, switches and logouts run one at a time, so twenty calls
// that all find the session dead cause one login, not twenty.
//
// Stored sessions are never modified in place: a ChangeFunc returns a new
// one. That lets callers use the pointer from Snapshot without a lock.
type Manager struct {
	onChange func(*core.Session)
	// sem is a one-slot semaphore rather than a Mutex so that waiting for
	// it honours the caller's context.
	sem chan struct{}

	mu      sync.Mutex
	sess    *core.Session
	gen     uint64 // bumped on every change
	tries   uint64 // bumped on every Renew attempt
	lastErr error  // outcome of the last Renew attempt
}

// NewManager returns a Manager that calls onChange (if not nil) with a
// clone of each new session, or nil after a logout, outside all locks.
func NewManager(onChange func(*core.Session)) *Manager {
	return &Manager{onChange: onChange, sem: make(chan struct{}, 1)}
}

// Snapshot returns the current session (shared: do not modify) and its
// generation, which Renew uses to tell whether someone else already
// replaced it.
func (m *Manager) Snapshot() (*core.Session, uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sess, m.gen
}

// Clone returns a copy of the current session, or nil.
func (m *Manager) Clone() *core.Session {
	s, _ := m.Snapshot()
	return s.Clone()
}

func (m *Manager) acquire(ctx context.Context, broker, step string) error {
	select {
	case m.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return core.TransportError(ctx, broker, step, ctx.Err())
	}
}

func (m *Manager) release() { <-m.sem }

// Change runs fn under the change lock and installs the session it
// returns. fn may return a session together with an error (a re-login that
// worked before the step it was for failed): that session is installed,
// since it is live at the broker, and the error returned.
func (m *Manager) Change(ctx context.Context, broker, step string, fn ChangeFunc) (*core.Session, error) {
	next, changed, err := m.changeLocked(ctx, broker, step, fn)
	if changed && m.onChange != nil {
		m.onChange(next.Clone())
	}
	if err != nil {
		return nil, err
	}
	return next, nil
}

// changeLocked is Change's locked part. The lock is released by defer so
// that a panic in fn (recovered further up, at the wasm boundary) cannot
// leave every later call on the client waiting for it.
func (m *Manager) changeLocked(ctx context.Context, broker, step string, fn ChangeFunc) (next *core.Session, changed bool, err error) {
	if err := m.acquire(ctx, broker, step); err != nil {
		return nil, false, err
	}
	defer m.release()
	cur, _ := m.Snapshot()
	next, err = fn(ctx, cur)
	// On success whatever fn returns is installed (nil: logged out); on
	// failure only a live session it returns.
	changed = next != cur && (err == nil || next != nil)
	if changed {
		m.mu.Lock()
		m.sess = next
		m.gen++
		m.mu.Unlock()
	}
	return next, changed, err
}

// Renew replaces a session the caller found dead (or missing): stale is the
// generation the caller saw. If another call already replaced it, Renew
// returns the new one without running fn; if another call's attempt failed
// while this one waited, Renew returns that error instead of trying again,
// so a broker that refuses the login is asked once, not once per caller.
func (m *Manager) Renew(ctx context.Context, broker, step string, stale uint64, fn ChangeFunc) (*core.Session, uint64, error) {
	next, g, ran, err := m.renewLocked(ctx, broker, step, stale, fn)
	if err != nil {
		return nil, 0, err
	}
	if ran && m.onChange != nil {
		m.onChange(next.Clone())
	}
	return next, g, nil
}

// renewLocked is Renew's locked part; ran reports whether fn ran and its
// session was installed. The lock is released by defer, as in Change.
func (m *Manager) renewLocked(ctx context.Context, broker, step string, stale uint64, fn ChangeFunc) (next *core.Session, g uint64, ran bool, err error) {
	m.mu.Lock()
	tries := m.tries
	m.mu.Unlock()
	if err := m.acquire(ctx, broker, step); err != nil {
		return nil, 0, false, err
	}
	defer m.release()
	m.mu.Lock()
	if m.gen != stale && m.sess != nil {
		s, g := m.sess, m.gen
		m.mu.Unlock()
		return s, g, false, nil
	}
	if m.tries != tries && m.lastErr != nil && !isCanceled(m.lastErr) {
		err := m.lastErr
		m.mu.Unlock()
		return nil, 0, false, err
	}
	cur := m.sess
	m.mu.Unlock()

	next, err = fn(ctx, cur)

	m.mu.Lock()
	m.tries++
	m.lastErr = err
	if err == nil {
		m.sess = next
		m.gen++
	}
	g = m.gen
	m.mu.Unlock()
	return next, g, err == nil, err
}

// isCanceled: an attempt the caller canceled says nothing about the
// broker, so waiters try for themselves.
func isCanceled(err error) bool {
	var e *core.Error
	return errors.As(err, &e) && e.Code == core.CodeCanceled
}
