package cstsession

import (
	"context"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
)

// Request is the logged-in call IG and Capital.com share: path is checked to
// stay on base, the call logs in first when there is no session and, after a
// token error, logs in again once and retries once (Auth.Send). The
// session's headers, from authHeader, override the caller's, except a
// Content-Type or Accept the caller set. A non-2xx answer returns both the
// reply and a *core.Error with step "request" and the broker's errorCode.
func (a *Auth) Request(ctx context.Context, call *Caller, base, method, path string, body []byte, header http.Header, authHeader func(*core.Session) http.Header) (*Reply, error) {
	url, err := call.URL(base, path, "request")
	if err != nil {
		return nil, err
	}
	if method == "" {
		method = http.MethodGet
	}
	r, err := a.Send(ctx, func(ctx context.Context, s *core.Session) (*Reply, error) {
		h := header.Clone()
		if h == nil {
			h = http.Header{}
		}
		for k, v := range authHeader(s) {
			if (k == "Content-Type" || k == "Accept") && h.Get(k) != "" {
				continue
			}
			h[k] = v
		}
		return call.Do(ctx, "request", method, url, h, body, DataLimit)
	})
	if err != nil {
		return nil, err
	}
	if !r.OK() {
		return r, call.StatusError("request", r)
	}
	return r, nil
}
