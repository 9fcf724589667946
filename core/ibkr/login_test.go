package ibkr_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/ibkr"
	"github.com/brokerauth/brokerauth/sim"
	ibkrsim "github.com/brokerauth/brokerauth/sim/ibkr"
)

func TestLoginFullFlow(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	assert.Nil(t, c.Session())

	s, err := c.Login(context.Background())
	require.NoError(t, err)
	assert.Equal(t, core.BrokerIBKR, s.Broker)
	assert.True(t, s.Authenticated)
	assert.True(t, s.Connected)
	assert.False(t, s.Competing)
	assert.Regexp(t, `^Bearer [A-Za-z0-9_-]{40,}$`, s.Headers["Authorization"])
	assert.Equal(t, t0.Add(24*time.Hour), s.ExpiresAt)
	assert.Equal(t, s, c.Session())

	st := e.sim.Stats()
	assert.Equal(t, 1, st.Token)
	assert.Equal(t, 1, st.Bearer)
	assert.Equal(t, 1, st.Validate)
	assert.Equal(t, 1, st.Init)
	assert.Equal(t, 1, st.IP)
	assert.Equal(t, ibkrsim.DefaultIP, st.LastBearerIP)

	changes := e.changes.all()
	require.Len(t, changes, 1)
	assert.Equal(t, s, changes[0])

	v, err := c.Validate(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "demouser1", v["USER_NAME"])
	assert.Equal(t, ibkrsim.DefaultIP, v["IP"])
	assert.Equal(t, true, v["RESULT"])

	tk, err := c.Tickle(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, tk.Session)
	assert.True(t, tk.Authenticated)

	status, err := c.Status(context.Background())
	require.NoError(t, err)
	assert.Equal(t, &ibkr.TickleResult{Authenticated: true, Connected: true}, status)

	r, err := c.Request(context.Background(), "GET", "/v1/api/portfolio/accounts", nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 200, r.Status)
	assert.Contains(t, string(r.Body), `"accountId":"DU`)
	assert.Len(t, e.changes.all(), 1, "nothing changed after login")
}

func TestLoginWithFixedIPSkipsLookup(t *testing.T) {
	e := newEnv(t, func(c *ibkr.Config) { c.IP = "2001:db8::1"; c.IPLookupURL = "" })
	e.login(t)
	assert.Equal(t, 0, e.sim.Stats().IP)
	assert.Equal(t, "2001:db8::1", e.sim.Stats().LastBearerIP)
}

// Without internet access the IP lookup fails before IBKR is asked
// anything: the error must say so, name the service, and say how to skip
// it, rather than read as IBKR being unreachable.
func TestIPLookupFailureSaysHowToSkipIt(t *testing.T) {
	e := newEnv(t, func(c *ibkr.Config) { c.IPLookupURL = "http://127.0.0.1:1/ip" })
	_, err := e.client(t).Login(context.Background())
	ee := asError(t, err)
	assert.Equal(t, core.CodeNetwork, ee.Code)
	assert.Equal(t, "ip", ee.Step)
	assert.Contains(t, ee.Message, "public-IP lookup at 127.0.0.1:1 failed")
	assert.Contains(t, ee.Message, "Config.IP")
	assert.Contains(t, ee.Message, "--ip")
	assert.Equal(t, 0, e.sim.Stats().Token, "IBKR was not asked")
}

func TestCompetingAndStatusChange(t *testing.T) {
	e := newEnv(t)
	c := e.login(t)
	e.sim.SetCompeting(true)
	tk, err := c.Tickle(context.Background())
	require.NoError(t, err)
	assert.True(t, tk.Competing)
	assert.True(t, c.Session().Competing)
	changes := e.changes.all()
	require.Len(t, changes, 2)
	assert.True(t, changes[1].Competing)
}

// TestLoginErrors covers each way IBKR (here, the simulator) refuses a
// login, and the error each becomes.
func TestLoginErrors(t *testing.T) {
	otherPEM, otherPub := otherKey(t)
	type want struct {
		code      core.Code
		step      string
		status    int
		retryable bool
		msg       string
	}
	cases := []struct {
		name  string
		cfg   func(*ibkr.Config)
		sim   func(*env)
		want  want
		stats func(t *testing.T, s ibkrsim.Stats)
	}{
		{name: "unknown kid", cfg: func(c *ibkr.Config) { c.ClientKeyID = "nope" },
			want: want{"invalid_client", "token", 401, false, "ClientKeyID"}},
		{name: "wrong private key", cfg: func(c *ibkr.Config) { c.PrivateKey = otherPEM },
			want: want{"invalid_client", "token", 401, false, "PrivateKey"}},
		{name: "wrong client id", cfg: func(c *ibkr.Config) { c.ClientID = "SOMEONE_ELSE" },
			want: want{"invalid_client", "token", 401, false, "iss must be the client_id"}},
		{name: "client clock an hour slow", cfg: func(c *ibkr.Config) { c.Clock = core.NewFakeClock(t0.Add(-time.Hour)) },
			want: want{"invalid_client", "token", 401, false, "expired"}},
		{name: "client clock an hour fast", cfg: func(c *ibkr.Config) { c.Clock = core.NewFakeClock(t0.Add(time.Hour)) },
			want: want{"invalid_client", "token", 401, false, "future"}},
		{name: "wrong credential", cfg: func(c *ibkr.Config) { c.Credential = "someone" },
			want: want{"access_denied", "bearer", 403, false, "Credential"}},
		{name: "other client's kid in bearer JWS", cfg: func(c *ibkr.Config) {},
			sim: func(e *env) {
				// Same kid registered under a key the client does not hold
				// after the access token: simulated by re-registering.
				e.sim.AddClient(ibkrsim.DemoClient().ClientID, "demo-key-1", "demouser1", otherPub)
			},
			want: want{"invalid_client", "token", 401, false, ""}},
		{name: "token invalid_grant", sim: fault("/oauth2/api/v1/token", sim.Fault{Kind: "status", Status: 400, Body: `{"error":"invalid_grant","error_description":"assertion replayed"}`}),
			want: want{"invalid_grant", "token", 400, false, "assertion replayed"}},
		{name: "token 429", sim: fault("/oauth2/api/v1/token", sim.Fault{Kind: "status", Status: 429}),
			want: want{"http_429", "token", 429, true, "Too Many Requests"}},
		{name: "token answer without access_token", sim: fault("/oauth2/api/v1/token", sim.Fault{Kind: "status", Status: 200, Body: `{"token_type":"Bearer"}`}),
			want: want{"bad_response", "token", 200, false, "access_token"}},
		{name: "bearer invalid_token", sim: fault("/gw/api/v1/sso-sessions", sim.Fault{Kind: "status", Status: 401, Body: `{"error":"invalid_token"}`}),
			want: want{"invalid_token", "bearer", 401, false, "access token"}},
		{name: "bearer 503", sim: fault("/gw/api/v1/sso-sessions", sim.Fault{Kind: "status", Status: 503}),
			want: want{"http_503", "bearer", 503, true, ""}},
		{name: "validate RESULT false", sim: fault("/v1/api/sso/validate", sim.Fault{Kind: "status", Status: 200, Body: `{"RESULT":false}`}),
			want: want{"bad_response", "validate", 200, false, "RESULT false"}},
		{name: "validate 401", sim: fault("/v1/api/sso/validate", sim.Fault{Kind: "status", Status: 401}),
			want: want{"http_401", "validate", 401, false, ""}},
		{name: "init no bridge", sim: fault("/v1/api/iserver/auth/ssodh/init", sim.Fault{Kind: "status", Status: 400, Body: `{"error":"no bridge","statusCode":400}`}),
			want: want{"http_400", "init", 400, false, "IBKR says no bridge"}},
		{name: "init 410 gone", sim: fault("/v1/api/iserver/auth/ssodh/init", sim.Fault{Kind: "status", Status: 410, Body: `{"error":"gone"}`}),
			want: want{"http_410", "init", 410, false, "gone"}},
		{name: "ip lookup 503", sim: fault("/__sim/ip", sim.Fault{Kind: "status", Status: 503}),
			want: want{"http_503", "ip", 503, true, ""}},
		{name: "ip lookup not an IP", sim: fault("/__sim/ip", sim.Fault{Kind: "status", Status: 200, Body: "<html>hi</html>"}),
			want: want{"bad_response", "ip", 200, false, "plain-text IP"}},
		{name: "ip lookup too long", sim: fault("/__sim/ip", sim.Fault{Kind: "status", Status: 200, Body: string(make([]byte, 4096))}),
			want: want{"bad_response", "ip", 200, false, "larger"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mut []func(*ibkr.Config)
			if tc.cfg != nil {
				mut = append(mut, tc.cfg)
			}
			e := newEnv(t, mut...)
			if tc.sim != nil {
				tc.sim(e)
			}
			c := e.client(t)
			s, err := c.Login(context.Background())
			assert.Nil(t, s)
			ee := asError(t, err)
			assert.Equal(t, tc.want.code, ee.Code)
			assert.Equal(t, core.BrokerIBKR, ee.Broker)
			assert.Equal(t, tc.want.step, ee.Step)
			assert.Equal(t, tc.want.status, ee.Status)
			assert.Equal(t, tc.want.retryable, ee.Retryable)
			assert.Contains(t, ee.Message, tc.want.msg)
			assert.Nil(t, c.Session())
			assert.Empty(t, e.changes.all())
			assertNoSecrets(t, e.sim, err)
		})
	}
}

func fault(path string, f sim.Fault) func(*env) {
	return func(e *env) {
		f.Path = path
		if f.Times == 0 {
			f.Times = -1
		}
		if err := e.sim.InjectFault(f); err != nil {
			panic(err)
		}
	}
}

// TestInjectedFaults runs every transport-level fault against every step.
func TestInjectedFaults(t *testing.T) {
	steps := map[string]string{
		"token":    "/oauth2/api/v1/token",
		"bearer":   "/gw/api/v1/sso-sessions",
		"validate": "/v1/api/sso/validate",
		"init":     "/v1/api/iserver/auth/ssodh/init",
		"ip":       "/__sim/ip",
	}
	kinds := []struct {
		kind      string
		code      core.Code
		status    int
		retryable bool
	}{
		{sim.FaultDrop, core.CodeNetwork, 0, true},
		{sim.FaultHang, core.CodeTimeout, 0, true},
		{sim.Fault5xxHTML, "http_500", 500, true},
		{sim.FaultMalformedJSON, core.CodeBadResponse, 200, false},
	}
	for step, path := range steps {
		for _, k := range kinds {
			t.Run(step+"/"+string(k.kind), func(t *testing.T) {
				e := newEnv(t, func(c *ibkr.Config) { c.Timeout = 150 * time.Millisecond })
				fault(path, sim.Fault{Kind: k.kind})(e)
				_, err := e.client(t).Login(context.Background())
				ee := asError(t, err)
				assert.Equal(t, k.code, ee.Code)
				assert.Equal(t, step, ee.Step)
				assert.Equal(t, k.status, ee.Status)
				assert.Equal(t, k.retryable, ee.Retryable)
				assertNoSecrets(t, e.sim, err)
			})
		}
	}
}

func TestLoginCanceled(t *testing.T) {
	e := newEnv(t)
	fault("/oauth2/api/v1/token", sim.Fault{Kind: sim.FaultHang})(e)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for e.sim.Stats().Token == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := e.client(t).Login(ctx)
	ee := asError(t, err)
	assert.Equal(t, core.CodeCanceled, ee.Code)
	assert.False(t, ee.Retryable)
}

func TestInitRetriesWithoutCompete(t *testing.T) {
	e := newEnv(t)
	e.sim.FailInitDH(5)
	c := e.login(t)
	assert.True(t, c.Session().Authenticated)
	assert.Equal(t, 2, e.sim.Stats().Init)

	// Any other 500 is not retried.
	e2 := newEnv(t)
	fault("/v1/api/iserver/auth/ssodh/init", sim.Fault{Kind: sim.FaultStatus, Status: 500})(e2)
	_, err := e2.client(t).Login(context.Background())
	assert.Equal(t, core.Code("http_500"), asError(t, err).Code)
	assert.Equal(t, 1, e2.sim.Stats().Init)
}

// TestNeverPanics feeds odd but well-formed HTTP answers to every step.
func TestNeverPanics(t *testing.T) {
	bodies := []string{``, `null`, `[]`, `"x"`, `0`, `{"access_token":5}`, `{"access_token":""}`,
		`{"iserver":"x"}`, `{"authenticated":"yes"}`, `{"RESULT":"maybe"}`, `{"error":{"nested":1}}`,
		`{"error":["a"]}`, `{"expires_in":-1,"access_token":"a"}`, `{"expires_in":1e308,"access_token":"a"}`, "\x00\xff"}
	paths := []string{"/oauth2/api/v1/token", "/gw/api/v1/sso-sessions", "/v1/api/sso/validate",
		"/v1/api/iserver/auth/ssodh/init", "/v1/api/tickle", "/v1/api/iserver/auth/status", "/v1/api/logout"}
	for _, status := range []int{200, 400, 401, 500} {
		for _, path := range paths {
			e := newEnv(t)
			c := e.client(t)
			for _, b := range bodies {
				e.sim.Reset()
				require.NoError(t, e.sim.InjectFault(sim.Fault{Path: path, Kind: sim.FaultStatus, Status: status, Body: b, Times: -1}))
				_, err := c.Login(context.Background())
				if err != nil {
					asError(t, err)
					continue
				}
				_, err = c.Tickle(context.Background())
				_, err2 := c.Status(context.Background())
				_ = c.KeepAliveOnce(context.Background())
				err3 := c.Logout(context.Background())
				for _, x := range []error{err, err2, err3} {
					if x != nil {
						asError(t, x)
					}
				}
			}
		}
	}
}
