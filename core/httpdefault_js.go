//go:build js

package core

// DefaultHTTPClient returns nil under GOOS=js, so a flow's Config must name
// its HTTPClient there (NoHTTPClientMessage says so). http.DefaultClient is
// a trap in that build twice over: under Node it turns fetch off and tries
// to dial, which fails; and merely referring to it keeps http.Transport,
// crypto/tls and crypto/x509 in the binary (4.7 of brokerauth.wasm's
// 11.7 MB), since the linker cannot tell that the wasm never dials.
func DefaultHTTPClient() HTTPDoer { return nil }
