package ibkr_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/ibkr"
	"github.com/brokerauth/brokerauth/sim"
	ibkrsim "github.com/brokerauth/brokerauth/sim/ibkr"
)

func TestRequestReauthOnceOn401(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	before := c.Session()
	e.sim.ExpireAllSessions()

	r, err := c.Request(context.Background(), "GET", "/v1/api/iserver/accounts", nil, http.Header{"X-Test": {"1"}})
	require.NoError(t, err)
	assert.Equal(t, 200, r.Status)
	assert.Contains(t, string(r.Body), `"selectedAccount"`)
	st := e.sim.Stats()
	assert.Equal(t, 2, st.Token)
	assert.Equal(t, 2, st.Bearer)
	assert.Equal(t, 2, st.Init)
	assert.NotEqual(t, before.Headers["Authorization"], c.Session().Headers["Authorization"])
	assert.Len(t, e.changes.all(), 2)
}

// A brokerage session knocked out by another one answers /iserver calls
// 400 "Init session first"; one before ssodh/init answers "no bridge".
// Either way Request opens a new one once and retries once.
func TestRequestReopensAMissingBrokerageSession(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	e.sim.DropAuthenticated()
	r, err := c.Request(context.Background(), "GET", "/v1/api/iserver/accounts", nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 200, r.Status)
	assert.Equal(t, 2, e.sim.Stats().Init)

	fault("/v1/api/iserver/accounts", sim.Fault{Kind: sim.FaultStatus, Status: 400, Body: `{"error":"Bad Request: no bridge","statusCode":400}`, Times: 2})(e)
	r, err = c.Request(context.Background(), "GET", "/v1/api/iserver/accounts", nil, nil)
	ee := asError(t, err)
	require.NotNil(t, r, "the answer comes with the error")
	assert.Equal(t, 400, r.Status, "a second no bridge is returned as it is")
	assert.Equal(t, 400, ee.Status)
	assert.Equal(t, 3, e.sim.Stats().Init, "exactly one more login")
	assert.Contains(t, ee.Message, "no bridge")
}

func TestRequestSecond401IsReturned(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	fault("/v1/api/portfolio/accounts", sim.Fault{Kind: sim.FaultStatus, Status: 401, Times: 2})(e)
	r, err := c.Request(context.Background(), "GET", "/v1/api/portfolio/accounts", nil, nil)
	assert.Equal(t, core.HTTPStatusCode(401), asError(t, err).Code)
	assert.Equal(t, 401, r.Status)
	assert.Equal(t, 2, e.sim.Stats().Bearer, "exactly one re-establish")
}

// The one rule for every broker: a non-2xx answer comes back together with
// a *core.Error.
func TestRequestReturnsOtherStatusesWithAnError(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	r, err := c.Request(context.Background(), "POST", "/v1/api/no/such/endpoint?x=1", []byte(`{}`), nil)
	ee := asError(t, err)
	assert.Equal(t, core.HTTPStatusCode(404), ee.Code)
	assert.Equal(t, "request", ee.Step)
	assert.Equal(t, 404, r.Status)
	assert.Equal(t, 1, e.sim.Stats().Bearer)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
}

func TestRequestRefusesForeignPaths(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	for _, p := range []string{"", "v1/api/x", "//evil.example/x", "https://evil.example/", `/\evil`, "/x#frag"} {
		_, err := c.Request(context.Background(), "GET", p, nil, nil)
		assert.Equal(t, core.CodeInvalidArgument, asError(t, err).Code, p)
	}
}

func TestRequestFailureWhileReestablishing(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	e.sim.ExpireAllSessions()
	fault("/oauth2/api/v1/token", sim.Fault{Kind: sim.Fault5xxHTML, Times: 1})(e)
	_, err := c.Request(context.Background(), "GET", "/v1/api/portfolio/accounts", nil, nil)
	ee := asError(t, err)
	assert.Equal(t, "token", ee.Step)
	assert.True(t, ee.Retryable)
	// The next call tries again.
	r, err := c.Request(context.Background(), "GET", "/v1/api/portfolio/accounts", nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 200, r.Status)
}

// Twenty calls find the session expired at once: one re-establish serves
// them all.
func TestSingleFlightReauth(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	e.sim.ExpireAllSessions()
	var wg sync.WaitGroup
	errs := make([]error, 20)
	statuses := make([]int, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.Request(context.Background(), "GET", "/v1/api/portfolio/accounts", nil, nil)
			errs[i] = err
			if r != nil {
				statuses[i] = r.Status
			}
		}()
	}
	wg.Wait()
	for i := range 20 {
		require.NoError(t, errs[i])
		assert.Equal(t, 200, statuses[i])
	}
	st := e.sim.Stats()
	assert.Equal(t, 2, st.Token, "login + one re-establish")
	assert.Equal(t, 2, st.Bearer)
	assert.Equal(t, 2, st.Init)
	assert.Len(t, e.changes.all(), 2)
}

func TestKeepAliveOnce(t *testing.T) {
	t.Run("healthy: just a tickle", func(t *testing.T) {
		e := newEnv(t)
		c := e.login(t)
		require.NoError(t, c.KeepAliveOnce(context.Background()))
		st := e.sim.Stats()
		assert.Equal(t, 1, st.Tickle)
		assert.Equal(t, 1, st.Bearer)
		assert.Equal(t, 1, st.IP, "no IP lookup before IPCheckInterval")
	})
	t.Run("not authenticated: re-establish", func(t *testing.T) {
		e := newEnv(t)
		c := e.login(t)
		e.sim.DropAuthenticated()
		require.NoError(t, c.KeepAliveOnce(context.Background()))
		st := e.sim.Stats()
		assert.Equal(t, 2, st.Bearer)
		assert.Equal(t, 2, st.Init)
		assert.True(t, c.Session().Authenticated)
		// login, the tickle that saw authenticated:false, the new session
		changes := e.changes.all()
		require.Len(t, changes, 3)
		assert.False(t, changes[1].Authenticated)
		assert.True(t, changes[2].Authenticated)
	})
	t.Run("410 gone: re-establish", func(t *testing.T) {
		e := newEnv(t)
		c := e.login(t)
		require.NoError(t, e.sim.InjectFault(sim.Fault{Path: "/v1/api/tickle", Kind: sim.FaultStatus, Status: http.StatusGone, Body: `{"error":"gone"}`}))
		require.NoError(t, c.KeepAliveOnce(context.Background()))
		assert.Equal(t, 2, e.sim.Stats().Bearer)
		assert.True(t, c.Session().Authenticated)
	})
	t.Run("401: re-establish", func(t *testing.T) {
		e := newEnv(t)
		c := e.login(t)
		e.sim.ExpireAllSessions()
		require.NoError(t, c.KeepAliveOnce(context.Background()))
		assert.Equal(t, 2, e.sim.Stats().Bearer)
		_, err := c.Tickle(context.Background())
		require.NoError(t, err)
	})
	t.Run("transient failure: reported, nothing else", func(t *testing.T) {
		e := newEnv(t)
		c := e.login(t)
		fault("/v1/api/tickle", sim.Fault{Kind: sim.Fault5xxHTML, Times: 1})(e)
		ee := asError(t, c.KeepAliveOnce(context.Background()))
		assert.Equal(t, "tickle", ee.Step)
		assert.True(t, ee.Retryable)
		assert.Equal(t, 1, e.sim.Stats().Bearer)
	})
}

func TestIPChangeGetsNewBearer(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	require.NoError(t, e.sim.SetIP("198.51.100.9"))

	e.clock.Advance(ibkr.IPCheckInterval - time.Second)
	require.NoError(t, c.KeepAliveOnce(context.Background()))
	assert.Equal(t, 1, e.sim.Stats().Bearer, "not yet time to look")

	e.clock.Advance(time.Second)
	require.NoError(t, c.KeepAliveOnce(context.Background()))
	st := e.sim.Stats()
	assert.Equal(t, 2, st.Bearer)
	assert.Equal(t, "198.51.100.9", st.LastBearerIP)
	changes := e.changes.all()
	require.Len(t, changes, 2)
	assert.Equal(t, c.Session(), changes[1])
	v, err := c.Validate(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "198.51.100.9", v["IP"])

	// Same IP next time: nothing new.
	e.clock.Advance(ibkr.IPCheckInterval)
	require.NoError(t, c.KeepAliveOnce(context.Background()))
	assert.Equal(t, 2, e.sim.Stats().Bearer)
	// login, the check that saw the change, the new bearer's own lookup,
	// this check
	assert.Equal(t, 4, e.sim.Stats().IP)

	// A failing lookup is not a keepalive failure.
	e.clock.Advance(ibkr.IPCheckInterval)
	fault("/__sim/ip", sim.Fault{Kind: sim.FaultDrop, Times: 1})(e)
	require.NoError(t, c.KeepAliveOnce(context.Background()))
}

// runKeepAlive starts KeepAlive and returns a function that moves the
// fake clock one interval once the loop is parked on it, and a channel
// with the loop's result.
func runKeepAlive(t *testing.T, e *env, c *ibkr.Client, ctx context.Context) (func(), <-chan error) {
	done := make(chan error, 1)
	go func() { done <- c.KeepAlive(ctx, time.Minute) }()
	tick := func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for e.clock.Waiters() == 0 {
			select {
			case err := <-done:
				t.Fatalf("KeepAlive returned early: %v", err)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatal("KeepAlive never waited on the clock")
			}
			time.Sleep(100 * time.Microsecond)
		}
		e.clock.Advance(time.Minute)
	}
	return tick, done
}

func TestKeepAliveSurvivesTransientFailures(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fault("/v1/api/tickle", sim.Fault{Kind: sim.FaultDrop, Times: 2})(e)
	fault("/v1/api/tickle", sim.Fault{Kind: sim.Fault5xxHTML, Times: 2})(e)
	fault("/v1/api/tickle", sim.Fault{Kind: sim.FaultStatus, Status: 503, Times: 1})(e)
	tick, done := runKeepAlive(t, e, c, ctx)
	for range 8 {
		tick()
	}
	// Wait for the 8th round to finish.
	for e.sim.Stats().Tickle < 8 {
		time.Sleep(100 * time.Microsecond)
	}
	tick() // the loop is parked again: it survived
	cancel()
	assert.NoError(t, <-done, "ended by its context: nil, as for every broker")
	st := e.sim.Stats()
	assert.GreaterOrEqual(t, st.Tickle, 8)
	assert.Equal(t, 1, st.Bearer, "transient failures are not a lost session")
}

func TestKeepAliveReestablishesAndContinues(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tick, done := runKeepAlive(t, e, c, ctx)
	tick()
	e.sim.DropAuthenticated()
	tick()
	e.sim.ExpireAllSessions()
	tick()
	tick()
	cancel()
	assert.NoError(t, <-done)
	assert.Equal(t, 3, e.sim.Stats().Bearer)
	assert.True(t, c.Session().Authenticated)
}

func TestKeepAliveStopsOnRefusedCredentials(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	_, pub := otherKey(t)
	d := ibkrsim.DemoClient()
	e.sim.AddClient(d.ClientID, d.ClientKeyID, d.Credential, pub) // the key was replaced at IBKR
	e.sim.ExpireAllSessions()
	tick, done := runKeepAlive(t, e, c, context.Background())
	tick()
	err := <-done
	ee := asError(t, err)
	assert.Equal(t, core.Code("invalid_client"), ee.Code)
	assertNoSecrets(t, e.sim, err)
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	require.NoError(t, c.Logout(context.Background()))
	assert.Nil(t, c.Session())
	changes := e.changes.all()
	require.Len(t, changes, 2)
	assert.Nil(t, changes[1])
	assert.Equal(t, 1, e.sim.Stats().Logout)
	assert.Equal(t, 0, e.sim.Stats().Sessions)

	require.NoError(t, c.Logout(context.Background()), "nothing to do")
	assert.Equal(t, 1, e.sim.Stats().Logout)

	for _, call := range []func() error{
		func() error { _, err := c.Tickle(context.Background()); return err },
		func() error { _, err := c.Status(context.Background()); return err },
		func() error { _, err := c.Validate(context.Background()); return err },
		func() error { return c.KeepAliveOnce(context.Background()) },
		func() error { return c.KeepAlive(context.Background(), time.Minute) },
	} {
		assert.Equal(t, ibkr.CodeNotLoggedIn, asError(t, call()).Code)
	}
	// Request, like the IG and Capital.com clients, logs in first.
	r, err := c.Request(context.Background(), "GET", "/v1/api/portfolio/accounts", nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 200, r.Status)
	assert.NotNil(t, c.Session())
}

// A Logout while the first login is still in flight must not be undone
// by that login finishing afterwards.
func TestLogoutDuringTheFirstLoginWins(t *testing.T) {
	e := newEnv(t)
	require.NoError(t, e.sim.InjectFault(sim.Fault{Path: "/v1/api/iserver/auth/ssodh/init", Kind: sim.FaultHang}))
	c := e.client(t)
	done := make(chan error, 1)
	go func() { _, err := c.Login(context.Background()); done <- err }()
	require.Eventually(t, func() bool { return e.sim.Stats().Init >= 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, c.Logout(context.Background()))
	e.sim.Close() // release the hung init
	err := <-done
	require.Error(t, err)
	assert.Nil(t, c.Session(), "the logout stands")
}

func TestLogoutAfterExpiryIsFine(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	e.sim.ExpireAllSessions()
	require.NoError(t, c.Logout(context.Background()))
	assert.Nil(t, c.Session())
}

func TestLogoutFailureKeepsSession(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	fault("/v1/api/logout", sim.Fault{Kind: sim.FaultDrop, Times: 1})(e)
	ee := asError(t, c.Logout(context.Background()))
	assert.Equal(t, core.CodeNetwork, ee.Code)
	assert.Equal(t, "logout", ee.Step)
	assert.NotNil(t, c.Session())
	require.NoError(t, c.Logout(context.Background()))
	assert.Nil(t, c.Session())
}

// TestCanaryServerEchoesToken: even if IBKR's error text quotes a token,
// the error does not.
func TestCanaryServerEchoesToken(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	tok := e.sim.Tokens()[1] // the bearer token
	fault("/v1/api/tickle", sim.Fault{Kind: sim.FaultStatus, Status: 400,
		Body: `{"error":"bad bearer ` + tok + ` for key ` + strings.Split(ibkrsim.DemoClient().PrivateKeyPEM, "\n")[2] + `"}`})(e)
	_, err := c.Tickle(context.Background())
	ee := asError(t, err)
	assert.Contains(t, ee.Message, "[redacted]")
	assertNoSecrets(t, e.sim, err)

	fault("/oauth2/api/v1/token", sim.Fault{Kind: sim.FaultStatus, Status: 401,
		Body: `{"error":"invalid_client","error_description":"assertion ` + tok + ` rejected"}`})(e)
	e.sim.ExpireAllSessions()
	_, err = c.Request(context.Background(), "GET", "/v1/api/portfolio/accounts", nil, nil)
	assert.Equal(t, core.Code("invalid_client"), asError(t, err).Code)
	assertNoSecrets(t, e.sim, err)
}

func TestConfigValidation(t *testing.T) {
	d := ibkrsim.DemoClient()
	base := func() ibkr.Config {
		return ibkr.Config{ClientID: d.ClientID, ClientKeyID: d.ClientKeyID, Credential: d.Credential, PrivateKey: d.PrivateKeyPEM}
	}
	ok := map[string]func(*ibkr.Config){
		"defaults":        func(*ibkr.Config) {},
		"numbered domain": func(c *ibkr.Config) { c.Domain = "5.api.ibkr.com" },
		"upper domain":    func(c *ibkr.Config) { c.Domain = "API.IBKR.COM" },
		"loopback http":   func(c *ibkr.Config) { c.BaseURL = "http://127.0.0.1:8080/" },
		"https base":      func(c *ibkr.Config) { c.BaseURL = "https://proxy.example/ibkr" },
		"fixed ip":        func(c *ibkr.Config) { c.IP = "203.0.113.1" },
		"lookup query":    func(c *ibkr.Config) { c.IPLookupURL = "https://ip.example/?format=text" },
	}
	for name, m := range ok {
		cfg := base()
		m(&cfg)
		_, err := ibkr.New(cfg)
		assert.NoError(t, err, name)
	}
	bad := map[string]struct {
		m    func(*ibkr.Config)
		code core.Code
	}{
		"no client id":       {func(c *ibkr.Config) { c.ClientID = "" }, core.CodeInvalidArgument},
		"no key id":          {func(c *ibkr.Config) { c.ClientKeyID = " " }, core.CodeInvalidArgument},
		"no credential":      {func(c *ibkr.Config) { c.Credential = "" }, core.CodeInvalidArgument},
		"no key":             {func(c *ibkr.Config) { c.PrivateKey = "" }, core.CodeInvalidKey},
		"public key":         {func(c *ibkr.Config) { c.PrivateKey = "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----" }, core.CodeInvalidKey},
		"other domain":       {func(c *ibkr.Config) { c.Domain = "api.ibkr.com.evil.example" }, core.CodeInvalidArgument},
		"ib domain":          {func(c *ibkr.Config) { c.Domain = "www.ibkr.com" }, core.CodeInvalidArgument},
		"http base":          {func(c *ibkr.Config) { c.BaseURL = "http://api.ibkr.com" }, core.CodeInsecureURL},
		"relative base":      {func(c *ibkr.Config) { c.BaseURL = "/api" }, core.CodeInvalidArgument},
		"bad ip":             {func(c *ibkr.Config) { c.IP = "1.2.3" }, core.CodeInvalidArgument},
		"zoned ip":           {func(c *ibkr.Config) { c.IP = "fe80::1%eth0" }, core.CodeInvalidArgument},
		"http lookup":        {func(c *ibkr.Config) { c.IPLookupURL = "http://api.ipify.org" }, core.CodeInsecureURL},
		"lookup not url":     {func(c *ibkr.Config) { c.IPLookupURL = "ipify" }, core.CodeInvalidArgument},
		"negative timeout":   {func(c *ibkr.Config) { c.Timeout = -1 }, core.CodeInvalidArgument},
		"lookup credentials": {func(c *ibkr.Config) { c.IPLookupURL = "https://u:p@ip.example" }, core.CodeInvalidArgument},
	}
	for name, b := range bad {
		cfg := base()
		b.m(&cfg)
		_, err := ibkr.New(cfg)
		var e *core.Error
		if assert.True(t, errors.As(err, &e), name) {
			assert.Equal(t, b.code, e.Code, name)
			assert.Equal(t, core.BrokerIBKR, e.Broker, name)
		}
	}
}

// The OnSessionChange callback may call back into the client.
func TestCallbackMayCallClient(t *testing.T) {
	var c *ibkr.Client
	var seen []*core.Session
	e := newEnv(t, func(cfg *ibkr.Config) {
		cfg.OnSessionChange = func(s *core.Session) { seen = append(seen, c.Session()) }
	})
	c = e.client(t)
	_, err := c.Login(context.Background())
	require.NoError(t, err)
	require.NoError(t, c.Logout(context.Background()))
	require.Len(t, seen, 2)
	assert.NotNil(t, seen[0])
	assert.Nil(t, seen[1])
}

func TestRequestErrorKeepsIBKRsWords(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	fault("/v1/api/portfolio/accounts", sim.Fault{Kind: sim.FaultStatus, Status: 409, Body: `{"error":"order rejected: no bridge here","statusCode":409}`})(e)
	_, err := c.Request(context.Background(), "GET", "/v1/api/portfolio/accounts", nil, nil)
	ee := asError(t, err)
	assert.Equal(t, core.HTTPStatusCode(409), ee.Code)
	assert.Equal(t, "request", ee.Step)
	assert.Contains(t, ee.Message, "order rejected")
	fault("/v1/api/portfolio/accounts", sim.Fault{Kind: sim.FaultStatus, Status: 409, Body: `{"error":"bad token eyJhbGciOiJSUzI1NiJ9abcdefgh12345678"}`})(e)
	_, err = c.Request(context.Background(), "GET", "/v1/api/portfolio/accounts", nil, nil)
	assert.NotContains(t, err.Error(), "eyJhbGciOiJSUzI1NiJ9abcdefgh12345678")
}
