package rsaenc

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"testing"
)

// benchKey is the 2048-bit example key from Capital.com's API guide, the
// one core's benchmarks use.
const benchKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1dOujgcFh/9n4JLJMY4VMWZ7aRrynwKXUC9RuoC8Qu5UOeskxgZ1q5DmAXjkes77KrLfFZYEKtrp2g1TB0MBkSALiyrG+Fl52vhET9/AWRhvHuFyskWI7tEtcGIaOB1FwR0EDO9bnylTaZ+Y9sPbLVA7loAtfaX3HW/TI9JDpdmgzXZ0KrwIxdMRzPxVqQXcA8yJL1m33pvo9mOJ0AsQ8FFuy+ctjI8l/8xUhe2Hk01rpMBXDwI1lSjnvuUUDvAtacxyYVlNsnRvbrMZYp7hyimm27RtvCUXhTX2A94tDB0MFLApURrki+tvTvw5ImDPN8qOdTUzbs8hNtVwTpSxPwIDAQAB"

// benchMessage is base64("1111qqqq|1647440528194"), the guide's password.
var benchMessage = []byte("MTExMXFxcXF8MTY0NzQ0MDUyODE5NA==")

func benchPublicKey(b *testing.B) *rsa.PublicKey {
	der, err := base64.StdEncoding.DecodeString(benchKey)
	if err != nil {
		b.Fatal(err)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		b.Fatal(err)
	}
	return pub.(*rsa.PublicKey)
}

func benchKeyOf(b *testing.B) *PublicKey {
	pub := benchPublicKey(b)
	k, err := New(pub.N.Bytes(), uint64(pub.E))
	if err != nil {
		b.Fatal(err)
	}
	return k
}

// BenchmarkNew is the per-key set-up, mostly R² mod n.
func BenchmarkNew(b *testing.B) {
	n := benchPublicKey(b).N.Bytes()
	for b.Loop() {
		if _, err := New(n, 65537); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncryptPKCS1v15 is New plus one encryption, what core does for
// every password.
func BenchmarkEncryptPKCS1v15(b *testing.B) {
	n := benchPublicKey(b).N.Bytes()
	for b.Loop() {
		k, err := New(n, 65537)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.EncryptPKCS1v15(rand.Reader, benchMessage); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCryptoRSA is crypto/rsa doing the same job, for comparison.
func BenchmarkCryptoRSA(b *testing.B) {
	pub := benchPublicKey(b)
	for b.Loop() {
		if _, err := rsa.EncryptPKCS1v15(rand.Reader, pub, benchMessage); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExp is m^65537 mod n alone: 16 squarings and 2 multiplications.
func BenchmarkExp(b *testing.B) {
	k := benchKeyOf(b)
	x := make([]uint32, len(k.n))
	copy(x, k.rr)
	for b.Loop() {
		k.exp(x, x)
	}
}

func BenchmarkMontMul(b *testing.B) {
	k := benchKeyOf(b)
	L := len(k.n)
	x, scratch := make([]uint32, L), make([]uint32, 2*L+3)
	copy(x, k.rr)
	for b.Loop() {
		k.montMul(x, x, x, scratch)
	}
}

func BenchmarkMontSqr(b *testing.B) {
	k := benchKeyOf(b)
	L := len(k.n)
	x, scratch := make([]uint32, L), make([]uint32, 2*L+3)
	copy(x, k.rr)
	for b.Loop() {
		k.montSqr(x, x, scratch)
	}
}
