package rsaenc

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"
)

// modulus is a test modulus: odd, but not necessarily a product of primes,
// which Montgomery arithmetic does not need.
type modulus struct {
	name string
	n    *big.Int
}

// testModuli covers the sizes brokers use and the shapes that stress the
// limb code: a top limb that is nearly empty (padding up to a whole block)
// or full (carries out of the top), byte lengths that are not whole limbs,
// the extremes 2^k ± 1, and small moduli that fit one or two limbs.
func testModuli(t testing.TB) []modulus {
	t.Helper()
	var ms []modulus
	add := func(name string, n *big.Int) {
		require.Equal(t, uint(1), n.Bit(0), "%s must be odd", name)
		ms = append(ms, modulus{name, n})
	}
	for _, bits := range []int{1024, 2048, 3072, 4096} {
		add(fmt.Sprintf("random %d-bit", bits), randomOdd(t, bits))
		// Top limb 0xffffffff.
		n := randomOdd(t, bits-32)
		n.Or(n, new(big.Int).Lsh(big.NewInt(0xffffffff), uint(bits-32)))
		add(fmt.Sprintf("%d-bit, top limb all ones", bits), n)
		// Top limb 0x80000000.
		n = randomOdd(t, bits-40)
		n.SetBit(n, bits-1, 1)
		add(fmt.Sprintf("%d-bit, top limb 0x80000000", bits), n)
	}
	for _, bits := range []int{1025, 2049, 4097} {
		add(fmt.Sprintf("%d-bit, top limb 1", bits), randomOdd(t, bits))
	}
	for _, bits := range []int{1030, 2047, 2055, 2056, 3071} {
		add(fmt.Sprintf("%d-bit, partial top limb", bits), randomOdd(t, bits))
	}
	one := big.NewInt(1)
	add("2^1024-1", new(big.Int).Sub(new(big.Int).Lsh(one, 1024), one))
	add("2^2048-1", new(big.Int).Sub(new(big.Int).Lsh(one, 2048), one))
	add("2^2047+1", new(big.Int).Add(new(big.Int).Lsh(one, 2047), one))
	add("2^2048+1", new(big.Int).Add(new(big.Int).Lsh(one, 2048), one))
	for _, v := range []uint64{3, 5, 0xffff, 1<<31 + 1, 1<<32 - 1, 1<<32 + 1, 1<<63 + 1, 1<<64 - 1} {
		add(fmt.Sprintf("%d", v), new(big.Int).SetUint64(v))
	}
	for _, bits := range []int{33, 65, 100, 511, 512, 513} {
		add(fmt.Sprintf("random %d-bit", bits), randomOdd(t, bits))
	}
	return ms
}

// randomOdd returns a random odd number of exactly bits bits.
func randomOdd(t testing.TB, bits int) *big.Int {
	t.Helper()
	b := make([]byte, (bits+7)/8)
	_, err := rand.Read(b)
	require.NoError(t, err)
	n := new(big.Int).SetBytes(b)
	n.Rsh(n, uint(8*len(b)-bits))
	n.SetBit(n, bits-1, 1)
	return n.SetBit(n, 0, 1)
}

// randomBelow returns a random number in [0, n).
func randomBelow(t testing.TB, n *big.Int) *big.Int {
	t.Helper()
	x, err := rand.Int(rand.Reader, n)
	require.NoError(t, err)
	return x
}

func newKey(t testing.TB, n *big.Int, e uint64) *PublicKey {
	t.Helper()
	k, err := New(n.Bytes(), e)
	require.NoError(t, err)
	return k
}

// limbsOf returns x < n as the key's L limbs.
func (k *PublicKey) limbsOf(x *big.Int) []uint32 {
	z := make([]uint32, len(k.n))
	bytesToLimbs(z, x.Bytes())
	return z
}

func intOf(z []uint32) *big.Int {
	b := make([]byte, 4*len(z))
	limbsToBytes(b, z)
	return new(big.Int).SetBytes(b)
}

// edgeValues are the inputs below n that carry the most: 0, 1, 2, n-1, n-2,
// all ones below n's top bit, n's top bit alone.
func edgeValues(n *big.Int) []*big.Int {
	one := big.NewInt(1)
	vs := []*big.Int{big.NewInt(0), one}
	if n.Cmp(big.NewInt(2)) > 0 {
		vs = append(vs, big.NewInt(2), new(big.Int).Sub(n, big.NewInt(2)))
	}
	vs = append(vs, new(big.Int).Sub(n, one))
	top := new(big.Int).Lsh(one, uint(n.BitLen()-1))
	vs = append(vs, top, new(big.Int).Sub(top, one))
	return vs
}
