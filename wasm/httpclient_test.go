//go:build js && wasm

package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/capital"
	"github.com/brokerauth/brokerauth/core/ig"
	"github.com/brokerauth/brokerauth/core/nethttp"
)

// Under GOOS=js the flows have no default HTTP client (it would link TLS and
// dial under Node): a Config without one is refused up front.
func TestFlowsNeedAnHTTPClientUnderJS(t *testing.T) {
	assert.Nil(t, nethttp.Default())
	_, err := ig.New(ig.Config{APIKey: "k", Identifier: "i", Password: "p", BaseURL: "http://127.0.0.1:9"})
	assertNoHTTPClient(t, err)
	_, err = capital.New(capital.Config{APIKey: "k", Identifier: "i", Password: "p", BaseURL: "http://127.0.0.1:9"})
	assertNoHTTPClient(t, err)
}

func assertNoHTTPClient(t *testing.T, err error) {
	t.Helper()
	var ce *core.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, core.CodeInvalidArgument, ce.Code)
	assert.Equal(t, core.NoHTTPMessage, ce.Message)
}
