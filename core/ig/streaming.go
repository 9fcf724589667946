package ig

import (
	"context"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/cstsession"
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

// StreamingCredentials returns the Lightstreamer login for the session,
// logging in first if there is none. A v2 session already holds CST and
// X-SECURITY-TOKEN. A v3 (OAuth) session does not: they come from
// GET /session?fetchSessionTokens=true, as PROTOCOLS.md §2 says, with the
// usual re-login once if the session has died.
func (c *Client) StreamingCredentials(ctx context.Context) (*StreamingCredentials, error) {
	s, _, err := c.auth.Session(ctx)
	if err != nil {
		return nil, err
	}
	cst, xst := s.Headers["CST"], s.Headers["X-SECURITY-TOKEN"]
	if c.s.version == 3 {
		r, err := c.auth.Send(ctx, func(ctx context.Context, s *core.Session) (*cstsession.Reply, error) {
			return c.call.Do(ctx, "streaming", http.MethodGet, c.s.base+"/session?fetchSessionTokens=true", c.authHeader(s, "1"), nil, cstsession.AuthLimit)
		})
		if err != nil {
			return nil, err
		}
		if !r.OK() {
			return nil, c.call.StatusError("streaming", r)
		}
		cst, xst = r.Header.Get("CST"), r.Header.Get("X-SECURITY-TOKEN")
		if s = c.Session(); s == nil {
			return nil, &core.Error{Code: core.CodeNotLoggedIn, Broker: broker, Step: "streaming", Message: "logged out meanwhile"}
		}
	}
	if cst == "" || xst == "" {
		return nil, core.BadResponse(broker, "streaming", 0, "IG sent no CST or X-SECURITY-TOKEN for streaming")
	}
	return &StreamingCredentials{
		Endpoint:  s.StreamingEndpoint,
		AccountID: s.AccountID,
		CST:       cst,
		XST:       xst,
		Password:  "CST-" + cst + "|XST-" + xst,
	}, nil
}
