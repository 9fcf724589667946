package core

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"unicode/utf8"
)

// pkcs1v15Overhead is the PKCS#1 v1.5 type 2 padding: 0x00 0x02, at least
// eight random non-zero bytes, 0x00.
const pkcs1v15Overhead = 11

// maxTimeStampDigits bounds the timeStamp: brokers send epoch milliseconds
// (13 digits); 20 digits is the whole uint64 range.
const maxTimeStampDigits = 20

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
func EncryptPassword(encryptionKey, timeStamp, password string) (string, error) {
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
		return "", newError(CodeInvalidKey, "no encryption key given")
	}
	if err := checkTimeStamp(timeStamp); err != nil {
		return "", err
	}
	if password == "" {
		return "", newError(CodeInvalidArgument, "password is empty")
	}
	if !utf8.ValidString(password) {
		return "", newError(CodeInvalidArgument, "password is not valid UTF-8")
	}
	inner := base64.StdEncoding.EncodeToString([]byte(password + "|" + timeStamp))
	if limit := key.Size() - pkcs1v15Overhead; len(inner) > limit {
		return "", newError(CodePasswordTooLong,
			"password is too long for this %d-bit key: at most %d UTF-8 bytes with this timeStamp",
			key.N.BitLen(), MaxPasswordBytes(key, timeStamp))
	}
	ciphertext, err := rsa.EncryptPKCS1v15(rand.Reader, key, []byte(inner))
	if err != nil {
		// Only reachable with a key that passed parsing but that crypto/rsa
		// still refuses; its message names the key, never the password.
		return "", &Error{Code: CodeUnsupportedKey, Message: "crypto/rsa refused this key", Err: err}
	}
	return base64.StdEncoding.EncodeToString(ciphertext), nil
}

// MaxPasswordBytes returns the longest password, in UTF-8 bytes, that key can
// carry next to timeStamp: base64 turns every 3 bytes of password|timeStamp
// into 4, and PKCS#1 v1.5 leaves k-11 bytes. For a 2048-bit key and a
// 13-digit timeStamp that is 169 bytes.
func MaxPasswordBytes(key *rsa.PublicKey, timeStamp string) int {
	plain := 3 * ((key.Size() - pkcs1v15Overhead) / 4)
	n := plain - len(timeStamp) - 1
	if n < 0 {
		return 0
	}
	return n
}

func checkTimeStamp(ts string) error {
	if ts == "" {
		return newError(CodeInvalidArgument, "timeStamp is empty; pass the timeStamp the broker sent with the key")
	}
	if len(ts) > maxTimeStampDigits {
		return newError(CodeInvalidArgument, "timeStamp is longer than %d digits", maxTimeStampDigits)
	}
	for i := 0; i < len(ts); i++ {
		if ts[i] < '0' || ts[i] > '9' {
			return newError(CodeInvalidArgument, "timeStamp must be a non-negative whole number in decimal digits")
		}
	}
	return nil
}
