package sim_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/sim"
)

func sharedKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := sim.SharedKey()
	require.NoError(t, err)
	return k
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
}

func (r reply) code() string { s, _ := r.body["errorCode"].(string); return s }

// call sends one request; hdr is pairs of header name and value.
func call(t *testing.T, url, method, path string, body any, hdr ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url+path, rd)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := reply{status: resp.StatusCode, header: resp.Header, body: map[string]any{}}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func newIG(t *testing.T, opts sim.IGOptions) (*sim.IG, string) {
	t.Helper()
	opts.Key = sharedKey(t)
	s := sim.NewIG(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); srv.Close() })
	return s, srv.URL
}

func newCapital(t *testing.T, opts sim.CapitalOptions) (*sim.Capital, string) {
	t.Helper()
	opts.Key = sharedKey(t)
	s := sim.NewCapital(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); srv.Close() })
	return s, srv.URL
}

var igKey = []string{"X-IG-API-KEY", sim.IGDemoAPIKey}

func igHdr(extra ...string) []string { return append(append([]string{}, igKey...), extra...) }

// fetchKey returns the public key and timeStamp from GET …/session/encryptionKey.
func fetchKey(t *testing.T, url, path string, hdr ...string) (*rsa.PublicKey, string) {
	t.Helper()
	r := call(t, url, "GET", path, nil, hdr...)
	require.Equal(t, 200, r.status)
	pub, err := core.ParseEncryptionKey(r.body["encryptionKey"].(string))
	require.NoError(t, err)
	ts := strconv.FormatInt(int64(r.body["timeStamp"].(float64)), 10)
	return pub, ts
}

// Ways to encrypt a password, right and wrong.
func encRight(pub *rsa.PublicKey, pw, ts string) string {
	inner := base64.StdEncoding.EncodeToString([]byte(pw + "|" + ts))
	ct, _ := rsa.EncryptPKCS1v15(rand.Reader, pub, []byte(inner))
	return base64.StdEncoding.EncodeToString(ct)
}

func encOAEP(pub *rsa.PublicKey, pw, ts string) string {
	inner := base64.StdEncoding.EncodeToString([]byte(pw + "|" + ts))
	ct, _ := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, []byte(inner), nil)
	return base64.StdEncoding.EncodeToString(ct)
}

func encNoInnerBase64(pub *rsa.PublicKey, pw, ts string) string {
	ct, _ := rsa.EncryptPKCS1v15(rand.Reader, pub, []byte(pw+"|"+ts))
	return base64.StdEncoding.EncodeToString(ct)
}

func TestIGLoginIsStrict(t *testing.T) {
	clock := core.NewFakeClock(time.UnixMilli(1_700_000_000_000))
	s, url := newIG(t, sim.IGOptions{Clock: clock})
	const ep = "/gateway/deal/session/encryptionKey"
	login := func(version, pw string, encrypted bool) reply {
		return call(t, url, "POST", "/gateway/deal/session",
			map[string]any{"identifier": sim.IGDemoIdentifier, "password": pw, "encryptedPassword": encrypted},
			igHdr("Version", version)...)
	}
	tests := []struct {
		name   string
		run    func() reply
		status int
		code   string
	}{
		{"right recipe", func() reply {
			pub, ts := fetchKey(t, url, ep, igKey...)
			return login("2", encRight(pub, sim.IGDemoPassword, ts), true)
		}, 200, ""},
		{"plain password v2", func() reply { return login("2", sim.IGDemoPassword, false) }, 200, ""},
		{"OAEP padding", func() reply {
			pub, ts := fetchKey(t, url, ep, igKey...)
			return login("2", encOAEP(pub, sim.IGDemoPassword, ts), true)
		}, 401, sim.IGCodeInvalidDetails},
		{"no inner base64", func() reply {
			pub, ts := fetchKey(t, url, ep, igKey...)
			return login("2", encNoInnerBase64(pub, sim.IGDemoPassword, ts), true)
		}, 401, sim.IGCodeInvalidDetails},
		{"ciphertext not base64", func() reply { return login("2", "%%%not base64%%%", true) }, 401, sim.IGCodeInvalidDetails},
		{"plain password flagged encrypted", func() reply { return login("2", sim.IGDemoPassword, true) }, 401, sim.IGCodeInvalidDetails},
		{"wrong password, encrypted", func() reply {
			pub, ts := fetchKey(t, url, ep, igKey...)
			return login("2", encRight(pub, "wrong", ts), true)
		}, 401, sim.IGCodeInvalidDetails},
		{"wrong password, plain", func() reply { return login("2", "wrong", false) }, 401, sim.IGCodeInvalidDetails},
		{"reused timeStamp", func() reply {
			pub, ts := fetchKey(t, url, ep, igKey...)
			require.Equal(t, 200, login("2", encRight(pub, sim.IGDemoPassword, ts), true).status)
			return login("2", encRight(pub, sim.IGDemoPassword, ts), true)
		}, 401, sim.IGCodeInvalidDetails},
		{"unknown timeStamp", func() reply {
			pub, ts := fetchKey(t, url, ep, igKey...)
			n, _ := strconv.ParseInt(ts, 10, 64)
			return login("2", encRight(pub, sim.IGDemoPassword, strconv.FormatInt(n-12345, 10)), true)
		}, 401, sim.IGCodeInvalidDetails},
		{"stale timeStamp", func() reply {
			pub, ts := fetchKey(t, url, ep, igKey...)
			clock.Advance(sim.DefaultKeyTTL + time.Second)
			return login("2", encRight(pub, sim.IGDemoPassword, ts), true)
		}, 401, sim.IGCodeInvalidDetails},
		{"v3 refuses encryptedPassword", func() reply {
			pub, ts := fetchKey(t, url, ep, igKey...)
			return login("3", encRight(pub, sim.IGDemoPassword, ts), true)
		}, 401, sim.IGCodeInvalidDetails},
		{"unknown version", func() reply { return login("9", sim.IGDemoPassword, false) }, 400, sim.IGCodeInvalidVersion},
		{"API key missing", func() reply {
			return call(t, url, "POST", "/gateway/deal/session", map[string]any{"identifier": "x", "password": "y"})
		}, 400, sim.IGCodeAPIKeyMissing},
		{"API key wrong", func() reply {
			return call(t, url, "GET", ep, nil, "X-IG-API-KEY", "nope")
		}, 403, sim.IGCodeAPIKeyInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.run()
			assert.Equal(t, tt.status, r.status)
			assert.Equal(t, tt.code, r.code())
		})
	}
	assert.Equal(t, 10, s.Stats().Errors[sim.IGCodeInvalidDetails])
}

func TestIGRequireEncryption(t *testing.T) {
	_, url := newIG(t, sim.IGOptions{RequireEncryption: true})
	r := call(t, url, "POST", "/gateway/deal/session",
		map[string]any{"identifier": sim.IGDemoIdentifier, "password": sim.IGDemoPassword}, igHdr("Version", "2")...)
	assert.Equal(t, 400, r.status)
	assert.Equal(t, sim.IGCodeEncryptionRequired, r.code())
}

func TestIGV2SessionTokens(t *testing.T) {
	s, url := newIG(t, sim.IGOptions{})
	r := call(t, url, "POST", "/gateway/deal/session",
		map[string]any{"identifier": sim.IGDemoIdentifier, "password": sim.IGDemoPassword}, igHdr("Version", "2")...)
	require.Equal(t, 200, r.status)
	for _, f := range []string{"accountType", "accountInfo", "currencyIsoCode", "currencySymbol", "currentAccountId",
		"lightstreamerEndpoint", "accounts", "clientId", "timezoneOffset", "hasActiveDemoAccounts",
		"hasActiveLiveAccounts", "trailingStopsEnabled", "reroutingEnvironment", "dealingEnabled"} {
		assert.Contains(t, r.body, f)
	}
	cst, xst := r.header.Get("CST"), r.header.Get("X-SECURITY-TOKEN")
	require.NotEmpty(t, cst)
	require.NotEmpty(t, xst)
	auth := func(xst string) []string { return igHdr("CST", cst, "X-SECURITY-TOKEN", xst) }

	assert.Equal(t, 200, call(t, url, "GET", "/gateway/deal/accounts", nil, auth(xst)...).status)
	assert.Equal(t, sim.IGCodeClientTokenMissing, call(t, url, "GET", "/gateway/deal/accounts", nil, igKey...).code())
	assert.Equal(t, sim.IGCodeClientTokenInvalid, call(t, url, "GET", "/gateway/deal/accounts", nil, igHdr("CST", "x", "X-SECURITY-TOKEN", xst)...).code())

	// Switching hands out a new X-SECURITY-TOKEN and kills the old one.
	sw := call(t, url, "PUT", "/gateway/deal/session", map[string]string{"accountId": "Z3SIM2"}, auth(xst)...)
	require.Equal(t, 200, sw.status)
	xst2 := sw.header.Get("X-SECURITY-TOKEN")
	require.NotEmpty(t, xst2)
	require.NotEqual(t, xst, xst2)
	old := call(t, url, "GET", "/gateway/deal/accounts", nil, auth(xst)...)
	assert.Equal(t, 401, old.status)
	assert.Equal(t, sim.IGCodeAccountTokenInvalid, old.code())
	g := call(t, url, "GET", "/gateway/deal/session", nil, auth(xst2)...)
	assert.Equal(t, "Z3SIM2", g.body["accountId"])
	assert.Empty(t, g.header.Get("CST"), "CST only with fetchSessionTokens")

	assert.Equal(t, sim.IGCodeSameAccount, call(t, url, "PUT", "/gateway/deal/session", map[string]string{"accountId": "Z3SIM2"}, auth(xst2)...).code())
	assert.Equal(t, sim.IGCodeUnknownAccount, call(t, url, "PUT", "/gateway/deal/session", map[string]string{"accountId": "NOPE"}, auth(xst2)...).code())

	// IG's _method tunnel: POST with _method: DELETE logs out.
	assert.Equal(t, 204, call(t, url, "POST", "/gateway/deal/session", nil, append(auth(xst2), "_method", "DELETE")...).status)
	gone := call(t, url, "GET", "/gateway/deal/accounts", nil, auth(xst2)...)
	assert.Equal(t, 401, gone.status)
	assert.Equal(t, sim.IGCodeClientTokenInvalid, gone.code())
	st := s.Stats()
	assert.Equal(t, 1, st.Logins[sim.IGDemoAPIKey])
	assert.Equal(t, 1, st.Switches)
	assert.Equal(t, 1, st.Logouts)
}

func TestIGV3Tokens(t *testing.T) {
	clock := core.NewFakeClock(time.UnixMilli(1_700_000_000_000))
	s, url := newIG(t, sim.IGOptions{Clock: clock})
	r := call(t, url, "POST", "/gateway/deal/session",
		map[string]any{"identifier": sim.IGDemoIdentifier, "password": sim.IGDemoPassword}, igHdr("Version", "3")...)
	require.Equal(t, 200, r.status)
	assert.Empty(t, r.header.Get("CST"))
	tok := r.body["oauthToken"].(map[string]any)
	assert.Equal(t, "60", tok["expires_in"])
	assert.Equal(t, "Bearer", tok["token_type"])
	assert.Equal(t, "profile", tok["scope"])
	acc := r.body["accountId"].(string)
	bearer := func(tok map[string]any) []string {
		return igHdr("Authorization", "Bearer "+tok["access_token"].(string), "IG-ACCOUNT-ID", acc)
	}
	assert.Equal(t, 200, call(t, url, "GET", "/gateway/deal/accounts", nil, bearer(tok)...).status)
	// Without IG-ACCOUNT-ID, IG answers for the default account.
	noAcc := call(t, url, "GET", "/gateway/deal/session", nil, igHdr("Authorization", "Bearer "+tok["access_token"].(string))...)
	assert.Equal(t, 200, noAcc.status)
	assert.Equal(t, acc, noAcc.body["accountId"])
	// An unknown IG-ACCOUNT-ID is refused.
	assert.Equal(t, sim.IGCodeAccountTokenInvalid, call(t, url, "GET", "/gateway/deal/accounts", nil,
		igHdr("Authorization", "Bearer "+tok["access_token"].(string), "IG-ACCOUNT-ID", "NOPE")...).code())
	// PUT /session is a CST/X-SECURITY-TOKEN call: Bearer alone is refused.
	put := call(t, url, "PUT", "/gateway/deal/session", map[string]string{"accountId": "Z3SIM2"}, bearer(tok)...)
	assert.Equal(t, 401, put.status)
	assert.Equal(t, sim.IGCodeClientTokenMissing, put.code())
	// A trailing slash is served as without it.
	assert.Equal(t, 200, call(t, url, "GET", "/gateway/deal/accounts/", nil, bearer(tok)...).status)

	// Streaming needs CST/XST after a v3 login.
	st := call(t, url, "GET", "/gateway/deal/session?fetchSessionTokens=true", nil, bearer(tok)...)
	assert.NotEmpty(t, st.header.Get("CST"))
	assert.NotEmpty(t, st.header.Get("X-SECURITY-TOKEN"))

	// The refresh token rotates and is single use.
	rt := tok["refresh_token"].(string)
	n := call(t, url, "POST", "/gateway/deal/session/refresh-token", map[string]string{"refresh_token": rt}, igKey...)
	require.Equal(t, 200, n.status)
	assert.NotEqual(t, rt, n.body["refresh_token"])
	assert.NotEqual(t, tok["access_token"], n.body["access_token"])
	again := call(t, url, "POST", "/gateway/deal/session/refresh-token", map[string]string{"refresh_token": rt}, igKey...)
	assert.Equal(t, 401, again.status)
	assert.Equal(t, sim.IGCodeOAuthTokenInvalid, again.code())

	// Access tokens die after expires_in.
	clock.Advance(61 * time.Second)
	dead := call(t, url, "GET", "/gateway/deal/accounts", nil, bearer(n.body)...)
	assert.Equal(t, 401, dead.status)
	assert.Equal(t, sim.IGCodeOAuthTokenInvalid, dead.code())
	// …but the refresh token still works, and ExpireAllSessions kills it too.
	n2 := call(t, url, "POST", "/gateway/deal/session/refresh-token", map[string]string{"refresh_token": n.body["refresh_token"].(string)}, igKey...)
	require.Equal(t, 200, n2.status)
	assert.Equal(t, 1, s.ExpireAllSessions())
	assert.Equal(t, sim.IGCodeOAuthTokenInvalid, call(t, url, "POST", "/gateway/deal/session/refresh-token",
		map[string]string{"refresh_token": n2.body["refresh_token"].(string)}, igKey...).code())
	assert.Equal(t, 2, s.Stats().Refreshes)
}

var capKey = []string{"X-CAP-API-KEY", sim.CapitalDemoAPIKey}

func TestCapital(t *testing.T) {
	clock := core.NewFakeClock(time.UnixMilli(1_700_000_000_000))
	s, url := newCapital(t, sim.CapitalOptions{Clock: clock})
	login := func(pw string, enc bool, hdr ...string) reply {
		return call(t, url, "POST", "/api/v1/session",
			map[string]any{"identifier": sim.CapitalDemoIdentifier, "password": pw, "encryptedPassword": enc}, hdr...)
	}
	assert.Equal(t, sim.CapitalCodeNullAPIKey, login(sim.CapitalDemoPassword, false).code())
	r := login(sim.CapitalDemoPassword, false, "X-CAP-API-KEY", "nope")
	assert.Equal(t, 401, r.status)
	assert.Equal(t, sim.CapitalCodeInvalidAPIKey, r.code())

	pub, ts := fetchKey(t, url, "/api/v1/session/encryptionKey", capKey...)
	r = login(encRight(pub, sim.CapitalDemoPassword, ts), true, capKey...)
	require.Equal(t, 200, r.status)
	assert.Equal(t, "wss://api-streaming-capital.backend-capital.com/", r.body["streamingHost"])
	cst, xst := r.header.Get("CST"), r.header.Get("X-SECURITY-TOKEN")

	// One login per second per API key.
	rl := login(sim.CapitalDemoPassword, false, capKey...)
	assert.Equal(t, 429, rl.status)
	assert.Equal(t, sim.CapitalCodeTooManyRequests, rl.code())
	clock.Advance(time.Second)
	pub, ts = fetchKey(t, url, "/api/v1/session/encryptionKey", capKey...)
	assert.Equal(t, sim.CapitalCodeInvalidDetails, login(encOAEP(pub, sim.CapitalDemoPassword, ts), true, capKey...).code())

	auth := []string{"CST", cst, "X-SECURITY-TOKEN", xst}
	assert.Equal(t, "OK", call(t, url, "GET", "/api/v1/ping", nil, auth...).body["status"])
	assert.Equal(t, sim.CapitalCodeNullClientToken, call(t, url, "GET", "/api/v1/ping", nil).code())
	assert.Equal(t, sim.CapitalCodeNullAccountToken, call(t, url, "GET", "/api/v1/ping", nil, "CST", cst).code())
	assert.Contains(t, call(t, url, "GET", "/api/v1/time", nil).body, "serverTime")

	// A call keeps the session; ten idle minutes kill it.
	clock.Advance(9 * time.Minute)
	assert.Equal(t, 200, call(t, url, "GET", "/api/v1/accounts", nil, auth...).status)
	clock.Advance(9 * time.Minute)
	assert.Equal(t, 200, call(t, url, "GET", "/api/v1/session", nil, auth...).status)
	bad := call(t, url, "PUT", "/api/v1/session", map[string]string{"accountId": "nope"}, auth...)
	assert.Equal(t, 400, bad.status)
	assert.Equal(t, sim.CapitalCodeInvalidAccountID, bad.code())
	clock.Advance(10*time.Minute + time.Second)
	dead := call(t, url, "GET", "/api/v1/ping", nil, auth...)
	assert.Equal(t, 401, dead.status)
	assert.Equal(t, sim.CapitalCodeInvalidSession, dead.code())

	st := s.Stats()
	assert.Equal(t, 3, st.LoginAttempts[sim.CapitalDemoAPIKey])
	assert.Equal(t, 1, st.Logins[sim.CapitalDemoAPIKey])
	assert.Equal(t, 1, st.RateLimited)
}

func TestFaultsAdminCORSAndPrefix(t *testing.T) {
	s := sim.NewIG(sim.IGOptions{Key: sharedKey(t)})
	c := sim.NewCapital(sim.CapitalOptions{Key: sharedKey(t)})
	mux := http.NewServeMux()
	mux.Handle("/ig/", http.StripPrefix("/ig", s))
	mux.Handle("/capital/", http.StripPrefix("/capital", c))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { s.Close(); c.Close(); srv.Close() })
	ig, capURL := srv.URL+"/ig", srv.URL+"/capital"

	// Preflight from a web page.
	pre := call(t, ig, "OPTIONS", "/gateway/deal/session", nil, "Origin", "https://example.com", "Access-Control-Request-Method", "POST")
	assert.Equal(t, 204, pre.status)
	assert.Equal(t, "*", pre.header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, pre.header.Get("Access-Control-Allow-Headers"), "X-IG-API-KEY")
	assert.Contains(t, pre.header.Get("Access-Control-Expose-Headers"), "X-SECURITY-TOKEN")

	fault := func(base string, f sim.Fault) {
		r := call(t, base, "POST", "/__sim/fault", f)
		require.Equal(t, 200, r.status, r.body)
	}
	loginIG := func() reply {
		return call(t, ig, "POST", "/gateway/deal/session",
			map[string]any{"identifier": sim.IGDemoIdentifier, "password": sim.IGDemoPassword}, igHdr("Version", "2")...)
	}
	fault(ig, sim.Fault{Method: "POST", Path: "/session", Kind: sim.FaultStatus, Status: 504, ErrorCode: "error.security.authentication.timeout"})
	r := loginIG()
	assert.Equal(t, 504, r.status)
	assert.Equal(t, "error.security.authentication.timeout", r.code())
	fault(ig, sim.Fault{Path: "/gateway/deal/session", Kind: sim.FaultMissingCST})
	r = loginIG()
	assert.Equal(t, 200, r.status)
	assert.Empty(t, r.header.Get("CST"))
	assert.NotEmpty(t, r.header.Get("X-SECURITY-TOKEN"))
	fault(ig, sim.Fault{Path: "*", Kind: sim.Fault5xxHTML})
	r = loginIG()
	assert.Equal(t, 502, r.status)
	assert.Equal(t, 200, loginIG().status, "a fault hits once by default")

	bad := call(t, ig, "POST", "/__sim/fault", map[string]string{"path": "/session", "kind": "bogus"})
	assert.Equal(t, 400, bad.status)

	st := call(t, ig, "GET", "/__sim/stats", nil)
	assert.Equal(t, float64(2), st.body["logins"].(map[string]any)[sim.IGDemoAPIKey])
	assert.Equal(t, float64(3), st.body["faultsFired"])
	assert.Equal(t, float64(2), st.body["activeSessions"])
	assert.Equal(t, float64(2), call(t, ig, "POST", "/__sim/expire", nil).body["expired"])
	assert.Equal(t, 200, call(t, ig, "POST", "/__sim/reset", nil).status)
	assert.Equal(t, float64(0), call(t, ig, "GET", "/__sim/stats", nil).body["requests"])
	assert.Equal(t, 405, call(t, ig, "GET", "/__sim/reset", nil).status)

	// Capital under its prefix, with a 429 fault carrying Retry-After.
	fault(capURL, sim.Fault{Method: "GET", Path: "/time", Kind: sim.FaultStatus, Status: 429, ErrorCode: sim.CapitalCodeTooManyRequests, RetryAfter: 2})
	r = call(t, capURL, "GET", "/api/v1/time", nil)
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "2", r.header.Get("Retry-After"))
	assert.Equal(t, 200, call(t, capURL, "GET", "/api/v1/time", nil).status)
	assert.Equal(t, 404, call(t, capURL, "GET", "/api/v2/time", nil).status)
}

// IG's CST/X-SECURITY-TOKEN last 6 hours without a call, each call extends
// them, and none outlives 72 hours from its login (docs/PROTOCOLS.md §2).
func TestIGSessionLifetime(t *testing.T) {
	clock := core.NewFakeClock(time.UnixMilli(1_700_000_000_000))
	_, url := newIG(t, sim.IGOptions{Clock: clock})
	login := func() []string {
		r := call(t, url, "POST", "/gateway/deal/session",
			map[string]any{"identifier": sim.IGDemoIdentifier, "password": sim.IGDemoPassword}, igHdr("Version", "2")...)
		require.Equal(t, 200, r.status)
		return igHdr("CST", r.header.Get("CST"), "X-SECURITY-TOKEN", r.header.Get("X-SECURITY-TOKEN"))
	}
	busy := login()
	for h := 5; h < 72; h += 5 {
		clock.Advance(5 * time.Hour)
		require.Equal(t, 200, call(t, url, "GET", "/gateway/deal/session", nil, busy...).status, "hour %d", h)
	}
	clock.Advance(6 * time.Hour) // 76 h after the login, 5 h after the last call
	dead := call(t, url, "GET", "/gateway/deal/session", nil, busy...)
	assert.Equal(t, 401, dead.status)
	assert.Equal(t, sim.IGCodeClientTokenInvalid, dead.code())

	idle := login()
	clock.Advance(6*time.Hour + time.Second)
	assert.Equal(t, sim.IGCodeClientTokenInvalid, call(t, url, "GET", "/gateway/deal/session", nil, idle...).code())
}
