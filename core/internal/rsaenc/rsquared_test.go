package rsaenc

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRSquaredMatchesMathBig: R² mod n from the long division against
// math/big, for the test moduli and for moduli built from limbs that
// stress the quotient estimate (zeros, ones, 0x7fffffff, 0x80000000,
// all-ones), where the estimate is too large and has to be corrected, and
// sometimes the multiply-and-subtract goes negative and v is added back
// (the listed ones do).
func TestRSquaredMatchesMathBig(t *testing.T) {
	check := func(n *big.Int) {
		t.Helper()
		k, err := NewModulus(n.Bytes())
		require.NoError(t, err)
		want := new(big.Int).Lsh(big.NewInt(1), uint(64*len(k.n)))
		want.Mod(want, n)
		got := make([]byte, 4*len(k.n))
		limbsToBytes(got, k.rr)
		require.Equal(t, want.Text(16), new(big.Int).SetBytes(got).Text(16), "n = %x", n)
	}
	for _, m := range testModuli(t) {
		check(m.n)
	}
	for _, hex := range []string{ // each needs the add-back
		"80000000000000000b4765d2ffffffff0000000075becfab",
		"800000000000000000000000ffffffff000000000000000180000001",
		"80000000000000007fffffff000000015384f73d80000001",
		"800000000000000000000001860df027883a6a55fffffffe80000001",
		"8000000000000000def961de7fffffff8000000180000001",
	} {
		n, _ := new(big.Int).SetString(hex, 16)
		check(n)
	}
	r := rand.New(rand.NewPCG(1, 2))
	limbs := []uint32{0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x80000001}
	for range 20000 {
		n := new(big.Int)
		for range 2 + r.IntN(70) {
			v := r.Uint32()
			if r.IntN(3) > 0 {
				v = limbs[r.IntN(len(limbs))]
			}
			n.Lsh(n, 32).Or(n, big.NewInt(int64(v)))
		}
		n.SetBit(n, 0, 1)
		if n.BitLen() > 32 {
			check(n)
		}
	}
}
