package ibkr

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vectors is the part of docs/ibkr-oauth1-vectors.json (IBKR's worked
// example, [S §7–8]) these tests use.
type vectors struct {
	ConsumerKey string
	Keys        struct {
		SigningPrivateKeyPkcs8 string
	}
	DH struct {
		PrimeHex string
	}
	AccessTokenSecret struct {
		DecryptedBase64, PrependHex string
	}
	LiveSessionToken struct {
		vectorStep
		DHRandomHex         string `json:"dhRandomHex"`
		SharedSecretDecimal string
		Response            struct {
			DH  string `json:"diffie_hellman_response"`
			Sig string `json:"live_session_token_signature"`
		}
	}
	ProtectedGet      vectorStep
	ProtectedPostForm vectorStep
	Derived           struct {
		SignByte struct {
			DHRandomHex, DHResponseHex, SharedSecretHex string
			AccessTokenSecretBase64                     string
			LiveSessionTokenBase64                      string
			WrongWithoutLeadingZeroBase64               string
		}
	}
}

type vectorStep struct {
	Method, URL, ContentType, Body string
	Params                         map[string]string
	BaseString, Signature          string
	LiveSessionTokenBase64         string
}

func loadVectors(t *testing.T) vectors {
	t.Helper()
	b, err := os.ReadFile("../../docs/ibkr-oauth1-vectors.json")
	require.NoError(t, err)
	var v vectors
	require.NoError(t, json.Unmarshal(b, &v))
	require.NotEmpty(t, v.ProtectedGet.BaseString)
	require.NotEmpty(t, v.LiveSessionToken.Response.DH)
	return v
}

// request builds the server's view of a vector step, with the oauth
// parameters as parseOAuthHeader gives them (realm and the signature
// included, so that signatureBase must leave them out).
func (st vectorStep) request(t *testing.T) (*http.Request, map[string]string) {
	t.Helper()
	r := httptest.NewRequest(st.Method, st.URL, strings.NewReader(st.Body))
	if st.ContentType != "" {
		r.Header.Set("Content-Type", st.ContentType)
	}
	p := map[string]string{"realm": "test_realm", "oauth_signature": st.Signature}
	for k, v := range st.Params {
		p[k] = v
	}
	return r, p
}

func TestBaseStringVectors(t *testing.T) {
	v := loadVectors(t)
	secret, err := base64.StdEncoding.DecodeString(v.AccessTokenSecret.DecryptedBase64)
	require.NoError(t, err)
	prepend := hex.EncodeToString(secret)
	require.Equal(t, v.AccessTokenSecret.PrependHex, prepend)

	cases := []struct {
		name    string
		step    vectorStep
		prepend string
	}{
		{"protectedGet (query)", v.ProtectedGet, ""},
		{"protectedPostForm (form body)", v.ProtectedPostForm, ""},
		{"liveSessionToken (prepend)", v.LiveSessionToken.vectorStep, prepend},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, p := c.step.request(t)
			base, ok := signatureBase(r, p)
			require.True(t, ok)
			assert.Equal(t, c.step.BaseString, c.prepend+base)
		})
	}

	t.Run("form body is put back for the handler", func(t *testing.T) {
		r, p := v.ProtectedPostForm.request(t)
		_, ok := signatureBase(r, p)
		require.True(t, ok)
		require.NoError(t, r.ParseForm())
		assert.Equal(t, "8314", r.PostForm.Get("ContractId"))
	})
	t.Run("a JSON body is not a parameter", func(t *testing.T) {
		st := v.ProtectedGet
		st.Method, st.ContentType, st.Body = "POST", "application/json", `{"a":"b"}`
		r, p := st.request(t)
		base, ok := signatureBase(r, p)
		require.True(t, ok)
		assert.Equal(t, "POST"+strings.TrimPrefix(v.ProtectedGet.BaseString, "GET"), base)
	})
}

func TestSignatureVectors(t *testing.T) {
	v := loadVectors(t)
	for _, st := range []vectorStep{v.ProtectedGet, v.ProtectedPostForm} {
		lst, err := base64.StdEncoding.DecodeString(st.LiveSessionTokenBase64)
		require.NoError(t, err)
		assert.Equal(t, st.Signature, base64.StdEncoding.EncodeToString(hmacSHA256(lst, st.BaseString)), st.URL)
	}

	blk, _ := pem.Decode([]byte(v.Keys.SigningPrivateKeyPkcs8))
	require.NotNil(t, blk)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	require.NoError(t, err)
	sig, err := base64.StdEncoding.DecodeString(v.LiveSessionToken.Signature)
	require.NoError(t, err)
	digest := sha256.Sum256([]byte(v.LiveSessionToken.BaseString))
	assert.NoError(t, rsa.VerifyPKCS1v15(&k.(*rsa.PrivateKey).PublicKey, crypto.SHA256, digest[:], sig))
}

func TestLSTDerivationVectors(t *testing.T) {
	v := loadVectors(t)
	p, ok := new(big.Int).SetString(v.DH.PrimeHex, 16)
	require.True(t, ok)
	secret, _ := base64.StdEncoding.DecodeString(v.AccessTokenSecret.DecryptedBase64)

	t.Run("worked example", func(t *testing.T) {
		l := v.LiveSessionToken
		a, ok := parseHex(l.DHRandomHex)
		require.True(t, ok)
		b, ok := parseHex(l.Response.DH)
		require.True(t, ok)
		k := new(big.Int).Exp(b, a, p)
		want, _ := new(big.Int).SetString(l.SharedSecretDecimal, 10)
		require.Equal(t, 0, want.Cmp(k))
		lst := liveSessionToken(k, secret)
		assert.Equal(t, l.LiveSessionTokenBase64, base64.StdEncoding.EncodeToString(lst))
		assert.Equal(t, l.Response.Sig, lstSignature(lst, v.ConsumerKey))
	})
	t.Run("leading zero byte (derived.signByte)", func(t *testing.T) {
		d := v.Derived.SignByte
		a, _ := parseHex(d.DHRandomHex)
		b, _ := parseHex(d.DHResponseHex)
		k := new(big.Int).Exp(b, a, p)
		assert.Equal(t, d.SharedSecretHex, k.Text(16))
		require.NotZero(t, k.Bytes()[0]&0x80, "the vector's K has its top bit set")
		sec, _ := base64.StdEncoding.DecodeString(d.AccessTokenSecretBase64)
		assert.Equal(t, d.LiveSessionTokenBase64, base64.StdEncoding.EncodeToString(liveSessionToken(k, sec)))
		// What dropping the zero byte gives: a different token.
		wrong := hmacSHA1(k.Bytes(), sec)
		assert.Equal(t, d.WrongWithoutLeadingZeroBase64, base64.StdEncoding.EncodeToString(wrong))
	})
	t.Run("javaBytes", func(t *testing.T) {
		assert.Equal(t, []byte{0}, javaBytes(big.NewInt(0)))
		assert.Equal(t, []byte{0x7f}, javaBytes(big.NewInt(0x7f)))
		assert.Equal(t, []byte{0, 0x80}, javaBytes(big.NewInt(0x80)))
	})
}

func hmacSHA1(key, data []byte) []byte {
	m := hmac.New(sha1.New, key)
	m.Write(data)
	return m.Sum(nil)
}

func TestPercentEncodeAndSort(t *testing.T) {
	assert.Equal(t, "AZaz09-._~%20%2B%2F%3D%25%C3%A9", percentEncode("AZaz09-._~ +/=%é"))
	base := baseString("get", "http://h/p", [][2]string{{"b", "2"}, {"a-b", "x"}, {"a", "z"}, {"a", "y"}, {"B", "1"}})
	// Sorted by encoded name, then value: B, a (y, z), a-b, b.
	assert.Equal(t, "GET&http%3A%2F%2Fh%2Fp&B%3D1%26a%3Dy%26a%3Dz%26a-b%3Dx%26b%3D2", base)
}

func TestBaseURL(t *testing.T) {
	cases := []struct {
		target, host string
		tls          bool
		want         string
	}{
		{"/v1/api/tickle?x=1", "127.0.0.1:8080", false, "http://127.0.0.1:8080/v1/api/tickle"},
		{"/v1/api/tickle", "API.IBKR.COM:443", true, "https://api.ibkr.com/v1/api/tickle"},
		{"/v1/api/tickle", "example.org:80", false, "http://example.org/v1/api/tickle"},
		{"/v1/api/a%2Fb", "h", false, "http://h/v1/api/a%2Fb"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", c.target, nil)
		r.Host = c.host
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		}
		assert.Equal(t, c.want, baseURL(r), c.target)
	}
	r := httptest.NewRequest("GET", "/sim/ibkr/v1/api/tickle", nil)
	r.URL.Path = "/v1/api/tickle" // as http.StripPrefix leaves it
	r.URL.RawPath = ""
	assert.Equal(t, "http://example.com/sim/ibkr/v1/api/tickle", baseURL(r))
}

// FuzzOAuthHeader: no Authorization header and body, however broken,
// makes the simulator panic or answer 5xx on the live session token path
// or a protected one.
func FuzzOAuthHeader(f *testing.F) {
	for _, h := range []string{
		`OAuth realm="limited_poa", oauth_consumer_key="BADEMOCON", oauth_token="7d06ea52bad47f8b5f7b", oauth_signature_method="RSA-SHA256", oauth_timestamp="1767605400", oauth_nonce="n", diffie_hellman_challenge="05", oauth_signature="AA%3D%3D"`,
		"OAuth", `OAuth a="`, `OAuth realm="x",,, oauth_nonce = "%41"`, `OAuth oauth_x="1", oauth_x="2"`, "Bearer x",
	} {
		f.Add(h, "a=1&b=%2F")
	}
	s := New(Options{})
	defer s.Close()
	f.Fuzz(func(t *testing.T, h, body string) {
		for _, path := range []string{pathLST, "/v1/api/tickle", "/v1/api/iserver/x"} {
			r := httptest.NewRequest("POST", path, strings.NewReader(body))
			r.Header.Set("Authorization", h)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code >= 500 {
				t.Fatalf("%s: %d %s", path, w.Code, w.Body)
			}
		}
	})
}
