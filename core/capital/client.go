package capital

import (
	"context"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/cstsession"
)

const broker = core.BrokerCapital

// Client is one Capital.com login. It is safe for concurrent use.
type Client struct {
	s    *settings
	call cstsession.Caller
	m    *cstsession.Manager
	auth cstsession.Auth
	gate *cstsession.Gate
}

// New checks cfg and returns a client; it sends nothing.
func New(cfg Config) (*Client, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	c := &Client{
		s:    s,
		call: cstsession.Caller{Broker: broker, HTTP: s.HTTPClient, Timeout: s.Timeout},
		m:    cstsession.NewManager(s.OnSessionChange),
		gate: cstsession.LoginGate(s.base, s.APIKey),
	}
	c.auth = cstsession.Auth{M: c.m, Broker: broker, Login: c.login, Switch: c.switchOnce, ListsAccounts: true}
	return c, nil
}

// Session returns a copy of the current session, or nil before the first
// login and after Logout.
func (c *Client) Session() *core.Session { return c.m.Clone() }

// Login logs in anew, whatever the current session, on the account the
// broker starts a login on (an account SwitchAccount chose is forgotten).
func (c *Client) Login(ctx context.Context) (*core.Session, error) {
	c.auth.ForgetAccount()
	s, err := c.m.Change(ctx, broker, "login", c.login)
	return s.Clone(), err
}

// Refresh logs in anew: Capital.com has no refresh token.
func (c *Client) Refresh(ctx context.Context) (*core.Session, error) {
	s, err := c.m.Change(ctx, broker, "refresh", c.login)
	return s.Clone(), err
}

// Logout ends the session (DELETE /api/v1/session) and forgets it. A
// session already dead counts as logged out; on any other failure the
// session is forgotten all the same and the error returned.
func (c *Client) Logout(ctx context.Context) error {
	var callErr error
	c.auth.ForgetAccount()
	_, err := c.m.Change(ctx, broker, "logout", func(ctx context.Context, cur *core.Session) (*core.Session, error) {
		if cur == nil {
			return nil, nil
		}
		r, err := c.call.Do(ctx, "logout", http.MethodDelete, c.s.base+"/api/v1/session", c.authHeader(cur), nil, cstsession.AuthLimit)
		switch {
		case err != nil:
			callErr = err
		case !r.OK() && !cstsession.IsTokenError(r):
			callErr = c.call.StatusError("logout", r)
		}
		return nil, nil
	})
	if err != nil {
		return err
	}
	return callErr
}

func (c *Client) header() http.Header {
	h := http.Header{}
	h.Set("X-CAP-API-KEY", c.s.APIKey)
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	return h
}

func (c *Client) authHeader(s *core.Session) http.Header {
	h := c.header()
	for k, v := range s.Headers {
		h.Set(k, v)
	}
	return h
}
