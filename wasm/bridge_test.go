//go:build js && wasm

package main

import (
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/internal/testkeys"
	"github.com/brokerauth/brokerauth/wasm/internal/bridge"
)

func TestNamespaceEncryptPassword(t *testing.T) {
	ns := newNamespace()
	assert.Equal(t, version, ns.Get("version").String())

	out := ns.Call("encryptPassword", testkeys.CapitalGuideKey, "1647440528194", "1111qqqq")
	require.Equal(t, js.TypeString, out.Type())
	assert.Len(t, out.String(), 344)
}

func TestNamespaceErrorsAreObjectsWithCodes(t *testing.T) {
	ns := newNamespace()
	cases := []struct {
		name string
		args []any
		code core.Code
	}{
		{"no arguments", nil, core.CodeInvalidArgument},
		{"number key", []any{42, "1", "pw"}, core.CodeInvalidArgument},
		{"undefined timeStamp", []any{testkeys.CapitalGuideKey, js.Undefined(), "pw"}, core.CodeInvalidArgument},
		{"object password", []any{testkeys.CapitalGuideKey, "1", map[string]any{"a": 1}}, core.CodeInvalidArgument},
		{"bad key", []any{"nope", "1", "pw"}, core.CodeInvalidKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := ns.Call("encryptPassword", c.args...)
			require.Equal(t, js.TypeObject, out.Type())
			assert.True(t, out.Get("__brokerauthError").Bool())
			assert.Equal(t, string(c.code), out.Get("code").String())
			assert.NotEmpty(t, out.Get("message").String())
		})
	}
	// The runtime is still serving calls.
	assert.Equal(t, js.TypeString, ns.Call("encryptPassword", testkeys.CapitalGuideKey, "1", "pw").Type())
}

func TestSyncFuncRecoversPanics(t *testing.T) {
	f := bridge.SyncFunc(func(args []js.Value) (any, error) {
		var m map[string]int
		m["boom"] = 1 // nil map write: a runtime.Error
		return nil, nil
	})
	defer f.Release()
	out := f.Invoke()
	assert.Equal(t, string(core.CodeInternal), out.Get("code").String())
	assert.Contains(t, out.Get("message").String(), "assignment to entry in nil map")

	g := bridge.SyncFunc(func(args []js.Value) (any, error) { panic("secret-canary") })
	defer g.Release()
	out = g.Invoke()
	assert.Equal(t, string(core.CodeInternal), out.Get("code").String())
	assert.NotContains(t, out.Get("message").String(), "secret-canary", "arbitrary panic values are not echoed")
}

// outcome runs work through startAsync and waits for what it hands to
// settle; the test goroutine blocks while the event loop runs the work.
func outcome(work func() (any, error)) (bool, js.Value) {
	type result struct {
		ok bool
		v  js.Value
	}
	ch := make(chan result, 1)
	settleFn := js.FuncOf(func(_ js.Value, args []js.Value) any { ch <- result{args[0].Bool(), args[1]}; return nil })
	defer settleFn.Release()
	startAsync(settleFn.Value, work)
	r := <-ch
	return r.ok, r.v
}

func TestStartAsync(t *testing.T) {
	ok, v := outcome(func() (any, error) { return "done", nil })
	assert.True(t, ok)
	assert.Equal(t, "done", v.String())

	ok, e := outcome(func() (any, error) {
		return nil, &core.Error{Code: "network", Broker: "ig", Step: "login", Retryable: true, Message: "connection refused"}
	})
	assert.False(t, ok)
	assert.Equal(t, "network", e.Get("code").String())
	assert.Equal(t, "ig", e.Get("broker").String())
	assert.True(t, e.Get("retryable").Bool())

	ok, panicked := outcome(func() (any, error) { panic("boom") })
	assert.False(t, ok)
	assert.Equal(t, string(core.CodeInternal), panicked.Get("code").String())
}
