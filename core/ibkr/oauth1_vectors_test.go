package ibkr

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/jws"
)

// vectors is docs/ibkr-oauth1-vectors.json: IBKR's worked example from its
// OAuth document §7–§8, every value checked, plus derived.signByte.
type vectors struct {
	ConsumerKey string
	Realm       string
	Keys        struct {
		SigningPrivateKeyPkcs8    string
		EncryptionPrivateKeyPkcs8 string
	}
	DH struct {
		PrimeHex         string
		GeneratorDecimal string
		DHParamsPem      string
	}
	RequestToken, AccessToken signedStep
	AccessTokenSecret         struct {
		EncryptedBase64, DecryptedBase64, PrependHex string
	}
	LiveSessionToken struct {
		signedStep
		DHRandomHex, DHChallengeHex, SharedSecretDecimal, LiveSessionTokenBase64 string
		Response                                                                 struct {
			DiffieHellmanResponse     string `json:"diffie_hellman_response"`
			LiveSessionTokenSignature string `json:"live_session_token_signature"`
		}
	}
	ProtectedGet, ProtectedPostForm struct {
		signedStep
		LiveSessionTokenBase64 string
		Body                   string
	}
	AuthorizationHeader struct{ Example string }
	Derived             struct {
		SignByte struct {
			DHRandomHex, DHResponseHex, SharedSecretHex                                    string
			AccessTokenSecretBase64, LiveSessionTokenBase64, WrongWithoutLeadingZeroBase64 string
		}
	}
}

type signedStep struct {
	Method, URL, BaseString, Signature string
	Params                             map[string]string
}

// ordered turns a vector's parameter map into the flow's list (order is
// the signer's business: it sorts).
func (s signedStep) ordered() []oauthParam {
	var out []oauthParam
	for k, v := range s.Params {
		out = append(out, oauthParam{k, v})
	}
	return out
}

func loadVectors(t *testing.T) *vectors {
	t.Helper()
	raw, err := os.ReadFile("../../docs/ibkr-oauth1-vectors.json")
	require.NoError(t, err)
	var v vectors
	require.NoError(t, json.Unmarshal(raw, &v))
	return &v
}

func hexInt(t *testing.T, s string) *big.Int {
	t.Helper()
	x, ok := new(big.Int).SetString(s, 16)
	require.True(t, ok, s)
	return x
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestVectorsAccessTokenSecret(t *testing.T) {
	v := loadVectors(t)
	key, err := parseKey("EncryptionKey", v.Keys.EncryptionPrivateKeyPkcs8)
	require.NoError(t, err)
	secret, err := decryptSecret(key, v.AccessTokenSecret.EncryptedBase64)
	require.NoError(t, err)
	assert.Equal(t, v.AccessTokenSecret.DecryptedBase64, base64.StdEncoding.EncodeToString(secret))
	assert.Equal(t, v.AccessTokenSecret.PrependHex, hex.EncodeToString(secret))
}

// The example's prime is composite, 2045 bits, and smaller than its
// generator: both forms of the group are taken as they are.
func TestVectorsDHGroupAsGiven(t *testing.T) {
	v := loadVectors(t)
	fromPEM, err := parseDHParams(v.DH.DHParamsPem)
	require.NoError(t, err)
	fromHex, err := parseDHPrime(v.DH.PrimeHex, v.DH.GeneratorDecimal)
	require.NoError(t, err)
	assert.Equal(t, hexInt(t, v.DH.PrimeHex), fromPEM.p)
	assert.Equal(t, fromHex.p, fromPEM.p)
	assert.Equal(t, fromHex.g, fromPEM.g)
	assert.Equal(t, v.DH.GeneratorDecimal, fromPEM.g.String())
	assert.False(t, fromPEM.p.ProbablyPrime(20))
	assert.Positive(t, fromPEM.g.Cmp(fromPEM.p))
}

func TestVectorsLiveSessionToken(t *testing.T) {
	v := loadVectors(t)
	l := v.LiveSessionToken
	dh, err := parseDHParams(v.DH.DHParamsPem)
	require.NoError(t, err)
	a := hexInt(t, l.DHRandomHex)

	// A, as sent: lower-case hex without padding to whole bytes; the
	// constant-time exponentiation agrees with math/big.
	challenge := dh.exp(dh.g, a)
	assert.Equal(t, l.DHChallengeHex, challenge.Text(16))
	assert.Equal(t, new(big.Int).Exp(dh.g, a, dh.p), challenge)
	assert.Equal(t, l.DHChallengeHex, l.Params["diffie_hellman_challenge"])

	// The base string with the prepend in front, and its RSA-SHA256
	// signature (PKCS#1 v1.5 is deterministic).
	base, ok := signatureBase(l.Method, l.URL, l.ordered(), "")
	require.True(t, ok)
	assert.Equal(t, l.BaseString, v.AccessTokenSecret.PrependHex+base)
	sigKey, err := parseKey("SignatureKey", v.Keys.SigningPrivateKeyPkcs8)
	require.NoError(t, err)
	digest := sha256.Sum256([]byte(l.BaseString))
	sig, err := rsa.SignPKCS1v15(nil, sigKey, crypto.SHA256, digest[:])
	require.NoError(t, err)
	assert.Equal(t, l.Signature, base64.StdEncoding.EncodeToString(sig))

	// K, the live session token, and its check against IBKR's signature.
	k := dh.exp(hexInt(t, l.Response.DiffieHellmanResponse), a)
	assert.Equal(t, l.SharedSecretDecimal, k.String())
	secret := b64(t, v.AccessTokenSecret.DecryptedBase64)
	lst := liveSessionToken(k, secret)
	assert.Equal(t, l.LiveSessionTokenBase64, base64.StdEncoding.EncodeToString(lst))
	assert.True(t, lstSignatureMatches(lst, v.ConsumerKey, l.Response.LiveSessionTokenSignature))
	assert.False(t, lstSignatureMatches(lst, v.ConsumerKey+"x", l.Response.LiveSessionTokenSignature))

	// The flow's own derivation from the answer, with the same a.
	f := &oauth1{consumerKey: v.ConsumerKey, secret: secret, dh: dh}
	got, err := f.deriveLST(200, a, &lstAnswer{Response: l.Response.DiffieHellmanResponse, Signature: l.Response.LiveSessionTokenSignature})
	require.NoError(t, err)
	assert.Equal(t, lst, got)
	_, err = f.deriveLST(200, new(big.Int).Add(a, big.NewInt(1)), &lstAnswer{Response: l.Response.DiffieHellmanResponse, Signature: l.Response.LiveSessionTokenSignature})
	var e *core.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, core.CodeBadResponse, e.Code)
}

// K with its top bit set needs Java's leading zero byte; dropping it gives
// another token.
func TestVectorsSignByte(t *testing.T) {
	v := loadVectors(t)
	d := v.Derived.SignByte
	dh, err := parseDHParams(v.DH.DHParamsPem)
	require.NoError(t, err)
	k := dh.exp(hexInt(t, d.DHResponseHex), hexInt(t, d.DHRandomHex))
	assert.Equal(t, d.SharedSecretHex, k.Text(16))
	require.Equal(t, 0, k.BitLen()%8, "the case exercises a top bit that is set")
	secret := b64(t, d.AccessTokenSecretBase64)
	assert.Equal(t, d.LiveSessionTokenBase64, base64.StdEncoding.EncodeToString(liveSessionToken(k, secret)))
	wrong := hmac.New(sha1.New, k.Bytes())
	wrong.Write(secret)
	assert.Equal(t, d.WrongWithoutLeadingZeroBase64, base64.StdEncoding.EncodeToString(wrong.Sum(nil)))
	assert.Equal(t, []byte{0}, javaBytes(new(big.Int)))
	assert.Equal(t, []byte{0x7f}, javaBytes(big.NewInt(0x7f)))
	assert.Equal(t, []byte{0, 0x80}, javaBytes(big.NewInt(0x80)))
}

func TestVectorsProtectedRequests(t *testing.T) {
	v := loadVectors(t)
	for name, step := range map[string]struct {
		signedStep
		LiveSessionTokenBase64, Body string
	}{"GET with a query": v.ProtectedGet, "POST with a form body": v.ProtectedPostForm} {
		t.Run(name, func(t *testing.T) {
			base, ok := signatureBase(step.Method, step.URL, step.ordered(), step.Body)
			require.True(t, ok)
			assert.Equal(t, step.BaseString, base)
			assert.Equal(t, step.Signature, hmacSHA256Signature(b64(t, step.LiveSessionTokenBase64), base))
		})
	}
	g := v.ProtectedGet
	assert.Equal(t, v.AuthorizationHeader.Example, authorizationHeader(v.Realm, g.ordered(), g.Signature))
}

// The token steps IBKR's document walks through before the live session
// token (request and access token) sign the same way, without a prepend.
func TestVectorsTokenSteps(t *testing.T) {
	v := loadVectors(t)
	key, err := jws.ParsePrivateKey(v.Keys.SigningPrivateKeyPkcs8)
	require.NoError(t, err)
	for name, step := range map[string]signedStep{"request_token": v.RequestToken, "access_token": v.AccessToken} {
		t.Run(name, func(t *testing.T) {
			base, ok := signatureBase(step.Method, step.URL, step.ordered(), "")
			require.True(t, ok)
			assert.Equal(t, step.BaseString, base)
			digest := sha256.Sum256([]byte(base))
			sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
			require.NoError(t, err)
			assert.Equal(t, step.Signature, base64.StdEncoding.EncodeToString(sig))
		})
	}
}

func TestPercentEncodingAndNormalization(t *testing.T) {
	assert.Equal(t, "AZaz09-._~%20%2B%2F%3D%25%C3%A9", percentEncode("AZaz09-._~ +/=%é"))
	// Query values are decoded (+ is a space) and encoded again; names sort
	// case-sensitively, then values; repeated names all count.
	base, ok := signatureBase("get", "https://h/p/a%20b?b=2&a=x+y&A=1&a=w#frag", []oauthParam{{"oauth_nonce", "n"}}, "")
	require.True(t, ok)
	assert.Equal(t, "GET&https%3A%2F%2Fh%2Fp%2Fa%2520b&A%3D1%26a%3Dw%26a%3Dx%2520y%26b%3D2%26oauth_nonce%3Dn", base)
	_, ok = signatureBase("GET", "https://h/p?a=%zz", nil, "")
	assert.False(t, ok)
	for raw, want := range map[string]string{
		"HTTPS://API.IBKR.com:443/v1/api/Tickle": "https://api.ibkr.com/v1/api/Tickle",
		"http://Localhost:80":                    "http://localhost/",
		"http://127.0.0.1:8080/sim/ibkr/x":       "http://127.0.0.1:8080/sim/ibkr/x",
		"https://h:80/p":                         "https://h:80/p",
	} {
		assert.Equal(t, want, baseURL(raw), raw)
	}
}

// BenchmarkOAuth1LoginCrypto is the computing a login does, without its
// two requests: the Diffie-Hellman secret and challenge, the RSA-SHA256
// signature of the live session token request, K and the live session
// token, and signing the ssodh/init request.
func BenchmarkOAuth1LoginCrypto(b *testing.B) {
	t := &testing.T{}
	cfg := vectorConfig(t)
	cfg.HTTP = noHTTP{}
	m, _, err := cfg.check()
	if err != nil {
		b.Fatal(err)
	}
	f := m.(*oauth1)
	v := loadVectors(t)
	bigB := hexInt(t, v.LiveSessionToken.Response.DiffieHellmanResponse)
	for b.Loop() {
		a, _ := f.dhSecret()
		challenge := f.dh.exp(f.dh.g, a)
		params, _ := f.params("RSA-SHA256")
		params = append(params, oauthParam{"diffie_hellman_challenge", challenge.Text(16)})
		base, _ := signatureBase("POST", f.base+pathLiveSessionToken, params, "")
		digest := sha256.Sum256([]byte(f.prepend + base))
		if _, err := rsa.SignPKCS1v15(nil, f.sigKey, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
		lst := liveSessionToken(f.dh.exp(bigB, a), f.secret)
		lstSignatureMatches(lst, f.consumerKey, "00")
		req := &core.Request{Method: "POST", URL: f.base + pathInit, Header: core.Header{}, Body: []byte(`{}`)}
		s := (&core.Session{}).WithExtra(extraLST, string(lst))
		if err := f.Authorize(req, s); err != nil {
			b.Fatal(err)
		}
	}
}

// noHTTP is a transport for code that sends nothing (under GOOS=js there
// is no default one).
type noHTTP struct{}

func (noHTTP) Do(context.Context, *core.Request) (*core.Response, error) {
	return nil, errors.New("no HTTP in this test")
}
