package encrypt

import (
	"encoding/base64"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/brokerauth/brokerauth/core/internal/rsaenc"
)

// maxTimeStampDigits bounds the timeStamp: brokers send epoch milliseconds
// (13 digits); 20 digits is the whole uint64 range.
const maxTimeStampDigits = 20

// Password encrypts a login password the way IG (v2 and v1 sessions) and
// Capital.com require, with the PKCS#1 v1.5 padding read from random
// (crypto/rand.Reader, or the host's getRandomValues):
//
//	base64(RSAES-PKCS1-v1_5(key, base64(utf8(password + "|" + timeStamp))))
//
// It is core.EncryptPassword for programs that do not link crypto/rand and
// crypto/rsa, with the same results and errors.
func Password(random io.Reader, encryptionKey, timeStamp, password string) (string, error) {
	key, err := ParseKey(encryptionKey)
	if err != nil {
		return "", err
	}
	return key.Password(random, timeStamp, password)
}

// Password is the package-level Password with a key already parsed, for
// callers that encrypt more than once per key.
func (k *Key) Password(random io.Reader, timeStamp, password string) (string, error) {
	msg, err := Plaintext(k.Bits(), timeStamp, password)
	if err != nil {
		return "", err
	}
	pub, err := rsaenc.New(k.n, uint64(k.e))
	if err != nil {
		// Not reachable: ParseKey accepts only keys rsaenc takes.
		return "", &Error{Code: CodeInternal, Message: "the RSA code refused a key the parser accepted", Err: err}
	}
	ciphertext, err := pub.EncryptPKCS1v15(random, msg)
	if err != nil {
		// Only a failing random source gets here (crypto/rand's never
		// fails, nor does the host's getRandomValues).
		return "", &Error{Code: CodeInternal, Message: "no random bytes for the padding", Err: err}
	}
	return base64.StdEncoding.EncodeToString(ciphertext), nil
}

// Plaintext returns what IG and Capital.com want encrypted,
// base64(utf8(password + "|" + timeStamp)), after checking the arguments
// for a key of keyBits bits: timeStamp is the broker's number in decimal
// digits, password is non-empty UTF-8, and the whole fits in one PKCS#1
// v1.5 block. Errors are *Error with CodeInvalidArgument or
// CodePasswordTooLong, and never contain the password.
func Plaintext(keyBits int, timeStamp, password string) ([]byte, error) {
	if err := checkTimeStamp(timeStamp); err != nil {
		return nil, err
	}
	if password == "" {
		return nil, newError(CodeInvalidArgument, "password is empty")
	}
	if !utf8.ValidString(password) {
		return nil, newError(CodeInvalidArgument, "password is not valid UTF-8")
	}
	msg := base64.StdEncoding.AppendEncode(nil, []byte(password+"|"+timeStamp))
	if limit := (keyBits+7)/8 - rsaenc.Overhead; len(msg) > limit {
		return nil, newError(CodePasswordTooLong, "password is too long for this "+strconv.Itoa(keyBits)+
			"-bit key: at most "+strconv.Itoa(MaxPasswordBytes(keyBits, timeStamp))+" UTF-8 bytes with this timeStamp")
	}
	return msg, nil
}

// MaxPasswordBytes returns the longest password, in UTF-8 bytes, that a
// key of keyBits bits can carry next to timeStamp: base64 turns every 3
// bytes of password|timeStamp into 4, and PKCS#1 v1.5 leaves k-11 bytes.
// For a 2048-bit key and a 13-digit timeStamp that is 169 bytes.
func MaxPasswordBytes(keyBits int, timeStamp string) int {
	plain := 3 * (((keyBits+7)/8 - rsaenc.Overhead) / 4)
	return max(plain-len(timeStamp)-1, 0)
}

func checkTimeStamp(ts string) error {
	if ts == "" {
		return newError(CodeInvalidArgument, "timeStamp is empty; pass the timeStamp the broker sent with the key")
	}
	if len(ts) > maxTimeStampDigits {
		return newError(CodeInvalidArgument, "timeStamp is longer than "+strconv.Itoa(maxTimeStampDigits)+" digits")
	}
	for i := 0; i < len(ts); i++ {
		if ts[i] < '0' || ts[i] > '9' {
			return newError(CodeInvalidArgument, "timeStamp must be a non-negative whole number in decimal digits")
		}
	}
	return nil
}
