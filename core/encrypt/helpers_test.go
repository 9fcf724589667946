package encrypt

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// capitalGuideKey is the 2048-bit example key printed in Capital.com's API
// guide (PROTOCOLS.md §1); its private half is unknown.
const capitalGuideKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1dOujgcFh/9n4JLJMY4VMWZ7aRrynwKXUC9RuoC8Qu5UOeskxgZ1q5DmAXjkes77KrLfFZYEKtrp2g1TB0MBkSALiyrG+Fl52vhET9/AWRhvHuFyskWI7tEtcGIaOB1FwR0EDO9bnylTaZ+Y9sPbLVA7loAtfaX3HW/TI9JDpdmgzXZ0KrwIxdMRzPxVqQXcA8yJL1m33pvo9mOJ0AsQ8FFuy+ctjI8l/8xUhe2Hk01rpMBXDwI1lSjnvuUUDvAtacxyYVlNsnRvbrMZYp7hyimm27RtvCUXhTX2A94tDB0MFLApURrki+tvTvw5ImDPN8qOdTUzbs8hNtVwTpSxPwIDAQAB"

var (
	testKeysOnce sync.Once
	testKeys     map[int]*rsa.PrivateKey
)

// rsaTestKey returns a private key of the given size, generated once per
// test binary.
func rsaTestKey(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	testKeysOnce.Do(func() {
		testKeys = map[int]*rsa.PrivateKey{}
		for _, b := range []int{1024, 2048, 4096} {
			k, err := rsa.GenerateKey(rand.Reader, b)
			if err != nil {
				panic(err)
			}
			testKeys[b] = k
		}
	})
	k, ok := testKeys[bits]
	require.True(t, ok, "no %d-bit test key", bits)
	return k
}

// keyForms renders one public key in every form ParseKey accepts.
func keyForms(t testing.TB, pub *rsa.PublicKey) map[string]string {
	t.Helper()
	spki, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	pkcs1 := x509.MarshalPKCS1PublicKey(pub)
	b64 := base64.StdEncoding.EncodeToString(spki)
	var lines []string
	for s := b64; s != ""; s = s[min(64, len(s)):] {
		lines = append(lines, s[:min(64, len(s))])
	}
	return map[string]string{
		"base64 SPKI":               b64,
		"base64 SPKI, broken lines": strings.Join(lines, "\r\n") + "\n",
		"base64 SPKI, unpadded":     strings.TrimRight(b64, "="),
		"base64url SPKI":            base64.URLEncoding.EncodeToString(spki),
		"base64 PKCS#1":             base64.StdEncoding.EncodeToString(pkcs1),
		"PEM PUBLIC KEY":            string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})),
		"PEM RSA PUBLIC KEY":        string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: pkcs1})),
	}
}

func assertCode(t *testing.T, err error, code Code) {
	t.Helper()
	if e, ok := err.(*Error); assert.True(t, ok, "want *Error, got %T %v", err, err) {
		assert.Equal(t, code, e.Code, "message: %s", e.Message)
	}
}
