package ig

import (
	"context"

	"github.com/brokerauth/brokerauth/core"
)

// Client is one IG login: a core.Engine running IG's flow, with IG's own
// calls. It is safe for concurrent use.
//
// Request paths are relative to the base URL ("/accounts",
// "/positions?x=y"); a token error is met by one new login (v3: a refresh)
// and one retry. The request's header may set Version (default 1); the
// session's headers override the caller's, except a Content-Type or Accept
// the caller set. A non-2xx answer carries IG's errorCode in its
// *core.Error.
type Client struct {
	*core.Engine
	flow *flow
}

// New checks cfg and returns a client; it sends nothing.
func New(cfg Config) (*Client, error) {
	f, s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	return &Client{Engine: core.NewEngine(f, s), flow: f}, nil
}

// SwitchAccount makes accountID the session's account. Switching to the
// current account sends nothing, and an account the v2 login's account list
// does not hold is invalid_argument before any request.
//
// v2: PUT /session; IG answers with a new X-SECURITY-TOKEN that replaces the
// old one (which stops working).
//
// v3: no request. IG reads the account from the IG-ACCOUNT-ID header of each
// call, so the switch moves that header (docs/PROTOCOLS.md §2). IG's v3
// login does not list the accounts, so an account IG does not know fails on
// the next call, with IG's own error code.
//
// The account stays chosen across the automatic re-logins that follow an
// expired session; Login and Logout forget it.
func (c *Client) SwitchAccount(ctx context.Context, accountID string) (*core.Session, error) {
	return c.Engine.SwitchAccount(ctx, accountID, false)
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
	return c.Engine.SwitchAccount(ctx, accountID, true)
}
