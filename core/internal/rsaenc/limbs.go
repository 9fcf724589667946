package rsaenc

// bytesToLimbs fills z with the big-endian b as little-endian 32-bit limbs,
// zero-extending. b must fit: len(b) ≤ 4·len(z). The loop shape depends only
// on the lengths, since b may be a secret message.
func bytesToLimbs(z []uint32, b []byte) {
	clear(z)
	for i := range b {
		pos := len(b) - 1 - i // byte weight, 0 for the last byte
		z[pos/4] |= uint32(b[i]) << (8 * (pos % 4))
	}
}

// limbsToBytes writes x big-endian into all of b, which must be long enough
// for x's value: limbs past len(b) are dropped, so they must be zero.
func limbsToBytes(b []byte, x []uint32) {
	for i := range b {
		pos := len(b) - 1 - i
		if pos/4 < len(x) {
			b[i] = byte(x[pos/4] >> (8 * (pos % 4)))
		} else {
			b[i] = 0
		}
	}
}
