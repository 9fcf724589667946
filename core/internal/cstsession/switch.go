package cstsession

import (
	"context"

	"github.com/brokerauth/brokerauth/core"
)

// SwitchOnce sends one account switch for session cur and returns the
// session that results (IG v2 and Capital.com: a new X-SECURITY-TOKEN;
// IG v3: a new IG-ACCOUNT-ID).
type SwitchOnce func(ctx context.Context, cur *core.Session, accountID string) (*core.Session, error)

// SwitchAccount is the account switch IG and Capital.com share: log in (or
// refresh) first outside the change lock, so concurrent calls share it;
// send nothing when accountID is already current; and if the session has
// died, log in again once and retry once. A session that re-login produced
// is kept even when the retried switch then fails: it is live at the
// broker, and the dead one is of no use.
func (a *Auth) SwitchAccount(ctx context.Context, accountID string, switchOnce SwitchOnce) (*core.Session, error) {
	if accountID == "" {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Broker: a.Broker, Step: "switch", Message: "accountID is empty"}
	}
	if _, _, err := a.Session(ctx); err != nil {
		return nil, err
	}
	s, err := a.M.Change(ctx, a.Broker, "switch", func(ctx context.Context, cur *core.Session) (*core.Session, error) {
		var err error
		if cur == nil { // logged out meanwhile
			if cur, err = a.Login(ctx, nil); err != nil {
				return nil, err
			}
		}
		if cur.AccountID == accountID {
			return cur, nil
		}
		next, err := switchOnce(ctx, cur, accountID)
		if !IsTokenErr(err) {
			return next, err
		}
		if cur, err = a.Login(ctx, cur); err != nil {
			return nil, err
		}
		if cur.AccountID == accountID {
			return cur, nil
		}
		if next, err = switchOnce(ctx, cur, accountID); err != nil {
			return cur, err // install the fresh login, report the failed switch
		}
		return next, nil
	})
	return s.Clone(), err
}
