package ibkr

import (
	"bytes"
	"context"
	"net/http"
	"strings"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

// The Web API paths both OAuth modes use once they hold a session
// (docs/PROTOCOLS.md §4, docs/IBKR-OAUTH1.md "After the LST").
const (
	pathValidate = "/v1/api/sso/validate"
	pathInit     = "/v1/api/iserver/auth/ssodh/init"
	pathTickle   = "/v1/api/tickle"
	pathStatus   = "/v1/api/iserver/auth/status"
	pathLogout   = "/v1/api/logout"

	dhTokenFailure = "failed to generate sso dh token"
)

// maxFlowBody bounds what is read of IBKR's answers to the flow's own
// calls: they are small. Request reads up to core.DataLimit.
const maxFlowBody = 1 << 20

// webAPI is what both OAuth modes share once they hold a session: the
// brokerage session (ssodh/init), tickle, status, validate and logout, and
// the reading of IBKR's answers. Only how a request is authorized differs:
// a bearer token (OAuth 2.0) or a signature (OAuth 1.0a), which authorize
// puts on each request.
type webAPI struct {
	base      string // no trailing slash
	authorize func(req *core.Request, s *core.Session) error
}

// Expired: a 401, or an /iserver answer that says the brokerage session
// is missing, calls for a new login.
func (w *webAPI) Expired(r *core.Response) bool {
	return r.Status == http.StatusUnauthorized || noBrokerageSession(r)
}

func (w *webAPI) Error(step string, r *core.Response) *core.Error { return statusError(step, r) }

// send makes one of the flow's own requests: a non-2xx status becomes the
// error (with the Response), and the body must be a JSON object, whose
// members go to field (nil reads nothing).
func (w *webAPI) send(ctx context.Context, c *core.Caller, step string, req *core.Request, field fieldFunc) (*core.Response, error) {
	req.Limit = maxFlowBody
	r, err := c.Expect(ctx, step, req)
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

// jsonByDefault marks a request's body as JSON when the caller did not say
// what it is: the Web API's bodies are JSON. Both modes' Authorize call it.
func jsonByDefault(req *core.Request) {
	if req.HasBody() && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
}

// call sends a request with session s to path on the base URL, authorized
// by the mode (which marks a body as JSON).
func (w *webAPI) call(ctx context.Context, c *core.Caller, step, method, path string, s *core.Session, body []byte, field fieldFunc) (*core.Response, error) {
	req := &core.Request{Method: method, URL: w.base + path, Header: core.Header{"Accept": {"application/json"}}, Body: body}
	if err := w.authorize(req, s); err != nil {
		return nil, err
	}
	return w.send(ctx, c, step, req, field)
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

// ping is the keepalive round both modes share: tickle. A 401, or 410
// "gone" (IBKR moved the session), or a brokerage session that is not
// authenticated means a new login.
func (w *webAPI) ping(ctx context.Context, c *core.Caller, s *core.Session) (*core.Session, bool, error) {
	res, err := w.tickle(ctx, c, s)
	if err != nil {
		if e, ok := err.(*core.Error); ok && (e.Status == http.StatusUnauthorized || e.Status == http.StatusGone) {
			return s, true, nil
		}
		return s, false, err
	}
	return withFlags(s, res), !res.Authenticated, nil
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
func (w *webAPI) Logout(ctx context.Context, c *core.Caller, s *core.Session) error {
	_, err := w.call(ctx, c, "logout", http.MethodPost, pathLogout, s, nil, nil)
	if e, ok := err.(*core.Error); ok && e.Status == http.StatusUnauthorized {
		return nil
	}
	return err
}

// validate is GET sso/validate. RESULT false means IBKR does not consider
// the SSO session valid, which is an error here.
func (w *webAPI) validate(ctx context.Context, c *core.Caller, s *core.Session) (map[string]any, error) {
	// The whole answer, as encoding/json decoded it into a map: numbers
	// as float64, the last of a repeated key.
	ans := map[string]any{}
	r, err := w.call(ctx, c, "validate", http.MethodGet, pathValidate, s, nil, func(key []byte, v jsonlite.Value) error {
		x, err := v.Any()
		ans[string(key)] = x
		return err
	})
	if err != nil {
		return nil, err
	}
	if res, ok := ans["RESULT"].(bool); ok && !res {
		return nil, core.BadResponse(core.BrokerIBKR, "validate", r.Status, "sso/validate answered RESULT false: the SSO session is not valid")
	}
	return ans, nil
}

// authStatus is the shape of ssodh/init, auth/status and tickle's
// iserver.authStatus.
type authStatus struct {
	Authenticated bool
	Competing     bool
	Connected     bool
	Message       string
}

func (st *authStatus) field(key []byte, v jsonlite.Value) error {
	switch {
	case jsonlite.Match(key, "authenticated"):
		return v.ReadBool(&st.Authenticated)
	case jsonlite.Match(key, "competing"):
		return v.ReadBool(&st.Competing)
	case jsonlite.Match(key, "connected"):
		return v.ReadBool(&st.Connected)
	case jsonlite.Match(key, "message"):
		return v.ReadString(&st.Message)
	}
	return nil
}

// openBrokerage opens the brokerage session (ssodh/init) on s and returns
// s with its flags. New paper accounts get "500 failed to generate sso dh
// token" with compete:true for a while; one retry with compete:false gets
// them in, as some clients do.
func (w *webAPI) openBrokerage(ctx context.Context, c *core.Caller, s *core.Session) (*core.Session, error) {
	st, r, err := w.init(ctx, c, s, true)
	if err != nil && r != nil && r.Status == http.StatusInternalServerError && strings.Contains(string(r.Body), dhTokenFailure) {
		st, _, err = w.init(ctx, c, s, false)
	}
	if err != nil {
		return nil, err
	}
	s.Authenticated, s.Competing, s.Connected = st.Authenticated, st.Competing, st.Connected
	return s, nil
}

func (w *webAPI) init(ctx context.Context, c *core.Caller, s *core.Session, compete bool) (*authStatus, *core.Response, error) {
	body := []byte(`{"publish":true,"compete":true}`)
	if !compete {
		body = []byte(`{"publish":true,"compete":false}`)
	}
	var st authStatus
	r, err := w.call(ctx, c, "init", http.MethodPost, pathInit, s, body, st.field)
	if err != nil {
		return nil, r, err
	}
	return &st, r, nil
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

func (w *webAPI) tickle(ctx context.Context, c *core.Caller, s *core.Session) (*TickleResult, error) {
	var ans tickleAnswer
	r, err := w.call(ctx, c, "tickle", http.MethodPost, pathTickle, s, nil, ans.field)
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

func (w *webAPI) status(ctx context.Context, c *core.Caller, s *core.Session) (*TickleResult, error) {
	var st authStatus
	if _, err := w.call(ctx, c, "status", http.MethodPost, pathStatus, s, nil, st.field); err != nil {
		return nil, err
	}
	return &TickleResult{Authenticated: st.Authenticated, Competing: st.Competing, Connected: st.Connected}, nil
}

// withStep fills in Broker and Step of a local error (a key that cannot
// sign).
func withStep(err error, step string) error {
	if e, ok := err.(*core.Error); ok {
		e.Broker, e.Step = core.BrokerIBKR, step
	}
	return err
}
