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

// Client is one IBKR login, OAuth 2.0 or OAuth 1.0a as its Config says: a
// core.Engine running that mode's flow, with IBKR's own calls. It is safe
// for concurrent use.
//
// Request paths are relative to the base URL and may carry a query
// ("/v1/api/portfolio/accounts"); a body without Content-Type goes as JSON.
// On a 401, or a 400 that says the brokerage session is missing ("no
// bridge", "Init session first"), the session is re-established once and
// the request repeated once. A non-2xx answer's *core.Error holds an OAuth
// error code, or http_<status> with IBKR's own words in the message.
type Client struct {
	*core.Engine
	mode mode
	web  *webAPI
}

// mode is one of IBKR's two OAuth modes: a core.Flow whose calls after
// login are the shared webAPI's.
type mode interface {
	core.Flow
	api() *webAPI
}

func (w *webAPI) api() *webAPI { return w }

// New checks cfg, parses the keys (OAuth 1.0a: also decrypts the access
// token secret); it makes no call.
func New(cfg Config) (*Client, error) {
	m, s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	return &Client{Engine: core.NewEngine(m, s), mode: m, web: m.api()}, nil
}

// AuthorizationHeader returns the Authorization header value for a request
// the caller sends itself: method and rawURL, a path on the base URL
// ("/v1/api/portfolio/accounts?x=1") or an absolute URL under it. It
// logs in first when there is no session. OAuth 1.0a signs the method, the
// URL and its query (a new nonce and timestamp each time); OAuth 2.0
// returns the bearer token. A form-encoded body's fields are part of an
// OAuth 1.0a signature: send such a request through Request.
func (c *Client) AuthorizationHeader(ctx context.Context, method, rawURL string) (string, error) {
	if !core.ValidHeaderName(method) {
		return "", configError("method must be an HTTP method such as GET or POST")
	}
	base, target := c.Caller().Base(), rawURL
	if !strings.HasPrefix(rawURL, "/") {
		rest, ok := strings.CutPrefix(rawURL, base)
		if !ok || !strings.HasPrefix(rest, "/") {
			return "", configError("url must be a path such as /v1/api/tickle, or an absolute URL under " + base)
		}
		target = rest
	}
	full, err := core.JoinPath(core.BrokerIBKR, base, target)
	if err != nil {
		return "", err
	}
	s, err := c.Usable(ctx)
	if err != nil {
		return "", err
	}
	req := &core.Request{Method: method, URL: full, Header: core.Header{}}
	if err := c.mode.Authorize(req, s); err != nil {
		return "", err
	}
	return req.Header.Get("Authorization"), nil
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
