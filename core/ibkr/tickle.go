package ibkr

import (
	"context"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/internal/jsonlite"
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
	s, _ := c.Current()
	if s == nil {
		return nil, c.NeedSession("validate")
	}
	return c.flow.validate(ctx, c.Caller(), s)
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
	s, gen := c.Current()
	if s == nil {
		return nil, c.NeedSession("tickle")
	}
	res, err := c.flow.tickle(ctx, c.Caller(), s)
	if err != nil {
		return nil, err
	}
	if next := withFlags(s, res); next != s {
		c.Amend(gen, next)
	}
	return res, nil
}

func (f *flow) tickle(ctx context.Context, c *core.Caller, s *core.Session) (*TickleResult, error) {
	var ans tickleAnswer
	r, err := f.call(ctx, c, "tickle", http.MethodPost, pathTickle, bearerHeader(s), nil, ans.field)
	if err != nil {
		return nil, err
	}
	if ans.Session == "" {
		return nil, core.BadResponse(core.BrokerIBKR, "tickle", r.Status, "the tickle answer has no session")
	}
	res := &TickleResult{Session: ans.Session}
	// No iserver.authStatus means no brokerage session: IBKR leaves it
	// out before ssodh/init.
	if ans.Iserver != nil && ans.Iserver.AuthStatus != nil {
		st := ans.Iserver.AuthStatus
		res.Authenticated, res.Competing, res.Connected = st.Authenticated, st.Competing, st.Connected
	}
	return res, nil
}

// Status calls POST iserver/auth/status and records the status it
// reports. It does not re-establish a lost session.
func (c *Client) Status(ctx context.Context) (*TickleResult, error) {
	s, gen := c.Current()
	if s == nil {
		return nil, c.NeedSession("status")
	}
	var st authStatus
	if _, err := c.flow.call(ctx, c.Caller(), "status", http.MethodPost, pathStatus, bearerHeader(s), nil, st.field); err != nil {
		return nil, err
	}
	res := &TickleResult{Authenticated: st.Authenticated, Competing: st.Competing, Connected: st.Connected}
	if next := withFlags(s, res); next != s {
		c.Amend(gen, next)
	}
	return res, nil
}
