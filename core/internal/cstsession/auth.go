package cstsession

import (
	"context"

	"github.com/brokerauth/brokerauth/core"
)

// SendFunc makes one logged-in call with session s.
type SendFunc func(ctx context.Context, s *core.Session) (*Reply, error)

// Auth runs logged-in calls for a client: it logs in when there is no
// session, renews a session about to expire before using it, and after a
// token error (401 client-token-invalid and the like) renews once and
// retries once. Renewals go through Manager.Renew, so concurrent calls
// share one.
type Auth struct {
	M      *Manager
	Broker string
	// Login makes a new session.
	Login ChangeFunc
	// Renew replaces a dead session: IG v3 tries its refresh token first.
	// Nil means Login.
	Renew ChangeFunc
	// Stale reports a session to renew before use (IG v3 near expiry). Nil
	// means never.
	Stale func(*core.Session) bool
}

func (a *Auth) renew() ChangeFunc {
	if a.Renew != nil {
		return a.Renew
	}
	return a.Login
}

// Session returns a usable session, logging in or renewing first if
// needed, and its generation.
func (a *Auth) Session(ctx context.Context) (*core.Session, uint64, error) {
	s, g := a.M.Snapshot()
	switch {
	case s == nil:
		return a.M.Renew(ctx, a.Broker, "login", g, a.Login)
	case a.Stale != nil && a.Stale(s):
		return a.M.Renew(ctx, a.Broker, "refresh", g, a.renew())
	}
	return s, g, nil
}

// Send makes the call with a usable session; on a token error it renews
// the session once and sends once more. The reply may have any status.
func (a *Auth) Send(ctx context.Context, send SendFunc) (*Reply, error) {
	s, g, err := a.Session(ctx)
	if err != nil {
		return nil, err
	}
	r, err := send(ctx, s)
	if err != nil || !IsTokenError(r) {
		return r, err
	}
	if s, _, err = a.M.Renew(ctx, a.Broker, "login", g, a.renew()); err != nil {
		return nil, err
	}
	return send(ctx, s)
}

// ForceRenew replaces the session whatever its state (keepalive after a
// failed ping): g is the generation that failed.
func (a *Auth) ForceRenew(ctx context.Context, g uint64) error {
	_, _, err := a.M.Renew(ctx, a.Broker, "login", g, a.Login)
	return err
}
