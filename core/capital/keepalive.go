package capital

import (
	"context"
	"net/http"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/cstsession"
)

// KeepAliveOnce is one keepalive round: GET /api/v1/ping with the current session
// (an IG v3 token about to expire is refreshed first), and a new login only
// if the broker answers 401. Other failures are returned (retryable ones
// are worth trying again later); without a session it returns
// not_logged_in: keepalive never logs in on its own, not even after Logout.
func (c *Client) KeepAliveOnce(ctx context.Context) error {
	ping := func(ctx context.Context, s *core.Session) (*cstsession.Reply, error) {
		return c.call.Do(ctx, "ping", http.MethodGet, c.s.base+"/api/v1/ping", c.authHeader(s), nil, cstsession.AuthLimit)
	}
	return c.auth.KeepAliveRound(ctx, ping, func(r *cstsession.Reply) error { return c.call.StatusError("ping", r) })
}

// KeepAlive runs KeepAliveOnce every interval on the client's Clock until
// ctx ends, then returns nil. A retryable failure (network, timeout, 5xx,
// 429) is tried again sooner, with bounded backoff; one that retrying
// cannot fix (credentials refused on re-login) ends it and is returned. Capital.com ends sessions after 10 idle
// minutes, so an interval of a few minutes is enough.
//
// Without a session it returns not_logged_in at once. core.OnRound hears
// every round's outcome.
func (c *Client) KeepAlive(ctx context.Context, interval time.Duration, opts ...core.KeepAliveOption) error {
	if err := c.auth.NeedSession(); err != nil {
		return err
	}
	o := core.ApplyKeepAliveOptions(opts)
	return cstsession.KeepAlive(ctx, c.s.Clock, interval, broker, c.KeepAliveOnce, o.OnRound)
}
