package cstsession

import (
	"context"
	"net/http"
	"sync/atomic"

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
	// Switch puts a session on another account (SwitchAccount's SwitchOnce);
	// a renewal uses it to go back to the account SwitchAccount chose.
	Switch SwitchOnce
	// ListsAccounts says the login answer lists every account of the login,
	// so that SwitchAccount can refuse an unknown one before any request.
	ListsAccounts bool

	chosen atomic.Pointer[string] // see chosenAccount
}

// renew is the ChangeFunc of every automatic renewal: Renew (else Login),
// then back to the account SwitchAccount chose, if the new session is on
// another one. Should that switch fail, the renewal fails with its error,
// rather than let calls run on an account the caller switched away from.
func (a *Auth) renew() ChangeFunc {
	fn := a.Renew
	if fn == nil {
		fn = a.Login
	}
	return func(ctx context.Context, cur *core.Session) (*core.Session, error) {
		next, err := fn(ctx, cur)
		chosen := a.chosenAccount()
		if err != nil || a.Switch == nil || chosen == "" || next.AccountID == chosen {
			return next, err
		}
		return a.Switch(ctx, next, chosen)
	}
}

// Session returns a usable session, logging in or renewing first if
// needed, and its generation.
func (a *Auth) Session(ctx context.Context) (*core.Session, uint64, error) {
	s, g := a.M.Snapshot()
	switch {
	case s == nil:
		return a.M.Renew(ctx, a.Broker, "login", g, a.renew())
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

// NeedSession is the not_logged_in error when there is no session, nil
// otherwise: a keepalive started before Login (or after Logout) ends at once
// instead of waiting a whole interval to find out.
func (a *Auth) NeedSession() error {
	if s, _ := a.M.Snapshot(); s == nil {
		return &core.Error{Code: core.CodeNotLoggedIn, Broker: a.Broker, Step: "ping", Message: "no session to keep alive: call Login first"}
	}
	return nil
}

// KeepAliveRound is one keepalive round: ping with the current session
// (renewing a stale IG v3 token first) and renew the session only when the
// broker answers 401, i.e. says the session is gone.
//
// Any other failure says nothing about the session, so it is returned for
// the loop to retry with backoff: a fresh login on every 5xx, 429 or
// allowance error would spend the very login allowance (Capital.com's one
// per second) that is already short. And with no session at all it
// returns not_logged_in instead of logging in: a keepalive keeps a session
// alive, it does not start one, nor bring one back after Logout.
func (a *Auth) KeepAliveRound(ctx context.Context, ping SendFunc, statusErr func(*Reply) error) error {
	if err := a.NeedSession(); err != nil {
		return err
	}
	s, g := a.M.Snapshot()
	if s == nil { // logged out between the two looks
		return a.NeedSession()
	}
	if a.Stale != nil && a.Stale(s) {
		var err error
		if s, g, err = a.M.Renew(ctx, a.Broker, "refresh", g, a.renew()); err != nil {
			return err
		}
	}
	r, err := ping(ctx, s)
	switch {
	case err != nil:
		return err
	case r.OK():
		return nil
	case r.Status == http.StatusUnauthorized || IsTokenError(r):
		_, _, err = a.M.Renew(ctx, a.Broker, "login", g, a.renew())
		return err
	}
	return statusErr(r)
}
