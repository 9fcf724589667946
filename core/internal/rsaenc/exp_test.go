package rsaenc

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// expBytes is exp on a big-endian m < n, returning Size() bytes.
func (k *PublicKey) expBytes(m []byte) []byte {
	x := make([]uint32, len(k.n))
	bytesToLimbs(x, m)
	k.exp(x, x)
	out := make([]byte, k.size)
	limbsToBytes(out, x)
	return out
}

// testExponents are the public exponents brokers use (65537), the smallest
// (3), the largest core accepts, and larger ones that exercise long runs of
// squarings and multiplications.
var testExponents = []uint64{3, 65537, 1<<31 - 1, 0x9e3779b97f4a7c15 | 1, 1<<64 - 1}

// TestExpMatchesMathBig is the differential test: m^e mod n against
// math/big's Exp for every test modulus and exponent, on edge values and
// random messages.
func TestExpMatchesMathBig(t *testing.T) {
	for _, m := range testModuli(t) {
		t.Run(m.name, func(t *testing.T) {
			messages := edgeValues(m.n)
			for range 3 {
				messages = append(messages, randomBelow(t, m.n))
			}
			for _, e := range testExponents {
				k := newKey(t, m.n, e)
				require.Equal(t, (m.n.BitLen()+7)/8, k.Size())
				E := new(big.Int).SetUint64(e)
				for _, msg := range messages {
					want := new(big.Int).Exp(msg, E, m.n)
					got := k.expBytes(msg.Bytes())
					require.Len(t, got, k.Size())
					assert.Equal(t, want.Text(16), new(big.Int).SetBytes(got).Text(16), "%x^%d", msg, e)
				}
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		n    []byte
		e    uint64
		err  error
	}{
		{"empty modulus", nil, 65537, ErrModulus},
		{"zero modulus", []byte{0, 0}, 65537, ErrModulus},
		{"modulus 1", []byte{0, 1}, 65537, ErrModulus},
		{"even modulus", []byte{1, 0}, 65537, ErrModulus},
		{"exponent 0", []byte{0xc5}, 0, ErrExponent},
		{"exponent 1", []byte{0xc5}, 1, ErrExponent},
		{"even exponent", []byte{0xc5}, 65536, ErrExponent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.n, tt.e)
			assert.ErrorIs(t, err, tt.err)
		})
	}
	// Leading zero bytes are not part of the size.
	k, err := New([]byte{0, 0, 0xc5}, 3)
	require.NoError(t, err)
	assert.Equal(t, 1, k.Size())
}
