package ibkr

import (
	"context"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
)

// Logout ends the session at IBKR (POST /v1/api/logout) and forgets it. A
// 401 means it was already gone, which is success. With no session it sends
// nothing, but a login still in flight is told to discard what it gets (it
// fails with not_logged_in), so that a Logout is never undone by a login
// that started before it. If IBKR cannot be reached or fails (5xx), the
// session is kept so that Logout can be tried again.
func (c *Client) Logout(ctx context.Context) error {
	c.mu.Lock()
	if c.sess == nil {
		c.logouts++
		c.mu.Unlock()
		return nil
	}
	bearer := c.bearer
	c.mu.Unlock()

	_, err := c.call(ctx, "logout", http.MethodPost, pathLogout, bearerHeader(bearer), nil, nil)
	if e, ok := err.(*core.Error); ok && (e.Status == 0 || e.Retryable) {
		return err
	}
	if e, ok := err.(*core.Error); ok && e.Status == http.StatusUnauthorized {
		err = nil
	}

	c.mu.Lock()
	changed := c.sess != nil
	c.sess, c.bearer, c.ip = nil, "", ""
	c.gen++
	c.logouts++
	c.mu.Unlock()
	if changed {
		c.notify(nil)
	}
	return err
}
