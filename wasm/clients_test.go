//go:build js && wasm

package main

import (
	"encoding/json"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
)

func TestNewClientRefusesBadOptions(t *testing.T) {
	ns := newNamespace()
	cases := []struct {
		name   string
		broker string
		opts   any
		code   core.Code
	}{
		{"unknown broker", "nasdaq", map[string]any{}, core.CodeInvalidArgument},
		{"options not JSON", "ig", "x", core.CodeInvalidArgument},
		{"options not a string", "ig", 42, core.CodeInvalidArgument},
		{"an unknown option", "ig", map[string]any{"apiKey": "k", "identifier": "i", "password": "p", "bseURL": "x"}, core.CodeInvalidArgument},
		{"timeoutMs out of range", "ig", map[string]any{"apiKey": "k", "identifier": "i", "password": "p", "timeoutMs": 0.5}, core.CodeInvalidArgument},
		{"version of the wrong type", "ig", map[string]any{"apiKey": "k", "identifier": "i", "password": "p", "version": "two"}, core.CodeInvalidArgument},
		{"encrypt of the wrong type", "capital", map[string]any{"apiKey": "k", "identifier": "i", "password": "p", "encrypt": "yes"}, core.CodeInvalidArgument},
		{"plain http to a remote host", "ig", map[string]any{"apiKey": "k", "identifier": "i", "password": "p", "baseURL": "http://example.com/gateway/deal"}, core.CodeInsecureURL},
		{"v3 with encryption", "ig", map[string]any{"apiKey": "k", "identifier": "i", "password": "p", "version": 3, "encrypt": true}, core.CodeInvalidArgument},
		{"ibkr without a key", "ibkr", map[string]any{"clientId": "c", "clientKeyId": "k", "credential": "u"}, core.CodeInvalidKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := c.opts
			if m, ok := opts.(map[string]any); ok {
				b, err := json.Marshal(m) // the wrapper sends JSON text
				require.NoError(t, err)
				opts = string(b)
			}
			out := ns.Call("newClient", c.broker, opts)
			require.True(t, out.Get("__brokerauthError").Truthy(), "an error object")
			assert.Equal(t, string(c.code), out.Get("code").String(), out.Get("message").String())
		})
	}
}

func TestClientCallsNeedAKnownClient(t *testing.T) {
	ns := newNamespace()
	for _, fn := range []string{"clientSession", "clientCall", "keepAliveStart", "closeClient"} {
		out := ns.Call(fn, 987654, "login")
		assert.Equal(t, string(core.CodeInvalidArgument), out.Get("code").String(), fn)
	}
	out := ns.Call("newClient", "ig", `{"apiKey":"k","identifier":"i","password":"p","baseURL":"http://127.0.0.1:1/gateway/deal"}`)
	id := out
	require.Equal(t, js.TypeNumber, id.Type())
	assert.True(t, ns.Call("clientSession", id).IsNull(), "no session before login")
	assert.True(t, ns.Call("closeClient", id).IsNull())
	assert.Equal(t, string(core.CodeInvalidArgument), ns.Call("clientSession", id).Get("code").String(), "closed")
}

func TestSessionToJS(t *testing.T) {
	parse := func(v any) js.Value {
		require.IsType(t, "", v, "sessions cross as JSON text")
		return js.Global().Get("JSON").Call("parse", v.(string))
	}
	exp := time.UnixMilli(1_800_000_000_000)
	ig := parse(sessionToJS(&core.Session{
		Broker: core.BrokerIG, AccountID: "A1",
		Accounts:          []core.Account{{ID: "A1", Name: "Spread bet", Type: "SPREADBET", Preferred: true}},
		Headers:           map[string]string{"CST": "c", "X-SECURITY-TOKEN": "x", "X-IG-API-KEY": "k"},
		StreamingEndpoint: "https://push.example",
	}))
	assert.Equal(t, "ig", ig.Get("broker").String())
	assert.Equal(t, "A1", ig.Get("accounts").Index(0).Get("accountId").String())
	assert.True(t, ig.Get("accounts").Index(0).Get("preferred").Bool())
	assert.True(t, ig.Get("expiresAt").IsNull())
	assert.Equal(t, "c", ig.Get("headers").Get("CST").String())
	assert.True(t, ig.Get("authenticated").IsUndefined(), "IBKR fields only on IBKR sessions")

	ib := parse(sessionToJS(&core.Session{Broker: core.BrokerIBKR, Authenticated: true, ExpiresAt: exp, Headers: map[string]string{"Authorization": "Bearer t"}}))
	assert.Equal(t, float64(exp.UnixMilli()), ib.Get("expiresAt").Float())
	assert.True(t, ib.Get("authenticated").Bool())
	assert.True(t, ib.Get("accounts").IsUndefined())
	assert.Nil(t, sessionToJS(nil))
}
