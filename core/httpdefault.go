//go:build !js

package core

import "net/http"

// DefaultHTTPClient is the HTTPDoer a flow uses when its Config leaves
// HTTPClient nil: http.DefaultClient.
//
// Under GOOS=js it is nil instead (see httpdefault_js.go), and the flows ask
// for an explicit HTTPClient.
func DefaultHTTPClient() HTTPDoer { return http.DefaultClient }
