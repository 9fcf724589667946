package jws

import (
	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

// appendClaims writes claims as a JSON object, byte for byte what
// encoding/json.Marshal writes for the same map (keys sorted), for the
// value types claims have: strings, booleans, integers, finite floats,
// nil, and arrays and objects of these. This package is compiled into
// brokerauth.wasm, where encoding/json is large and its reflection slow.
// It reports false for any other type, or a NaN or infinite float.
func appendClaims(dst []byte, claims map[string]any) ([]byte, bool) {
	if claims == nil {
		claims = map[string]any{}
	}
	return jsonlite.AppendAny(dst, claims)
}

// appendHeader writes the protected header as encoding/json wrote the
// Header struct: {"alg":…,"typ":…,"kid":…}, typ and kid only when set.
func appendHeader(dst []byte, h Header) []byte {
	dst = append(dst, `{"alg":`...)
	dst = jsonlite.AppendString(dst, h.Alg)
	if h.Typ != "" {
		dst = append(dst, `,"typ":`...)
		dst = jsonlite.AppendString(dst, h.Typ)
	}
	if h.Kid != "" {
		dst = append(dst, `,"kid":`...)
		dst = jsonlite.AppendString(dst, h.Kid)
	}
	return append(dst, '}')
}
