package rsaenc

import (
	"crypto/rand"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ExpSecret agrees with math/big for random odd moduli of several sizes,
// exponents with and without leading zero bytes, and the edge bases.
func TestExpSecretAgreesWithMathBig(t *testing.T) {
	for _, bits := range []int{64, 511, 1024, 2045, 2048, 3072} {
		n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
		require.NoError(t, err)
		n.SetBit(n, 0, 1).SetBit(n, bits-1, 1)
		m, err := NewModulus(n.Bytes())
		require.NoError(t, err)
		for _, expLen := range []int{0, 1, 2, 32, 33} {
			exp := make([]byte, expLen)
			_, _ = rand.Read(exp)
			if expLen == 33 {
				exp[0] = 0
			}
			nMinus1 := new(big.Int).Sub(n, big.NewInt(1))
			randBase, _ := rand.Int(rand.Reader, n)
			for _, base := range []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), nMinus1, randBase} {
				got, err := m.ExpSecret(base.Bytes(), exp)
				require.NoError(t, err)
				want := new(big.Int).Exp(base, new(big.Int).SetBytes(exp), n)
				assert.Equal(t, want.FillBytes(make([]byte, m.Size())), got, "bits %d exp %x base %v", bits, exp, base)
			}
		}
	}
}

func TestExpSecretRefusesABaseNotBelowTheModulus(t *testing.T) {
	n := big.NewInt(1000003)
	m, err := NewModulus(n.Bytes())
	require.NoError(t, err)
	for _, base := range []*big.Int{n, new(big.Int).Add(n, big.NewInt(1)), new(big.Int).Lsh(n, 200)} {
		_, err := m.ExpSecret(base.Bytes(), []byte{3})
		assert.ErrorIs(t, err, ErrBase)
	}
	_, err = NewModulus([]byte{0x10, 0x00})
	assert.ErrorIs(t, err, ErrModulus)
}

func BenchmarkExpSecret2048(b *testing.B) {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 2048))
	n.SetBit(n, 0, 1).SetBit(n, 2047, 1)
	m, _ := NewModulus(n.Bytes())
	base, _ := rand.Int(rand.Reader, n)
	exp := make([]byte, 32)
	_, _ = rand.Read(exp)
	b.Run("rsaenc", func(b *testing.B) {
		for b.Loop() {
			_, _ = m.ExpSecret(base.Bytes(), exp)
		}
	})
	b.Run("math/big", func(b *testing.B) {
		e := new(big.Int).SetBytes(exp)
		for b.Loop() {
			new(big.Int).Exp(base, e, n)
		}
	})
}
