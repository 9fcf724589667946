package ig

import (
	"context"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/cstsession"
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
	url, err := c.call.URL(c.s.base, path, "request")
	if err != nil {
		return nil, err
	}
	if method == "" {
		method = http.MethodGet
	}
	version := header.Get("Version")
	if version == "" {
		version = "1"
	}
	r, err := c.auth.Send(ctx, func(ctx context.Context, s *core.Session) (*cstsession.Reply, error) {
		h := header.Clone()
		if h == nil {
			h = http.Header{}
		}
		for k, v := range c.authHeader(s, version) {
			if (k == "Content-Type" || k == "Accept") && h.Get(k) != "" {
				continue
			}
			h[k] = v
		}
		return c.call.Do(ctx, "request", method, url, h, body, cstsession.DataLimit)
	})
	if err != nil {
		return nil, err
	}
	resp := &Response{Status: r.Status, Header: r.Header, Body: r.Body}
	if !r.OK() {
		return resp, c.call.StatusError("request", r)
	}
	return resp, nil
}
