package ig

import (
	"context"
	"net/http"
	"time"

	"github.com/brokerauth/brokerauth/core/internal/cstsession"
)

// KeepAliveOnce checks the session with GET /session (refreshing a v3
// token about to expire first) and, if that fails for any reason, logs in
// anew. It returns the login's error, if any.
func (c *Client) KeepAliveOnce(ctx context.Context) error {
	s, g, err := c.auth.Session(ctx)
	if err != nil {
		return err
	}
	r, err := c.call.Do(ctx, "ping", http.MethodGet, c.s.base+"/session", c.authHeader(s, "1"), nil, cstsession.AuthLimit)
	if err == nil && r.OK() {
		return nil
	}
	return c.auth.ForceRenew(ctx, g)
}

// KeepAlive runs KeepAliveOnce every interval on the client's Clock until
// ctx ends, then returns nil. A retryable failure (network, timeout, 5xx,
// 429) is tried again sooner, with bounded backoff; one that retrying
// cannot fix (credentials refused on re-login) ends it and is returned.
func (c *Client) KeepAlive(ctx context.Context, interval time.Duration) error {
	return cstsession.KeepAlive(ctx, c.s.Clock, interval, broker, c.KeepAliveOnce)
}
