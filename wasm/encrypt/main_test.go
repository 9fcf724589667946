//go:build js && wasm

package main

import (
	"bytes"
	"errors"
	"strings"
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/internal/testkeys"
)

func TestNamespaceEncrypts(t *testing.T) {
	ns := newNamespace()
	assert.Equal(t, version, ns.Get("version").String())
	a := ns.Call("encryptPassword", testkeys.CapitalGuideKey, "1647440528194", "1111qqqq")
	b := ns.Call("encryptPassword", testkeys.CapitalGuideKey, "1647440528194", "1111qqqq")
	require.Equal(t, js.TypeString, a.Type())
	assert.Len(t, a.String(), 344)
	assert.NotEqual(t, a.String(), b.String(), "the padding is random")
}

// Every failure is the error core.EncryptPassword (the sessions module's
// encryptPassword) gives for the same input: same code, same message.
func TestNamespaceErrorsAreCoresErrors(t *testing.T) {
	ns := newNamespace()
	for _, args := range [][3]string{
		{"nope", "1", "pw"},
		{"", "1", "pw"},
		{testkeys.CapitalGuideKey[:100], "1", "pw"},
		{"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", "1", "pw"},
		{testkeys.CapitalGuideKey, "", "pw"},
		{testkeys.CapitalGuideKey, "12a", "pw"},
		{testkeys.CapitalGuideKey, strings.Repeat("1", 21), "pw"},
		{testkeys.CapitalGuideKey, "1", ""},
		{testkeys.CapitalGuideKey, "1", strings.Repeat("p", 200)},
	} {
		out := ns.Call("encryptPassword", args[0], args[1], args[2])
		_, err := core.EncryptPassword(args[0], args[1], args[2])
		var want *core.Error
		require.True(t, errors.As(err, &want), "%q", args)
		require.Equal(t, js.TypeObject, out.Type(), "%q", args)
		assert.True(t, out.Get("__brokerauthError").Bool())
		assert.Equal(t, string(want.Code), out.Get("code").String(), "%q", args)
		assert.Equal(t, want.Message, out.Get("message").String(), "%q", args)
	}
	for _, args := range [][]any{nil, {42, "1", "pw"}, {testkeys.CapitalGuideKey, js.Undefined(), "pw"}, {testkeys.CapitalGuideKey, "1", map[string]any{}}} {
		out := ns.Call("encryptPassword", args...)
		assert.Equal(t, string(core.CodeInvalidArgument), out.Get("code").String())
	}
}

func TestHostRandom(t *testing.T) {
	for _, n := range []int{1, 256, 64 << 10, 64<<10 + 1, 200 << 10} {
		b := make([]byte, n)
		got, err := hostRandom{}.Read(b)
		require.NoError(t, err)
		assert.Equal(t, n, got)
		if n >= 256 {
			// The last bytes past each 64 KiB call are filled too.
			assert.False(t, bytes.Equal(b[n-32:], make([]byte, 32)), "%d bytes", n)
		}
	}
}
