package rsaenc

// Montgomery arithmetic modulo n with R = 2^(32·L), L = len(n): for x, y < n,
// montMul returns x·y·R⁻¹ mod n without ever dividing by n.
//
// Limbs are 32 bits wide but computed in uint64: WebAssembly multiplies two
// 32-bit values into 64 bits in one i64.mul, whereas a 64×64→128-bit product
// (bits.Mul64) is emulated in software. Every sum below is at most
// (2³²-1) + (2³²-1)² + (2³²-1) = 2⁶⁴-1, so none overflows.
//
// The inner loops are unrolled by hand, 16 limbs at a time (New pads L to a
// multiple of 16): Go's WebAssembly code dispatches every taken jump through
// a br_table, so a loop back-edge per limb costs about as much as the limb's
// arithmetic. Under Node 20, montMul as a plain loop took 1.5 to 2 times as
// long; blocks of 8 made a whole encryption about 8% slower than blocks of
// 16, and blocks of 32 were no faster.
//
// Constant time: loop bounds depend only on L and the loop indices, never on
// limb values, and the one data-dependent decision, whether to subtract n at
// the end, is applied by mask.

// block is the unroll width; New pads the limb count to a multiple of it.
const block = 16

// mac is one limb of the fused multiply-and-reduce step: it adds x·y + c1 and
// then q·n + c2 to the limb t, and returns the new limb and both carries.
func mac(t, x, n uint32, y, q, c1, c2 uint64) (uint32, uint64, uint64) {
	s := uint64(t) + uint64(x)*y + c1
	r := uint64(uint32(s)) + q*uint64(n) + c2
	return uint32(r), s >> 32, r >> 32
}

// red is mac where x is 0: the reduction alone.
func red(t, n uint32, q, c uint64) (uint32, uint64) {
	r := uint64(t) + q*uint64(n) + c
	return uint32(r), r >> 32
}

// montMul sets z = x·y·R⁻¹ mod n, for x, y < n. scratch is L+2 limbs. z may
// alias x or y but not scratch.
//
// It is CIOS (coarsely integrated operand scanning) with the multiplication
// and the reduction fused into one inner loop: row i adds x·y[i] and q·n,
// where q makes the lowest limb zero, and shifts the sum down one limb, so
// each step reads and writes the accumulator once. With x, y < n the sum
// stays below 2n, so its top limb is 0 or 1.
//
// The accumulator is scratch[1:]; scratch[0] is a sink for the zero limb the
// shift drops, which keeps every block of the loop alike.
func (k *Modulus) montMul(z, x, y, scratch []uint32) {
	n := k.n
	L := len(n)
	x, y, z, t := x[:L], y[:L], z[:L], scratch[:L+2]
	clear(t)
	n0inv := k.n0inv
	for i := range L {
		yi := uint64(y[i])
		// q·n cancels the lowest limb; in uint32 arithmetic, since only
		// that limb counts.
		q := uint64((t[1] + x[0]*y[i]) * n0inv)
		var c1, c2 uint64
		for j := 0; j < L; j += block {
			tj, xj, nj := t[j:j+block+1], x[j:j+block], n[j:j+block]
			tj[0], c1, c2 = mac(tj[1], xj[0], nj[0], yi, q, c1, c2)
			tj[1], c1, c2 = mac(tj[2], xj[1], nj[1], yi, q, c1, c2)
			tj[2], c1, c2 = mac(tj[3], xj[2], nj[2], yi, q, c1, c2)
			tj[3], c1, c2 = mac(tj[4], xj[3], nj[3], yi, q, c1, c2)
			tj[4], c1, c2 = mac(tj[5], xj[4], nj[4], yi, q, c1, c2)
			tj[5], c1, c2 = mac(tj[6], xj[5], nj[5], yi, q, c1, c2)
			tj[6], c1, c2 = mac(tj[7], xj[6], nj[6], yi, q, c1, c2)
			tj[7], c1, c2 = mac(tj[8], xj[7], nj[7], yi, q, c1, c2)
			tj[8], c1, c2 = mac(tj[9], xj[8], nj[8], yi, q, c1, c2)
			tj[9], c1, c2 = mac(tj[10], xj[9], nj[9], yi, q, c1, c2)
			tj[10], c1, c2 = mac(tj[11], xj[10], nj[10], yi, q, c1, c2)
			tj[11], c1, c2 = mac(tj[12], xj[11], nj[11], yi, q, c1, c2)
			tj[12], c1, c2 = mac(tj[13], xj[12], nj[12], yi, q, c1, c2)
			tj[13], c1, c2 = mac(tj[14], xj[13], nj[13], yi, q, c1, c2)
			tj[14], c1, c2 = mac(tj[15], xj[14], nj[14], yi, q, c1, c2)
			tj[15], c1, c2 = mac(tj[16], xj[15], nj[15], yi, q, c1, c2)
		}
		s := uint64(t[L+1]) + c1 + c2
		t[L] = uint32(s)
		t[L+1] = uint32(s >> 32)
	}
	k.reduceOnce(z, t[1:L+1], t[L+1])
}

// montSqr sets z = x·x·R⁻¹ mod n, for x < n. scratch is 2L+3 limbs. z may
// alias x but not scratch.
//
// It is montMul(z, x, x, …) without the repeated products. Row i of a square
// needs x[i]·x[i] once, x[i]·x[j] twice for j > i, and nothing for j < i. So
// row i multiplies x[i] by w, which holds zeros below limb i, x[i] at limb i,
// and from limb i+1 on the double of x's limbs above i (2·x[j] spills one bit
// into limb j+1, and the top limb's into w[L]). Whole blocks of zeros run the
// reduction alone. That leaves about 1.6·L² limb products instead of 2·L².
//
// Row 0 multiplies by nearly 2x, so the sum may reach 3n there and its top
// limb 2; from row 1 on it is below 2n again, and the result is x²·R⁻¹ mod n
// plus at most one n, as for montMul.
func (k *Modulus) montSqr(z, x, scratch []uint32) {
	n := k.n
	L := len(n)
	x, z = x[:L], z[:L]
	t, w := scratch[:L+2], scratch[L+2:2*L+3]
	clear(t)
	var prev uint32
	for j := range L {
		w[j] = x[j]<<1 | prev>>31
		prev = x[j]
	}
	w[L] = prev >> 31
	n0inv := k.n0inv
	for i := range L {
		// w becomes this row's multiplicand; see above.
		if i > 0 {
			w[i-1] = 0
		}
		w[i] = x[i]
		if i+1 < L {
			w[i+1] = x[i+1] << 1
		} else {
			w[L] = 0
		}
		yi := uint64(x[i])
		q := uint64((t[1] + w[0]*x[i]) * n0inv)
		var c1, c2 uint64
		j := 0
		for ; j+block <= i; j += block {
			// w is zero across this block: c1 stays 0.
			tj, nj := t[j:j+block+1], n[j:j+block]
			tj[0], c2 = red(tj[1], nj[0], q, c2)
			tj[1], c2 = red(tj[2], nj[1], q, c2)
			tj[2], c2 = red(tj[3], nj[2], q, c2)
			tj[3], c2 = red(tj[4], nj[3], q, c2)
			tj[4], c2 = red(tj[5], nj[4], q, c2)
			tj[5], c2 = red(tj[6], nj[5], q, c2)
			tj[6], c2 = red(tj[7], nj[6], q, c2)
			tj[7], c2 = red(tj[8], nj[7], q, c2)
			tj[8], c2 = red(tj[9], nj[8], q, c2)
			tj[9], c2 = red(tj[10], nj[9], q, c2)
			tj[10], c2 = red(tj[11], nj[10], q, c2)
			tj[11], c2 = red(tj[12], nj[11], q, c2)
			tj[12], c2 = red(tj[13], nj[12], q, c2)
			tj[13], c2 = red(tj[14], nj[13], q, c2)
			tj[14], c2 = red(tj[15], nj[14], q, c2)
			tj[15], c2 = red(tj[16], nj[15], q, c2)
		}
		for ; j < L; j += block {
			tj, wj, nj := t[j:j+block+1], w[j:j+block], n[j:j+block]
			tj[0], c1, c2 = mac(tj[1], wj[0], nj[0], yi, q, c1, c2)
			tj[1], c1, c2 = mac(tj[2], wj[1], nj[1], yi, q, c1, c2)
			tj[2], c1, c2 = mac(tj[3], wj[2], nj[2], yi, q, c1, c2)
			tj[3], c1, c2 = mac(tj[4], wj[3], nj[3], yi, q, c1, c2)
			tj[4], c1, c2 = mac(tj[5], wj[4], nj[4], yi, q, c1, c2)
			tj[5], c1, c2 = mac(tj[6], wj[5], nj[5], yi, q, c1, c2)
			tj[6], c1, c2 = mac(tj[7], wj[6], nj[6], yi, q, c1, c2)
			tj[7], c1, c2 = mac(tj[8], wj[7], nj[7], yi, q, c1, c2)
			tj[8], c1, c2 = mac(tj[9], wj[8], nj[8], yi, q, c1, c2)
			tj[9], c1, c2 = mac(tj[10], wj[9], nj[9], yi, q, c1, c2)
			tj[10], c1, c2 = mac(tj[11], wj[10], nj[10], yi, q, c1, c2)
			tj[11], c1, c2 = mac(tj[12], wj[11], nj[11], yi, q, c1, c2)
			tj[12], c1, c2 = mac(tj[13], wj[12], nj[12], yi, q, c1, c2)
			tj[13], c1, c2 = mac(tj[14], wj[13], nj[13], yi, q, c1, c2)
			tj[14], c1, c2 = mac(tj[15], wj[14], nj[14], yi, q, c1, c2)
			tj[15], c1, c2 = mac(tj[16], wj[15], nj[15], yi, q, c1, c2)
		}
		s := uint64(t[L+1]) + c1 + c2 + yi*uint64(w[L])
		t[L] = uint32(s)
		t[L+1] = uint32(s >> 32)
	}
	k.reduceOnce(z, t[1:L+1], t[L+1])
}

// reduceOnce sets z = top·R + t - n if that is not negative, else t, for a
// value below 2n. It always computes the difference and picks by mask, so
// the time does not tell which. z may not alias t.
func (k *Modulus) reduceOnce(z, t []uint32, top uint32) {
	n := k.n
	L := len(n)
	z, t = z[:L], t[:L]
	var borrow uint64
	for i := range L {
		d := uint64(t[i]) - uint64(n[i]) - borrow
		z[i] = uint32(d)
		borrow = d >> 63
	}
	// t was below n when the subtraction borrowed and no top limb absorbs it.
	keep := -(uint32(borrow) &^ top & 1) // all ones to keep t
	for i := range L {
		z[i] = z[i]&^keep | t[i]&keep
	}
}
