package capital_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/capital"
	"github.com/brokerauth/brokerauth/sim"
	capsim "github.com/brokerauth/brokerauth/sim/capital"
)

func ptr[T any](v T) *T { return &v }

// autoAdvance moves clock forward whenever something waits on it, so that
// login spacing and backoff cost no real time.
func autoAdvance(t *testing.T, clock *core.FakeClock) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if clock.Waiters() > 0 {
				clock.Advance(100 * time.Millisecond)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
}

type env struct {
	sim   *capsim.Sim
	url   string
	clock *core.FakeClock
	srv   *httptest.Server
}

// newEnv starts a simulator on an auto-advancing fake clock shared with
// the client.
func newEnv(t *testing.T, opts capsim.Options) *env {
	t.Helper()
	key, err := sim.SharedKey()
	require.NoError(t, err)
	clock := core.NewFakeClock(time.UnixMilli(1_700_000_000_000))
	autoAdvance(t, clock)
	opts.Key, opts.Clock = key, clock
	s := capsim.New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); srv.Close() })
	return &env{sim: s, url: srv.URL, clock: clock, srv: srv}
}

func (e *env) client(t *testing.T, cfg capital.Config) *capital.Client {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = capsim.DemoAPIKey
	}
	if cfg.Identifier == "" {
		cfg.Identifier = capsim.DemoIdentifier
	}
	if cfg.Password == "" {
		cfg.Password = capsim.DemoPassword
	}
	cfg.BaseURL = e.url
	cfg.HTTPClient = e.srv.Client()
	cfg.Clock = e.clock
	c, err := capital.New(cfg)
	require.NoError(t, err)
	return c
}

func coreErr(t *testing.T, err error) *core.Error {
	t.Helper()
	require.Error(t, err)
	var e *core.Error
	require.True(t, errors.As(err, &e), "not a *core.Error: %v", err)
	return e
}

func TestLoginFlows(t *testing.T) {
	for _, tt := range []struct {
		name    string
		encrypt *bool
		keys    int
	}{{"encrypted (default)", nil, 1}, {"plain", ptr(false), 0}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, capsim.Options{})
			c := e.client(t, capital.Config{Encrypt: tt.encrypt})
			s, err := c.Login(context.Background())
			require.NoError(t, err)
			assert.Equal(t, core.BrokerCapital, s.Broker)
			assert.Equal(t, "250316283046346693", s.AccountID)
			assert.Len(t, s.Accounts, 2)
			assert.Equal(t, "wss://api-streaming-capital.backend-capital.com/", s.StreamingEndpoint)
			assert.True(t, s.ExpiresAt.IsZero())
			var names []string
			for k := range s.Headers {
				names = append(names, k)
			}
			assert.ElementsMatch(t, []string{"X-CAP-API-KEY", "CST", "X-SECURITY-TOKEN"}, names)
			resp, err := c.Request(context.Background(), "GET", "/api/v1/accounts", nil, nil)
			require.NoError(t, err)
			assert.Equal(t, 200, resp.Status)
			assert.Equal(t, tt.keys, e.sim.Stats().EncryptionKeys)
		})
	}
}

func TestLoginErrors(t *testing.T) {
	tests := []struct {
		name      string
		cfg       capital.Config
		fault     *sim.Fault
		code      core.Code
		step      string
		status    int
		retryable bool
	}{
		{"wrong password", capital.Config{Password: "wrong"}, nil, capsim.CodeInvalidDetails, "login", 401, false},
		{"wrong identifier, plain", capital.Config{Identifier: "who", Encrypt: ptr(false)}, nil, capsim.CodeInvalidDetails, "login", 401, false},
		{"wrong API key", capital.Config{APIKey: "nope"}, nil, capsim.CodeInvalidAPIKey, "encryptionKey", 401, false},
		{"drop", capital.Config{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultDrop}, core.CodeNetwork, "login", 0, true},
		{"hang", capital.Config{Timeout: 150 * time.Millisecond}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultHang}, core.CodeTimeout, "login", 0, true},
		{"5xx HTML", capital.Config{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.Fault5xxHTML}, "http_502", "login", 502, true},
		{"malformed JSON", capital.Config{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultMalformedJSON}, core.CodeBadResponse, "login", 200, false},
		{"missing CST", capital.Config{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultMissingCST}, core.CodeBadResponse, "login", 200, false},
		{"key fetch 5xx", capital.Config{}, &sim.Fault{Path: "/session/encryptionKey", Kind: sim.Fault5xxHTML, Status: 500}, "http_500", "encryptionKey", 500, true},
		{"429 for good", capital.Config{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultStatus, Status: 429, ErrorCode: capsim.CodeTooManyRequests, Times: -1}, capsim.CodeTooManyRequests, "login", 429, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, capsim.Options{})
			if tt.fault != nil {
				require.NoError(t, e.sim.InjectFault(*tt.fault))
			}
			_, err := e.client(t, tt.cfg).Login(context.Background())
			ce := coreErr(t, err)
			assert.Equal(t, tt.code, ce.Code)
			assert.Equal(t, core.BrokerCapital, ce.Broker)
			assert.Equal(t, tt.step, ce.Step)
			assert.Equal(t, tt.status, ce.Status)
			assert.Equal(t, tt.retryable, ce.Retryable)
		})
	}
}

func TestLoginBacksOffOn429(t *testing.T) {
	e := newEnv(t, capsim.Options{})
	require.NoError(t, e.sim.InjectFault(sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultStatus,
		Status: 429, ErrorCode: capsim.CodeTooManyRequests, RetryAfter: 3, Times: 2}))
	start := e.clock.Now()
	_, err := e.client(t, capital.Config{}).Login(context.Background())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, e.clock.Now().Sub(start), 6*time.Second, "waited Retry-After twice (fake time)")
	assert.Equal(t, 3, e.sim.Stats().EncryptionKeys, "a fresh key per try")
}

func TestLoginsAreSpacedPerAPIKey(t *testing.T) {
	e := newEnv(t, capsim.Options{})
	a, b := e.client(t, capital.Config{}), e.client(t, capital.Config{Encrypt: ptr(false)})
	var wg sync.WaitGroup
	for _, c := range []*capital.Client{a, b} {
		wg.Go(func() {
			for range 3 {
				_, err := c.Login(context.Background())
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	st := e.sim.Stats()
	assert.Equal(t, 6, st.Logins[capsim.DemoAPIKey])
	assert.Zero(t, st.RateLimited)
}

func TestDeadSessionMeansOneNewLogin(t *testing.T) {
	e := newEnv(t, capsim.Options{})
	c := e.client(t, capital.Config{})
	ctx := context.Background()
	require.NoError(t, c.Ping(ctx)) // logs in
	e.sim.ExpireAllSessions()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := c.Request(ctx, "GET", "/api/v1/accounts", nil, nil)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, 2, e.sim.Stats().Logins[capsim.DemoAPIKey])

	// Ten idle minutes kill the session at the broker; the next call logs in.
	e.clock.Advance(11 * time.Minute)
	_, err := c.Request(ctx, "GET", "/api/v1/session", nil, nil)
	require.NoError(t, err)
	st := e.sim.Stats()
	assert.Equal(t, 3, st.Logins[capsim.DemoAPIKey])
}

func TestSwitchAccount(t *testing.T) {
	e := newEnv(t, capsim.Options{})
	c := e.client(t, capital.Config{})
	ctx := context.Background()
	before, err := c.Login(ctx)
	require.NoError(t, err)
	after, err := c.SwitchAccount(ctx, "250316283046346694")
	require.NoError(t, err)
	assert.Equal(t, "250316283046346694", after.AccountID)
	assert.NotEqual(t, before.Headers["X-SECURITY-TOKEN"], after.Headers["X-SECURITY-TOKEN"])
	resp, err := c.Request(ctx, "GET", "/api/v1/session", nil, nil)
	require.NoError(t, err)
	assert.Contains(t, string(resp.Body), `"accountId":"250316283046346694"`)

	// The login answer lists every account: an unknown one is refused
	// before any request.
	switches := e.sim.Stats().Switches
	_, err = c.SwitchAccount(ctx, "42")
	ce := coreErr(t, err)
	assert.Equal(t, core.CodeInvalidArgument, ce.Code)
	assert.Equal(t, "switch", ce.Step)
	assert.Equal(t, 0, ce.Status)
	assert.Equal(t, switches, e.sim.Stats().Switches, "nothing was sent")
	assert.Equal(t, after, c.Session(), "a failed switch keeps the session")

	// The account chosen survives a re-login after the session died.
	e.sim.ExpireAllSessions()
	resp, err = c.Request(ctx, "GET", "/api/v1/session", nil, nil)
	require.NoError(t, err)
	assert.Contains(t, string(resp.Body), `"accountId":"250316283046346694"`)
	assert.Equal(t, "250316283046346694", c.Session().AccountID)
}

func TestKeepAliveAndLogout(t *testing.T) {
	e := newEnv(t, capsim.Options{})
	var mu sync.Mutex
	var seen []*core.Session
	c := e.client(t, capital.Config{OnSessionChange: func(s *core.Session) { mu.Lock(); seen = append(seen, s); mu.Unlock() }})
	ctx := context.Background()
	logins := func() int { return e.sim.Stats().Logins[capsim.DemoAPIKey] }
	// No session: keepalive does not start one.
	assert.Equal(t, core.CodeNotLoggedIn, coreErr(t, c.KeepAliveOnce(ctx)).Code)
	_, err := c.Login(ctx)
	require.NoError(t, err)
	require.NoError(t, c.KeepAliveOnce(ctx))
	require.NoError(t, c.KeepAliveOnce(ctx))
	assert.Equal(t, 1, logins())

	// A 500 or a dropped ping: returned retryable, no login spent (the
	// login allowance is one per second).
	require.NoError(t, e.sim.InjectFault(sim.Fault{Path: "/ping", Kind: sim.FaultStatus, Status: 500}))
	assert.True(t, coreErr(t, c.KeepAliveOnce(ctx)).Retryable)
	require.NoError(t, e.sim.InjectFault(sim.Fault{Path: "/ping", Kind: sim.FaultDrop, Times: 3}))
	assert.Equal(t, core.CodeNetwork, coreErr(t, c.KeepAliveOnce(ctx)).Code)
	// Go's transport may retry a dropped idempotent GET once, so how many
	// drops one round uses varies: spend what is left.
	for i := 0; i < 3 && c.KeepAliveOnce(ctx) != nil; i++ {
	}
	assert.Equal(t, 1, logins())
	// A session Capital.com dropped (401): log in again.
	e.sim.ExpireAllSessions()
	require.NoError(t, c.KeepAliveOnce(ctx))
	assert.Equal(t, 2, logins())

	require.NoError(t, c.Logout(ctx))
	assert.Nil(t, c.Session())
	mu.Lock()
	require.Len(t, seen, 3)
	assert.Nil(t, seen[2])
	mu.Unlock()
	assert.Equal(t, 1, e.sim.Stats().Logouts)
	assert.Equal(t, 0, e.sim.Stats().ActiveSessions)
	// After Logout, keepalive does not log back in.
	assert.Equal(t, core.CodeNotLoggedIn, coreErr(t, c.KeepAliveOnce(ctx)).Code)
	assert.Equal(t, 2, logins())
}

func TestRequestErrors(t *testing.T) {
	e := newEnv(t, capsim.Options{})
	c := e.client(t, capital.Config{})
	ctx := context.Background()
	resp, err := c.Request(ctx, "PUT", "/api/v1/accounts/preferences", []byte(`{"hedgingMode":true}`), http.Header{"X-Extra": {"1"}})
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Status)
	resp, err = c.Request(ctx, "GET", "/api/v1/nope", nil, nil)
	ce := coreErr(t, err)
	assert.Equal(t, 404, resp.Status)
	assert.Equal(t, "request", ce.Step)
	_, err = c.Request(ctx, "GET", "https://evil.example/api/v1/ping", nil, nil)
	assert.Equal(t, core.CodeInvalidArgument, coreErr(t, err).Code)
	require.NoError(t, e.sim.InjectFault(sim.Fault{Path: "/accounts", Kind: sim.FaultMalformedJSON}))
	resp, err = c.Request(ctx, "GET", "/api/v1/accounts", nil, nil)
	require.NoError(t, err, "Request hands data bodies back as they are")
	assert.Equal(t, 200, resp.Status)
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []capital.Config{
		{Identifier: "i", Password: "p"},
		{APIKey: "k", Password: "p"},
		{APIKey: "k", Identifier: "i"},
		{APIKey: "k", Identifier: "i", Password: "p", Environment: "uat"},
		{APIKey: "k", Identifier: "i", Password: "p", BaseURL: "ftp://x"},
	} {
		_, err := capital.New(cfg)
		assert.Equal(t, core.CodeInvalidArgument, coreErr(t, err).Code)
	}
	_, err := capital.New(capital.Config{APIKey: "k", Identifier: "i", Password: "p", BaseURL: "http://capital.example"})
	assert.Equal(t, core.CodeInsecureURL, coreErr(t, err).Code)
	_, err = capital.New(capital.Config{APIKey: "k", Identifier: "i", Password: "p", Environment: "live"})
	assert.NoError(t, err)
}
