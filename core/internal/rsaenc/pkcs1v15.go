package rsaenc

import (
	"errors"
	"io"
)

// ErrMessageTooLong: PKCS#1 v1.5 fits at most Size()-11 bytes.
var ErrMessageTooLong = errors.New("rsaenc: message too long for RSA key size")

// Overhead is the PKCS#1 v1.5 type 2 padding: 0x00 0x02, at least eight
// random non-zero bytes, 0x00.
const Overhead = 11

// EncryptPKCS1v15 returns RSAES-PKCS1-v1_5(k, msg), RFC 8017 §7.2.1, with
// padding read from random (crypto/rand.Reader, or the host's
// getRandomValues in the encrypt-only wasm, which does not link
// crypto/rand): the same ciphertext format as crypto/rsa.EncryptPKCS1v15,
// Size() bytes long.
func (k *PublicKey) EncryptPKCS1v15(random io.Reader, msg []byte) ([]byte, error) {
	em, err := k.pad(msg, random)
	if err != nil {
		return nil, err
	}
	k.encrypt(em, em)
	return em, nil
}

// pad returns EM = 0x00 ‖ 0x02 ‖ PS ‖ 0x00 ‖ msg, Size() bytes, where PS is
// random and non-zero.
func (k *PublicKey) pad(msg []byte, random io.Reader) ([]byte, error) {
	return pad(k.size, msg, random)
}

func pad(size int, msg []byte, random io.Reader) ([]byte, error) {
	if size < Overhead || len(msg) > size-Overhead {
		return nil, ErrMessageTooLong
	}
	em := make([]byte, size)
	em[1] = 2
	ps := em[2 : size-len(msg)-1]
	if err := nonZeroRandomBytes(ps, random); err != nil {
		return nil, err
	}
	em[size-len(msg)-1] = 0
	copy(em[size-len(msg):], msg)
	return em, nil
}

// nonZeroRandomBytes fills s with random non-zero bytes. A zero byte is
// redrawn rather than mapped to another value, which would skew PS.
//
// Each read is a call out to the host's getRandomValues under WebAssembly,
// so zeros (1 in 256, about one per 2048-bit PS) are redrawn from a spare
// batch read together with s, not one byte per read.
func nonZeroRandomBytes(s []byte, random io.Reader) error {
	const spare = 16
	buf := make([]byte, len(s)+spare)
	if _, err := io.ReadFull(random, buf); err != nil {
		return err
	}
	copy(s, buf)
	pool := buf[len(s):]
	for i := range s {
		for s[i] == 0 {
			if len(pool) == 0 {
				pool = buf[len(s):]
				if _, err := io.ReadFull(random, pool); err != nil {
					return err
				}
			}
			s[i], pool = pool[0], pool[1:]
		}
	}
	return nil
}

// encrypt sets c = m^e mod n for the Size()-byte big-endian m < n, and
// writes it as Size() big-endian bytes. c may alias m.
func (k *PublicKey) encrypt(c, m []byte) {
	x := make([]uint32, len(k.n))
	bytesToLimbs(x, m)
	k.exp(x, x)
	limbsToBytes(c, x)
}
