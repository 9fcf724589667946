package jws_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/jws"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

// key returns one 2048-bit key per test binary: generating is the slow
// part of these tests.
func key(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

func pkcs8PEM(t testing.TB, k any) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func pkcs1PEM(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

func TestParsePrivateKeyForms(t *testing.T) {
	k := key(t)
	der8, _ := x509.MarshalPKCS8PrivateKey(k)
	der1 := x509.MarshalPKCS1PrivateKey(k)
	cases := map[string]string{
		"pkcs8 pem":            pkcs8PEM(t, k),
		"pkcs1 pem":            pkcs1PEM(k),
		"pkcs8 pem crlf":       strings.ReplaceAll(pkcs8PEM(t, k), "\n", "\r\n"),
		"pkcs8 pem mislabeled": string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der8})),
		"pkcs8 base64":         base64.StdEncoding.EncodeToString(der8),
		"pkcs1 base64 raw url": base64.RawURLEncoding.EncodeToString(der1),
		"pkcs8 base64 wrapped": wrap(base64.StdEncoding.EncodeToString(der8), 64),
		"leading text":         "my key:\n" + pkcs8PEM(t, k),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := jws.ParsePrivateKey(in)
			require.NoError(t, err)
			assert.True(t, got.Equal(k))
		})
	}
}

func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}

func TestParsePrivateKeyRefusals(t *testing.T) {
	k := key(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	pubDER, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	ecDER, _ := x509.MarshalECPrivateKey(ec)
	good := pkcs8PEM(t, k)
	body := strings.Split(good, "\n")[3]
	cases := map[string]struct{ in, msg string }{
		"empty":        {"  \n", "empty"},
		"garbage":      {"not a key at all!", "neither PEM nor base64"},
		"base64 junk":  {base64.StdEncoding.EncodeToString([]byte("hello world, not DER")), "neither PKCS#8 nor PKCS#1"},
		"public pem":   {string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})), "public key"},
		"public b64":   {base64.StdEncoding.EncodeToString(pubDER), "public key"},
		"ec pkcs8":     {pkcs8PEM(t, ec), "EC key"},
		"ec sec1":      {string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})), "EC key"},
		"ec sec1 b64":  {base64.StdEncoding.EncodeToString(ecDER), "EC key"},
		"encrypted":    {"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted"},
		"legacy enc":   {"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\n" + body + "\n-----END RSA PRIVATE KEY-----\n", "encrypted"},
		"1024 bits":    {pkcs1PEM(small), "1024-bit"},
		"truncated":    {good[:len(good)/2] + "\n-----END PRIVATE KEY-----\n", ""},
		"bad pem":      {"-----BEGIN PRIVATE KEY-----\n%%%%\n-----END PRIVATE KEY-----", "does not decode"},
		"certificate":  {"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----", "certificate"},
		"openssh":      {"-----BEGIN OPENSSH PRIVATE KEY-----\nMAA=\n-----END OPENSSH PRIVATE KEY-----", "OpenSSH"},
		"other block":  {"-----BEGIN FOO-----\nMAA=\n-----END FOO-----", `"FOO"`},
		"corrupt body": {strings.Replace(good, body, strings.Repeat("A", len(body)), 1), "neither PKCS#8"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := jws.ParsePrivateKey(c.in)
			var e *core.Error
			require.True(t, errors.As(err, &e), "got %v", err)
			assert.Equal(t, core.CodeInvalidKey, e.Code)
			assert.Contains(t, e.Message, c.msg)
			assertNoKeyText(t, c.in, err)
		})
	}
}

// assertNoKeyText is the canary: no 12-character run of the input's
// base64 body may show up in the error.
func assertNoKeyText(t *testing.T, in string, err error) {
	t.Helper()
	msg := err.Error()
	for _, line := range strings.Split(in, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "-----") || strings.Contains(line, ":") {
			continue
		}
		for i := 0; i+12 <= len(line); i++ {
			if strings.Contains(msg, line[i:i+12]) {
				t.Fatalf("error %q quotes key text %q", msg, line[i:i+12])
			}
		}
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	k := key(t)
	claims := map[string]any{"iss": "cid", "sub": "cid", "aud": "/token", "iat": 1700000000, "exp": 1700000020}
	tok, err := jws.Sign(k, jws.Header{Kid: "kid1"}, claims)
	require.NoError(t, err)
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	for _, p := range parts {
		assert.NotContains(t, p, "=")
	}
	hj, _ := base64.RawURLEncoding.DecodeString(parts[0])
	assert.Equal(t, `{"alg":"RS256","typ":"JWT","kid":"kid1"}`, string(hj))

	h, c, err := jws.Verify(tok, &k.PublicKey)
	require.NoError(t, err)
	assert.Equal(t, "kid1", h["kid"])
	assert.Equal(t, "/token", c["aud"])
	assert.Equal(t, float64(1700000020), c["exp"])

	again, err := jws.Sign(k, jws.Header{Kid: "kid1"}, claims)
	require.NoError(t, err)
	assert.Equal(t, tok, again, "PKCS#1 v1.5 signatures are deterministic")

	hh, err := jws.DecodeHeader(tok)
	require.NoError(t, err)
	assert.Equal(t, "kid1", hh["kid"])
}

func TestSignRefusals(t *testing.T) {
	k := key(t)
	_, err := jws.Sign(nil, jws.Header{}, nil)
	assert.ErrorIs(t, err, &core.Error{Code: core.CodeInvalidArgument})
	_, err = jws.Sign(k, jws.Header{Alg: "HS256"}, nil)
	assert.ErrorIs(t, err, &core.Error{Code: core.CodeInvalidArgument})
	_, err = jws.Sign(k, jws.Header{}, map[string]any{"c": make(chan int)})
	assert.ErrorIs(t, err, &core.Error{Code: core.CodeInvalidArgument})
}

func TestVerifyRejectsTampering(t *testing.T) {
	k := key(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tok, err := jws.Sign(k, jws.Header{Kid: "k"}, map[string]any{"sub": "a"})
	require.NoError(t, err)
	parts := strings.Split(tok, ".")
	enc := base64.RawURLEncoding.EncodeToString
	otherTok, _ := jws.Sign(other, jws.Header{Kid: "k"}, map[string]any{"sub": "a"})
	flip := func(s string) string {
		b := []byte(s)
		if b[5] == 'A' {
			b[5] = 'B'
		} else {
			b[5] = 'A'
		}
		return string(b)
	}
	cases := map[string]string{
		"claims changed":   parts[0] + "." + enc([]byte(`{"sub":"b"}`)) + "." + parts[2],
		"header changed":   enc([]byte(`{"alg":"RS256","kid":"x"}`)) + "." + parts[1] + "." + parts[2],
		"signature flip":   parts[0] + "." + parts[1] + "." + flip(parts[2]),
		"other key":        otherTok,
		"alg none":         enc([]byte(`{"alg":"none"}`)) + "." + parts[1] + ".",
		"alg HS256":        enc([]byte(`{"alg":"HS256"}`)) + "." + parts[1] + "." + parts[2],
		"two parts":        parts[0] + "." + parts[1],
		"four parts":       tok + ".x",
		"padding":          parts[0] + "." + parts[1] + "=." + parts[2],
		"newline":          parts[0] + "." + parts[1][:4] + "\n" + parts[1][4:] + "." + parts[2],
		"std alphabet":     parts[0] + "." + parts[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[2]) + "+/",
		"claims not json":  parts[0] + "." + enc([]byte(`{"sub":`)) + "." + parts[2],
		"claims array":     parts[0] + "." + enc([]byte(`["sub"]`)) + "." + parts[2],
		"claims null":      parts[0] + "." + enc([]byte(`null`)) + "." + parts[2],
		"crit":             enc([]byte(`{"alg":"RS256","crit":["exp"]}`)) + "." + parts[1] + "." + parts[2],
		"kid not a string": enc([]byte(`{"alg":"RS256","kid":1}`)) + "." + parts[1] + "." + parts[2],
		"empty":            "",
		"huge":             strings.Repeat("a", jws.MaxTokenLen+1),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := jws.Verify(in, &k.PublicKey)
			var e *core.Error
			require.True(t, errors.As(err, &e), "got %v", err)
			assert.Equal(t, jws.CodeInvalidToken, e.Code)
		})
	}
}

// TestOpenSSLVerifies checks our signatures with an independent
// implementation, and our verifier with OpenSSL's signatures.
func TestOpenSSLVerifies(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	k := key(t)
	dir := t.TempDir()
	pubDER, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	pubPath := write("pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	keyPath := write("key.pem", []byte(pkcs8PEM(t, k)))

	tok, err := jws.Sign(k, jws.Header{Kid: "kid"}, map[string]any{"iss": "me", "n": 1})
	require.NoError(t, err)
	parts := strings.Split(tok, ".")
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	dataPath := write("data.txt", []byte(parts[0]+"."+parts[1]))
	sigPath := write("sig.bin", sig)
	out, err := exec.Command(openssl, "dgst", "-sha256", "-verify", pubPath, "-signature", sigPath, dataPath).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "Verified OK")

	// And the other way round: OpenSSL signs, Verify accepts.
	input := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"openssl"}`))
	inPath := write("in.txt", []byte(input))
	osig, err := exec.Command(openssl, "dgst", "-sha256", "-sign", keyPath, inPath).Output()
	require.NoError(t, err)
	_, claims, err := jws.Verify(input+"."+base64.RawURLEncoding.EncodeToString(osig), &k.PublicKey)
	require.NoError(t, err)
	assert.Equal(t, "openssl", claims["sub"])
}
