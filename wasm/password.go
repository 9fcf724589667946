//go:build js && wasm

package main

import (
	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/wasm/internal/bridge"
)

// encryptPassword(encryptionKey, timeStamp, password) → base64 string, by
// core.EncryptPassword: under WebAssembly that is encrypt.Password with
// crypto/rand, the code the encrypt-only module runs with the host's
// randomness. The wrapper has already turned a numeric timeStamp into
// decimal text.
var encryptPassword = bridge.EncryptPassword(core.EncryptPassword)
