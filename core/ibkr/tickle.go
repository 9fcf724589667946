package ibkr

import (
	"context"
)

// TickleResult is the brokerage-session status from tickle (Session is
// tickle's "session" id) or auth/status (Session is empty).
type TickleResult struct {
	Session       string
	Authenticated bool
	Competing     bool
	Connected     bool
}

// Validate calls GET sso/validate and returns its body (USER_NAME, RESULT,
// EXPIRES, IP, …). It does not re-establish a lost session.
func (c *Client) Validate(ctx context.Context) (map[string]any, error) {
	s, _ := c.Current()
	if s == nil {
		return nil, c.NeedSession("validate")
	}
	return c.web.validate(ctx, c.Caller(), s)
}

// Tickle calls POST /v1/api/tickle once, which keeps the session from
// timing out, and records the status it reports. It does not
// re-establish anything: that is KeepAliveOnce. A lost session is an error
// with Status 401.
func (c *Client) Tickle(ctx context.Context) (*TickleResult, error) {
	s, gen := c.Current()
	if s == nil {
		return nil, c.NeedSession("tickle")
	}
	res, err := c.web.tickle(ctx, c.Caller(), s)
	if err != nil {
		return nil, err
	}
	if next := withFlags(s, res); next != s {
		c.Amend(gen, next)
	}
	return res, nil
}

// Status calls POST iserver/auth/status and records the status it
// reports. It does not re-establish a lost session.
func (c *Client) Status(ctx context.Context) (*TickleResult, error) {
	s, gen := c.Current()
	if s == nil {
		return nil, c.NeedSession("status")
	}
	res, err := c.web.status(ctx, c.Caller(), s)
	if err != nil {
		return nil, err
	}
	if next := withFlags(s, res); next != s {
		c.Amend(gen, next)
	}
	return res, nil
}
