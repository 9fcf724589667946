package ig

import (
	"context"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/cstsession"
	"github.com/brokerauth/brokerauth/core/internal/jsonlite"
)

// SwitchAccount makes accountID the session's account (PUT /session). With
// v2, IG answers with a new X-SECURITY-TOKEN that replaces the old one
// (which stops working); with v3 the IG-ACCOUNT-ID header changes. Switching
// to the current account sends nothing.
func (c *Client) SwitchAccount(ctx context.Context, accountID string) (*core.Session, error) {
	return c.auth.SwitchAccount(ctx, accountID, c.switchOnce)
}

func (c *Client) switchOnce(ctx context.Context, cur *core.Session, accountID string) (*core.Session, error) {
	var w jsonlite.ObjectWriter
	w.String("accountId", accountID)
	r, err := c.call.Expect(ctx, "switch", http.MethodPut, c.s.base+"/session", c.authHeader(cur, "1"), w.Bytes())
	if err != nil {
		return nil, err
	}
	// v2 switches hand out a new X-SECURITY-TOKEN (the old one dies).
	if err := cstsession.CheckSwitchAnswer(broker, r, c.s.version != 3); err != nil {
		return nil, err
	}
	if c.s.version == 3 {
		next := cur.Clone()
		next.AccountID = accountID
		next.Headers["IG-ACCOUNT-ID"] = accountID
		return next, nil
	}
	return cstsession.WithXST(cur, accountID, r.Header.Get("X-SECURITY-TOKEN")), nil
}
