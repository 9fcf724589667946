package capital

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/cstsession"
)

// login is the ChangeFunc that makes a new session. Each try goes through
// the process-wide gate for this API key; a 429 all the same (another
// process shares the key) is retried a bounded number of times.
func (c *Client) login(ctx context.Context, _ *core.Session) (*core.Session, error) {
	for attempt := 0; ; attempt++ {
		r, err := c.loginOnce(ctx)
		if err == nil {
			return cstsession.ParseCSTLogin(broker, "login", r, "X-CAP-API-KEY", c.s.APIKey)
		}
		if r == nil || r.Status != http.StatusTooManyRequests || attempt >= maxLoginRetries {
			return nil, err
		}
		if err := cstsession.Sleep(ctx, c.s.Clock, retryAfter(r.Header, attempt), broker, "login"); err != nil {
			return nil, err
		}
	}
}

// loginOnce fetches a fresh key (a timeStamp may be single use, so every
// try gets its own) and posts the login inside the gate. On a non-2xx
// answer it returns the reply with the error.
func (c *Client) loginOnce(ctx context.Context) (*cstsession.Reply, error) {
	password, encrypted := c.s.Password, false
	if c.s.encrypt {
		enc, err := c.call.EncryptPassword(ctx, c.s.base+"/api/v1/session/encryptionKey", c.header(), c.s.Password)
		if err != nil {
			return nil, err
		}
		password, encrypted = enc, true
	}
	body := cstsession.LoginBody(c.s.Identifier, password, encrypted, true)
	var r *cstsession.Reply
	var err error
	if gerr := c.gate.Run(ctx, c.s.Clock, LoginSpacing, broker, "login", func() error {
		r, err = c.call.Expect(ctx, "login", http.MethodPost, c.s.base+"/api/v1/session", c.header(), body)
		return nil
	}); gerr != nil {
		return nil, gerr
	}
	return r, err
}

// retryAfter honours a Retry-After in seconds (capped), else backs off
// 1 s, 2 s, 4 s.
func retryAfter(h http.Header, attempt int) time.Duration {
	if n, err := strconv.Atoi(h.Get("Retry-After")); err == nil && n > 0 {
		return min(time.Duration(n)*time.Second, maxRetryAfter)
	}
	return min(time.Second<<attempt, maxRetryAfter)
}
