package rsaenc

import "errors"

// ErrBase is ExpSecret's answer to a base that is not below the modulus.
var ErrBase = errors.New("rsaenc: base must be below the modulus")

// windowBits is ExpSecret's window: 16 table entries.
const windowBits = 4

// ExpSecret returns base^exp mod n as Size() big-endian bytes, for a
// secret exponent (a Diffie-Hellman private value). base (big-endian) must
// be below n.
//
// Its time depends only on the modulus size and len(exp), never on exp's
// value: it walks every 4-bit window of exp from the top, squaring four
// times and multiplying by the window's table entry each time, a zero
// window included, and it reads the entry by masking all 16 of them rather
// than by indexing. (math/big's Exp branches on the exponent's bits.)
func (k *Modulus) ExpSecret(base, exp []byte) ([]byte, error) {
	L := len(k.n)
	for len(base) > 0 && base[0] == 0 {
		base = base[1:]
	}
	if len(base) > 4*L || !k.below(base) {
		return nil, ErrBase
	}
	buf := make([]uint32, (1<<windowBits+5)*L+3) // montSqr's scratch is 2L+3
	table, buf := buf[:(1<<windowBits)*L], buf[(1<<windowBits)*L:]
	acc, entry, one, scratch := buf[:L], buf[L:2*L], buf[2*L:3*L], buf[3*L:]

	// table[i] = base^i·R mod n, in Montgomery form.
	one[0] = 1
	k.montMul(table[:L], one, k.rr, scratch) // R mod n: base^0
	bytesToLimbs(entry, base)
	k.montMul(table[L:2*L], entry, k.rr, scratch) // base·R mod n
	for i := 2; i < 1<<windowBits; i++ {
		k.montMul(table[i*L:(i+1)*L], table[(i-1)*L:i*L], table[L:2*L], scratch)
	}

	copy(acc, table[:L])
	for _, b := range exp {
		for _, w := range [2]byte{b >> 4, b & 15} {
			for range windowBits {
				k.montSqr(acc, acc, scratch)
			}
			clear(entry)
			for i := range 1 << windowBits {
				// mask is all ones for i == w, without a branch on w.
				mask := uint32((uint64(i^int(w)) - 1) >> 63)
				mask = -mask
				row := table[i*L : (i+1)*L]
				for j := range L {
					entry[j] |= row[j] & mask
				}
			}
			k.montMul(acc, acc, entry, scratch)
		}
	}
	k.montMul(acc, acc, one, scratch) // out of Montgomery form
	out := make([]byte, k.size)
	limbsToBytes(out, acc)
	return out, nil
}

// below reports whether the big-endian b (no leading zeros) is below n.
// Only the lengths and public n decide the loop; b is a public base here.
func (k *Modulus) below(b []byte) bool {
	x := make([]uint32, len(k.n))
	bytesToLimbs(x, b)
	for i := len(x) - 1; i >= 0; i-- {
		if x[i] != k.n[i] {
			return x[i] < k.n[i]
		}
	}
	return false
}
