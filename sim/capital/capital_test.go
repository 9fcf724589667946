package capital_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/sim/capital"
	"github.com/brokerauth/brokerauth/sim/internal/simtest"
)

func newCapital(t *testing.T, opts capital.Options) (*capital.Sim, string) {
	t.Helper()
	opts.Key = simtest.Key(t)
	s := capital.New(opts)
	return s, simtest.Serve(t, s)
}

var capKey = []string{"X-CAP-API-KEY", capital.DemoAPIKey}

func TestCapital(t *testing.T) {
	clock := core.NewFakeClock(time.UnixMilli(1_700_000_000_000))
	s, url := newCapital(t, capital.Options{Clock: clock})
	login := func(pw string, enc bool, hdr ...string) simtest.Reply {
		return simtest.Call(t, url, "POST", "/api/v1/session",
			map[string]any{"identifier": capital.DemoIdentifier, "password": pw, "encryptedPassword": enc}, hdr...)
	}
	assert.Equal(t, capital.CodeNullAPIKey, login(capital.DemoPassword, false).Code())
	r := login(capital.DemoPassword, false, "X-CAP-API-KEY", "nope")
	assert.Equal(t, 401, r.Status)
	assert.Equal(t, capital.CodeInvalidAPIKey, r.Code())

	pub, ts := simtest.FetchKey(t, url, "/api/v1/session/encryptionKey", capKey...)
	r = login(simtest.EncRight(pub, capital.DemoPassword, ts), true, capKey...)
	require.Equal(t, 200, r.Status)
	assert.Equal(t, "wss://api-streaming-capital.backend-capital.com/", r.Body["streamingHost"])
	cst, xst := r.Header.Get("CST"), r.Header.Get("X-SECURITY-TOKEN")

	// One login per second per API key.
	rl := login(capital.DemoPassword, false, capKey...)
	assert.Equal(t, 429, rl.Status)
	assert.Equal(t, capital.CodeTooManyRequests, rl.Code())
	clock.Advance(time.Second)
	pub, ts = simtest.FetchKey(t, url, "/api/v1/session/encryptionKey", capKey...)
	assert.Equal(t, capital.CodeInvalidDetails, login(simtest.EncOAEP(pub, capital.DemoPassword, ts), true, capKey...).Code())

	auth := []string{"CST", cst, "X-SECURITY-TOKEN", xst}
	assert.Equal(t, "OK", simtest.Call(t, url, "GET", "/api/v1/ping", nil, auth...).Body["status"])
	assert.Equal(t, capital.CodeNullClientToken, simtest.Call(t, url, "GET", "/api/v1/ping", nil).Code())
	assert.Equal(t, capital.CodeNullAccountToken, simtest.Call(t, url, "GET", "/api/v1/ping", nil, "CST", cst).Code())
	assert.Contains(t, simtest.Call(t, url, "GET", "/api/v1/time", nil).Body, "serverTime")

	// A call keeps the session; ten idle minutes kill it.
	clock.Advance(9 * time.Minute)
	assert.Equal(t, 200, simtest.Call(t, url, "GET", "/api/v1/accounts", nil, auth...).Status)
	clock.Advance(9 * time.Minute)
	assert.Equal(t, 200, simtest.Call(t, url, "GET", "/api/v1/session", nil, auth...).Status)
	bad := simtest.Call(t, url, "PUT", "/api/v1/session", map[string]string{"accountId": "nope"}, auth...)
	assert.Equal(t, 400, bad.Status)
	assert.Equal(t, capital.CodeInvalidAccountID, bad.Code())
	clock.Advance(10*time.Minute + time.Second)
	dead := simtest.Call(t, url, "GET", "/api/v1/ping", nil, auth...)
	assert.Equal(t, 401, dead.Status)
	assert.Equal(t, capital.CodeInvalidSession, dead.Code())

	st := s.Stats()
	assert.Equal(t, 3, st.LoginAttempts[capital.DemoAPIKey])
	assert.Equal(t, 1, st.Logins[capital.DemoAPIKey])
	assert.Equal(t, 1, st.RateLimited)
}
