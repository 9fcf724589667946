package ibkr

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"math/big"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

// OAuth 1.0a constants (docs/IBKR-OAUTH1.md).
const (
	pathLiveSessionToken = "/v1/api/oauth/live_session_token"

	// DefaultRealm is the realm of first-party consumers; IBKR's TESTCONS
	// consumer uses TestRealm.
	DefaultRealm = "limited_poa"
	TestRealm    = "test_realm"
	testConsumer = "TESTCONS"

	// lstTTL is how long a live session token lives when IBKR's answer
	// does not say (IBKR's document §6: 24 hours).
	lstTTL = 24 * time.Hour
	// lstRenewAhead renews a live session token this long before it
	// expires, so that no request goes out with one about to die.
	lstRenewAhead = time.Minute
	// dhSecretBits is the size of the random Diffie-Hellman exponent, as
	// ibind draws it.
	dhSecretBits = 256

	// extraLST keys the live session token (its bytes) in the session's
	// extra state: the session's only secret, never in Headers.
	extraLST = "lst"
)

// oauth1 is IBKR's OAuth 1.0a mode (live session token, as ibind does
// it): the flow the Engine runs for a Config with a ConsumerKey.
type oauth1 struct {
	webAPI
	consumerKey, accessToken, realm string
	// secret is the decrypted access token secret; prepend is its lower
	// case hex, which the live session token request signs in front of
	// its base string.
	secret  []byte
	prepend string
	sigKey  *rsa.PrivateKey
	dh      *dhGroup
	clock   core.Clock
	random  io.Reader
}

// Authorize signs a request with the session's live session token
// (HMAC-SHA256). The query and a form-encoded body are signed with it; a
// body without Content-Type goes as JSON, which is not.
func (f *oauth1) Authorize(req *core.Request, s *core.Session) error {
	lst := s.Extra(extraLST)
	if lst == "" {
		return &core.Error{Code: core.CodeInternal, Broker: core.BrokerIBKR, Step: "request", Message: "the session holds no live session token"}
	}
	jsonByDefault(req)
	var form string
	if isForm(req.Header.Get("Content-Type")) {
		if req.HostBody {
			return &core.Error{Code: core.CodeInvalidArgument, Broker: core.BrokerIBKR, Step: "request",
				Message: "a form-encoded body is signed with its fields: pass it as text or URLSearchParams"}
		}
		form = string(req.Body)
	}
	params, err := f.params("HMAC-SHA256")
	if err != nil {
		return err
	}
	base, ok := signatureBase(req.Method, req.URL, params, form)
	if !ok {
		return &core.Error{Code: core.CodeInvalidArgument, Broker: core.BrokerIBKR, Step: "request",
			Message: "the URL's query or the form body is not valid form encoding (a % not followed by two hex digits?)"}
	}
	req.Header.Set("Authorization", authorizationHeader(f.realm, params, hmacSHA256Signature([]byte(lst), base)))
	return nil
}

func isForm(contentType string) bool {
	t, _, err := mime.ParseMediaType(contentType)
	return err == nil && t == "application/x-www-form-urlencoded"
}

// params are the oauth_* parameters of one request: a fresh nonce (20 hex
// digits, as in IBKR's document) and the time in seconds.
func (f *oauth1) params(method string) ([]oauthParam, error) {
	var nonce [10]byte
	if _, err := io.ReadFull(f.random, nonce[:]); err != nil {
		return nil, &core.Error{Code: core.CodeInternal, Broker: core.BrokerIBKR, Message: "no randomness for the OAuth nonce"}
	}
	return []oauthParam{
		{"oauth_consumer_key", f.consumerKey},
		{"oauth_nonce", hex.EncodeToString(nonce[:])},
		{"oauth_signature_method", method},
		{"oauth_timestamp", strconv.FormatInt(f.clock.Now().Unix(), 10)},
		{"oauth_token", f.accessToken},
	}, nil
}

// Stale: a live session token is renewed a minute before it expires.
func (f *oauth1) Stale(s *core.Session, now time.Time) bool {
	return !s.ExpiresAt.IsZero() && !now.Before(s.ExpiresAt.Add(-lstRenewAhead))
}

// Ping is tickle, as for OAuth 2.0.
func (f *oauth1) Ping(ctx context.Context, c *core.Caller, s *core.Session) (*core.Session, bool, error) {
	return f.ping(ctx, c, s)
}

// Login gets a live session token by Diffie-Hellman and opens the
// brokerage session with it (docs/IBKR-OAUTH1.md "Live session token"):
//
//  1. pick a random a; A = g^a mod p;
//  2. POST /v1/api/oauth/live_session_token with diffie_hellman_challenge
//     = hex(A), signed RSA-SHA256 over prepend + base string;
//  3. K = B^a mod p for IBKR's diffie_hellman_response B; LST =
//     HMAC-SHA1(K, secret), checked against live_session_token_signature;
//  4. POST ssodh/init, signed HMAC-SHA256 with the LST.
func (f *oauth1) Login(ctx context.Context, c *core.Caller) (*core.Session, error) {
	a, err := f.dhSecret()
	if err != nil {
		return nil, err
	}
	challenge := f.dh.exp(f.dh.g, a)
	params, err := f.params("RSA-SHA256")
	if err != nil {
		return nil, err
	}
	params = append(params, oauthParam{"diffie_hellman_challenge", challenge.Text(16)})
	url := f.base + pathLiveSessionToken
	base, _ := signatureBase(http.MethodPost, url, params, "")
	digest := sha256.Sum256([]byte(f.prepend + base))
	sig, err := rsa.SignPKCS1v15(nil, f.sigKey, crypto.SHA256, digest[:])
	if err != nil {
		return nil, &core.Error{Code: core.CodeInvalidKey, Broker: core.BrokerIBKR, Step: "live_session_token", Message: "SignatureKey cannot sign (RSA-SHA256)"}
	}
	header := core.Header{
		"Authorization": {authorizationHeader(f.realm, params, base64.StdEncoding.EncodeToString(sig))},
		"Accept":        {"application/json"},
	}
	var ans lstAnswer
	r, err := f.send(ctx, c, "live_session_token", &core.Request{Method: http.MethodPost, URL: url, Header: header}, ans.field)
	if err != nil {
		return nil, err
	}
	lst, err := f.deriveLST(r.Status, a, &ans)
	if err != nil {
		return nil, err
	}
	now := c.Clock().Now()
	expires := now.Add(lstTTL)
	if ans.Expiration != nil && *ans.Expiration > float64(now.UnixMilli()) && *ans.Expiration < float64(now.Add(7*lstTTL).UnixMilli()) {
		expires = time.UnixMilli(int64(*ans.Expiration)).In(now.Location())
	}
	s := (&core.Session{Broker: core.BrokerIBKR, ExpiresAt: expires}).WithExtra(extraLST, string(lst))
	return f.openBrokerage(ctx, c, s)
}

// dhSecret is a random exponent of dhSecretBits bits, never zero.
func (f *oauth1) dhSecret() (*big.Int, error) {
	var b [dhSecretBits / 8]byte
	for {
		if _, err := io.ReadFull(f.random, b[:]); err != nil {
			return nil, &core.Error{Code: core.CodeInternal, Broker: core.BrokerIBKR, Step: "live_session_token", Message: "no randomness for the Diffie-Hellman secret"}
		}
		if a := new(big.Int).SetBytes(b[:]); a.Sign() > 0 {
			return a, nil
		}
	}
}

// deriveLST computes the live session token from IBKR's answer and checks
// it: a mismatch means the wrong encryption key, access token secret or
// Diffie-Hellman prime, and no request signed with it would pass.
func (f *oauth1) deriveLST(status int, a *big.Int, ans *lstAnswer) ([]byte, error) {
	bad := func(msg string) error {
		return core.BadResponse(core.BrokerIBKR, "live_session_token", status, msg)
	}
	if ans.Response == "" || ans.Signature == "" {
		return nil, bad("the answer lacks diffie_hellman_response or live_session_token_signature")
	}
	if len(ans.Response) > maxDHBits/4+2 {
		return nil, bad("diffie_hellman_response is longer than the prime")
	}
	b, ok := parseHex(ans.Response)
	if !ok {
		return nil, bad("diffie_hellman_response is not hex")
	}
	// B of 0, 1 or p-1 (or out of range) would make K predictable.
	pMinus1 := new(big.Int).Sub(f.dh.p, big.NewInt(1))
	if b.Cmp(big.NewInt(1)) <= 0 || b.Cmp(pMinus1) >= 0 {
		return nil, bad("diffie_hellman_response is not a number between 1 and p-1: is the Diffie-Hellman prime the one registered with IBKR for this consumer?")
	}
	k := f.dh.exp(b, a)
	lst := liveSessionToken(k, f.secret)
	if !lstSignatureMatches(lst, f.consumerKey, ans.Signature) {
		return nil, bad("the live session token derived here does not match IBKR's live_session_token_signature: " +
			"check that EncryptionKey, AccessTokenSecret and the Diffie-Hellman prime are the ones registered with IBKR for this consumer")
	}
	return lst, nil
}

// lstAnswer is IBKR's answer to the live session token request.
type lstAnswer struct {
	Response   string   // diffie_hellman_response: hex B
	Signature  string   // live_session_token_signature: hex HMAC-SHA1
	Expiration *float64 // live_session_token_expiration: epoch ms; absent in IBKR's document
}

func (a *lstAnswer) field(key []byte, v jsonlite.Value) error {
	switch {
	case jsonlite.Match(key, "diffie_hellman_response"):
		return v.ReadString(&a.Response)
	case jsonlite.Match(key, "live_session_token_signature"):
		return v.ReadString(&a.Signature)
	case jsonlite.Match(key, "live_session_token_expiration"):
		if v.Kind() == jsonlite.Number {
			if x, ok := v.Float64(); ok {
				a.Expiration = &x
			}
		}
	}
	return nil
}

// lstHints explain the live session token refusals IBKR is known to send
// (docs/PROTOCOLS.md §6.4), by a phrase of its text.
var lstHints = []struct{ phrase, hint string }{
	{"invalid consumer", "IBKR does not know ConsumerKey (a new consumer key becomes active after IBKR's weekend restart)"},
	{"No access secret key found", "IBKR has no access token secret for AccessToken: check AccessToken and that it belongs to ConsumerKey"},
}

// Error is the Web API's error, without the access token (IBKR's "No
// access secret key found for <token>" quotes it), and with a hint for the
// live session token refusals IBKR is known to send.
func (f *oauth1) Error(step string, r *core.Response) *core.Error {
	e := f.webAPI.Error(step, r)
	e.Message = strings.ReplaceAll(e.Message, f.accessToken, "[access token]")
	if step == "live_session_token" && r.Status == http.StatusUnauthorized {
		hint := "check ConsumerKey, AccessToken, SignatureKey (the private half of the signature key registered with IBKR), Realm and this machine's clock"
		for _, h := range lstHints {
			if strings.Contains(e.Message, h.phrase) {
				hint = h.hint
			}
		}
		e.Message += " (" + hint + ")"
	}
	return e
}

// defaultRealm is the realm for a consumer key when Config.Realm is empty.
func defaultRealm(consumerKey string) string {
	if consumerKey == testConsumer {
		return TestRealm
	}
	return DefaultRealm
}
