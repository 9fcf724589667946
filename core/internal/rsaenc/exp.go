package rsaenc

import "math/bits"

// exp sets z = m^e mod n for m < n, all as L little-endian limbs. z may alias
// m.
//
// The exponent is public, so this is plain left-to-right square-and-multiply
// and branches on e's bits. Each step is a Montgomery operation on the
// secret m, in time that depends only on L and e. For e = 65537 that is 16
// squarings and 2 multiplications.
//
// The value stays in Montgomery form (x·R mod n) between steps. The last bit
// of an odd e multiplies by m itself instead of m·R, which brings the result
// back out of Montgomery form for free.
func (k *PublicKey) exp(z, m []uint32) {
	L := len(k.n)
	buf := make([]uint32, 5*L+3)
	mR, acc, scratch := buf[:L], buf[L:2*L], buf[2*L:]

	k.montMul(mR, m[:L], k.rr, scratch) // m·R mod n
	copy(acc, mR)
	for i := bits.Len64(k.e) - 2; i >= 0; i-- {
		k.montSqr(acc, acc, scratch)
		if k.e>>i&1 == 0 {
			continue
		}
		if i == 0 {
			k.montMul(z, acc, m, scratch) // (m^(e-1)·R)·m·R⁻¹ = m^e
			return
		}
		k.montMul(acc, acc, mR, scratch)
	}
	panic("rsaenc: even exponent") // New admits only odd e ≥ 3
}
