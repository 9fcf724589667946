//go:build js && wasm

package main

import (
	"bytes"
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHostRSAPublicPassesNAndMAndReadsCBack(t *testing.T) {
	// A stand-in for js/hostmath.js that writes n's bytes reversed over m,
	// to see that the layout is n then m and that c is read from m's place.
	fn := js.Global().Call("eval", `((buf, size, e) => { if (e !== 65537) throw new Error('e'); for (let i = 0; i < size; i++) buf[size + i] = buf[size - 1 - i]; })`)
	n, m := []byte{1, 2, 3, 4}, []byte{0, 2, 9, 9}
	c, err := hostRSAPublic(fn)(n, 65537, m)
	require.NoError(t, err)
	assert.Equal(t, []byte{4, 3, 2, 1}, c)
	assert.True(t, bytes.Equal(m, []byte{0, 2, 9, 9}), "the caller's m is left alone")
}

func TestHostRSAPublicThatThrowsIsAnError(t *testing.T) {
	fn := js.Global().Call("eval", `(() => { throw new Error('secret-looking text'); })`)
	_, err := hostRSAPublic(fn)([]byte{1}, 3, []byte{0})
	assert.ErrorIs(t, err, errHostMath)
}
