package capital

import (
	"context"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/cstsession"
)

// Response is Capital.com's answer to Request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Request makes a logged-in call: path is relative to the origin
// ("/api/v1/accounts"). It logs in first when there is no session and, if
// the session has died (401 error.invalid.session.token), logs in again
// once and retries once. The session's headers override the caller's.
//
// A non-2xx answer returns both the Response and a *core.Error with Step
// "request" and Capital.com's errorCode.
func (c *Client) Request(ctx context.Context, method, path string, body []byte, header http.Header) (*Response, error) {
	r, err := c.auth.Request(ctx, &c.call, c.s.base, method, path, body, header, c.authHeader)
	if r == nil {
		return nil, err
	}
	return &Response{Status: r.Status, Header: r.Header, Body: r.Body}, err
}

// Ping calls GET /api/v1/ping, which keeps the session from its 10-minute
// idle death. Like Request, it logs in when needed and once more on a dead
// session.
func (c *Client) Ping(ctx context.Context) error {
	r, err := c.auth.Send(ctx, func(ctx context.Context, s *core.Session) (*cstsession.Reply, error) {
		return c.call.Do(ctx, "ping", http.MethodGet, c.s.base+"/api/v1/ping", c.authHeader(s), nil, cstsession.AuthLimit)
	})
	if err != nil {
		return err
	}
	if !r.OK() {
		return c.call.StatusError("ping", r)
	}
	return nil
}
