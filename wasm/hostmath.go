//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"

	"github.com/brokerauth/brokerauth/core"
)

// hostRSAPublic adopts the wrapper's rsaPublic (js/hostmath.js) as core's
// modular exponentiation: JavaScript's BigInt is native code, several times
// faster than Go's big-number arithmetic compiled to WebAssembly. Go still
// parses the key, pads with its own randomness and encodes; n and m cross
// as one Uint8Array and c comes back in place of m (four crossings).
func hostRSAPublic(fn js.Value) core.RSAPublicFunc {
	return func(n []byte, e int, m []byte) (c []byte, err error) {
		defer func() {
			if recover() != nil {
				c, err = nil, errHostMath
			}
		}()
		size := len(n)
		buf := make([]byte, 2*size)
		copy(buf, n)
		copy(buf[size:], m)
		arr := uint8Array.New(len(buf))
		js.CopyBytesToJS(arr, buf)
		fn.Invoke(arr, size, e)
		js.CopyBytesToGo(buf, arr)
		return buf[size:], nil
	}
}

var errHostMath = errors.New("the host's rsaPublic threw")
