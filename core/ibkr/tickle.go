package ibkr

import (
	"context"

	"github.com/brokerauth/brokerauth/core"
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
	return c.recordStatus(ctx, "tickle", c.web.tickle)
}

// Status calls POST iserver/auth/status and records the status it
// reports. It does not re-establish a lost session.
func (c *Client) Status(ctx context.Context) (*TickleResult, error) {
	return c.recordStatus(ctx, "status", c.web.status)
}

// recordStatus asks the gateway for the session's status with fetch and
// records the flags it reports on the session.
func (c *Client) recordStatus(ctx context.Context, step string, fetch func(context.Context, *core.Caller, *core.Session) (*TickleResult, error)) (*TickleResult, error) {
	s, gen := c.Current()
	if s == nil {
		return nil, c.NeedSession(step)
	}
	res, err := fetch(ctx, c.Caller(), s)
	if err != nil {
		return nil, err
	}
	if next := withFlags(s, res); next != s {
		c.Amend(gen, next)
	}
	return res, nil
}
