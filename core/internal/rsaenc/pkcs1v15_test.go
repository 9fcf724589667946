package rsaenc

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"math/big"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	privKeysOnce sync.Once
	privKeys     []*rsa.PrivateKey
)

// testPrivateKeys returns real RSA keys, generated once per test binary:
// crypto/rsa's, with e = 65537, at the sizes the tests care about, and a
// 2048-bit key each for e = 3 and e = 2³¹-1, which crypto/rsa does not
// generate.
func testPrivateKeys(t testing.TB) []*rsa.PrivateKey {
	t.Helper()
	privKeysOnce.Do(func() {
		for _, bits := range []int{1024, 2048, 3072, 4096} {
			k, err := rsa.GenerateKey(rand.Reader, bits)
			if err != nil {
				panic(err)
			}
			privKeys = append(privKeys, k)
		}
		privKeys = append(privKeys, keyWithExponent(2048, 3), keyWithExponent(2048, 1<<31-1))
	})
	return privKeys
}

// keyWithExponent builds a private key with public exponent e from two
// random primes p, q for which e is invertible mod (p-1)(q-1).
func keyWithExponent(bits, e int) *rsa.PrivateKey {
	E := big.NewInt(int64(e))
	one := big.NewInt(1)
	for {
		p, err := rand.Prime(rand.Reader, bits/2)
		if err != nil {
			panic(err)
		}
		q, err := rand.Prime(rand.Reader, bits-bits/2)
		if err != nil {
			panic(err)
		}
		n := new(big.Int).Mul(p, q)
		if p.Cmp(q) == 0 || n.BitLen() != bits {
			continue
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(E, phi)
		if d == nil {
			continue
		}
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: e}, D: d, Primes: []*big.Int{p, q}}
		if err := k.Validate(); err != nil {
			panic(err)
		}
		k.Precompute()
		return k
	}
}

func keyFor(t testing.TB, pub *rsa.PublicKey) *PublicKey {
	t.Helper()
	k, err := New(pub.N.Bytes(), uint64(pub.E))
	require.NoError(t, err)
	require.Equal(t, pub.Size(), k.Size())
	return k
}

// TestEncryptRoundTrip decrypts with crypto/rsa, an independent PKCS#1 v1.5
// implementation: messages of every interesting length, up to the k-11
// maximum, must come back unchanged.
func TestEncryptRoundTrip(t *testing.T) {
	for _, priv := range testPrivateKeys(t) {
		k := keyFor(t, &priv.PublicKey)
		for _, size := range []int{0, 1, 32, k.Size() - Overhead - 1, k.Size() - Overhead} {
			msg := bytes.Repeat([]byte{0xa5, 0x00, 0xff}, size)[:size]
			c, err := k.EncryptPKCS1v15(rand.Reader, msg)
			require.NoError(t, err)
			require.Len(t, c, k.Size(), "ciphertexts are k bytes, leading zeros included")
			got, err := rsa.DecryptPKCS1v15(nil, priv, c)
			require.NoError(t, err, "%d-bit key, e=%d, %d-byte message", priv.N.BitLen(), priv.E, size)
			assert.Equal(t, msg, got)
		}
	}
}

// TestEncryptPadding decrypts without unpadding, to look at EM itself:
// 0x00 0x02, then k-3-len(msg) non-zero bytes, then 0x00 and the message.
func TestEncryptPadding(t *testing.T) {
	priv := testPrivateKeys(t)[1]
	k := keyFor(t, &priv.PublicKey)
	msg := []byte("MTExMXFxcXF8MTY0NzQ0MDUyODE5NA==")
	var lastPS []byte
	for range 20 {
		c, err := k.EncryptPKCS1v15(rand.Reader, msg)
		require.NoError(t, err)
		em := new(big.Int).Exp(new(big.Int).SetBytes(c), priv.D, priv.N).FillBytes(make([]byte, k.Size()))
		ps := checkEM(t, em, msg)
		assert.NotEqual(t, lastPS, ps, "PS is random")
		lastPS = ps
	}
}

// checkEM checks the RFC 8017 §7.2.1 structure and returns PS.
func checkEM(t *testing.T, em, msg []byte) []byte {
	t.Helper()
	psLen := len(em) - 3 - len(msg)
	require.GreaterOrEqual(t, psLen, 8)
	assert.Equal(t, []byte{0x00, 0x02}, em[:2])
	ps := em[2 : 2+psLen]
	assert.NotContains(t, ps, byte(0), "PS must have no zero byte")
	assert.Equal(t, byte(0), em[2+psLen], "separator")
	assert.Equal(t, msg, em[3+psLen:])
	return ps
}

func TestPad(t *testing.T) {
	k := newKey(t, randomOdd(t, 2048), 65537) // k = 256
	tests := []struct {
		name string
		size int
		err  error
	}{
		{"empty message", 0, nil},
		{"typical password", 32, nil},
		{"longest: PS of 8 bytes", 256 - Overhead, nil},
		{"one byte too long", 256 - Overhead + 1, ErrMessageTooLong},
		{"far too long", 1000, ErrMessageTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := bytes.Repeat([]byte{'m'}, tt.size)
			em, err := k.pad(msg, rand.Reader)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Len(t, em, 256)
			checkEM(t, em, msg)
		})
	}
}

// zeroHeavyReader returns mostly zero bytes, so that PS needs many redraws
// and the spare batch runs out more than once.
type zeroHeavyReader struct{ n int }

func (r *zeroHeavyReader) Read(p []byte) (int, error) {
	for i := range p {
		r.n++
		if r.n%5 == 0 {
			p[i] = byte(r.n)
		} else {
			p[i] = 0
		}
	}
	return len(p), nil
}

func TestPadRedrawsZeros(t *testing.T) {
	k := newKey(t, randomOdd(t, 1024), 3)
	msg := []byte("pw")
	em, err := k.pad(msg, &zeroHeavyReader{})
	require.NoError(t, err)
	ps := checkEM(t, em, msg)
	assert.Len(t, ps, 128-3-len(msg))
}

func TestPadKeepsNonZeroBytesInPlace(t *testing.T) {
	k := newKey(t, randomOdd(t, 1024), 3)
	stream := bytes.Repeat([]byte{7}, 200)
	stream[10], stream[50] = 0, 0
	em, err := k.pad([]byte{}, bytes.NewReader(stream))
	require.NoError(t, err)
	ps := checkEM(t, em, []byte{})
	for i, b := range ps {
		assert.Equal(t, byte(7), b, "PS[%d]", i)
	}
}

var errBrokenRand = errors.New("no randomness")

type failingReader struct{ after int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.after <= 0 {
		return 0, errBrokenRand
	}
	n := min(len(p), r.after)
	clear(p[:n]) // zeros force a second read
	r.after -= n
	return n, nil
}

func TestPadReaderFailure(t *testing.T) {
	k := newKey(t, randomOdd(t, 1024), 3)
	for _, after := range []int{0, 50, 200} {
		_, err := k.pad([]byte("pw"), &failingReader{after: after})
		assert.ErrorIs(t, err, errBrokenRand, "failure after %d bytes", after)
	}
	_, err := k.pad([]byte("pw"), io.LimitReader(rand.Reader, 10))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

func TestEncryptIsRandomised(t *testing.T) {
	k := newKey(t, randomOdd(t, 2048), 65537)
	a, err := k.EncryptPKCS1v15(rand.Reader, []byte("pw"))
	require.NoError(t, err)
	b, err := k.EncryptPKCS1v15(rand.Reader, []byte("pw"))
	require.NoError(t, err)
	assert.NotEqual(t, a, b)
}
