package core

import (
	"crypto/fips140"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"runtime"

	"github.com/brokerauth/brokerauth/core/encrypt"
	"github.com/brokerauth/brokerauth/core/internal/rsaenc"
)

// EncryptPassword encrypts a login password the way IG (v2 and v1 sessions)
// and Capital.com require:
//
//	base64(RSAES-PKCS1-v1_5(key, base64(utf8(password + "|" + timeStamp))))
//
// encryptionKey and timeStamp are the two fields of the broker's
// GET /session/encryptionKey answer; timeStamp is that number in decimal
// (strconv.FormatInt(ts, 10)). The result goes in the login body as
// "password", with "encryptedPassword": true.
//
// Padding is random, so every call returns a different string. Errors are
// *Error with CodeInvalidKey, CodeUnsupportedKey, CodePasswordTooLong or
// CodeInvalidArgument, and never contain the password.
//
// Under WebAssembly this is encrypt.Password with crypto/rand, the very code
// the encrypt-only wasm runs; elsewhere the key is parsed the same way and
// crypto/rsa encrypts.
func EncryptPassword(encryptionKey, timeStamp, password string) (string, error) {
	if useRSAEnc {
		return encrypt.Password(rand.Reader, encryptionKey, timeStamp, password)
	}
	key, err := ParseEncryptionKey(encryptionKey)
	if err != nil {
		return "", err
	}
	return EncryptPasswordWithKey(key, timeStamp, password)
}

// EncryptPasswordWithKey is EncryptPassword with a key already parsed by
// ParseEncryptionKey, for callers that encrypt more than once per key.
func EncryptPasswordWithKey(key *rsa.PublicKey, timeStamp, password string) (string, error) {
	if key == nil || key.N == nil {
		return "", &Error{Code: CodeInvalidKey, Message: "no encryption key given"}
	}
	msg, err := encrypt.Plaintext(key.N.BitLen(), timeStamp, password)
	if err != nil {
		return "", err
	}
	ciphertext, err := encryptPKCS1v15(key, msg, useRSAEnc)
	if err != nil {
		// Only reachable with a key that passed parsing but that crypto/rsa
		// still refuses; its message names the key, never the password.
		return "", &Error{Code: CodeUnsupportedKey, Message: "crypto/rsa refused this key", Err: err}
	}
	return base64.StdEncoding.EncodeToString(ciphertext), nil
}

// useRSAEnc says whether RSA encryption goes through core/internal/rsaenc
// rather than crypto/rsa. Under WebAssembly (GOOS=js and wasip1) rsaenc is
// the faster of the two, since crypto/rsa's 64-bit limbs have no native
// multiply there; elsewhere crypto/rsa's assembly is faster (BENCHMARKS.md
// has the figures). In FIPS 140-3 mode the validated module does the work.
var useRSAEnc = runtime.GOARCH == "wasm" && !fips140.Enabled()

// encryptPKCS1v15 is RSAES-PKCS1-v1_5 of msg, by rsaenc when fast is set and
// the key is one rsaenc takes, else by crypto/rsa. Both produce the same
// format, so the choice is only about speed. Callers have checked that msg
// fits the key.
func encryptPKCS1v15(key *rsa.PublicKey, msg []byte, fast bool) ([]byte, error) {
	if fast && rsaencTakes(key) {
		k, err := rsaenc.New(key.N.FillBytes(make([]byte, key.Size())), uint64(key.E))
		if err == nil {
			if ciphertext, err := k.EncryptPKCS1v15(rand.Reader, msg); err == nil {
				return ciphertext, nil
			}
		}
		// Not reachable with a key inside rsaenc's limits; crypto/rsa will
		// either manage or give its usual error.
	}
	return rsa.EncryptPKCS1v15(rand.Reader, key, msg)
}

// rsaencTakes reports whether key is within the limits ParseEncryptionKey
// enforces, which rsaenc handles like crypto/rsa does. Keys built by hand
// and passed to EncryptPasswordWithKey may be outside them; those stay with
// crypto/rsa, so that they meet exactly the checks and errors they did
// before.
func rsaencTakes(key *rsa.PublicKey) bool {
	bits := key.N.BitLen()
	return key.N.Sign() > 0 && bits >= encrypt.MinKeyBits && bits <= encrypt.MaxKeyBits && key.N.Bit(0) == 1 &&
		key.E >= 3 && key.E <= 1<<31-1 && key.E&1 == 1
}

// MaxPasswordBytes returns the longest password, in UTF-8 bytes, that key can
// carry next to timeStamp: base64 turns every 3 bytes of password|timeStamp
// into 4, and PKCS#1 v1.5 leaves k-11 bytes. For a 2048-bit key and a
// 13-digit timeStamp that is 169 bytes.
func MaxPasswordBytes(key *rsa.PublicKey, timeStamp string) int {
	return encrypt.MaxPasswordBytes(key.N.BitLen(), timeStamp)
}
