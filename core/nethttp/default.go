//go:build !js

package nethttp

import (
	"net/http"

	"github.com/brokerauth/brokerauth/core"
)

// Default is the HTTP a client uses when its Config names none:
// http.DefaultClient. Under GOOS=js there is none (see default_js.go).
func Default() core.HTTP { return Transport{Client: http.DefaultClient} }
