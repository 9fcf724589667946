//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/brokerauth/brokerauth/core"
)

// encryptPassword(encryptionKey, timeStamp, password) → base64 string.
// The wrapper has already turned a numeric timeStamp into decimal text.
func encryptPassword(args []js.Value) (any, error) {
	key, err := argString(args, 0, "encryptionKey")
	if err != nil {
		return nil, err
	}
	ts, err := argString(args, 1, "timeStamp")
	if err != nil {
		return nil, err
	}
	password, err := argString(args, 2, "password")
	if err != nil {
		return nil, err
	}
	return core.EncryptPassword(key, ts, password)
}
