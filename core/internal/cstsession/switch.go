package cstsession

import (
	"context"
	"slices"

	"github.com/brokerauth/brokerauth/core"
)

// SwitchOnce makes session cur act for accountID and returns the session
// that results (IG v2 and Capital.com: PUT /session and a new
// X-SECURITY-TOKEN; IG v3: a new IG-ACCOUNT-ID, no request).
type SwitchOnce func(ctx context.Context, cur *core.Session, accountID string) (*core.Session, error)

// SwitchAccount is the account switch IG and Capital.com share: log in (or
// refresh) first outside the change lock, so concurrent calls share it;
// refuse an account the login's own account list proves unknown; send
// nothing when accountID is already current; and if the session has died,
// log in again once and retry once. A session that re-login produced is
// kept even when the retried switch then fails: it is live at the broker,
// and the dead one is of no use.
//
// The account chosen stays chosen: a later automatic re-login (expired
// tokens, a keepalive finding the session gone) puts the new session back
// on it, so that calls never drift to the broker's default account.
func (a *Auth) SwitchAccount(ctx context.Context, accountID string, switchOnce SwitchOnce) (*core.Session, error) {
	return a.switchAccount(ctx, accountID, switchOnce, false)
}

// SetAccount is SwitchAccount for a switch that must reach the broker even
// when accountID is current already (IG's PUT /session with
// defaultAccount, which changes what later logins start on).
func (a *Auth) SetAccount(ctx context.Context, accountID string, switchOnce SwitchOnce) (*core.Session, error) {
	return a.switchAccount(ctx, accountID, switchOnce, true)
}

func (a *Auth) switchAccount(ctx context.Context, accountID string, switchOnce SwitchOnce, always bool) (*core.Session, error) {
	if accountID == "" {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Broker: a.Broker, Step: "switch", Message: "accountID is empty"}
	}
	s, _, err := a.Session(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.knownAccount(s, accountID); err != nil {
		return nil, err
	}
	s, err = a.M.Change(ctx, a.Broker, "switch", func(ctx context.Context, cur *core.Session) (*core.Session, error) {
		var err error
		if cur == nil { // logged out meanwhile
			if cur, err = a.Login(ctx, nil); err != nil {
				return nil, err
			}
		}
		if cur.AccountID == accountID && !always {
			a.chosen.Store(&accountID)
			return cur, nil
		}
		next, err := switchOnce(ctx, cur, accountID)
		if IsTokenErr(err) {
			if cur, err = a.Login(ctx, cur); err != nil {
				return nil, err
			}
			if cur.AccountID == accountID && !always {
				a.chosen.Store(&accountID)
				return cur, nil
			}
			if next, err = switchOnce(ctx, cur, accountID); err != nil {
				return cur, err // install the fresh login, report the failed switch
			}
		}
		if err != nil {
			return next, err
		}
		a.chosen.Store(&accountID)
		return next, nil
	})
	return s.Clone(), err
}

// knownAccount refuses, before any request, an account that the login's
// own account list proves unknown. Only brokers whose login answer lists
// every account of the login (ListsAccounts) can prove that; IG's v3 login
// names one account, so there an unknown id meets the broker's own error on
// the next call.
func (a *Auth) knownAccount(s *core.Session, accountID string) error {
	if !a.ListsAccounts || len(s.Accounts) == 0 {
		return nil
	}
	if slices.ContainsFunc(s.Accounts, func(acc core.Account) bool { return acc.ID == accountID }) {
		return nil
	}
	return &core.Error{Code: core.CodeInvalidArgument, Broker: a.Broker, Step: "switch",
		Message: "accountID is not one of this login's accounts (session.accounts lists them)"}
}

// chosenAccount is the account SwitchAccount last chose, or "" when the
// session is on the account the broker logged it in on.
func (a *Auth) chosenAccount() string {
	if p := a.chosen.Load(); p != nil {
		return *p
	}
	return ""
}

// ForgetAccount drops the chosen account: after Logout, and for an
// explicit Login, which starts on the broker's default account.
func (a *Auth) ForgetAccount() { a.chosen.Store(nil) }
