package ibkr

import (
	"context"
	"net/http"
	"strings"

	"github.com/brokerauth/brokerauth/core"
)

// CodeNotLoggedIn is the code of a call that needs a session before Login
// has succeeded, or after Logout.
const CodeNotLoggedIn = core.CodeNotLoggedIn

// Client is one IBKR OAuth 2.0 login: a core.Engine running the flow
// (token, bearer token, sso/validate, ssodh/init), with IBKR's own calls.
// It is safe for concurrent use.
type Client struct {
	*core.Engine
	flow *flow
}

// Response is IBKR's answer to Request.
type Response = core.Response

// New checks cfg and parses the private key; it makes no call.
func New(cfg Config) (*Client, error) {
	f, s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	return &Client{Engine: core.NewEngine(f, s), flow: f}, nil
}

// Request calls any Web API endpoint with the session's bearer token.
// path is relative to the base URL and may carry a query, e.g.
// "/v1/api/portfolio/accounts". header is added to the request (its
// Authorization is replaced); a body without Content-Type is sent as JSON.
//
// It logs in first when there is no session. On a 401, or a 400 that says
// the brokerage session is missing ("no bridge", "Init session first"),
// the session is re-established once (single-flight with every other
// caller) and the request repeated once. A non-2xx answer returns the
// Response together with a *core.Error (step "request"): an OAuth error
// code, or http_<status> with IBKR's own words in the message. Bodies are
// read up to 32 MiB.
func (c *Client) Request(ctx context.Context, method, path string, body []byte, header map[string][]string) (*Response, error) {
	return c.Engine.Request(ctx, method, path, body, header)
}

// noBrokerageSession reports IBKR's answers for an /iserver call without a
// brokerage session: 400 "no bridge" before ssodh/init, "Init session
// first" after another session knocked this one out (docs/PROTOCOLS.md
// §6.3). Logging in again opens one.
func noBrokerageSession(r *core.Response) bool {
	if r.Status != http.StatusBadRequest {
		return false
	}
	text := readErrorBody(r.Body).Error
	return strings.Contains(text, "no bridge") || strings.Contains(text, "Init session first")
}
