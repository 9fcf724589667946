package core

import "github.com/brokerauth/brokerauth/core/encrypt"

// Code is a stable, machine-readable error code. Codes never change meaning
// between releases; JavaScript sees the same strings as BrokerAuthError.code.
//
// Code, Error and the codes of local errors are declared in core/encrypt,
// the leaf that the encrypt-only wasm links without the rest of core; these
// aliases make them core's, the same types.
type Code = encrypt.Code

// Codes for input that brokerauth refuses before anything is sent.
const (
	// CodeInvalidKey: the encryption key is not base64 DER or PEM, or its
	// DER does not parse.
	CodeInvalidKey = encrypt.CodeInvalidKey
	// CodeUnsupportedKey: the key parses but is not one brokerauth can
	// encrypt with (an EC or Ed25519 key, a private key, an RSA key that is
	// too small or too large).
	CodeUnsupportedKey = encrypt.CodeUnsupportedKey
	// CodePasswordTooLong: base64(password|timeStamp) exceeds what PKCS#1
	// v1.5 can carry with this key (k-11 bytes).
	CodePasswordTooLong = encrypt.CodePasswordTooLong
	// CodeInvalidArgument: an argument has the wrong type or form.
	CodeInvalidArgument = encrypt.CodeInvalidArgument
)

// Error is the one error type brokerauth returns. Its fields never carry a
// password, token or private key: messages describe what is wrong, never
// echo the secret input. See encrypt.Error for its fields.
//
// Use errors.As to inspect it:
//
//	var e *core.Error
//	if errors.As(err, &e) && e.Code == core.CodePasswordTooLong { … }
type Error = encrypt.Error

func isCode(err error, code Code) bool {
	e, ok := err.(*Error)
	return ok && e.Code == code
}
