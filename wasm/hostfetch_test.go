//go:build js && wasm

package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/syumai/tinyutil/httputil"
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
		fetch(id, head, body) {
			globalThis.__hostSeen = { head, body: body && new TextDecoder().decode(body) };
			const lines = new TextEncoder().encode('Cst:abc\nSet-Cookie:a=1\nSet-Cookie:b=2\n');
			const packed = new Uint8Array([...lines, ...new TextEncoder().encode('{"ok":true}')]);
			setTimeout(() => __hostDone(id, 201, lines.length, packed.length, packed, false));
		},
		abort() {},
	}`)
	req, _ := http.NewRequest("POST", "http://127.0.0.1:9/session?x=1", strings.NewReader(`{"a":1}`))
	req.Header.Set("X-Ig-Api-Key", "k")
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, 201, resp.StatusCode)
	assert.Equal(t, "201 Created", resp.Status)
	assert.Equal(t, "abc", resp.Header.Get("CST"))
	assert.Equal(t, []string{"a=1", "b=2"}, resp.Header.Values("Set-Cookie"))
	assert.Equal(t, `{"ok":true}`, string(body))

	seen := js.Global().Get("__hostSeen")
	assert.Equal(t, "POST http://127.0.0.1:9/session?x=1\nX-Ig-Api-Key:k\n", seen.Get("head").String())
	assert.Equal(t, `{"a":1}`, seen.Get("body").String())
}

func TestHostTransportFailureKinds(t *testing.T) {
	for kind, want := range map[string]string{
		"connection refused":                "fetch() failed: connection refused",
		"https://secret.example/?token=abc": "fetch() failed: network error", // nothing but fixed phrases reaches Go
	} {
		js.Global().Set("__kind", kind)
		tr := fakeHost(t, `{ fetch(id) { setTimeout(() => __hostDone(id, 0, globalThis.__kind)); }, abort() {} }`)
		req, _ := http.NewRequest("GET", "http://127.0.0.1:9/", nil)
		_, err := tr.RoundTrip(req)
		require.Error(t, err)
		assert.Equal(t, want, err.Error())
	}
	js.Global().Delete("__kind")
}

func TestHostTransportAbortsWhenTheContextEnds(t *testing.T) {
	tr := fakeHost(t, `{ fetch() {}, abort(id) { globalThis.__hostSeen = id; } }`)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1:9/", nil)
	_, err := tr.RoundTrip(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, js.TypeNumber, js.Global().Get("__hostSeen").Type(), "the helper was asked to abort")
	assert.Empty(t, tr.waiting, "nothing left waiting")
}

func TestHostTransportBodyCutAtTheLimit(t *testing.T) {
	tr := fakeHost(t, `{ fetch(id) { const p = new Uint8Array(3); setTimeout(() => __hostDone(id, 200, 0, 3, p, true)); }, abort() {} }`)
	req, _ := http.NewRequest("GET", "http://127.0.0.1:9/", nil)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	assert.Len(t, b, 3)
	assert.ErrorIs(t, err, errBodyTooLarge)
}

func TestHostTransportIgnoresMalformedAnswers(t *testing.T) {
	tr := newHostTransport()
	assert.False(t, tr.adopt(js.Undefined()))
	assert.False(t, tr.adopt(js.ValueOf(map[string]any{"fetch": 1})))
	// Calls from JS with missing or odd arguments neither panic nor
	// deliver anything.
	_, ch := tr.register()
	assert.Nil(t, tr.done(js.Undefined(), nil))
	assert.Nil(t, tr.done(js.Undefined(), []js.Value{js.ValueOf(1), js.ValueOf(200), js.ValueOf(-1), js.ValueOf(0), js.Null(), js.ValueOf(false)}))
	select {
	case r := <-ch:
		assert.Equal(t, "malformed answer", r.failure)
	default:
		t.Fatal("the malformed answer was dropped instead of failing the request")
	}
}

func TestHostTransportBodyInMemory(t *testing.T) {
	tr := fakeHost(t, `{ fetch(id) { const p = new TextEncoder().encode('Cst:a\nhello world'); setTimeout(() => __hostDone(id, 200, 6, p.length, p, false)); }, abort() {} }`)
	req, _ := http.NewRequest("GET", "http://127.0.0.1:9/", nil)
	resp, err := guardedFetch{inner: &httputil.Client{Transport: tr}}.Do(req)
	require.NoError(t, err)
	m, ok := resp.Body.(*memBody)
	require.True(t, ok, "a body read in full is handed over as it is, not wrapped")
	head := make([]byte, 6)
	_, err = io.ReadFull(m, head)
	require.NoError(t, err)
	assert.Equal(t, "hello ", string(head))
	assert.Equal(t, "world", string(m.Bytes()), "Bytes is the unread rest")
	n, err := m.Read(head)
	assert.Equal(t, 0, n)
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, "a", resp.Header.Get("Cst"))
}
