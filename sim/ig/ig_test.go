package ig_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/sim"
	"github.com/brokerauth/brokerauth/sim/ig"
	"github.com/brokerauth/brokerauth/sim/internal/simtest"
)

func newIG(t *testing.T, opts ig.Options) (*ig.Sim, string) {
	t.Helper()
	opts.Key = simtest.Key(t)
	s := ig.New(opts)
	return s, simtest.Serve(t, s)
}

var igKey = []string{"X-IG-API-KEY", ig.DemoAPIKey}

func igHdr(extra ...string) []string { return append(append([]string{}, igKey...), extra...) }

func TestIGLoginIsStrict(t *testing.T) {
	clock := core.NewFakeClock(time.UnixMilli(1_700_000_000_000))
	s, url := newIG(t, ig.Options{Clock: clock})
	const ep = "/gateway/deal/session/encryptionKey"
	login := func(version, pw string, encrypted bool) simtest.Reply {
		return simtest.Call(t, url, "POST", "/gateway/deal/session",
			map[string]any{"identifier": ig.DemoIdentifier, "password": pw, "encryptedPassword": encrypted},
			igHdr("Version", version)...)
	}
	tests := []struct {
		name   string
		run    func() simtest.Reply
		status int
		code   string
	}{
		{"right recipe", func() simtest.Reply {
			pub, ts := simtest.FetchKey(t, url, ep, igKey...)
			return login("2", simtest.EncRight(pub, ig.DemoPassword, ts), true)
		}, 200, ""},
		{"plain password v2", func() simtest.Reply { return login("2", ig.DemoPassword, false) }, 200, ""},
		{"OAEP padding", func() simtest.Reply {
			pub, ts := simtest.FetchKey(t, url, ep, igKey...)
			return login("2", simtest.EncOAEP(pub, ig.DemoPassword, ts), true)
		}, 401, ig.CodeInvalidDetails},
		{"no inner base64", func() simtest.Reply {
			pub, ts := simtest.FetchKey(t, url, ep, igKey...)
			return login("2", simtest.EncNoInnerBase64(pub, ig.DemoPassword, ts), true)
		}, 401, ig.CodeInvalidDetails},
		{"ciphertext not base64", func() simtest.Reply { return login("2", "%%%not base64%%%", true) }, 401, ig.CodeInvalidDetails},
		{"plain password flagged encrypted", func() simtest.Reply { return login("2", ig.DemoPassword, true) }, 401, ig.CodeInvalidDetails},
		{"wrong password, encrypted", func() simtest.Reply {
			pub, ts := simtest.FetchKey(t, url, ep, igKey...)
			return login("2", simtest.EncRight(pub, "wrong", ts), true)
		}, 401, ig.CodeInvalidDetails},
		{"wrong password, plain", func() simtest.Reply { return login("2", "wrong", false) }, 401, ig.CodeInvalidDetails},
		{"reused timeStamp", func() simtest.Reply {
			pub, ts := simtest.FetchKey(t, url, ep, igKey...)
			require.Equal(t, 200, login("2", simtest.EncRight(pub, ig.DemoPassword, ts), true).Status)
			return login("2", simtest.EncRight(pub, ig.DemoPassword, ts), true)
		}, 401, ig.CodeInvalidDetails},
		{"unknown timeStamp", func() simtest.Reply {
			pub, ts := simtest.FetchKey(t, url, ep, igKey...)
			n, _ := strconv.ParseInt(ts, 10, 64)
			return login("2", simtest.EncRight(pub, ig.DemoPassword, strconv.FormatInt(n-12345, 10)), true)
		}, 401, ig.CodeInvalidDetails},
		{"stale timeStamp", func() simtest.Reply {
			pub, ts := simtest.FetchKey(t, url, ep, igKey...)
			clock.Advance(sim.DefaultKeyTTL + time.Second)
			return login("2", simtest.EncRight(pub, ig.DemoPassword, ts), true)
		}, 401, ig.CodeInvalidDetails},
		{"v3 refuses encryptedPassword", func() simtest.Reply {
			pub, ts := simtest.FetchKey(t, url, ep, igKey...)
			return login("3", simtest.EncRight(pub, ig.DemoPassword, ts), true)
		}, 401, ig.CodeInvalidDetails},
		{"unknown version", func() simtest.Reply { return login("9", ig.DemoPassword, false) }, 400, ig.CodeInvalidVersion},
		{"API key missing", func() simtest.Reply {
			return simtest.Call(t, url, "POST", "/gateway/deal/session", map[string]any{"identifier": "x", "password": "y"})
		}, 400, ig.CodeAPIKeyMissing},
		{"API key wrong", func() simtest.Reply {
			return simtest.Call(t, url, "GET", ep, nil, "X-IG-API-KEY", "nope")
		}, 403, ig.CodeAPIKeyInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.run()
			assert.Equal(t, tt.status, r.Status)
			assert.Equal(t, tt.code, r.Code())
		})
	}
	assert.Equal(t, 10, s.Stats().Errors[ig.CodeInvalidDetails])
}

func TestIGRequireEncryption(t *testing.T) {
	_, url := newIG(t, ig.Options{RequireEncryption: true})
	r := simtest.Call(t, url, "POST", "/gateway/deal/session",
		map[string]any{"identifier": ig.DemoIdentifier, "password": ig.DemoPassword}, igHdr("Version", "2")...)
	assert.Equal(t, 400, r.Status)
	assert.Equal(t, ig.CodeEncryptionRequired, r.Code())
}

func TestIGV2SessionTokens(t *testing.T) {
	s, url := newIG(t, ig.Options{})
	r := simtest.Call(t, url, "POST", "/gateway/deal/session",
		map[string]any{"identifier": ig.DemoIdentifier, "password": ig.DemoPassword}, igHdr("Version", "2")...)
	require.Equal(t, 200, r.Status)
	for _, f := range []string{"accountType", "accountInfo", "currencyIsoCode", "currencySymbol", "currentAccountId",
		"lightstreamerEndpoint", "accounts", "clientId", "timezoneOffset", "hasActiveDemoAccounts",
		"hasActiveLiveAccounts", "trailingStopsEnabled", "reroutingEnvironment", "dealingEnabled"} {
		assert.Contains(t, r.Body, f)
	}
	cst, xst := r.Header.Get("CST"), r.Header.Get("X-SECURITY-TOKEN")
	require.NotEmpty(t, cst)
	require.NotEmpty(t, xst)
	auth := func(xst string) []string { return igHdr("CST", cst, "X-SECURITY-TOKEN", xst) }

	assert.Equal(t, 200, simtest.Call(t, url, "GET", "/gateway/deal/accounts", nil, auth(xst)...).Status)
	assert.Equal(t, ig.CodeClientTokenMissing, simtest.Call(t, url, "GET", "/gateway/deal/accounts", nil, igKey...).Code())
	assert.Equal(t, ig.CodeClientTokenInvalid, simtest.Call(t, url, "GET", "/gateway/deal/accounts", nil, igHdr("CST", "x", "X-SECURITY-TOKEN", xst)...).Code())

	// Switching hands out a new X-SECURITY-TOKEN and kills the old one.
	sw := simtest.Call(t, url, "PUT", "/gateway/deal/session", map[string]string{"accountId": "Z3SIM2"}, auth(xst)...)
	require.Equal(t, 200, sw.Status)
	xst2 := sw.Header.Get("X-SECURITY-TOKEN")
	require.NotEmpty(t, xst2)
	require.NotEqual(t, xst, xst2)
	old := simtest.Call(t, url, "GET", "/gateway/deal/accounts", nil, auth(xst)...)
	assert.Equal(t, 401, old.Status)
	assert.Equal(t, ig.CodeAccountTokenInvalid, old.Code())
	g := simtest.Call(t, url, "GET", "/gateway/deal/session", nil, auth(xst2)...)
	assert.Equal(t, "Z3SIM2", g.Body["accountId"])
	assert.Empty(t, g.Header.Get("CST"), "CST only with fetchSessionTokens")

	assert.Equal(t, ig.CodeSameAccount, simtest.Call(t, url, "PUT", "/gateway/deal/session", map[string]string{"accountId": "Z3SIM2"}, auth(xst2)...).Code())
	assert.Equal(t, ig.CodeUnknownAccount, simtest.Call(t, url, "PUT", "/gateway/deal/session", map[string]string{"accountId": "NOPE"}, auth(xst2)...).Code())

	// IG's _method tunnel: POST with _method: DELETE logs out.
	assert.Equal(t, 204, simtest.Call(t, url, "POST", "/gateway/deal/session", nil, append(auth(xst2), "_method", "DELETE")...).Status)
	gone := simtest.Call(t, url, "GET", "/gateway/deal/accounts", nil, auth(xst2)...)
	assert.Equal(t, 401, gone.Status)
	assert.Equal(t, ig.CodeClientTokenInvalid, gone.Code())
	st := s.Stats()
	assert.Equal(t, 1, st.Logins[ig.DemoAPIKey])
	assert.Equal(t, 1, st.Switches)
	assert.Equal(t, 1, st.Logouts)
}

func TestIGV3Tokens(t *testing.T) {
	clock := core.NewFakeClock(time.UnixMilli(1_700_000_000_000))
	s, url := newIG(t, ig.Options{Clock: clock})
	r := simtest.Call(t, url, "POST", "/gateway/deal/session",
		map[string]any{"identifier": ig.DemoIdentifier, "password": ig.DemoPassword}, igHdr("Version", "3")...)
	require.Equal(t, 200, r.Status)
	assert.Empty(t, r.Header.Get("CST"))
	tok := r.Body["oauthToken"].(map[string]any)
	assert.Equal(t, "60", tok["expires_in"])
	assert.Equal(t, "Bearer", tok["token_type"])
	assert.Equal(t, "profile", tok["scope"])
	acc := r.Body["accountId"].(string)
	bearer := func(tok map[string]any) []string {
		return igHdr("Authorization", "Bearer "+tok["access_token"].(string), "IG-ACCOUNT-ID", acc)
	}
	assert.Equal(t, 200, simtest.Call(t, url, "GET", "/gateway/deal/accounts", nil, bearer(tok)...).Status)
	// Without IG-ACCOUNT-ID, IG answers for the default account.
	noAcc := simtest.Call(t, url, "GET", "/gateway/deal/session", nil, igHdr("Authorization", "Bearer "+tok["access_token"].(string))...)
	assert.Equal(t, 200, noAcc.Status)
	assert.Equal(t, acc, noAcc.Body["accountId"])
	// An unknown IG-ACCOUNT-ID is refused.
	assert.Equal(t, ig.CodeAccountTokenInvalid, simtest.Call(t, url, "GET", "/gateway/deal/accounts", nil,
		igHdr("Authorization", "Bearer "+tok["access_token"].(string), "IG-ACCOUNT-ID", "NOPE")...).Code())
	// PUT /session is a CST/X-SECURITY-TOKEN call: Bearer alone is refused.
	put := simtest.Call(t, url, "PUT", "/gateway/deal/session", map[string]string{"accountId": "Z3SIM2"}, bearer(tok)...)
	assert.Equal(t, 401, put.Status)
	assert.Equal(t, ig.CodeClientTokenMissing, put.Code())
	// A trailing slash is served as without it.
	assert.Equal(t, 200, simtest.Call(t, url, "GET", "/gateway/deal/accounts/", nil, bearer(tok)...).Status)

	// Streaming needs CST/XST after a v3 login.
	st := simtest.Call(t, url, "GET", "/gateway/deal/session?fetchSessionTokens=true", nil, bearer(tok)...)
	assert.NotEmpty(t, st.Header.Get("CST"))
	assert.NotEmpty(t, st.Header.Get("X-SECURITY-TOKEN"))

	// The refresh token rotates and is single use.
	rt := tok["refresh_token"].(string)
	n := simtest.Call(t, url, "POST", "/gateway/deal/session/refresh-token", map[string]string{"refresh_token": rt}, igKey...)
	require.Equal(t, 200, n.Status)
	assert.NotEqual(t, rt, n.Body["refresh_token"])
	assert.NotEqual(t, tok["access_token"], n.Body["access_token"])
	again := simtest.Call(t, url, "POST", "/gateway/deal/session/refresh-token", map[string]string{"refresh_token": rt}, igKey...)
	assert.Equal(t, 401, again.Status)
	assert.Equal(t, ig.CodeOAuthTokenInvalid, again.Code())

	// Access tokens die after expires_in.
	clock.Advance(61 * time.Second)
	dead := simtest.Call(t, url, "GET", "/gateway/deal/accounts", nil, bearer(n.Body)...)
	assert.Equal(t, 401, dead.Status)
	assert.Equal(t, ig.CodeOAuthTokenInvalid, dead.Code())
	// …but the refresh token still works, and ExpireAllSessions kills it too.
	n2 := simtest.Call(t, url, "POST", "/gateway/deal/session/refresh-token", map[string]string{"refresh_token": n.Body["refresh_token"].(string)}, igKey...)
	require.Equal(t, 200, n2.Status)
	assert.Equal(t, 1, s.ExpireAllSessions())
	assert.Equal(t, ig.CodeOAuthTokenInvalid, simtest.Call(t, url, "POST", "/gateway/deal/session/refresh-token",
		map[string]string{"refresh_token": n2.Body["refresh_token"].(string)}, igKey...).Code())
	assert.Equal(t, 2, s.Stats().Refreshes)
}

// IG's CST/X-SECURITY-TOKEN last 6 hours without a call, each call extends
// them, and none outlives 72 hours from its login (docs/PROTOCOLS.md §2).
func TestIGSessionLifetime(t *testing.T) {
	clock := core.NewFakeClock(time.UnixMilli(1_700_000_000_000))
	_, url := newIG(t, ig.Options{Clock: clock})
	login := func() []string {
		r := simtest.Call(t, url, "POST", "/gateway/deal/session",
			map[string]any{"identifier": ig.DemoIdentifier, "password": ig.DemoPassword}, igHdr("Version", "2")...)
		require.Equal(t, 200, r.Status)
		return igHdr("CST", r.Header.Get("CST"), "X-SECURITY-TOKEN", r.Header.Get("X-SECURITY-TOKEN"))
	}
	busy := login()
	for h := 5; h < 72; h += 5 {
		clock.Advance(5 * time.Hour)
		require.Equal(t, 200, simtest.Call(t, url, "GET", "/gateway/deal/session", nil, busy...).Status, "hour %d", h)
	}
	clock.Advance(6 * time.Hour) // 76 h after the login, 5 h after the last call
	dead := simtest.Call(t, url, "GET", "/gateway/deal/session", nil, busy...)
	assert.Equal(t, 401, dead.Status)
	assert.Equal(t, ig.CodeClientTokenInvalid, dead.Code())

	idle := login()
	clock.Advance(6*time.Hour + time.Second)
	assert.Equal(t, ig.CodeClientTokenInvalid, simtest.Call(t, url, "GET", "/gateway/deal/session", nil, idle...).Code())
}
