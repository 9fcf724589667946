package rsaenc

import (
	"math/big"
	"testing"
)

// maxFuzzModulus bounds fuzzed moduli to 4096 bits, so that each input stays
// fast; the limb code has nothing that changes above that size.
const maxFuzzModulus = 512

// FuzzExp compares exp with math/big's Exp for arbitrary bytes: the modulus
// is made odd, the message reduced below it, and the exponent made odd and
// at least 3, which is all New and exp require. The seed corpus runs in
// every `go test`.
func FuzzExp(f *testing.F) {
	f.Add([]byte{0xc5}, []byte{7}, uint64(3))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, []byte{0xff, 0xff, 0xff, 0xfe}, uint64(65537))
	f.Add(append([]byte{0x80}, make([]byte, 255)...), []byte{0x7f, 0xff}, uint64(65537))
	f.Add(bytesOf(0xff, 256), bytesOf(0xff, 256), uint64(1<<31-1))
	f.Add(append([]byte{1}, bytesOf(0x01, 256)...), bytesOf(0xee, 200), uint64(1<<64-1))
	f.Fuzz(func(t *testing.T, nb, mb []byte, e uint64) {
		if len(nb) > maxFuzzModulus {
			return
		}
		n := new(big.Int).SetBytes(nb)
		n.SetBit(n, 0, 1)
		if n.Cmp(big.NewInt(3)) < 0 {
			return
		}
		e |= 1
		if e < 3 {
			e = 3
		}
		k, err := New(n.Bytes(), e)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		m := new(big.Int).SetBytes(mb)
		m.Mod(m, n)
		want := new(big.Int).Exp(m, new(big.Int).SetUint64(e), n)
		if got := new(big.Int).SetBytes(k.expBytes(m.Bytes())); got.Cmp(want) != 0 {
			t.Fatalf("n=%x m=%x e=%d: got %x, want %x", n, m, e, got, want)
		}
	})
}

// FuzzMontgomery compares montMul and montSqr with math/big on arbitrary
// operands below an arbitrary odd modulus.
func FuzzMontgomery(f *testing.F) {
	f.Add([]byte{0xc5}, []byte{7}, []byte{9})
	f.Add(bytesOf(0xff, 256), bytesOf(0xff, 256), bytesOf(0xfe, 256))
	f.Add(append([]byte{0x80}, make([]byte, 255)...), bytesOf(0x7f, 256), []byte{1})
	f.Fuzz(func(t *testing.T, nb, xb, yb []byte) {
		if len(nb) > maxFuzzModulus {
			return
		}
		n := new(big.Int).SetBytes(nb)
		n.SetBit(n, 0, 1)
		if n.Cmp(big.NewInt(3)) < 0 {
			return
		}
		k, err := New(n.Bytes(), 3)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		L := len(k.n)
		x := new(big.Int).Mod(new(big.Int).SetBytes(xb), n)
		y := new(big.Int).Mod(new(big.Int).SetBytes(yb), n)
		rInv := new(big.Int).ModInverse(new(big.Int).Lsh(big.NewInt(1), uint(32*L)), n)
		scratch, z := make([]uint32, 2*L+3), make([]uint32, L)

		want := new(big.Int).Mul(x, y)
		want.Mul(want, rInv).Mod(want, n)
		k.montMul(z, k.limbsOf(x), k.limbsOf(y), scratch)
		if got := intOf(z); got.Cmp(want) != 0 {
			t.Fatalf("montMul: n=%x x=%x y=%x: got %x, want %x", n, x, y, got, want)
		}
		want.Mul(x, x).Mul(want, rInv).Mod(want, n)
		k.montSqr(z, k.limbsOf(x), scratch)
		if got := intOf(z); got.Cmp(want) != 0 {
			t.Fatalf("montSqr: n=%x x=%x: got %x, want %x", n, x, got, want)
		}
	})
}

func bytesOf(b byte, n int) []byte {
	s := make([]byte, n)
	for i := range s {
		s[i] = b
	}
	return s
}
