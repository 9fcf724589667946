package ig

import (
	"context"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/cstsession"
	"github.com/brokerauth/brokerauth/core/internal/jsonlite"
)

// SwitchAccount makes accountID the session's account. Switching to the
// current account sends nothing, and an account the v2 login's account list
// does not hold is invalid_argument before any request.
//
// v2: PUT /session; IG answers with a new X-SECURITY-TOKEN that replaces the
// old one (which stops working).
//
// v3: no request. IG reads the account from the IG-ACCOUNT-ID header of each
// call, so the switch moves that header (PROTOCOLS.md §2). IG's v3 login does
// not list the accounts, so an account IG does not know fails on the next
// call, with IG's own error code.
//
// The account stays chosen across the automatic re-logins that follow an
// expired session; Login and Logout forget it.
func (c *Client) SwitchAccount(ctx context.Context, accountID string) (*core.Session, error) {
	return c.auth.SwitchAccount(ctx, accountID, c.switchOnce)
}

// SetDefaultAccount switches to accountID as SwitchAccount does and also
// makes it IG's default account, the one later logins start on
// (PUT /session with defaultAccount true; IG answers an error if accountID
// is current already). Someone whose default account refuses v2 logins
// (error.public-api.failure.stockbroking-not-supported) can log in with
// v3 and move the default with it.
//
// PUT /session is a CST/X-SECURITY-TOKEN call: a v3 session fetches the two
// with GET /session?fetchSessionTokens=true first.
func (c *Client) SetDefaultAccount(ctx context.Context, accountID string) (*core.Session, error) {
	return c.auth.SetAccount(ctx, accountID, func(ctx context.Context, cur *core.Session, accountID string) (*core.Session, error) {
		return c.putSession(ctx, cur, accountID, true)
	})
}

// switchOnce is SwitchAccount's step for one session.
func (c *Client) switchOnce(ctx context.Context, cur *core.Session, accountID string) (*core.Session, error) {
	if c.s.version == 3 {
		return withAccount(cur, accountID), nil
	}
	return c.putSession(ctx, cur, accountID, false)
}

// withAccount returns a copy of a v3 session acting for accountID.
func withAccount(cur *core.Session, accountID string) *core.Session {
	next := cur.Clone()
	next.AccountID = accountID
	next.Headers["IG-ACCOUNT-ID"] = accountID
	return next
}

// putSession sends PUT /session {accountId, defaultAccount?} with the
// session's CST and X-SECURITY-TOKEN (fetched first for v3) and returns the
// session on accountID.
func (c *Client) putSession(ctx context.Context, cur *core.Session, accountID string, setDefault bool) (*core.Session, error) {
	h := c.authHeader(cur, "1")
	if c.s.version == 3 {
		cst, xst, err := c.fetchSessionTokens(ctx, cur, "switch")
		if err != nil {
			return nil, err
		}
		h = c.header("1")
		h.Set("CST", cst)
		h.Set("X-SECURITY-TOKEN", xst)
	}
	var w jsonlite.ObjectWriter
	w.String("accountId", accountID)
	if setDefault {
		w.Bool("defaultAccount", true)
	}
	r, err := c.call.Expect(ctx, "switch", http.MethodPut, c.s.base+"/session", h, w.Bytes())
	if err != nil {
		return nil, err
	}
	if err := cstsession.CheckSwitchAnswer(broker, r); err != nil {
		return nil, err
	}
	if c.s.version == 3 {
		return withAccount(cur, accountID), nil
	}
	return cstsession.AfterSwitch(cur, accountID, r), nil
}

// fetchTokensPath asks IG for the CST and X-SECURITY-TOKEN of a v3
// session: streaming and the CST/X-SECURITY-TOKEN calls such as
// PUT /session need them.
const fetchTokensPath = "/session?fetchSessionTokens=true"

// fetchSessionTokens gets the CST and X-SECURITY-TOKEN of the v3 session s.
func (c *Client) fetchSessionTokens(ctx context.Context, s *core.Session, step string) (cst, xst string, err error) {
	r, err := c.call.Do(ctx, step, http.MethodGet, c.s.base+fetchTokensPath, c.authHeader(s, "1"), nil, cstsession.AuthLimit)
	if err != nil {
		return "", "", err
	}
	return c.tokensOf(step, r)
}

// tokensOf reads the CST and X-SECURITY-TOKEN headers of IG's answer to
// fetchTokensPath.
func (c *Client) tokensOf(step string, r *cstsession.Reply) (cst, xst string, err error) {
	if !r.OK() {
		return "", "", c.call.StatusError(step, r)
	}
	cst, xst = cstsession.TokenHeader(r.Header, "CST"), cstsession.TokenHeader(r.Header, "X-SECURITY-TOKEN")
	if cst == "" || xst == "" {
		return "", "", core.BadResponse(broker, step, r.Status, "IG sent no CST or X-SECURITY-TOKEN for fetchSessionTokens=true (if in a browser, IG must expose them via CORS)")
	}
	if !validHeaderValue(cst) || !validHeaderValue(xst) {
		return "", "", core.BadResponse(broker, step, r.Status, "IG's CST or X-SECURITY-TOKEN holds characters no HTTP header can carry")
	}
	return cst, xst, nil
}
