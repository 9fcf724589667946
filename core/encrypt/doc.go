// Package encrypt is the password encryption IG and Capital.com demand,
// and the error type of all of brokerauth, in a package that links little
// beyond the Go runtime:
//
//	encryptedPassword = base64(RSAES-PKCS1-v1_5(key, base64(utf8(password + "|" + timeStamp))))
//
// Go programs call core.EncryptPassword and get *core.Error: core declares
// Error, Code and its codes as aliases of this package's, and its
// EncryptPassword uses this package's parser and checks. This package
// exists for programs that must stay small, above all the encrypt-only
// WebAssembly module (wasm/encrypt): it imports no fmt, no math/big, no
// crypto/rsa, no crypto/rand (the caller passes the randomness) and no
// HTTP, and core/internal/rsaenc does the RSA arithmetic.
package encrypt
