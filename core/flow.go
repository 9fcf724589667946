package core

import (
	"context"
	"time"
)

// Flow is one broker's login protocol: what the Engine runs. A broker
// package implements it, and the optional interfaces below where the
// broker has the feature; the Engine does the rest (one session at a time,
// single-flight logins and renewals, one retry after an expired session,
// login spacing, keepalive, session store).
type Flow interface {
	// Login makes a new session, sending its requests through c.
	Login(ctx context.Context, c *Caller) (*Session, error)
	// Authorize puts session s's credentials on req (headers; OAuth 1.0a
	// also signs). It runs for every request made with the session.
	Authorize(req *Request, s *Session) error
	// Expired reports whether an answer says the session is dead: the
	// Engine then renews it once and sends the request once more.
	Expired(resp *Response) bool
	// Error is the *Error for a non-2xx answer at step, with the broker's
	// own code when the body has one.
	Error(step string, resp *Response) *Error
	// Ping makes one keepalive call with s. It returns s, or a copy that
	// says what the broker now reports (IBKR's brokerage-session flags);
	// gone says the session needs a new login.
	Ping(ctx context.Context, c *Caller, s *Session) (next *Session, gone bool, err error)
	// Logout ends s at the broker. An answer that says s was gone already
	// is success.
	Logout(ctx context.Context, c *Caller, s *Session) error
}

// Renewer is a Flow that renews a session otherwise than by logging in
// again (IG v3 spends its refresh token). Without it, renewing is Login.
type Renewer interface {
	Renew(ctx context.Context, c *Caller, cur *Session) (*Session, error)
}

// Stale is a Flow whose sessions must be renewed before use once they are
// near their expiry (IG v3's access token, OAuth 1.0a's live session
// token).
type Stale interface {
	Stale(s *Session, now time.Time) bool
}

// Switcher is a Flow whose sessions can act for another account.
type Switcher interface {
	// Switch returns cur acting for accountID. setDefault also makes it
	// the account later logins start on, where the broker has that.
	Switch(ctx context.Context, c *Caller, cur *Session, accountID string, setDefault bool) (*Session, error)
	// ListsAccounts reports whether s.Accounts is every account of the
	// login, so that an account not in it is unknown.
	ListsAccounts(s *Session) bool
}
