package capital

import (
	"context"

	"github.com/brokerauth/brokerauth/core"
)

// Client is one Capital.com login: a core.Engine running Capital.com's
// flow, with its own calls. It is safe for concurrent use.
//
// Request paths are relative to the origin ("/api/v1/accounts"); a session
// that has died (401 error.invalid.session.token) is logged in again once
// and the request retried once. A non-2xx answer carries Capital.com's
// errorCode in its *core.Error.
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

// SwitchAccount makes accountID the session's account (PUT
// /api/v1/session). A new X-SECURITY-TOKEN in the answer replaces the old
// one. An account the login's account list does not hold is
// invalid_argument before any request; switching to the current account
// sends nothing. The account stays chosen across automatic re-logins.
func (c *Client) SwitchAccount(ctx context.Context, accountID string) (*core.Session, error) {
	return c.Engine.SwitchAccount(ctx, accountID, false)
}

// Ping calls GET /api/v1/ping, which keeps the session from its 10-minute
// idle death. Like Request, it logs in when needed and once more on a dead
// session.
func (c *Client) Ping(ctx context.Context) error {
	r, err := c.Call(ctx, func(ctx context.Context, s *core.Session) (*core.Response, error) {
		return c.Caller().Do(ctx, "ping", &core.Request{Method: "GET", URL: c.flow.api + "/ping", Header: c.flow.sessionHeader(s)})
	})
	if err != nil {
		return err
	}
	if !r.OK() {
		return c.flow.Error("ping", r)
	}
	return nil
}
