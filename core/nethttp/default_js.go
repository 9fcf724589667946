//go:build js

package nethttp

import "github.com/brokerauth/brokerauth/core"

// Default is nil under GOOS=js, so that a client's Config must name its
// HTTP there. http.DefaultClient would be a trap twice over: under Node it
// turns fetch off and tries to dial, which fails; and merely referring to
// it keeps http.Transport, crypto/tls and crypto/x509 in the wasm, since
// the linker cannot tell that the wasm never dials.
func Default() core.HTTP { return nil }
