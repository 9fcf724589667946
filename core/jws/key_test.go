package jws_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/jws"
	"github.com/brokerauth/brokerauth/internal/testkeys"
	ibkrsim "github.com/brokerauth/brokerauth/sim/ibkr"
)

// The parser's messages, as tests look for them.
const (
	wantNeither   = "neither PKCS#8 nor PKCS#1 RSA"
	wantPublic    = "this is a public key"
	wantCert      = "this is a certificate"
	wantEC        = "this is an EC key"
	wantEd25519   = "this is an Ed25519 key"
	wantNotRSA    = "not an RSA key"
	wantExponent  = "public exponent is not an odd number"
	wantMultiPrim = "multi-prime RSA key"
)

// TestParsePrivateKeyMatchesX509 is the differential test: for keys of
// each size IBKR users make, in both encodings and both text forms, the
// parser returns the key crypto/x509 returns, ready to sign.
func TestParsePrivateKeyMatchesX509(t *testing.T) {
	sizes := []int{2048, 3072, 4096}
	if testing.Short() {
		sizes = sizes[:2] // generating a 4096-bit key takes seconds, more under wasm
	}
	for _, bits := range sizes {
		t.Run(strconv.Itoa(bits), func(t *testing.T) {
			t.Parallel()
			k, err := rsa.GenerateKey(rand.Reader, bits)
			require.NoError(t, err)
			der1 := x509.MarshalPKCS1PrivateKey(k)
			der8, err := x509.MarshalPKCS8PrivateKey(k)
			require.NoError(t, err)
			want1, err := x509.ParsePKCS1PrivateKey(der1)
			require.NoError(t, err)
			want8, err := x509.ParsePKCS8PrivateKey(der8)
			require.NoError(t, err)

			forms := map[string]struct {
				in   string
				want *rsa.PrivateKey
			}{
				"pkcs1 pem":    {string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der1})), want1},
				"pkcs1 base64": {base64.StdEncoding.EncodeToString(der1), want1},
				"pkcs8 pem":    {string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der8})), want8.(*rsa.PrivateKey)},
				"pkcs8 base64": {base64.RawURLEncoding.EncodeToString(der8), want8.(*rsa.PrivateKey)},
			}
			for name, f := range forms {
				got, err := jws.ParsePrivateKey(f.in)
				require.NoError(t, err, name)
				assert.True(t, got.Equal(f.want), "%s: differs from x509", name)
				assert.True(t, got.Equal(k), "%s: differs from the generated key", name)
				assertSameCRT(t, f.want, got)
				assert.NoError(t, got.Validate(), name)
				// Precomputed: signing and verifying works straight away.
				tok, err := jws.Sign(got, jws.Header{Kid: "k"}, map[string]any{"n": bits})
				require.NoError(t, err, name)
				_, _, err = jws.Verify(tok, &k.PublicKey)
				assert.NoError(t, err, name)
			}
		})
	}
}

func assertSameCRT(t *testing.T, want, got *rsa.PrivateKey) {
	t.Helper()
	assert.Equal(t, 0, want.Precomputed.Dp.Cmp(got.Precomputed.Dp), "dP")
	assert.Equal(t, 0, want.Precomputed.Dq.Cmp(got.Precomputed.Dq), "dQ")
	assert.Equal(t, 0, want.Precomputed.Qinv.Cmp(got.Precomputed.Qinv), "qInv")
}

func derInt(t testing.TB, v *big.Int) []byte {
	b, err := asn1.Marshal(v)
	require.NoError(t, err)
	return b
}

// derOID encodes an OBJECT IDENTIFIER, clipped so that appending to it
// copies.
func derOID(t testing.TB, arcs ...int) []byte {
	b, err := asn1.Marshal(asn1.ObjectIdentifier(arcs))
	require.NoError(t, err)
	return slices.Clip(b)
}

var null = []byte{0x05, 0x00}

// pkcs1Of encodes an RSAPrivateKey from its parts, which may be wrong.
func pkcs1Of(t testing.TB, version int64, n *big.Int, e int64, d, p, q, dp, dq, qinv *big.Int) []byte {
	parts := [][]byte{derInt(t, big.NewInt(version)), derInt(t, n), derInt(t, big.NewInt(e))}
	for _, x := range []*big.Int{d, p, q, dp, dq, qinv} {
		parts = append(parts, derInt(t, x))
	}
	return testkeys.DER(0x30, parts...)
}

// pkcs8Of wraps a private key in a PrivateKeyInfo with the given
// AlgorithmIdentifier contents and trailing fields.
func pkcs8Of(version byte, alg []byte, key []byte, extra ...[]byte) []byte {
	parts := [][]byte{{0x02, 0x01, version}, testkeys.DER(0x30, alg), testkeys.DER(0x04, key)}
	return testkeys.DER(0x30, append(parts, extra...)...)
}

// TestParsePrivateKeyDERShapes: each shape a user might paste gets the
// message that names it, and everything malformed the generic one.
func TestParsePrivateKeyDERShapes(t *testing.T) {
	k := key(t)
	der1 := x509.MarshalPKCS1PrivateKey(k)
	der8, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	p, q := k.Primes[0], k.Primes[1]
	dp, dq, qinv := k.Precomputed.Dp, k.Precomputed.Dq, k.Precomputed.Qinv
	rsaOID := derOID(t, 1, 2, 840, 113549, 1, 1, 1)
	pubKeyBits := testkeys.DER(0x81, []byte{0}, x509.MarshalPKCS1PublicKey(&k.PublicKey))

	ec256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ec384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	marshal8 := func(key any) []byte {
		b, err := x509.MarshalPKCS8PrivateKey(key)
		require.NoError(t, err)
		return b
	}
	sec1 := func(key *ecdsa.PrivateKey) []byte {
		b, err := x509.MarshalECPrivateKey(key)
		require.NoError(t, err)
		return b
	}
	spki := func(pub any) []byte {
		b, err := x509.MarshalPKIXPublicKey(pub)
		require.NoError(t, err)
		return b
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "brokerauth test"},
		NotBefore:    time.Unix(1700000000, 0),
		NotAfter:     time.Unix(1800000000, 0),
	}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	ecCert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ec256.PublicKey, ec256)
	require.NoError(t, err)

	multi, err := rsa.GenerateMultiPrimeKey(rand.Reader, 3, 2048) // deprecated, but what the test needs
	require.NoError(t, err)
	multi1 := x509.MarshalPKCS1PrivateKey(multi)
	require.Equal(t, byte(1), multi1[6], "multi-prime PKCS#1 is version 1")

	// Non-minimal forms of the PKCS#8 encoding: the outer length in four
	// bytes instead of two, and the version as 00 00.
	longLen := append([]byte{0x30, 0x83, 0x00}, der8[2:]...)
	require.Equal(t, byte(0x82), der8[1])
	require.Equal(t, []byte{0x02, 0x01, 0x00}, der8[4:7])
	padded := testkeys.DER(0x30, []byte{0x02, 0x02, 0x00, 0x00}, der8[7:])
	corruptP := new(big.Int).Add(p, big.NewInt(2))

	cases := map[string]struct {
		der  []byte
		want string // "" means accepted
	}{
		"pkcs1":                     {der1, ""},
		"pkcs8":                     {der8, ""},
		"pkcs8 params absent":       {pkcs8Of(0, rsaOID, der1), ""},
		"pkcs8 v2 with attrs + pub": {pkcs8Of(1, append(rsaOID, null...), der1, testkeys.DER(0xa0, testkeys.DER(0x30)), pubKeyBits), ""},
		"pkcs8 v1 attrs only":       {pkcs8Of(0, append(rsaOID, null...), der1, testkeys.DER(0xa0)), ""},

		"ec p256 pkcs8":         {marshal8(ec256), wantEC},
		"ec p384 pkcs8":         {marshal8(ec384), wantEC},
		"ec p256 sec1":          {sec1(ec256), wantEC},
		"ec p384 sec1":          {sec1(ec384), wantEC},
		"ed25519 pkcs8":         {marshal8(ed), wantEd25519},
		"x25519 pkcs8":          {marshal8(x25519), "X25519 key, " + wantNotRSA},
		"ed448 pkcs8":           {pkcs8Of(0, derOID(t, 1, 3, 101, 113), testkeys.DER(0x04, make([]byte, 57))), "Ed448 key, " + wantNotRSA},
		"x448 pkcs8":            {pkcs8Of(0, derOID(t, 1, 3, 101, 111), testkeys.DER(0x04, make([]byte, 56))), "X448 key, " + wantNotRSA},
		"dsa pkcs8":             {pkcs8Of(0, append(derOID(t, 1, 2, 840, 10040, 4, 1), testkeys.DER(0x30, derInt(t, p), derInt(t, q), derInt(t, p))...), derInt(t, q)), "DSA key, " + wantNotRSA},
		"unknown alg pkcs8":     {pkcs8Of(0, derOID(t, 1, 2, 3, 4), []byte{0x04, 0x00}), "this is " + wantNotRSA},
		"rsa-pss pkcs8":         {pkcs8Of(0, derOID(t, 1, 2, 840, 113549, 1, 1, 10), der1), "RSA-PSS"},
		"rsa pub spki":          {spki(&k.PublicKey), wantPublic},
		"ec pub spki":           {spki(&ec256.PublicKey), wantPublic},
		"ed25519 pub spki":      {spki(ed.Public()), wantPublic},
		"rsa pub pkcs1":         {x509.MarshalPKCS1PublicKey(&k.PublicKey), wantPublic},
		"certificate rsa":       {cert, wantCert},
		"certificate ec":        {ecCert, wantCert},
		"multi-prime pkcs1":     {multi1, wantMultiPrim},
		"multi-prime pkcs8":     {marshal8(multi), wantMultiPrim},
		"1024-bit via pkcs1":    {pkcs1Of(t, 0, new(big.Int).Rsh(k.N, 1024), 65537, k.D, p, q, dp, dq, qinv), "1024-bit"},
		"17000-bit via pkcs1":   {pkcs1Of(t, 0, new(big.Int).Lsh(k.N, 17000-2048), 65537, k.D, p, q, dp, dq, qinv), "17000-bit"},
		"e even":                {pkcs1Of(t, 0, k.N, 65536, k.D, p, q, dp, dq, qinv), wantExponent},
		"e one":                 {pkcs1Of(t, 0, k.N, 1, k.D, p, q, dp, dq, qinv), wantExponent},
		"e zero":                {pkcs1Of(t, 0, k.N, 0, k.D, p, q, dp, dq, qinv), wantExponent},
		"e 2^31+1":              {pkcs1Of(t, 0, k.N, 1<<31+1, k.D, p, q, dp, dq, qinv), wantExponent},
		"e 2^40+1":              {pkcs1Of(t, 0, k.N, 1<<40+1, k.D, p, q, dp, dq, qinv), wantExponent},
		"e negative":            {pkcs1Of(t, 0, k.N, -65537, k.D, p, q, dp, dq, qinv), wantNeither},
		"e 3 (inconsistent)":    {pkcs1Of(t, 0, k.N, 3, k.D, p, q, dp, dq, qinv), wantNeither},
		"d zero":                {pkcs1Of(t, 0, k.N, 65537, big.NewInt(0), p, q, dp, dq, qinv), wantNeither},
		"p corrupted":           {pkcs1Of(t, 0, k.N, 65537, k.D, corruptP, q, dp, dq, qinv), wantNeither},
		"dp corrupted":          {pkcs1Of(t, 0, k.N, 65537, k.D, p, q, new(big.Int).Add(dp, big.NewInt(1)), dq, qinv), wantNeither},
		"qinv corrupted":        {pkcs1Of(t, 0, k.N, 65537, k.D, p, q, dp, dq, new(big.Int).Add(qinv, big.NewInt(1))), wantNeither},
		"p and q swapped":       {pkcs1Of(t, 0, k.N, 65537, k.D, q, p, dp, dq, qinv), wantNeither},
		"p longer than n":       {pkcs1Of(t, 0, k.N, 65537, k.D, new(big.Int).Lsh(p, 2048), q, dp, dq, qinv), wantNeither},
		"d of 100 KB":           {pkcs1Of(t, 0, k.N, 65537, new(big.Int).Lsh(big.NewInt(1), 800000), p, q, dp, dq, qinv), wantNeither},
		"version 2":             {pkcs1Of(t, 2, k.N, 65537, k.D, p, q, dp, dq, qinv), wantNeither},
		"pkcs1 no crt":          {testkeys.DER(0x30, derInt(t, big.NewInt(0)), derInt(t, k.N), derInt(t, big.NewInt(65537)), derInt(t, k.D), derInt(t, p), derInt(t, q)), wantNeither},
		"pkcs8 version 2":       {pkcs8Of(2, append(rsaOID, null...), der1), wantNeither},
		"pkcs8 bad rsa params":  {pkcs8Of(0, append(rsaOID, derOID(t, 1, 2)...), der1), wantNeither},
		"pkcs8 two params":      {pkcs8Of(0, append(append(rsaOID, null...), null...), der1), wantNeither},
		"pkcs8 unknown field":   {pkcs8Of(0, append(rsaOID, null...), der1, testkeys.DER(0xa2)), wantNeither},
		"pkcs8 fields reversed": {pkcs8Of(1, append(rsaOID, null...), der1, pubKeyBits, testkeys.DER(0xa0)), wantNeither},
		"pkcs8 inner trailing":  {pkcs8Of(0, append(rsaOID, null...), append(append([]byte(nil), der1...), 0)), wantNeither},
		"pkcs8 inner public":    {pkcs8Of(0, append(rsaOID, null...), x509.MarshalPKCS1PublicKey(&k.PublicKey)), wantPublic},
		"pkcs8 inner garbage":   {pkcs8Of(0, append(rsaOID, null...), []byte("garbage")), wantNeither},
		"pkcs8 trailing byte":   {append(append([]byte(nil), der8...), 0), wantNeither},
		"pkcs8 trailing der":    {append(append([]byte(nil), der8...), null...), wantNeither},
		"pkcs1 trailing byte":   {append(append([]byte(nil), der1...), 0), wantNeither},
		"pkcs1 extra element":   {testkeys.DER(0x30, der1[4:], null), wantNeither},
		"non-minimal length":    {longLen, wantNeither},
		"non-minimal version":   {padded, wantNeither},
		"indefinite length":     {append([]byte{0x30, 0x80}, append(der8[4:], 0, 0)...), wantNeither},
		"ber constructed octet": {testkeys.DER(0x30, []byte{0x02, 0x01, 0x00}, testkeys.DER(0x30, rsaOID, null), testkeys.DER(0x24, testkeys.DER(0x04, der1))), wantNeither},
		"empty sequence":        {[]byte{0x30, 0x00}, wantNeither},
		"set instead":           {append([]byte{0x31}, der8[1:]...), wantNeither},
		"sec1 version 2":        {append(append([]byte{}, sec1(ec256)[:4]...), append([]byte{0x02}, sec1(ec256)[5:]...)...), wantNeither},
		"spki trailing":         {testkeys.DER(0x30, testkeys.DER(0x30, rsaOID, null), testkeys.DER(0x03, []byte{0}), null), wantNeither},
		"v1-shaped cert":        {testkeys.DER(0x30, testkeys.DER(0x30, derInt(t, big.NewInt(1))), testkeys.DER(0x30, rsaOID), testkeys.DER(0x03, []byte{0})), wantNeither},
	}
	for name, whole := range map[string][]byte{"pkcs8": der8, "pkcs1": der1} {
		for _, cut := range []int{1, 2, 4, 10, 100, len(whole) / 2, len(whole) - 1} {
			cases[name+" cut to "+strconv.Itoa(cut)] = struct {
				der  []byte
				want string
			}{whole[:cut], wantNeither}
		}
	}

	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			// Both as bare base64 and in a PEM block labeled PRIVATE KEY:
			// the label is only a hint.
			for _, in := range []string{
				base64.StdEncoding.EncodeToString(c.der),
				string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: c.der})),
			} {
				got, err := jws.ParsePrivateKey(in)
				if c.want == "" {
					require.NoError(t, err)
					assert.True(t, got.Equal(k))
					continue
				}
				var e *core.Error
				require.True(t, errors.As(err, &e), "got %v", err)
				assert.Equal(t, core.CodeInvalidKey, e.Code)
				assert.Contains(t, e.Message, c.want)
				assertNoKeyText(t, in, err)
			}
		})
	}
}

// TestParsePrivateKeyStricterThanX509 documents inputs x509 accepts and
// the parser refuses on purpose: they are not DER, or not what a key
// tool writes.
func TestParsePrivateKeyStricterThanX509(t *testing.T) {
	k := key(t)
	der1 := x509.MarshalPKCS1PrivateKey(k)
	der8, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	rsaAlg := testkeys.DER(0x30, derOID(t, 1, 2, 840, 113549, 1, 1, 1), null)
	cases := map[string]struct {
		der    []byte
		pkcs8  bool
		reason string
	}{
		"pkcs8 trailing data": {append(append([]byte(nil), der8...), 0, 0), true, "x509 ignores bytes after PrivateKeyInfo"},
		"pkcs8 version 7":     {testkeys.DER(0x30, []byte{0x02, 0x01, 0x07}, rsaAlg, testkeys.DER(0x04, der1)), true, "x509 does not check the version"},
		"pkcs8 extra field":   {testkeys.DER(0x30, []byte{0x02, 0x01, 0x00}, rsaAlg, testkeys.DER(0x04, der1), null), true, "encoding/asn1 ignores extra SEQUENCE elements"},
		"rsa params not NULL": {testkeys.DER(0x30, []byte{0x02, 0x01, 0x00}, testkeys.DER(0x30, derOID(t, 1, 2, 840, 113549, 1, 1, 1), []byte{0x02, 0x01, 0x00}), testkeys.DER(0x04, der1)), true, "x509 ignores the parameters"},
		"pkcs1 without crt": {testkeys.DER(0x30, derInt(t, big.NewInt(0)), derInt(t, k.N), derInt(t, big.NewInt(int64(k.E))), derInt(t, k.D), derInt(t, k.Primes[0]), derInt(t, k.Primes[1])), false,
			"RFC 8017 requires dP, dQ and qInv"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if c.pkcs8 {
				_, err := x509.ParsePKCS8PrivateKey(c.der)
				require.NoError(t, err, "x509 should accept it (%s)", c.reason)
			} else {
				_, err := x509.ParsePKCS1PrivateKey(c.der)
				require.NoError(t, err, "x509 should accept it (%s)", c.reason)
			}
			_, err := jws.ParsePrivateKey(base64.StdEncoding.EncodeToString(c.der))
			var e *core.Error
			require.True(t, errors.As(err, &e), "got %v", err)
			assert.Contains(t, e.Message, wantNeither)
		})
	}
}

var (
	demoOnce sync.Once
	demoDER  []byte
)

// demoKeyDER is the simulator's fixed demo key as PKCS#8 DER: fuzz seeds
// cannot generate keys, which takes longer than a fuzz run under
// instrumentation.
func demoKeyDER(t testing.TB) []byte {
	demoOnce.Do(func() {
		block, _ := pem.Decode([]byte(ibkrsim.DemoClient().PrivateKeyPEM))
		if block != nil {
			demoDER = block.Bytes
		}
	})
	require.NotEmpty(t, demoDER)
	return demoDER
}

// FuzzParsePrivateKeyDER is the differential fuzz target: on any bytes the
// parser never panics, fails only with invalid_key, and when it accepts,
// crypto/x509 accepts too and returns the same key.
func FuzzParsePrivateKeyDER(f *testing.F) {
	der8 := demoKeyDER(f)
	k8, err := x509.ParsePKCS8PrivateKey(der8)
	require.NoError(f, err)
	k := k8.(*rsa.PrivateKey)
	der1 := x509.MarshalPKCS1PrivateKey(k)
	f.Add(der8)
	f.Add(der1)
	f.Add(x509.MarshalPKCS1PublicKey(&k.PublicKey))
	if spki, err := x509.MarshalPKIXPublicKey(&k.PublicKey); err == nil {
		f.Add(spki)
	}
	rsaOID := derOID(f, 1, 2, 840, 113549, 1, 1, 1)
	f.Add(pkcs8Of(1, append(rsaOID, null...), der1, testkeys.DER(0xa0), testkeys.DER(0x81, []byte{0})))
	f.Add(pkcs8Of(0, rsaOID, der1))
	f.Add(pkcs8Of(0, derOID(f, 1, 2, 840, 113549, 1, 1, 10), der1))
	f.Add(pkcs8Of(0, derOID(f, 1, 3, 101, 112), testkeys.DER(0x04, make([]byte, 32))))
	f.Add(pkcs8Of(0, derOID(f, 1, 2, 840, 10045, 2, 1), []byte{0x30, 0x00}))
	f.Add(testkeys.DER(0x30, []byte{0x02, 0x01, 0x01}, testkeys.DER(0x04, make([]byte, 32)), testkeys.DER(0xa0, derOID(f, 1, 2, 840, 10045, 3, 1, 7))))
	f.Add(testkeys.DER(0x30, testkeys.DER(0x30, testkeys.DER(0xa0, []byte{0x02, 0x01, 0x02})), testkeys.DER(0x30, rsaOID), testkeys.DER(0x03, []byte{0})))
	f.Add([]byte{0x30, 0x00})
	f.Add([]byte{0x30, 0x81, 0x01, 0x02})
	f.Fuzz(checkParseDER)
}

// checkParseDER is FuzzParsePrivateKeyDER's property. x509 runs only when
// the parser accepts: on a refusal it would double the cost of an
// execution (RSA validation is slow under fuzzing instrumentation) and
// check nothing, since x509 is allowed to be laxer. The converse, that
// keys as x509 writes them are accepted, is TestParsePrivateKeyMatchesX509's.
func checkParseDER(t *testing.T, b []byte) {
	got, err := jws.ParsePrivateKey(base64.StdEncoding.EncodeToString(b))
	if err != nil {
		var e *core.Error
		if !errors.As(err, &e) || e.Code != core.CodeInvalidKey || e.Message == "" {
			t.Fatalf("untyped error %v", err)
		}
		return
	}
	var want *rsa.PrivateKey
	if k, err := x509.ParsePKCS1PrivateKey(b); err == nil {
		want = k
	} else if k, err := x509.ParsePKCS8PrivateKey(b); err == nil {
		want, _ = k.(*rsa.PrivateKey)
	}
	if want == nil {
		t.Fatalf("accepted what x509 refuses")
	}
	if !got.Equal(want) {
		t.Fatalf("parsed a key different from x509's")
	}
	if got.Precomputed.Dp.Cmp(want.Precomputed.Dp) != 0 || got.Precomputed.Dq.Cmp(want.Precomputed.Dq) != 0 ||
		got.Precomputed.Qinv.Cmp(want.Precomputed.Qinv) != 0 {
		t.Fatalf("CRT values differ from x509's")
	}
	if got.Validate() != nil {
		t.Fatalf("accepted a key that does not validate")
	}
	if bits := got.N.BitLen(); bits < jws.MinKeyBits || bits > jws.MaxKeyBits {
		t.Fatalf("accepted a %d-bit key", bits)
	}
}

// BenchmarkParsePrivateKey: the demo key as PKCS#8 and PKCS#1 PEM (most of
// the time goes to Precompute and Validate), and an EC key refused by shape
// (the DER reading alone).
func BenchmarkParsePrivateKey(b *testing.B) {
	der8 := demoKeyDER(b)
	k8, err := x509.ParsePKCS8PrivateKey(der8)
	require.NoError(b, err)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(b, err)
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	require.NoError(b, err)
	for _, c := range []struct {
		name, typ string
		der       []byte
		ok        bool
	}{
		{"pkcs8", "PRIVATE KEY", der8, true},
		{"pkcs1", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k8.(*rsa.PrivateKey)), true},
		{"ec refused", "PRIVATE KEY", ecDER, false},
	} {
		in := string(pem.EncodeToMemory(&pem.Block{Type: c.typ, Bytes: c.der}))
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := jws.ParsePrivateKey(in); (err == nil) != c.ok {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestParsePrivateKeyIntegerEncodings: every INTEGER must be DER and not
// negative: no padding byte but the one that keeps a positive number
// positive. cryptobyte reads them so into []byte; into a *big.Int it would
// take the negative ones.
func TestParsePrivateKeyIntegerEncodings(t *testing.T) {
	k := key(t)
	n := k.N.Bytes()
	require.NotZero(t, n[0]&0x80, "a 2048-bit modulus has its top bit set")
	ints := [][]byte{{0x02, 0x01, 0x00}, derInt(t, k.N), derInt(t, big.NewInt(int64(k.E))), derInt(t, k.D),
		derInt(t, k.Primes[0]), derInt(t, k.Primes[1]), derInt(t, k.Precomputed.Dp), derInt(t, k.Precomputed.Dq), derInt(t, k.Precomputed.Qinv)}
	// with is the RSAPrivateKey with its i-th INTEGER (0 is the version)
	// replaced by raw bytes.
	with := func(i int, raw []byte) []byte {
		parts := slices.Clone(ints)
		parts[i] = raw
		return testkeys.DER(0x30, parts...)
	}
	pub := testkeys.DER(0x30, derInt(t, k.N), derInt(t, big.NewInt(int64(k.E))))
	rsaAlg := append(derOID(t, 1, 2, 840, 113549, 1, 1, 1), null...)
	sec1 := testkeys.DER(0x30, []byte{0x02, 0x02, 0x00, 0x01}, testkeys.DER(0x04, make([]byte, 32)))
	cases := map[string]struct {
		der  []byte
		want string // "" means accepted
	}{
		"as x509 writes it":               {testkeys.DER(0x30, ints...), ""},
		"version 00 00":                   {with(0, []byte{0x02, 0x02, 0x00, 0x00}), wantNeither},
		"version -1":                      {with(0, []byte{0x02, 0x01, 0xff}), wantNeither},
		"version empty":                   {with(0, []byte{0x02, 0x00}), wantNeither},
		"version as ENUMERATED":           {with(0, []byte{0x0a, 0x01, 0x00}), wantNeither},
		"n negative (no sign byte)":       {with(1, testkeys.DER(0x02, n)), wantNeither},
		"n with two zero bytes":           {with(1, testkeys.DER(0x02, []byte{0, 0}, n)), wantNeither},
		"n sign-extended with 0xff":       {with(1, testkeys.DER(0x02, []byte{0xff}, n)), wantNeither},
		"n with a non-minimal length":     {with(1, append([]byte{0x02, 0x83, 0x00, 0x01, 0x01}, derInt(t, k.N)[4:]...)), wantNeither},
		"e with a leading zero":           {with(2, []byte{0x02, 0x04, 0x00, 0x01, 0x00, 0x01}), wantNeither},
		"e -1 padded with 0xff":           {with(2, []byte{0x02, 0x02, 0xff, 0xff}), wantNeither},
		"d empty":                         {with(3, []byte{0x02, 0x00}), wantNeither},
		"d negative":                      {with(3, testkeys.DER(0x02, []byte{0x80}, k.D.Bytes())), wantNeither},
		"qInv with a leading zero":        {with(8, testkeys.DER(0x02, []byte{0, 0}, k.Precomputed.Qinv.Bytes())), wantNeither},
		"pkcs8 version 00 01":             {testkeys.DER(0x30, []byte{0x02, 0x02, 0x00, 0x01}, testkeys.DER(0x30, rsaAlg), testkeys.DER(0x04, testkeys.DER(0x30, ints...))), wantNeither},
		"pkcs8 version -1":                {testkeys.DER(0x30, []byte{0x02, 0x01, 0xff}, testkeys.DER(0x30, rsaAlg), testkeys.DER(0x04, testkeys.DER(0x30, ints...))), wantNeither},
		"public key":                      {pub, wantPublic},
		"public key, n negative":          {testkeys.DER(0x30, testkeys.DER(0x02, n), derInt(t, big.NewInt(int64(k.E)))), wantNeither},
		"public key, e with leading zero": {testkeys.DER(0x30, derInt(t, k.N), []byte{0x02, 0x04, 0x00, 0x01, 0x00, 0x01}), wantNeither},
		"sec1 version 00 01":              {sec1, wantNeither},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := jws.ParsePrivateKey(base64.StdEncoding.EncodeToString(c.der))
			if c.want == "" {
				require.NoError(t, err)
				assert.True(t, got.Equal(k))
				return
			}
			var e *core.Error
			require.True(t, errors.As(err, &e), "got %v", err)
			assert.Equal(t, core.CodeInvalidKey, e.Code)
			assert.Contains(t, e.Message, c.want)
		})
	}
}

// TestParsePrivateKeyDERLengthLimit: lengths take at most 3 bytes
// (16 MiB), where cryptobyte alone would read 4 and x509 more. A PKCS#8
// key with 64 KiB of attributes is read; one with 16 MiB, which x509
// accepts, is not.
func TestParsePrivateKeyDERLengthLimit(t *testing.T) {
	k := key(t)
	rsaAlg := testkeys.DER(0x30, derOID(t, 1, 2, 840, 113549, 1, 1, 1), null)
	withAttrs := func(size int) []byte {
		body := bytes.Join([][]byte{{0x02, 0x01, 0x00}, rsaAlg, testkeys.DER(0x04, x509.MarshalPKCS1PrivateKey(k)), testkeys.DER(0xa0, make([]byte, size))}, nil)
		n := len(body)
		if n < 1<<24 {
			return testkeys.DER(0x30, body)
		}
		return append([]byte{0x30, 0x84, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, body...)
	}

	long := withAttrs(1 << 16)
	require.Equal(t, []byte{0x30, 0x83}, long[:2])
	got, err := jws.ParsePrivateKey(base64.StdEncoding.EncodeToString(long))
	require.NoError(t, err)
	assert.True(t, got.Equal(k))

	// Attributes of just under 16 MiB: their own length takes 3 bytes, the
	// whole key's 4.
	huge := withAttrs(1<<24 - 16)
	require.Equal(t, []byte{0x30, 0x84}, huge[:2])
	require.Equal(t, []byte{0xa0, 0x83}, huge[len(huge)-(1<<24-16)-5:][:2])
	_, err = x509.ParsePKCS8PrivateKey(huge)
	require.NoError(t, err, "x509 reads 4-byte lengths")
	_, err = jws.ParsePrivateKey(base64.StdEncoding.EncodeToString(huge))
	var e *core.Error
	require.True(t, errors.As(err, &e), "got %v", err)
	assert.Contains(t, e.Message, wantNeither)
}
