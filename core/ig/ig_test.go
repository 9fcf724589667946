package ig_test

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
	"github.com/brokerauth/brokerauth/core/ig"
	"github.com/brokerauth/brokerauth/sim"
	igsim "github.com/brokerauth/brokerauth/sim/ig"
)

func ptr[T any](v T) *T { return &v }

// newEnv starts an IG simulator and a client for it; cfg's empty
// credentials and BaseURL are filled in.
func newEnv(t *testing.T, opts igsim.Options, cfg ig.Config) (*igsim.Sim, *ig.Client, string) {
	t.Helper()
	key, err := sim.SharedKey()
	require.NoError(t, err)
	opts.Key = key
	s := igsim.New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); srv.Close() })
	if cfg.APIKey == "" {
		cfg.APIKey = igsim.DemoAPIKey
	}
	if cfg.Identifier == "" {
		cfg.Identifier = igsim.DemoIdentifier
	}
	if cfg.Password == "" {
		cfg.Password = igsim.DemoPassword
	}
	cfg.BaseURL = srv.URL + igsim.APIPrefix
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = srv.Client()
	}
	c, err := ig.New(cfg)
	require.NoError(t, err)
	return s, c, srv.URL
}

func coreErr(t *testing.T, err error) *core.Error {
	t.Helper()
	require.Error(t, err)
	var e *core.Error
	require.True(t, errors.As(err, &e), "not a *core.Error: %v", err)
	return e
}

func TestLoginFlows(t *testing.T) {
	tests := []struct {
		name       string
		cfg        ig.Config
		opts       igsim.Options
		headers    []string
		keyFetches int
		expires    bool
	}{
		{"v2 encrypted (default)", ig.Config{}, igsim.Options{RequireEncryption: true}, []string{"X-IG-API-KEY", "CST", "X-SECURITY-TOKEN"}, 1, false},
		{"v2 plain", ig.Config{Encrypt: ptr(false)}, igsim.Options{}, []string{"X-IG-API-KEY", "CST", "X-SECURITY-TOKEN"}, 0, false},
		{"v3", ig.Config{Version: 3}, igsim.Options{}, []string{"X-IG-API-KEY", "Authorization", "IG-ACCOUNT-ID"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c, _ := newEnv(t, tt.opts, tt.cfg)
			assert.Nil(t, c.Session())
			sess, err := c.Login(context.Background())
			require.NoError(t, err)
			assert.Equal(t, core.BrokerIG, sess.Broker)
			assert.Equal(t, "Z3SIM1", sess.AccountID)
			assert.NotEmpty(t, sess.Accounts)
			assert.Equal(t, "https://demo-apd.marketdatasystems.com", sess.StreamingEndpoint)
			var names []string
			for k := range sess.Headers {
				names = append(names, k)
			}
			assert.ElementsMatch(t, tt.headers, names)
			assert.Equal(t, igsim.DemoAPIKey, sess.Headers["X-IG-API-KEY"])
			assert.Equal(t, tt.expires, !sess.ExpiresAt.IsZero())
			assert.Equal(t, sess, c.Session())

			resp, err := c.Request(context.Background(), "GET", "/accounts", nil, nil)
			require.NoError(t, err)
			assert.Equal(t, 200, resp.Status)
			assert.Contains(t, string(resp.Body), `"accounts"`)
			st := s.Stats()
			assert.Equal(t, tt.keyFetches, st.EncryptionKeys)
			assert.Equal(t, 1, st.Logins[igsim.DemoAPIKey])
		})
	}
}

func TestLoginErrors(t *testing.T) {
	tests := []struct {
		name      string
		cfg       ig.Config
		opts      igsim.Options
		fault     *sim.Fault
		code      core.Code
		step      string
		status    int
		retryable bool
	}{
		{"wrong password", ig.Config{Password: "wrong"}, igsim.Options{}, nil, igsim.CodeInvalidDetails, "login", 401, false},
		{"wrong password v3", ig.Config{Password: "wrong", Version: 3}, igsim.Options{}, nil, igsim.CodeInvalidDetails, "login", 401, false},
		{"wrong API key", ig.Config{APIKey: "nope"}, igsim.Options{}, nil, igsim.CodeAPIKeyInvalid, "encryptionKey", 403, false},
		{"encryption required", ig.Config{Encrypt: ptr(false)}, igsim.Options{RequireEncryption: true}, nil, igsim.CodeEncryptionRequired, "login", 400, false},
		{"drop", ig.Config{}, igsim.Options{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultDrop}, core.CodeNetwork, "login", 0, true},
		{"drop on key fetch", ig.Config{}, igsim.Options{}, &sim.Fault{Path: "/session/encryptionKey", Kind: sim.FaultDrop, Times: 3}, core.CodeNetwork, "encryptionKey", 0, true},
		{"hang", ig.Config{Timeout: 150 * time.Millisecond}, igsim.Options{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultHang}, core.CodeTimeout, "login", 0, true},
		{"5xx HTML", ig.Config{}, igsim.Options{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.Fault5xxHTML, Status: 503}, "http_503", "login", 503, true},
		{"malformed JSON", ig.Config{}, igsim.Options{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultMalformedJSON}, core.CodeBadResponse, "login", 200, false},
		{"malformed JSON v3", ig.Config{Version: 3}, igsim.Options{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultMalformedJSON}, core.CodeBadResponse, "login", 200, false},
		{"malformed key answer", ig.Config{}, igsim.Options{}, &sim.Fault{Path: "/session/encryptionKey", Kind: sim.FaultMalformedJSON}, core.CodeBadResponse, "encryptionKey", 200, false},
		{"missing CST", ig.Config{}, igsim.Options{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultMissingCST}, core.CodeBadResponse, "login", 200, false},
		{"auth timeout 504", ig.Config{}, igsim.Options{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultStatus, Status: 504, ErrorCode: "error.security.authentication.timeout"}, "error.security.authentication.timeout", "login", 504, true},
		{"allowance 403", ig.Config{}, igsim.Options{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultStatus, Status: 403, ErrorCode: "error.public-api.exceeded-api-key-allowance"}, "error.public-api.exceeded-api-key-allowance", "login", 403, true},
		{"empty 500", ig.Config{}, igsim.Options{}, &sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultStatus, Status: 500}, "http_500", "login", 500, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c, _ := newEnv(t, tt.opts, tt.cfg)
			if tt.fault != nil {
				require.NoError(t, s.InjectFault(*tt.fault))
			}
			_, err := c.Login(context.Background())
			e := coreErr(t, err)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, core.BrokerIG, e.Broker)
			assert.Equal(t, tt.step, e.Step)
			assert.Equal(t, tt.status, e.Status)
			assert.Equal(t, tt.retryable, e.Retryable)
			assert.Nil(t, c.Session())
		})
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	ok := ig.Config{APIKey: "k", Identifier: "i", Password: "p"}
	tests := []struct {
		name string
		edit func(*ig.Config)
		code core.Code
	}{
		{"no API key", func(c *ig.Config) { c.APIKey = "" }, core.CodeInvalidArgument},
		{"no identifier", func(c *ig.Config) { c.Identifier = "" }, core.CodeInvalidArgument},
		{"no password", func(c *ig.Config) { c.Password = "" }, core.CodeInvalidArgument},
		{"version 1", func(c *ig.Config) { c.Version = 1 }, core.CodeInvalidArgument},
		{"v3 encrypted", func(c *ig.Config) { c.Version, c.Encrypt = 3, ptr(true) }, core.CodeInvalidArgument},
		{"bad environment", func(c *ig.Config) { c.Environment = "staging" }, core.CodeInvalidArgument},
		{"http not loopback", func(c *ig.Config) { c.BaseURL = "http://example.com/gateway/deal" }, core.CodeInsecureURL},
		{"negative timeout", func(c *ig.Config) { c.Timeout = -1 }, core.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			_, err := ig.New(cfg)
			assert.Equal(t, tt.code, coreErr(t, err).Code)
		})
	}
	for _, env := range []string{"", "demo", "live"} {
		cfg := ok
		cfg.Environment = env
		_, err := ig.New(cfg)
		assert.NoError(t, err, env)
	}
}

func TestReloginOnceAfterExpiry(t *testing.T) {
	for _, v := range []int{2, 3} {
		t.Run("v"+string(rune('0'+v)), func(t *testing.T) {
			s, c, _ := newEnv(t, igsim.Options{}, ig.Config{Version: v})
			_, err := c.Login(context.Background())
			require.NoError(t, err)
			before := c.Session()
			s.ExpireAllSessions()
			resp, err := c.Request(context.Background(), "GET", "/accounts", nil, nil)
			require.NoError(t, err)
			assert.Equal(t, 200, resp.Status)
			assert.NotEqual(t, before.Headers, c.Session().Headers)
			assert.Equal(t, 2, s.Stats().Logins[igsim.DemoAPIKey])

			// A broker that keeps refusing gets one new login, not a loop.
			code := igsim.CodeClientTokenInvalid
			if v == 3 {
				code = igsim.CodeOAuthTokenInvalid
			}
			require.NoError(t, s.InjectFault(sim.Fault{Path: "/accounts", Kind: sim.FaultStatus, Status: 401, ErrorCode: code, Times: -1}))
			resp, err = c.Request(context.Background(), "GET", "/accounts", nil, nil)
			e := coreErr(t, err)
			assert.Equal(t, core.Code(code), e.Code)
			assert.Equal(t, "request", e.Step)
			assert.Equal(t, 401, resp.Status)
			st := s.Stats()
			assert.Equal(t, 3, st.Logins[igsim.DemoAPIKey]+st.Refreshes)
		})
	}
}

func TestConcurrentCallsShareOneLogin(t *testing.T) {
	s, c, _ := newEnv(t, igsim.Options{}, ig.Config{})
	run := func() {
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for range 20 {
			wg.Go(func() {
				_, err := c.Request(context.Background(), "GET", "/accounts", nil, nil)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NoError(t, err)
		}
	}
	run() // no session yet: one login
	assert.Equal(t, 1, s.Stats().Logins[igsim.DemoAPIKey])
	s.ExpireAllSessions()
	run() // all twenty find it dead: one more
	assert.Equal(t, 2, s.Stats().Logins[igsim.DemoAPIKey])
}

func TestConcurrentCallsShareOneFailure(t *testing.T) {
	s, c, _ := newEnv(t, igsim.Options{}, ig.Config{Password: "wrong", Encrypt: ptr(false)})
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			_, err := c.Request(context.Background(), "GET", "/accounts", nil, nil)
			assert.Equal(t, core.Code(igsim.CodeInvalidDetails), coreErr(t, err).Code)
		})
	}
	wg.Wait()
	// Waiters share the failure of the login they waited for; a few may
	// arrive after it and try again, but never one per caller.
	assert.Less(t, s.Stats().LoginAttempts[igsim.DemoAPIKey], 10)
}

func TestV3RefreshTokens(t *testing.T) {
	clock := core.NewFakeClock(time.UnixMilli(1_700_000_000_000))
	s, c, _ := newEnv(t, igsim.Options{Clock: clock}, ig.Config{Version: 3, Clock: clock})
	ctx := context.Background()
	first, err := c.Login(ctx)
	require.NoError(t, err)
	assert.Equal(t, clock.Now().Add(60*time.Second), first.ExpiresAt)

	// Within 5 s of expiry, a call refreshes first.
	clock.Advance(56 * time.Second)
	_, err = c.Request(ctx, "GET", "/accounts", nil, nil)
	require.NoError(t, err)
	second := c.Session()
	assert.NotEqual(t, first.Headers["Authorization"], second.Headers["Authorization"])
	assert.Equal(t, clock.Now().Add(60*time.Second), second.ExpiresAt)
	assert.Equal(t, 1, s.Stats().Refreshes)

	// A refused access token is renewed with the (rotated) refresh token.
	s.ExpireAccessTokens()
	_, err = c.Request(ctx, "GET", "/accounts", nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, s.Stats().Refreshes)

	// Explicit refresh.
	_, err = c.Refresh(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, s.Stats().Refreshes)
	assert.Equal(t, 1, s.Stats().Logins[igsim.DemoAPIKey])

	// A refused refresh token falls back to a login.
	s.ExpireAllSessions()
	_, err = c.Refresh(ctx)
	require.NoError(t, err)
	st := s.Stats()
	assert.Equal(t, 3, st.Refreshes)
	assert.Equal(t, 2, st.Logins[igsim.DemoAPIKey])
	assert.Equal(t, 2, st.Errors[igsim.CodeOAuthTokenInvalid]) // the expired access token, then the dead refresh token

	// A refresh that fails for network reasons is not papered over.
	require.NoError(t, s.InjectFault(sim.Fault{Path: "/session/refresh-token", Kind: sim.Fault5xxHTML}))
	_, err = c.Refresh(ctx)
	e := coreErr(t, err)
	assert.Equal(t, "refresh", e.Step)
	assert.True(t, e.Retryable)
}

func TestSwitchAccount(t *testing.T) {
	ctx := context.Background()
	t.Run("v2 adopts the new X-SECURITY-TOKEN", func(t *testing.T) {
		s, c, url := newEnv(t, igsim.Options{}, ig.Config{})
		before, err := c.Login(ctx)
		require.NoError(t, err)
		after, err := c.SwitchAccount(ctx, "Z3SIM2")
		require.NoError(t, err)
		assert.Equal(t, "Z3SIM2", after.AccountID)
		assert.Equal(t, before.Headers["CST"], after.Headers["CST"])
		assert.NotEqual(t, before.Headers["X-SECURITY-TOKEN"], after.Headers["X-SECURITY-TOKEN"])
		_, err = c.Request(ctx, "GET", "/accounts", nil, nil)
		require.NoError(t, err)
		assert.Equal(t, 1, s.Stats().Logins[igsim.DemoAPIKey], "no re-login after the switch")

		// The old token is dead at the broker.
		req, _ := http.NewRequest("GET", url+"/gateway/deal/accounts", nil)
		for k, v := range before.Headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 401, resp.StatusCode)

		same, err := c.SwitchAccount(ctx, "Z3SIM2")
		require.NoError(t, err)
		assert.Equal(t, after, same)
		// The v2 login lists every account: an unknown one is refused
		// before any request.
		_, err = c.SwitchAccount(ctx, "NOPE")
		e := coreErr(t, err)
		assert.Equal(t, "switch", e.Step)
		assert.Equal(t, core.CodeInvalidArgument, e.Code)
		assert.Equal(t, 1, s.Stats().Switches, "nothing was sent")
	})
	t.Run("v3 moves IG-ACCOUNT-ID without a request", func(t *testing.T) {
		s, c, _ := newEnv(t, igsim.Options{}, ig.Config{Version: 3})
		after, err := c.SwitchAccount(ctx, "Z3SIM2") // logs in first
		require.NoError(t, err)
		assert.Equal(t, "Z3SIM2", after.AccountID)
		assert.Equal(t, "Z3SIM2", after.Headers["IG-ACCOUNT-ID"])
		assert.Equal(t, "Z3SIM2", c.Session().Headers["IG-ACCOUNT-ID"])
		resp, err := c.Request(ctx, "GET", "/session", nil, nil)
		require.NoError(t, err)
		assert.Contains(t, string(resp.Body), `"accountId":"Z3SIM2"`)
		assert.Equal(t, 0, s.Stats().Switches, "no PUT /session")

		// The account stays chosen across a refresh and a re-login.
		s.ExpireAccessTokens()
		resp, err = c.Request(ctx, "GET", "/session", nil, nil)
		require.NoError(t, err)
		assert.Contains(t, string(resp.Body), `"accountId":"Z3SIM2"`)
		s.ExpireAllSessions()
		resp, err = c.Request(ctx, "GET", "/session", nil, nil)
		require.NoError(t, err)
		assert.Contains(t, string(resp.Body), `"accountId":"Z3SIM2"`)
		assert.Equal(t, 2, s.Stats().Logins[igsim.DemoAPIKey])

		// v3 does not list the accounts: an unknown one is IG's to refuse,
		// on the next call.
		_, err = c.SwitchAccount(ctx, "NOPE")
		require.NoError(t, err)
		_, err = c.Request(ctx, "GET", "/session", nil, nil)
		e := coreErr(t, err)
		assert.Equal(t, core.Code(igsim.CodeAccountTokenInvalid), e.Code)
		assert.Equal(t, 401, e.Status)

		// An explicit Login starts on IG's default account again.
		fresh, err := c.Login(ctx)
		require.NoError(t, err)
		assert.Equal(t, "Z3SIM1", fresh.Headers["IG-ACCOUNT-ID"])
	})
	t.Run("SetDefaultAccount on v3 sends PUT /session with fetched CST/XST", func(t *testing.T) {
		s, c, _ := newEnv(t, igsim.Options{}, ig.Config{Version: 3})
		after, err := c.SetDefaultAccount(ctx, "Z3SIM2")
		require.NoError(t, err)
		assert.Equal(t, "Z3SIM2", after.Headers["IG-ACCOUNT-ID"])
		assert.NotContains(t, after.Headers, "CST", "v3 headers stay the OAuth ones")
		assert.Equal(t, 1, s.Stats().Switches)
		// Later logins start on the new default, v2 ones too.
		fresh, err := c.Login(ctx)
		require.NoError(t, err)
		assert.Equal(t, "Z3SIM2", fresh.AccountID)
	})
	t.Run("v2 re-login goes back to the chosen account", func(t *testing.T) {
		s, c, _ := newEnv(t, igsim.Options{}, ig.Config{})
		_, err := c.SwitchAccount(ctx, "Z3SIM2")
		require.NoError(t, err)
		s.ExpireAllSessions()
		resp, err := c.Request(ctx, "GET", "/session", nil, nil)
		require.NoError(t, err)
		assert.Contains(t, string(resp.Body), `"accountId":"Z3SIM2"`)
		assert.Equal(t, "Z3SIM2", c.Session().AccountID)
		assert.Equal(t, 2, s.Stats().Switches, "the re-login switched back")
	})
	t.Run("after the session died", func(t *testing.T) {
		s, c, _ := newEnv(t, igsim.Options{}, ig.Config{})
		_, err := c.Login(ctx)
		require.NoError(t, err)
		s.ExpireAllSessions()
		after, err := c.SwitchAccount(ctx, "Z3SIM2")
		require.NoError(t, err)
		assert.Equal(t, "Z3SIM2", after.AccountID)
		assert.Equal(t, 2, s.Stats().Logins[igsim.DemoAPIKey])
	})
}

func TestSessionChangesAndLogout(t *testing.T) {
	var mu sync.Mutex
	var seen []*core.Session
	record := func(s *core.Session) { mu.Lock(); seen = append(seen, s); mu.Unlock() }
	s, c, _ := newEnv(t, igsim.Options{}, ig.Config{Version: 3, OnSessionChange: record})
	ctx := context.Background()
	_, err := c.Login(ctx)
	require.NoError(t, err)
	_, err = c.Refresh(ctx)
	require.NoError(t, err)
	_, err = c.SwitchAccount(ctx, "Z3SIM2")
	require.NoError(t, err)
	require.NoError(t, c.Logout(ctx))
	require.NoError(t, c.Logout(ctx), "logging out twice is fine")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 4)
	assert.Equal(t, "Z3SIM1", seen[1].AccountID)
	assert.Equal(t, "Z3SIM2", seen[2].AccountID)
	assert.Nil(t, seen[3])
	assert.Nil(t, c.Session())
	assert.Equal(t, 1, s.Stats().Logouts)
	assert.Equal(t, 0, s.Stats().ActiveSessions)
}

func TestLogoutOfDeadSession(t *testing.T) {
	s, c, _ := newEnv(t, igsim.Options{}, ig.Config{})
	_, err := c.Login(context.Background())
	require.NoError(t, err)
	s.ExpireAllSessions()
	assert.NoError(t, c.Logout(context.Background()))
	assert.Nil(t, c.Session())
}

func TestKeepAlive(t *testing.T) {
	ctx := context.Background()
	s, c, _ := newEnv(t, igsim.Options{}, ig.Config{})
	logins := func() int { return s.Stats().Logins[igsim.DemoAPIKey] }

	// Keepalive keeps a session alive; it does not start one, and the loop
	// says so at once rather than after an interval.
	assert.Equal(t, core.CodeNotLoggedIn, coreErr(t, c.KeepAliveOnce(ctx)).Code)
	assert.Equal(t, core.CodeNotLoggedIn, coreErr(t, c.KeepAlive(ctx, time.Hour)).Code)
	assert.Equal(t, 0, logins())

	_, err := c.Login(ctx)
	require.NoError(t, err)
	require.NoError(t, c.KeepAliveOnce(ctx)) // pings
	assert.Equal(t, 1, logins())
	assert.Equal(t, 1, s.Stats().Pings)

	// A 500 or an allowance error says nothing about the session: it comes
	// back retryable, and no login is spent on it.
	require.NoError(t, s.InjectFault(sim.Fault{Method: "GET", Path: "/session", Kind: sim.FaultStatus, Status: 500}))
	e := coreErr(t, c.KeepAliveOnce(ctx))
	assert.True(t, e.Retryable)
	assert.Equal(t, "ping", e.Step)
	require.NoError(t, s.InjectFault(sim.Fault{Method: "GET", Path: "/session", Kind: sim.FaultStatus, Status: 403, ErrorCode: "error.public-api.exceeded-account-allowance"}))
	assert.True(t, coreErr(t, c.KeepAliveOnce(ctx)).Retryable)
	assert.Equal(t, 1, logins())

	// A session the broker has dropped (401) means a new login.
	s.ExpireAllSessions()
	require.NoError(t, c.KeepAliveOnce(ctx))
	assert.Equal(t, 2, logins())

	// When that login fails too, the error says so.
	s.ExpireAllSessions()
	require.NoError(t, s.InjectFault(sim.Fault{Method: "POST", Path: "/session", Kind: sim.Fault5xxHTML}))
	assert.Equal(t, "login", coreErr(t, c.KeepAliveOnce(ctx)).Step)

	// After Logout it does not bring the session back.
	_, err = c.Login(ctx)
	require.NoError(t, err)
	require.NoError(t, c.Logout(ctx))
	before := logins()
	assert.Equal(t, core.CodeNotLoggedIn, coreErr(t, c.KeepAliveOnce(ctx)).Code)
	assert.Equal(t, before, logins())
	assert.Nil(t, c.Session())
}

func TestKeepAliveLoop(t *testing.T) {
	clock := core.NewFakeClock(time.UnixMilli(1_700_000_000_000))
	s, c, _ := newEnv(t, igsim.Options{Clock: clock}, ig.Config{Clock: clock})
	ctx, cancel := context.WithCancel(context.Background())
	_, err := c.Login(ctx)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- c.KeepAlive(ctx, time.Minute) }()
	for round := 1; round <= 3; round++ {
		require.Eventually(t, func() bool { return clock.Waiters() == 1 }, 5*time.Second, time.Millisecond)
		clock.Advance(time.Minute)
		require.Eventually(t, func() bool { return s.Stats().Pings == round }, 5*time.Second, time.Millisecond)
	}
	cancel()
	assert.NoError(t, <-done)
	assert.Equal(t, 1, s.Stats().Logins[igsim.DemoAPIKey])
	e := coreErr(t, c.KeepAlive(context.Background(), 0))
	assert.Equal(t, core.CodeInvalidArgument, e.Code)
}

func TestRequest(t *testing.T) {
	ctx := context.Background()
	s, c, _ := newEnv(t, igsim.Options{}, ig.Config{Timeout: 200 * time.Millisecond})

	resp, err := c.Request(ctx, "PUT", "/accounts/preferences", []byte(`{"trailingStopsEnabled":true}`), nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Status)
	resp, err = c.Request(ctx, "GET", "/accounts/preferences", nil, http.Header{"Version": {"1"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"trailingStopsEnabled":true}`, string(resp.Body))

	resp, err = c.Request(ctx, "GET", "/nothing-here", nil, nil)
	e := coreErr(t, err)
	assert.Equal(t, 404, resp.Status)
	assert.Equal(t, "request", e.Step)
	assert.Equal(t, 404, e.Status)

	for _, p := range []string{"http://evil.example/x", "accounts", "@evil.example/x"} {
		_, err = c.Request(ctx, "GET", p, nil, nil)
		assert.Equal(t, core.CodeInvalidArgument, coreErr(t, err).Code, p)
	}

	require.NoError(t, s.InjectFault(sim.Fault{Path: "/accounts", Kind: sim.FaultHang}))
	_, err = c.Request(ctx, "GET", "/accounts", nil, nil)
	e = coreErr(t, err)
	assert.Equal(t, core.CodeTimeout, e.Code)
	assert.True(t, e.Retryable)

	require.NoError(t, s.InjectFault(sim.Fault{Path: "/accounts", Kind: sim.FaultDrop, Times: 3}))
	_, err = c.Request(ctx, "GET", "/accounts", nil, nil)
	assert.Equal(t, core.CodeNetwork, coreErr(t, err).Code)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.Request(cctx, "GET", "/accounts", nil, nil)
	assert.Equal(t, core.CodeCanceled, coreErr(t, err).Code)
}

// When the session died, the switch logs in again and retries once; if the
// retry fails too, the fresh login is kept (it is live at IG) and the error
// returned.
func TestSwitchKeepsTheReloginWhenTheRetryFails(t *testing.T) {
	ctx := context.Background()
	s, c, _ := newEnv(t, igsim.Options{}, ig.Config{})
	first, err := c.Login(ctx)
	require.NoError(t, err)
	require.NoError(t, s.InjectFault(sim.Fault{Method: "PUT", Path: "/session", Kind: sim.FaultStatus, Status: 401,
		ErrorCode: "error.security.client-token-invalid", Times: 2}))
	_, err = c.SwitchAccount(ctx, "Z3SIM2")
	assert.Equal(t, "error.security.client-token-invalid", string(coreErr(t, err).Code))
	assert.Equal(t, 2, s.Stats().Logins[igsim.DemoAPIKey])
	now := c.Session()
	require.NotNil(t, now)
	assert.NotEqual(t, first.Headers["CST"], now.Headers["CST"], "the new login is installed")
	_, err = c.Request(ctx, "GET", "/accounts", nil, nil)
	assert.NoError(t, err, "and it works")
}

// A 2xx switch answer that is not a usable one (not JSON, an errorCode,
// no new X-SECURITY-TOKEN for v2) must leave the session as it was: a
// bogus token or an account IG never switched to would misdirect every
// later call.
func TestSwitchRefusesUnusableAnswers(t *testing.T) {
	ctx := context.Background()
	for _, f := range []sim.Fault{
		{Method: "PUT", Path: "/session", Kind: sim.FaultMalformedJSON},
		{Method: "PUT", Path: "/session", Kind: sim.FaultStatus, Status: 200, ErrorCode: "error.something"},
	} {
		s, c, _ := newEnv(t, igsim.Options{}, ig.Config{})
		before, err := c.Login(ctx)
		require.NoError(t, err)
		require.NoError(t, s.InjectFault(f))
		_, err = c.SwitchAccount(ctx, "Z3SIM2")
		assert.Equal(t, core.CodeBadResponse, coreErr(t, err).Code, string(f.Kind))
		assert.Equal(t, before, c.Session(), "the session is unchanged")
	}
}
