package ig

import (
	"context"

	"github.com/brokerauth/brokerauth/core"
)

// StreamingCredentials are what IG's Lightstreamer server wants: the
// endpoint, the account as the user name, and "CST-<cst>|XST-<xst>" as the
// password. They are secrets, like the session's headers.
type StreamingCredentials struct {
	Endpoint  string // the session's lightstreamerEndpoint
	AccountID string // the Lightstreamer user name
	CST       string
	XST       string
	Password  string // "CST-" + CST + "|XST-" + XST
}

// SessionTokens returns the session's CST and X-SECURITY-TOKEN, logging in
// first if there is none. A v2 session holds them already. A v3 (OAuth)
// session does not: IG hands them out for GET /session?fetchSessionTokens=true
// (PROTOCOLS.md §2), which this sends with the usual re-login once if the
// session has died. They are secrets, like the session's headers.
func (c *Client) SessionTokens(ctx context.Context) (cst, xst string, err error) {
	cst, xst, _, err = c.sessionTokens(ctx, "tokens")
	return cst, xst, err
}

// sessionTokens is SessionTokens for step, with the session they belong to.
func (c *Client) sessionTokens(ctx context.Context, step string) (cst, xst string, s *core.Session, err error) {
	if c.flow.version != 3 {
		if s, err = c.Usable(ctx); err != nil {
			return "", "", nil, err
		}
		return s.Headers["CST"], s.Headers["X-SECURITY-TOKEN"], s, nil
	}
	r, err := c.Call(ctx, func(ctx context.Context, cur *core.Session) (*core.Response, error) {
		s = cur
		return c.Caller().Do(ctx, step, &core.Request{Method: "GET", URL: c.flow.base + fetchTokensPath, Header: c.flow.sessionHeader(cur, "1")})
	})
	if err != nil {
		return "", "", nil, err
	}
	cst, xst, err = c.flow.tokensOf(step, r)
	return cst, xst, s, err
}

// StreamingCredentials returns the Lightstreamer login for the session,
// logging in first if there is none: the session's tokens (SessionTokens),
// its lightstreamerEndpoint and its account.
func (c *Client) StreamingCredentials(ctx context.Context) (*StreamingCredentials, error) {
	cst, xst, s, err := c.sessionTokens(ctx, "streaming")
	if err != nil {
		return nil, err
	}
	return &StreamingCredentials{
		Endpoint:  s.StreamingEndpoint,
		AccountID: s.AccountID,
		CST:       cst,
		XST:       xst,
		Password:  "CST-" + cst + "|XST-" + xst,
	}, nil
}
