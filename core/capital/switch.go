package capital

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/cstsession"
)

// SwitchAccount makes accountID the session's account (PUT
// /api/v1/session). A new X-SECURITY-TOKEN in the answer replaces the old
// one. An account the login does not own fails with
// error.invalid.accountId. Switching to the current account sends nothing.
func (c *Client) SwitchAccount(ctx context.Context, accountID string) (*core.Session, error) {
	if accountID == "" {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Broker: broker, Step: "switch", Message: "accountID is empty"}
	}
	if _, _, err := c.auth.Session(ctx); err != nil {
		return nil, err
	}
	s, err := c.m.Change(ctx, broker, "switch", func(ctx context.Context, cur *core.Session) (*core.Session, error) {
		var err error
		if cur == nil { // logged out meanwhile
			if cur, err = c.login(ctx, nil); err != nil {
				return nil, err
			}
		}
		if cur.AccountID == accountID {
			return cur, nil
		}
		next, err := c.switchOnce(ctx, cur, accountID)
		if !cstsession.IsTokenErr(err) {
			return next, err
		}
		if cur, err = c.login(ctx, cur); err != nil {
			return nil, err
		}
		if cur.AccountID == accountID {
			return cur, nil
		}
		return c.switchOnce(ctx, cur, accountID)
	})
	return s.Clone(), err
}

func (c *Client) switchOnce(ctx context.Context, cur *core.Session, accountID string) (*core.Session, error) {
	body, _ := json.Marshal(map[string]string{"accountId": accountID})
	r, err := c.call.Expect(ctx, "switch", http.MethodPut, c.s.base+"/api/v1/session", c.authHeader(cur), body)
	if err != nil {
		return nil, err
	}
	return cstsession.WithXST(cur, accountID, r.Header.Get("X-SECURITY-TOKEN")), nil
}
