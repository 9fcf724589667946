// Package testkeys gives tests RSA keys, generated once per test binary,
// a public key in every form brokerauth's key parser takes, and a DER
// encoder for hand-made encodings. Only tests import it.
package testkeys

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// CapitalGuideKey is the 2048-bit example key printed in Capital.com's API
// guide (docs/PROTOCOLS.md §1); its private half is unknown, so it only
// checks parsing and lengths.
const CapitalGuideKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1dOujgcFh/9n4JLJMY4VMWZ7aRrynwKXUC9RuoC8Qu5UOeskxgZ1q5DmAXjkes77KrLfFZYEKtrp2g1TB0MBkSALiyrG+Fl52vhET9/AWRhvHuFyskWI7tEtcGIaOB1FwR0EDO9bnylTaZ+Y9sPbLVA7loAtfaX3HW/TI9JDpdmgzXZ0KrwIxdMRzPxVqQXcA8yJL1m33pvo9mOJ0AsQ8FFuy+ctjI8l/8xUhe2Hk01rpMBXDwI1lSjnvuUUDvAtacxyYVlNsnRvbrMZYp7hyimm27RtvCUXhTX2A94tDB0MFLApURrki+tvTvw5ImDPN8qOdTUzbs8hNtVwTpSxPwIDAQAB"

var (
	keysOnce sync.Once
	keys     map[int]*rsa.PrivateKey
)

// RSA returns a private key of 1024, 2048 or 4096 bits, generated once per
// test binary: 4096-bit generation takes a second.
func RSA(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	keysOnce.Do(func() {
		keys = map[int]*rsa.PrivateKey{}
		for _, b := range []int{1024, 2048, 4096} {
			k, err := rsa.GenerateKey(rand.Reader, b)
			if err != nil {
				panic(err)
			}
			keys[b] = k
		}
	})
	k, ok := keys[bits]
	require.True(t, ok, "no %d-bit test key", bits)
	return k
}

// Forms renders one public key in every form the key parser takes, by name.
func Forms(t testing.TB, pub *rsa.PublicKey) map[string]string {
	t.Helper()
	spki, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	pkcs1 := x509.MarshalPKCS1PublicKey(pub)
	b64 := base64.StdEncoding.EncodeToString(spki)
	return map[string]string{
		"base64 SPKI":               b64,
		"base64 SPKI, broken lines": WrapLines(b64, 64, "\r\n") + "\n",
		"base64 SPKI, spaces":       " " + strings.Join(splitEvery(b64, 10), " ") + " ",
		"base64 SPKI, unpadded":     strings.TrimRight(b64, "="),
		"base64url SPKI":            base64.URLEncoding.EncodeToString(spki),
		"base64 PKCS#1":             base64.StdEncoding.EncodeToString(pkcs1),
		"PEM PUBLIC KEY":            string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})),
		"PEM RSA PUBLIC KEY":        string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: pkcs1})),
	}
}

// WrapLines breaks s into lines of n characters joined by nl, as PEM bodies
// and brokers' documentation print keys.
func WrapLines(s string, n int, nl string) string { return strings.Join(splitEvery(s, n), nl) }

func splitEvery(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

// DER encodes one DER element of tag around parts, with a length of up to
// 4 bytes (shortest form), for tests that build encodings by hand.
func DER(tag byte, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	n := len(body)
	out := []byte{tag}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		out = append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, body...)
}
