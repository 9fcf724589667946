package ig

import (
	"context"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
)

// Response is IG's answer to Request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Request makes a logged-in call: path is relative to the base URL
// ("/accounts", "/positions?x=y"). It logs in first when there is no
// session and, if IG answers with a token error, logs in again once and
// retries once. header may set Version (default 1) and anything else; the
// session's headers override the caller's.
//
// A non-2xx answer returns both the Response and a *core.Error with Step
// "request" and IG's errorCode.
func (c *Client) Request(ctx context.Context, method, path string, body []byte, header http.Header) (*Response, error) {
	version := header.Get("Version")
	if version == "" {
		version = "1"
	}
	r, err := c.auth.Request(ctx, &c.call, c.s.base, method, path, body, header, func(s *core.Session) http.Header { return c.authHeader(s, version) })
	if r == nil {
		return nil, err
	}
	return &Response{Status: r.Status, Header: r.Header, Body: r.Body}, err
}
