package rsaenc

import (
	"errors"
	"math/big"
)

// Errors from New and NewModulus. core checks keys before they get here,
// with messages meant for users; these only guard the package's own
// preconditions.
var (
	ErrModulus  = errors.New("rsaenc: modulus must be odd and greater than 1")
	ErrExponent = errors.New("rsaenc: public exponent must be odd and at least 3")
)

// Modulus is an odd modulus laid out for Montgomery arithmetic. It is
// immutable once built, so one may serve concurrent operations.
type Modulus struct {
	n     []uint32 // modulus, little-endian 32-bit limbs, padded to whole blocks
	rr    []uint32 // R² mod n with R = 2^(32·len(n)): turns x into x·R mod n
	n0inv uint32   // -n⁻¹ mod 2³², the per-limb Montgomery factor
	size  int      // modulus length in bytes, k in RFC 8017
}

// PublicKey is an RSA public key: its modulus and public exponent.
type PublicKey struct {
	Modulus
	e uint64 // public exponent, odd, ≥ 3
}

// New returns the key with big-endian modulus n (leading zero bytes are
// ignored) and public exponent e.
func New(n []byte, e uint64) (*PublicKey, error) {
	if e < 3 || e&1 == 0 {
		return nil, ErrExponent
	}
	m, err := NewModulus(n)
	if err != nil {
		return nil, err
	}
	return &PublicKey{Modulus: *m, e: e}, nil
}

// NewModulus returns the big-endian odd modulus n (leading zero bytes are
// ignored) laid out for Montgomery arithmetic.
//
// Everything here is derived from public values, so it may take variable
// time: R² mod n comes from one math/big division, which under WebAssembly
// costs a small fraction of the constant-time doubling chain crypto/rsa runs
// for the same number on every call. (A hand-written long division with
// 32-bit digits measured slower than math/big there.)
func NewModulus(n []byte) (*Modulus, error) {
	for len(n) > 0 && n[0] == 0 {
		n = n[1:]
	}
	if len(n) == 0 || n[len(n)-1]&1 == 0 || (len(n) == 1 && n[0] == 1) {
		return nil, ErrModulus
	}
	// Whole blocks of limbs let the inner loops be unrolled without a
	// remainder loop. High zero limbs do not disturb Montgomery arithmetic:
	// any R = 2^(32·L) above n will do.
	limbs := ((len(n)+3)/4 + block - 1) / block * block
	k := &Modulus{
		n:     make([]uint32, limbs),
		n0inv: montgomeryFactor(n),
		size:  len(n),
	}
	bytesToLimbs(k.n, n)

	// R² mod n, R = 2^(32·limbs), by one math/big division.
	N := new(big.Int).SetBytes(n)
	rr := new(big.Int).Lsh(big.NewInt(1), uint(64*limbs))
	rr.Mod(rr, N)
	k.rr = make([]uint32, limbs)
	bytesToLimbs(k.rr, rr.Bytes())
	return k, nil
}

// Size is the modulus length in bytes: the length of every ciphertext.
func (k *Modulus) Size() int { return k.size }

// montgomeryFactor returns -n⁻¹ mod 2³² for the odd big-endian n, by Newton
// iteration: for odd x, x·x ≡ 1 mod 8, so x is its own inverse to 3 bits,
// and each step x ← x·(2 - n·x) doubles the correct bits (3, 6, 12, 24, 48).
func montgomeryFactor(n []byte) uint32 {
	var n0 uint32
	for i := 0; i < 4 && i < len(n); i++ {
		n0 |= uint32(n[len(n)-1-i]) << (8 * i)
	}
	inv := n0
	for range 4 {
		inv *= 2 - n0*inv
	}
	return -inv
}
