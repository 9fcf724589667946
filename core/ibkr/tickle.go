package ibkr

import (
	"context"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/jsonlite"
)

// TickleResult is the brokerage-session status from tickle (Session is
// tickle's "session" id) or auth/status (Session is empty).
type TickleResult struct {
	Session       string
	Authenticated bool
	Competing     bool
	Connected     bool
}

// Validate calls GET sso/validate and returns its body (USER_NAME, RESULT,
// EXPIRES, IP, …). It does not re-establish a lost session.
func (c *Client) Validate(ctx context.Context) (map[string]any, error) {
	bearer, _, err := c.current("validate")
	if err != nil {
		return nil, err
	}
	return c.validate(ctx, bearer)
}

// tickleAnswer is the part of tickle's answer the client reads.
type tickleAnswer struct {
	Session string
	Iserver *tickleIserver
}

type tickleIserver struct {
	AuthStatus *authStatus
}

func (a *tickleAnswer) field(key []byte, v jsonlite.Value) error {
	switch {
	case jsonlite.Match(key, "session"):
		return v.ReadString(&a.Session)
	case jsonlite.Match(key, "iserver"):
		return jsonlite.StructPtr(v, &a.Iserver, (*tickleIserver).field)
	}
	return nil
}

func (s *tickleIserver) field(key []byte, v jsonlite.Value) error {
	if jsonlite.Match(key, "authStatus") {
		return jsonlite.StructPtr(v, &s.AuthStatus, (*authStatus).field)
	}
	return nil
}

// Tickle calls POST /v1/api/tickle once, which keeps the session from
// timing out, and records the status it reports. It does not
// re-establish anything: that is KeepAliveOnce. A lost session is an error
// with Status 401.
func (c *Client) Tickle(ctx context.Context) (*TickleResult, error) {
	bearer, gen, err := c.current("tickle")
	if err != nil {
		return nil, err
	}
	var ans tickleAnswer
	r, err := c.call(ctx, "tickle", http.MethodPost, pathTickle, bearerHeader(bearer), nil, ans.field)
	if err != nil {
		return nil, err
	}
	if ans.Session == "" {
		return nil, core.BadResponse(core.BrokerIBKR, "tickle", r.status, "the tickle answer has no session")
	}
	res := &TickleResult{Session: ans.Session}
	// No iserver.authStatus means no brokerage session: IBKR leaves it
	// out before ssodh/init.
	if ans.Iserver != nil && ans.Iserver.AuthStatus != nil {
		st := ans.Iserver.AuthStatus
		res.Authenticated, res.Competing, res.Connected = st.Authenticated, st.Competing, st.Connected
	}
	c.setFlags(gen, res.Authenticated, res.Competing, res.Connected)
	return res, nil
}

// Status calls POST iserver/auth/status and records the status it
// reports. It does not re-establish a lost session.
func (c *Client) Status(ctx context.Context) (*TickleResult, error) {
	bearer, gen, err := c.current("status")
	if err != nil {
		return nil, err
	}
	var st authStatus
	if _, err := c.call(ctx, "status", http.MethodPost, pathStatus, bearerHeader(bearer), nil, st.field); err != nil {
		return nil, err
	}
	c.setFlags(gen, st.Authenticated, st.Competing, st.Connected)
	return &TickleResult{Authenticated: st.Authenticated, Competing: st.Competing, Connected: st.Connected}, nil
}
