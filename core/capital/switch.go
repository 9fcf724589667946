package capital

import (
	"context"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/cstsession"
	"github.com/brokerauth/brokerauth/core/internal/jsonlite"
)

// SwitchAccount makes accountID the session's account (PUT
// /api/v1/session). A new X-SECURITY-TOKEN in the answer replaces the old
// one. An account the login does not own fails with
// error.invalid.accountId. Switching to the current account sends nothing.
func (c *Client) SwitchAccount(ctx context.Context, accountID string) (*core.Session, error) {
	return c.auth.SwitchAccount(ctx, accountID, c.switchOnce)
}

func (c *Client) switchOnce(ctx context.Context, cur *core.Session, accountID string) (*core.Session, error) {
	var w jsonlite.ObjectWriter
	w.String("accountId", accountID)
	r, err := c.call.Expect(ctx, "switch", http.MethodPut, c.s.base+"/api/v1/session", c.authHeader(cur), w.Bytes())
	if err != nil {
		return nil, err
	}
	if err := cstsession.CheckSwitchAnswer(broker, r); err != nil {
		return nil, err
	}
	return cstsession.AfterSwitch(cur, accountID, r), nil
}
