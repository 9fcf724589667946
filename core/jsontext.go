package core

import "github.com/brokerauth/brokerauth/internal/jsonlite"

// AppendJSONString appends s as a JSON string literal, byte for byte what
// encoding/json writes for it. It is for embedders that hand sessions to
// another language as JSON text without linking encoding/json: the wasm
// bridge does, since under WebAssembly encoding/json is slow and large.
func AppendJSONString(dst []byte, s string) []byte {
	return jsonlite.AppendString(dst, s)
}
