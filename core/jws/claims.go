package jws

import (
	"math"
	"slices"
	"strconv"

	"github.com/brokerauth/brokerauth/core/internal/jsonlite"
)

// appendClaims writes claims as a JSON object, byte for byte what
// encoding/json.Marshal writes for the same map (keys sorted), for the
// value types claims have: strings, booleans, integers, finite floats and
// nil. This package is compiled into brokerauth.wasm, where encoding/json
// costs ~230 KB and reflection is slow. It reports false for any other
// type, or a NaN or infinite float.
func appendClaims(dst []byte, claims map[string]any) ([]byte, bool) {
	keys := make([]string, 0, len(claims))
	for k := range claims {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(jsonlite.AppendString(dst, k), ':')
		var ok bool
		if dst, ok = appendClaim(dst, claims[k]); !ok {
			return nil, false
		}
	}
	return append(dst, '}'), true
}

func appendClaim(dst []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case string:
		return jsonlite.AppendString(dst, v), true
	case bool:
		return strconv.AppendBool(dst, v), true
	case int:
		return strconv.AppendInt(dst, int64(v), 10), true
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), true
	case int64:
		return strconv.AppendInt(dst, v, 10), true
	case uint32:
		return strconv.AppendUint(dst, uint64(v), 10), true
	case uint64:
		return strconv.AppendUint(dst, v, 10), true
	case float64:
		return appendFloat(dst, v)
	}
	return nil, false
}

// appendFloat is encoding/json's float64 format: the shortest decimal that
// round-trips, in exponent form only below 1e-6 or from 1e21, with a
// one-digit negative exponent written as e-7, not e-07.
func appendFloat(dst []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, true
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
