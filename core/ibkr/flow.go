package ibkr

import (
	"bytes"
	"context"
	"crypto/rsa"
	"net/http"
	"sync"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

// extraIP keys the public IP a bearer token is bound to in its session's
// extra state.
const extraIP = "ip"

// Bounds on what is read from IBKR: login answers are small; Request may
// fetch portfolio data (core.DataLimit).
const maxFlowBody = 1 << 20

// flow is IBKR's OAuth 2.0 login protocol for the core.Engine.
type flow struct {
	clientID, kid, credential string
	key                       *rsa.PrivateKey
	base                      string // no trailing slash
	fixedIP                   string
	ipURL                     string

	mu      sync.Mutex
	ipCheck time.Time // when the keepalive last looked up the public IP
}

// Authorize puts the bearer token on a caller's request; a body without
// Content-Type goes as JSON.
func (f *flow) Authorize(req *core.Request, s *core.Session) error {
	req.Header.Set("Authorization", s.Headers["Authorization"])
	if req.HasBody() && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return nil
}

// Expired: a 401, or an /iserver answer that says the brokerage session
// is missing, calls for a new login.
func (f *flow) Expired(r *core.Response) bool {
	return r.Status == http.StatusUnauthorized || noBrokerageSession(r)
}

func (f *flow) Error(step string, r *core.Response) *core.Error { return statusError(step, r) }

func bearerHeader(s *core.Session) core.Header {
	return core.Header{"Authorization": {s.Headers["Authorization"]}, "Accept": {"application/json"}}
}

// call sends one of the flow's own requests to path on the base URL: a
// non-2xx status becomes the error, and the body must be a JSON object,
// whose members go to field (nil reads nothing).
func (f *flow) call(ctx context.Context, c *core.Caller, step, method, path string, header core.Header, body []byte, field fieldFunc) (*core.Response, error) {
	r, err := c.Expect(ctx, step, &core.Request{Method: method, URL: f.base + path, Header: header, Body: body, Limit: maxFlowBody})
	if err != nil {
		return r, err
	}
	if field != nil {
		if err := decodeObject(r.Body, field); err != nil {
			return r, core.BadResponse(core.BrokerIBKR, step, r.Status, "the answer is not the JSON object expected")
		}
	}
	return r, nil
}

// fieldFunc stores one member of an answer, by encoding/json's rules (see
// jsonlite): a member the client reads must have its type (or be null)
// while the others may hold anything.
type fieldFunc func(key []byte, v jsonlite.Value) error

// decodeObject insists on a JSON object: IBKR answers every flow call with
// one, and a proxy's HTML page or a bare string must not pass as success.
func decodeObject(b []byte, field fieldFunc) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return errNotObject
	}
	return jsonlite.Unmarshal(b, field)
}

var errNotObject = &core.Error{Code: core.CodeBadResponse, Message: "not a JSON object"}

// Ping is one keepalive round: every IPCheckInterval (when Config.IP is
// empty) look up the public IP, and if it changed, the session is gone (the
// bearer token is bound to the old one); then tickle: a 401, or 410 "gone"
// (IBKR moved the session), or a brokerage session that is not
// authenticated means a new login. A failed IP lookup is not an error here
// (the lookup service being down says nothing about IBKR); it is tried
// again next round.
func (f *flow) Ping(ctx context.Context, c *core.Caller, s *core.Session) (*core.Session, bool, error) {
	if f.ipCheckDue(c.Clock().Now()) {
		if ip, err := f.publicIP(ctx, c); err == nil {
			f.ipChecked(c.Clock().Now())
			if ip != s.Extra(extraIP) {
				return s, true, nil
			}
		}
	}
	res, err := f.tickle(ctx, c, s)
	if err != nil {
		if e, ok := err.(*core.Error); ok && (e.Status == http.StatusUnauthorized || e.Status == http.StatusGone) {
			return s, true, nil
		}
		return s, false, err
	}
	next := withFlags(s, res)
	return next, !res.Authenticated, nil
}

func (f *flow) ipCheckDue(now time.Time) bool {
	if f.fixedIP != "" {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return !now.Before(f.ipCheck.Add(IPCheckInterval))
}

func (f *flow) ipChecked(now time.Time) {
	f.mu.Lock()
	f.ipCheck = now
	f.mu.Unlock()
}

// withFlags returns s, or a copy with the brokerage-session flags of res
// when they differ.
func withFlags(s *core.Session, res *TickleResult) *core.Session {
	if s.Authenticated == res.Authenticated && s.Competing == res.Competing && s.Connected == res.Connected {
		return s
	}
	next := s.Clone()
	next.Authenticated, next.Competing, next.Connected = res.Authenticated, res.Competing, res.Connected
	return next
}

// Logout is POST /v1/api/logout. A 401 means the session was gone
// already, which is success.
func (f *flow) Logout(ctx context.Context, c *core.Caller, s *core.Session) error {
	_, err := f.call(ctx, c, "logout", http.MethodPost, pathLogout, bearerHeader(s), nil, nil)
	if e, ok := err.(*core.Error); ok && e.Status == http.StatusUnauthorized {
		return nil
	}
	return err
}
