package core

import (
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withRSAPublic installs f for the rest of a test.
func withRSAPublic(t *testing.T, f RSAPublicFunc) {
	t.Helper()
	UseRSAPublic(f)
	t.Cleanup(func() { UseRSAPublic(nil) })
}

// bigExp is a correct RSAPublicFunc, as the wasm's BigInt one is meant to be.
func bigExp(n []byte, e int, m []byte) ([]byte, error) {
	c := new(big.Int).Exp(new(big.Int).SetBytes(m), big.NewInt(int64(e)), new(big.Int).SetBytes(n))
	return c.FillBytes(make([]byte, len(n))), nil
}

func TestUseRSAPublicDoesTheExponentiation(t *testing.T) {
	priv := rsaTestKey(t, 2048)
	key := keyForms(t, &priv.PublicKey)["base64 SPKI"]
	calls := 0
	withRSAPublic(t, func(n []byte, e int, m []byte) ([]byte, error) {
		calls++
		assert.Equal(t, priv.PublicKey.N.FillBytes(make([]byte, 256)), n)
		assert.Equal(t, priv.PublicKey.E, e)
		assert.Equal(t, []byte{0, 2}, m[:2], "m is the padded message")
		return bigExp(n, e, m)
	})
	got, err := EncryptPassword(key, "1647440528194", "1111qqqq")
	require.NoError(t, err)
	assert.Equal(t, 1, calls)
	assertDecrypts(t, priv, got, "1111qqqq|1647440528194")
}

// A function that errs, or answers with the wrong length or a value not
// below n, is not trusted: that call falls back to Go's arithmetic.
func TestUseRSAPublicBadAnswersFallBack(t *testing.T) {
	priv := rsaTestKey(t, 2048)
	key := keyForms(t, &priv.PublicKey)["base64 SPKI"]
	for name, f := range map[string]RSAPublicFunc{
		"error":       func([]byte, int, []byte) ([]byte, error) { return nil, errors.New("boom") },
		"short":       func(n []byte, _ int, _ []byte) ([]byte, error) { return make([]byte, len(n)-1), nil },
		"not below n": func(n []byte, _ int, _ []byte) ([]byte, error) { return append([]byte(nil), n...), nil },
	} {
		t.Run(name, func(t *testing.T) {
			withRSAPublic(t, f)
			got, err := EncryptPassword(key, "1647440528194", "pw")
			require.NoError(t, err)
			assertDecrypts(t, priv, got, "pw|1647440528194")
		})
	}
}

func assertDecrypts(t *testing.T, priv *rsa.PrivateKey, b64, inner string) {
	t.Helper()
	ciphertext, err := base64.StdEncoding.DecodeString(b64)
	require.NoError(t, err)
	plain, err := rsa.DecryptPKCS1v15(nil, priv, ciphertext)
	require.NoError(t, err)
	assert.Equal(t, base64.StdEncoding.EncodeToString([]byte(inner)), string(plain))
}
