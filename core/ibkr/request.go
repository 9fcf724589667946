package ibkr

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/brokerauth/brokerauth/core"
)

// Response is IBKR's answer to Request, whatever its status.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Err is nil for a 2xx answer, else the *core.Error for it (step
// "request"): an OAuth error code as Code, or http_<status> with IBKR's
// own words ("no bridge", "Init session first") in the message, token-like
// text redacted.
func (r *Response) Err() error {
	if r.Status >= 200 && r.Status <= 299 {
		return nil
	}
	return statusError("request", &reply{status: r.Status, header: r.Header, body: r.Body})
}

// noBrokerageSession reports IBKR's answers for an /iserver call without a
// brokerage session: 400 "no bridge" before ssodh/init, "Init session
// first" after another session knocked this one out (docs/PROTOCOLS.md
// §6.3). Logging in again opens one.
func noBrokerageSession(r *reply) bool {
	if r.status != http.StatusBadRequest {
		return false
	}
	text := readErrorBody(r.body).Error
	return strings.Contains(text, "no bridge") || strings.Contains(text, "Init session first")
}

// Request calls any Web API endpoint with the session's bearer token.
// path is relative to the base URL and may carry a query, e.g.
// "/v1/api/portfolio/accounts". header is added to the request (its
// Authorization is replaced); a body without Content-Type is sent as JSON.
//
// Every answer IBKR gives comes back as a Response, 4xx and 5xx included,
// so the caller can read IBKR's reason; the error is for no answer at all.
// On a 401, or a 400 that says the brokerage session is missing ("no
// bridge", "Init session first"), the session is re-established once
// (single-flight with every other caller) and the request repeated once;
// a second such answer is returned as it is. Bodies are read up to 32 MiB.
func (c *Client) Request(ctx context.Context, method, path string, body []byte, header http.Header) (*Response, error) {
	if method == "" {
		method = http.MethodGet
	}
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.ContainsAny(path, "\\#") {
		// A path must not be able to name another host, since the bearer
		// token goes with it.
		return nil, &core.Error{Code: core.CodeInvalidArgument, Broker: core.BrokerIBKR, Step: "request", Message: `path must be absolute on the base URL, like "/v1/api/portfolio/accounts"`}
	}
	if u, err := url.Parse(c.cfg.base + path); err != nil || u.Host != c.cfg.baseHost {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Broker: core.BrokerIBKR, Step: "request", Message: "path does not parse as a path on the base URL"}
	}
	for attempt := 0; ; attempt++ {
		bearer, gen, err := c.current("request")
		if isCode(err, CodeNotLoggedIn) && attempt == 0 {
			// Like the IG and Capital.com clients: no session yet means
			// log in first (single-flight with any other caller).
			if _, err = c.Login(ctx); err == nil {
				bearer, gen, err = c.current("request")
			}
		}
		if err != nil {
			return nil, err
		}
		hdr := header.Clone()
		if hdr == nil {
			hdr = http.Header{}
		}
		hdr.Set("Authorization", "Bearer "+bearer)
		if body != nil && hdr.Get("Content-Type") == "" {
			hdr.Set("Content-Type", "application/json")
		}
		r, err := c.send(ctx, "request", method, c.cfg.base+path, hdr, body, maxRequestBody)
		if err != nil {
			return nil, err
		}
		if (r.status == http.StatusUnauthorized || noBrokerageSession(r)) && attempt == 0 {
			if err := c.establish(ctx, "request", gen, false); err != nil {
				return nil, err
			}
			continue
		}
		return &Response{Status: r.status, Header: r.header, Body: r.body}, nil
	}
}
