//go:build js && wasm

package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/syumai/tinyutil/httputil"

	"github.com/brokerauth/brokerauth/core"
)

// withFetch replaces globalThis.fetch with the JS function src for one test.
func withFetch(t *testing.T, src string) {
	t.Helper()
	real := js.Global().Get("fetch")
	js.Global().Set("fetch", js.Global().Call("eval", src))
	t.Cleanup(func() { js.Global().Set("fetch", real) })
}

func TestAStalledBodyEndsWithTheContext(t *testing.T) {
	// Headers and one byte arrive, then nothing: tinyutil alone would wait
	// forever.
	withFetch(t, `(async () => new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([123])); } }), { status: 200 }))`)
	// The deadline leaves room for a loaded machine to deliver the headers.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1:9/x", nil)
	resp, err := guardedFetch{inner: httputil.DefaultClient}.Do(req)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(resp.Body)
		done <- err
	}()
	select {
	case err := <-done:
		assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the body read outlived its context")
	}
	_ = resp.Body.Close()
}

func TestHeaderValuesJSWouldRefuseAreRefusedFirst(t *testing.T) {
	withFetch(t, `(async () => { throw new Error("fetch must not be reached") })`)
	for _, v := range []string{"\u201ckey\u201d", "a\r\nX-Evil: 1", "nul\x00"} {
		_, err := transport.Do(context.Background(), &core.Request{Method: "GET", URL: "http://127.0.0.1:9/x", Header: core.Header{"X-Ig-Api-Key": {v}}})
		var e *core.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, core.CodeInvalidArgument, e.Code)
		assert.Contains(t, strings.ToLower(e.Message), "x-ig-api-key")
		assert.NotContains(t, e.Message, v)
	}
}

func TestAThrowingFetchIsAnErrorNotAPanic(t *testing.T) {
	withFetch(t, `(() => { throw new TypeError("secret-in-message") })`)
	_, err := transport.Do(context.Background(), &core.Request{Method: "GET", URL: "http://127.0.0.1:9/x"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret-in-message")
}
