package capital

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/cst"
)

const broker = core.BrokerCapital

// flow is Capital.com's login protocol for the core.Engine: IG's v2
// exchange under /api/v1 (package cst), with logins spaced under the
// broker's one per second per API key.
type flow struct {
	apiKey, identifier, password string
	encrypt                      bool
	base                         string // the origin
	api                          string // base + "/api/v1"
}

func (f *flow) header() core.Header {
	return core.Header{"X-Cap-Api-Key": {f.apiKey}, "Content-Type": {"application/json"}, "Accept": {"application/json"}}
}

func (f *flow) sessionHeader(s *core.Session) core.Header {
	return cst.WithSession(f.header(), s)
}

// Authorize puts the session's headers on a caller's request, over the
// caller's own except a Content-Type or Accept it set.
func (f *flow) Authorize(req *core.Request, s *core.Session) error {
	cst.Authorize(req, f.sessionHeader(s))
	return nil
}

func (f *flow) Expired(r *core.Response) bool { return cst.Expired(r) }

func (f *flow) Error(step string, r *core.Response) *core.Error { return cst.Error(broker, step, r) }

// Login logs in. Each try goes through the process-wide spacing for this
// API key; a 429 all the same (another process shares the key) is retried
// a bounded number of times.
func (f *flow) Login(ctx context.Context, c *core.Caller) (*core.Session, error) {
	for attempt := 0; ; attempt++ {
		r, err := f.loginOnce(ctx, c)
		if err == nil {
			return cst.ParseLogin(broker, "login", r, "X-CAP-API-KEY", f.apiKey)
		}
		if r == nil || r.Status != http.StatusTooManyRequests || attempt >= maxLoginRetries {
			return nil, err
		}
		if err := c.Sleep(ctx, "login", retryAfter(r.Header, attempt)); err != nil {
			return nil, err
		}
	}
}

// loginOnce fetches a fresh key (a timeStamp may be single use, so every
// try gets its own) and posts the login, spaced. On a non-2xx answer it
// returns the answer with the error.
func (f *flow) loginOnce(ctx context.Context, c *core.Caller) (*core.Response, error) {
	keyReq := &core.Request{Method: "GET", URL: f.api + "/session/encryptionKey", Header: f.header()}
	body, err := cst.PasswordLogin(ctx, c, keyReq, f.identifier, f.password, f.encrypt)
	if err != nil {
		return nil, err
	}
	req := &core.Request{Method: "POST", URL: f.api + "/session", Header: f.header(), Body: body}
	var r *core.Response
	if gerr := c.Spaced(ctx, "login", f.base+"\x00"+f.apiKey, LoginSpacing, func() error {
		r, err = c.Expect(ctx, "login", req)
		return nil
	}); gerr != nil {
		return nil, gerr
	}
	return r, err
}

// retryAfter honours a Retry-After in seconds (capped), else backs off
// 1 s, 2 s, 4 s.
func retryAfter(h core.Header, attempt int) time.Duration {
	if n, err := strconv.Atoi(h.Get("Retry-After")); err == nil && n > 0 {
		return min(time.Duration(n)*time.Second, maxRetryAfter)
	}
	return min(time.Second<<attempt, maxRetryAfter)
}

// Ping is GET /api/v1/ping, which keeps a session from its 10-minute idle
// death.
func (f *flow) Ping(ctx context.Context, c *core.Caller, s *core.Session) (*core.Session, bool, error) {
	gone, err := cst.Ping(ctx, c, f.api+"/ping", f.sessionHeader(s))
	return s, gone, err
}

// Logout is DELETE /api/v1/session.
func (f *flow) Logout(ctx context.Context, c *core.Caller, s *core.Session) error {
	return cst.Logout(ctx, c, f.api+"/session", f.sessionHeader(s))
}

// ListsAccounts: the login answer lists every account.
func (f *flow) ListsAccounts(*core.Session) bool { return true }

// Switch is PUT /api/v1/session. Capital.com does not document a new
// X-SECURITY-TOKEN on a switch: one is adopted if it comes.
func (f *flow) Switch(ctx context.Context, c *core.Caller, cur *core.Session, accountID string, _ bool) (*core.Session, error) {
	r, err := cst.PutSession(ctx, c, f.api+"/session", f.sessionHeader(cur), accountID, false)
	if err != nil {
		return nil, err
	}
	return cst.AfterSwitch(cur, accountID, r), nil
}
