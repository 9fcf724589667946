//go:build js && wasm

package main

import (
	"context"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
)

// fakeHost stands in for js/hostfetch.js: src is a JS expression for the
// helper object, which answers through the global __hostDone. It records
// the last request it was given in globalThis.__hostSeen.
func fakeHost(t *testing.T, src string) *hostTransport {
	t.Helper()
	tr := newHostTransport()
	done := js.FuncOf(tr.done)
	js.Global().Set("__hostDone", done)
	t.Cleanup(func() {
		js.Global().Delete("__hostDone")
		js.Global().Delete("__hostSeen")
		done.Release()
	})
	require.True(t, tr.adopt(js.Global().Call("eval", "("+src+")")))
	return tr
}

func TestHostTransportAnswer(t *testing.T) {
	tr := fakeHost(t, `{
		fetch(id, head, body, callRef, hostBody, limit) {
			globalThis.__hostSeen = { head, body: body && new TextDecoder().decode(body), callRef, hostBody, limit };
			const lines = new TextEncoder().encode('Cst:abc\nSet-Cookie:a=1\nSet-Cookie:b=2\n');
			const packed = new Uint8Array([...lines, ...new TextEncoder().encode('{"ok":true}')]);
			setTimeout(() => __hostDone(id, 201, lines.length, packed.length, packed, false, false));
		},
		abort() {},
	}`)
	resp, err := tr.Do(context.Background(), &core.Request{Method: "POST", URL: "http://127.0.0.1:9/session?x=1",
		Header: core.Header{"X-Ig-Api-Key": {"k"}}, Body: []byte(`{"a":1}`)})
	require.NoError(t, err)
	assert.Equal(t, 201, resp.Status)
	assert.Equal(t, "abc", resp.Header.Get("CST"))
	assert.Equal(t, []string{"a=1", "b=2"}, resp.Header["Set-Cookie"])
	assert.Equal(t, `{"ok":true}`, string(resp.Body))
	assert.Nil(t, resp.HostRef)

	seen := js.Global().Get("__hostSeen")
	assert.Equal(t, "POST http://127.0.0.1:9/session?x=1\nX-Ig-Api-Key:k\n", seen.Get("head").String())
	assert.Equal(t, `{"a":1}`, seen.Get("body").String())
	assert.Equal(t, 0, seen.Get("callRef").Int())
	assert.Equal(t, float64(core.DefaultLimit), seen.Get("limit").Float())
}

// A request() call's bodies stay with the wrapper: the request says where
// (its call), and a 2xx answer the helper kept comes back without a body.
func TestHostTransportKeepsBodiesWithTheHost(t *testing.T) {
	tr := fakeHost(t, `{
		fetch(id, head, body, callRef, hostBody) {
			globalThis.__hostSeen = { body, callRef, hostBody };
			const lines = new TextEncoder().encode('Content-Type:application/json\n');
			setTimeout(() => __hostDone(id, 200, lines.length, lines.length, lines, false, true));
		},
		abort() {},
	}`)
	resp, err := tr.Do(context.Background(), &core.Request{Method: "POST", URL: "http://127.0.0.1:9/x", HostRef: 7, HostBody: true})
	require.NoError(t, err)
	assert.Equal(t, 7, resp.HostRef)
	assert.Empty(t, resp.Body)
	seen := js.Global().Get("__hostSeen")
	assert.True(t, seen.Get("body").IsNull(), "no body crossed")
	assert.Equal(t, 7, seen.Get("callRef").Int())
	assert.True(t, seen.Get("hostBody").Bool())
}

func TestHostTransportFailureKinds(t *testing.T) {
	for kind, want := range map[string]string{
		"connection refused":                "fetch() failed: connection refused",
		"https://secret.example/?token=abc": "fetch() failed: network error", // nothing but fixed phrases reaches Go
	} {
		js.Global().Set("__kind", kind)
		tr := fakeHost(t, `{ fetch(id) { setTimeout(() => __hostDone(id, 0, globalThis.__kind)); }, abort() {} }`)
		_, err := tr.Do(context.Background(), &core.Request{Method: "GET", URL: "http://127.0.0.1:9/?secret=1"})
		require.Error(t, err)
		assert.Equal(t, `GET "http://127.0.0.1:9": `+want, err.Error(), "the origin, never the query")
	}
	js.Global().Delete("__kind")
}

func TestHostTransportAbortsWhenTheContextEnds(t *testing.T) {
	tr := fakeHost(t, `{ fetch() {}, abort(id) { globalThis.__hostSeen = id; } }`)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := tr.Do(ctx, &core.Request{Method: "GET", URL: "http://127.0.0.1:9/"})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, js.TypeNumber, js.Global().Get("__hostSeen").Type(), "the helper was asked to abort")
	assert.Empty(t, tr.replies.waiting, "nothing left waiting")
}

func TestHostTransportBodyCutAtTheLimit(t *testing.T) {
	tr := fakeHost(t, `{ fetch(id) { const p = new Uint8Array(3); setTimeout(() => __hostDone(id, 200, 0, 3, p, true, false)); }, abort() {} }`)
	_, err := tr.Do(context.Background(), &core.Request{Method: "GET", URL: "http://127.0.0.1:9/"})
	assert.ErrorIs(t, err, core.ErrBodyTooLarge)
	var tl *core.TooLarge
	require.ErrorAs(t, err, &tl)
	assert.Equal(t, 200, tl.Status)
}

func TestHostTransportIgnoresMalformedAnswers(t *testing.T) {
	tr := newHostTransport()
	assert.False(t, tr.adopt(js.Undefined()))
	assert.False(t, tr.adopt(js.ValueOf(map[string]any{"fetch": 1})))
	// Calls from JS with missing or odd arguments neither panic nor
	// deliver anything.
	_, ch := tr.replies.register()
	assert.Nil(t, tr.done(js.Undefined(), nil))
	assert.Nil(t, tr.done(js.Undefined(), []js.Value{js.ValueOf(1), js.ValueOf(200), js.ValueOf(-1), js.ValueOf(0), js.Null(), js.ValueOf(false), js.ValueOf(false)}))
	select {
	case r := <-ch:
		assert.Equal(t, "malformed answer", r.failure)
	default:
		t.Fatal("the malformed answer was dropped instead of failing the request")
	}
}
