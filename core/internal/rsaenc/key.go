package rsaenc

import (
	"errors"
	"math/bits"
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
	k.rr = k.rSquared()
	return k, nil
}

// rSquared returns R² mod n, R = 2^(32·L), by schoolbook long division of
// 2^(64·L) by n (Knuth's algorithm D, TAOCP vol. 2, §4.3.1, in the form of
// Hacker's Delight's divmnu): one quotient limb per step, estimated from
// the top two limbs with WebAssembly's native 64-by-64-bit division and
// corrected at most twice, then one multiply-and-subtract of n. That is
// about L² limb products, a fraction of one Montgomery multiplication's
// 2·L², and no math/big, which the encrypt-only wasm does not link.
//
// n is public, so the time may depend on it.
func (k *Modulus) rSquared() []uint32 {
	L := len(k.n)
	d := L // n's significant limbs
	for k.n[d-1] == 0 {
		d--
	}
	rr := make([]uint32, L)
	if d == 1 {
		// One limb: reduce 2^(64·L) a limb at a time.
		n, r := uint64(k.n[0]), uint64(1)
		for range 2 * L {
			r = r << 32 % n
		}
		rr[0] = uint32(r)
		return rr
	}
	// Normalise: shift n (and the dividend) left until n's top bit is set,
	// so that each quotient estimate is at most 2 too large.
	shift := uint(bits.LeadingZeros32(k.n[d-1]))
	v := make([]uint32, d)
	for i := d - 1; i > 0; i-- {
		v[i] = k.n[i]<<shift | uint32(uint64(k.n[i-1])>>(32-shift))
	}
	v[0] = k.n[0] << shift
	// u = 2^(64·L) << shift, 2·L+2 limbs: one bit in its top two.
	m := 2*L + 1
	u := make([]uint32, m+1)
	u[m-1] = 1 << shift
	vTop, vNext := uint64(v[d-1]), uint64(v[d-2])
	for j := m - d; j >= 0; j-- {
		num := uint64(u[j+d])<<32 | uint64(u[j+d-1])
		qhat, rhat := num/vTop, num%vTop
		for qhat >= 1<<32 || qhat*vNext > rhat<<32|uint64(u[j+d-2]) {
			qhat--
			rhat += vTop
			if rhat >= 1<<32 {
				break
			}
		}
		// u[j : j+d+1] -= qhat·v
		var borrow uint64
		for i := range d {
			p := qhat*uint64(v[i]) + borrow
			t := uint64(u[i+j]) - uint64(uint32(p))
			u[i+j] = uint32(t)
			borrow = p>>32 + t>>63 // t>>63: this limb borrowed
		}
		t := uint64(u[j+d]) - borrow
		u[j+d] = uint32(t)
		if t>>63 != 0 {
			// qhat was one too large: add v back.
			var carry uint64
			for i := range d {
				s := uint64(u[i+j]) + uint64(v[i]) + carry
				u[i+j] = uint32(s)
				carry = s >> 32
			}
			u[j+d] += uint32(carry)
		}
	}
	// The remainder is u[:d] >> shift.
	for i := range d - 1 {
		rr[i] = u[i]>>shift | uint32(uint64(u[i+1])<<(32-shift))
	}
	rr[d-1] = u[d-1] >> shift
	return rr
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
