package core

import (
	"maps"
	"slices"
	"time"
)

// Broker names, as they appear in Session.Broker and Error.Broker.
const (
	BrokerIG      = "ig"
	BrokerCapital = "capital"
	BrokerIBKR    = "ibkr"
)

// Session is a live broker session: what a caller needs to make its own
// authenticated calls, and what a page or bot persists. Clients hand out
// copies (Clone), so a caller can keep one without racing the client.
type Session struct {
	Broker string // BrokerIG, BrokerCapital or BrokerIBKR
	// AccountID is the current account (IG currentAccountId / accountId,
	// Capital.com currentAccountId); empty for IBKR.
	AccountID string
	Accounts  []Account
	// Headers are exactly the headers to add to one's own calls: IG v2
	// X-IG-API-KEY, CST, X-SECURITY-TOKEN; IG v3 X-IG-API-KEY,
	// Authorization, IG-ACCOUNT-ID; Capital.com X-CAP-API-KEY, CST,
	// X-SECURITY-TOKEN; IBKR Authorization.
	Headers map[string]string
	// ExpiresAt is when the access token expires (IG v3 expires_in, IBKR
	// bearer token), zero when the broker gives no expiry.
	ExpiresAt time.Time
	// StreamingEndpoint is IG's lightstreamerEndpoint or Capital.com's
	// streamingHost.
	StreamingEndpoint string

	// IBKR brokerage-session status, from ssodh/init, tickle and
	// auth/status.
	Authenticated bool
	Competing     bool
	Connected     bool

	// extra is what the broker's flow needs to renew or sign with this
	// session and callers do not: IG v3's refresh token, the IP an IBKR
	// bearer token is bound to, OAuth 1.0a's live session token. It is as
	// secret as Headers, reaches no caller, and a session store keeps it.
	extra map[string]string
}

// Extra returns a flow's value for key (see Session.extra), or "".
func (s *Session) Extra(key string) string { return s.extra[key] }

// WithExtra returns a copy of s with the key, value pairs set (an empty
// value deletes the key).
func (s *Session) WithExtra(pairs ...string) *Session {
	c := s.Clone()
	if c.extra == nil {
		c.extra = map[string]string{}
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			delete(c.extra, pairs[i])
		} else {
			c.extra[pairs[i]] = pairs[i+1]
		}
	}
	return c
}

// Account is one account the login can trade on.
type Account struct {
	ID        string
	Name      string
	Type      string
	Preferred bool
}

// Clone returns a deep copy; nil stays nil.
func (s *Session) Clone() *Session {
	if s == nil {
		return nil
	}
	c := *s
	c.Accounts = slices.Clone(s.Accounts)
	c.Headers = maps.Clone(s.Headers)
	c.extra = maps.Clone(s.extra)
	return &c
}
