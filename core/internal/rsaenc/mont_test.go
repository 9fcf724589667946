package rsaenc

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMontgomery checks montMul and montSqr against math/big: for x, y < n
// they must return exactly x·y·R⁻¹ mod n (fully reduced, not just
// congruent).
func TestMontgomery(t *testing.T) {
	for _, m := range testModuli(t) {
		t.Run(m.name, func(t *testing.T) {
			k := newKey(t, m.n, 65537)
			L := len(k.n)
			require.Zero(t, L%block, "limbs padded to whole blocks")
			R := new(big.Int).Lsh(big.NewInt(1), uint(32*L))
			rInv := new(big.Int).ModInverse(R, m.n)
			values := edgeValues(m.n)
			for range 4 {
				values = append(values, randomBelow(t, m.n))
			}
			scratch := make([]uint32, 2*L+3)
			z := make([]uint32, L)
			for i, x := range values {
				y := values[(i*5+3)%len(values)]
				want := new(big.Int).Mul(x, y)
				want.Mul(want, rInv).Mod(want, m.n)
				k.montMul(z, k.limbsOf(x), k.limbsOf(y), scratch)
				assert.Equal(t, want.Text(16), intOf(z).Text(16), "montMul(%x, %x)", x, y)

				want.Mul(x, x).Mul(want, rInv).Mod(want, m.n)
				k.montSqr(z, k.limbsOf(x), scratch)
				assert.Equal(t, want.Text(16), intOf(z).Text(16), "montSqr(%x)", x)

				// In place, as exp uses them.
				xl := k.limbsOf(x)
				k.montSqr(xl, xl, scratch)
				assert.Equal(t, want.Text(16), intOf(xl).Text(16), "montSqr in place")
			}
		})
	}
}

func TestRR(t *testing.T) {
	for _, m := range testModuli(t) {
		t.Run(m.name, func(t *testing.T) {
			k := newKey(t, m.n, 3)
			want := new(big.Int).Lsh(big.NewInt(1), uint(64*len(k.n)))
			want.Mod(want, m.n)
			assert.Equal(t, want.Text(16), intOf(k.rr).Text(16))
		})
	}
}

func TestMontgomeryFactor(t *testing.T) {
	for _, n0 := range []uint32{1, 3, 0xffffffff, 0x80000001, 0x12345679, 65537} {
		b := []byte{byte(n0 >> 24), byte(n0 >> 16), byte(n0 >> 8), byte(n0)}
		assert.Equal(t, uint32(0xffffffff), n0*montgomeryFactor(b), "n0 = %#x: n0·n0inv must be -1 mod 2³²", n0)
	}
	// Only the low four bytes count.
	assert.Equal(t, montgomeryFactor([]byte{0x12, 0x34, 0x56, 0x79}), montgomeryFactor([]byte{0xff, 0x12, 0x34, 0x56, 0x79}))
	assert.Equal(t, montgomeryFactor([]byte{0, 0, 0, 3}), montgomeryFactor([]byte{3}))
}

func TestLimbsRoundTrip(t *testing.T) {
	for _, size := range []int{0, 1, 3, 4, 5, 255, 256, 257} {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(i*7 + 1)
		}
		z := make([]uint32, (size+3)/4+2)
		bytesToLimbs(z, b)
		out := make([]byte, size)
		limbsToBytes(out, z)
		assert.Equal(t, b, out, "%d bytes", size)
		if size > 0 {
			assert.Equal(t, uint32(b[size-1]), z[0]&0xff, "the last byte is the lowest")
		}
	}
}
