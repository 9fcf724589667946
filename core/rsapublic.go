package core

import (
	"bytes"
	"errors"
	"sync/atomic"
)

// RSAPublicFunc computes c = m^e mod n, the big-number step of
// EncryptPassword: n and m are big-endian, len(n) bytes each, m < n (m is
// the already padded message), and c must be len(n) bytes.
type RSAPublicFunc func(n []byte, e int, m []byte) ([]byte, error)

var rsaPublic atomic.Pointer[RSAPublicFunc]

// UseRSAPublic hands EncryptPassword's modular exponentiation to f; nil
// gives it back to Go. Key parsing and checks, the PKCS#1 v1.5 padding and
// its randomness, and the encoding stay in Go; only m^e mod n moves.
//
// It exists for WebAssembly: the wasm build lends the work to JavaScript's
// BigInt, which is native code and several times faster than Go's
// big-number arithmetic compiled to wasm. A result that is not len(n)
// bytes or not below n, or an error, makes EncryptPassword fall back to
// Go's own arithmetic for that call.
func UseRSAPublic(f RSAPublicFunc) {
	if f == nil {
		rsaPublic.Store(nil)
		return
	}
	rsaPublic.Store(&f)
}

var errRSAPublicAnswer = errors.New("the RSA public-key function gave a value outside 0..n-1")

// hostRSAPublic runs the function UseRSAPublic installed, if any, and
// vets its answer's shape.
func hostRSAPublic(n []byte, e int, m []byte) ([]byte, bool) {
	f := rsaPublic.Load()
	if f == nil {
		return nil, false
	}
	c, err := (*f)(n, e, m)
	if err == nil && (len(c) != len(n) || bytes.Compare(c, n) >= 0) {
		err = errRSAPublicAnswer
	}
	return c, err == nil
}
