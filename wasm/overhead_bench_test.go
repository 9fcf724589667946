//go:build js && wasm

package main

import (
	"context"
	"syscall/js"
	"testing"
)

// benchHost is a fake js/hostfetch.js that answers every request on the
// next microtask, with no network: what is left is brokerauth's own cost
// per request (Go, the crossings, the wasm runtime's scheduling).
const benchHost = `{
	fetch(id, head) {
		const login = head.startsWith('POST ');
		Promise.resolve().then(() => {
			const lines = new TextEncoder().encode(login ? 'Cst:c\nX-Security-Token:x\nContent-Type:application/json\n' : 'Content-Type:application/json\n');
			const body = new TextEncoder().encode(login ? '{"currentAccountId":"A1","accounts":[{"accountId":"A1","accountName":"n","accountType":"CFD","preferred":true}],"lightstreamerEndpoint":"https://ls"}' : '{"accounts":[]}');
			const packed = new Uint8Array(lines.length + body.length);
			packed.set(lines); packed.set(body, lines.length);
			__hostDone(id, 200, lines.length, packed.length, packed, false, false);
		});
	},
	abort() {},
}`

// benchClient makes an IG client (no password encryption) on the fake host
// through the same factory and fetch client the wrapper's clients use.
func benchClient(b *testing.B) (js.Value, int) {
	tr := newHostTransport()
	done := js.FuncOf(tr.done)
	js.Global().Set("__hostDone", done)
	b.Cleanup(func() { js.Global().Delete("__hostDone"); done.Release() })
	if !tr.adopt(js.Global().Call("eval", "("+benchHost+")")) {
		b.Fatal("no host")
	}
	saved := transport
	transport = tr
	b.Cleanup(func() { transport = saved })
	ns := newNamespace()
	out := ns.Call("newClient", "ig", `{"apiKey":"k","identifier":"i","password":"p","encrypt":false,"baseURL":"http://127.0.0.1:9/gateway/deal"}`)
	if out.Type() != js.TypeNumber {
		b.Fatal(out.Get("message").String())
	}
	return ns, out.Int()
}

// awaitCall makes a clientCall as the wrapper does, with the settle
// function fourth, waits for its outcome and fails on an error.
func awaitCall(b *testing.B, ns js.Value, id int, method string, args ...any) {
	type result struct {
		ok bool
		v  js.Value
	}
	ch := make(chan result, 1)
	settleFn := js.FuncOf(func(_ js.Value, args []js.Value) any { ch <- result{args[0].Bool(), args[1]}; return nil })
	defer settleFn.Release()
	if out := ns.Call("clientCall", append([]any{id, method, 0, settleFn}, args...)...); out.Truthy() {
		b.Fatal(out.Get("message").String())
	}
	if r := <-ch; !r.ok {
		b.Fatal(r.v.Get("message").String())
	}
}

// BenchmarkClientCallRequest: ba.ig(…).request('/accounts') as the wrapper
// makes it, from clientCall to the outcome.
func BenchmarkClientCallRequest(b *testing.B) {
	ns, id := benchClient(b)
	awaitCall(b, ns, id, "login")
	args := []any{"GET", "/accounts", "{}", "", ""}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		awaitCall(b, ns, id, "request", args...)
	}
}

// BenchmarkClientCallLogin: a login (unencrypted: one request) through
// clientCall.
func BenchmarkClientCallLogin(b *testing.B) {
	ns, id := benchClient(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		awaitCall(b, ns, id, "login")
	}
}

// BenchmarkIGRequestDirect: the Go client alone, without the bridge.
func BenchmarkIGRequestDirect(b *testing.B) {
	_, id := benchClient(b)
	registry.Lock()
	c := registry.clients[id].engine()
	registry.Unlock()
	ctx := context.Background()
	if _, err := c.Login(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Request(ctx, "GET", "/accounts", nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
