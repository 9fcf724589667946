package encrypt

import "strconv"

// Code is a stable, machine-readable error code. Codes never change meaning
// between releases; JavaScript sees the same strings as BrokerAuthError.code.
type Code string

// Codes for input that brokerauth refuses before anything is sent.
const (
	// CodeInvalidKey: the encryption key is not base64 DER or PEM, or its
	// DER does not parse.
	CodeInvalidKey Code = "invalid_key"
	// CodeUnsupportedKey: the key parses but is not one brokerauth can
	// encrypt with (an EC or Ed25519 key, a private key, an RSA key that is
	// too small or too large).
	CodeUnsupportedKey Code = "unsupported_key"
	// CodePasswordTooLong: base64(password|timeStamp) exceeds what PKCS#1
	// v1.5 can carry with this key (k-11 bytes).
	CodePasswordTooLong Code = "password_too_long"
	// CodeInvalidArgument: an argument has the wrong type or form.
	CodeInvalidArgument Code = "invalid_argument"
	// CodeInternal: a bug in brokerauth, recovered.
	CodeInternal Code = "internal"
)

// Error is the one error type brokerauth returns (core.Error is this
// type). Its fields never carry a password, token or private key: messages
// describe what is wrong, never echo the secret input.
//
// Use errors.As to inspect it:
//
//	var e *core.Error
//	if errors.As(err, &e) && e.Code == core.CodePasswordTooLong { … }
type Error struct {
	Code Code // stable code, see the Code constants
	// Broker is "ig", "capital" or "ibkr" for errors in a session flow,
	// empty for local errors such as a bad key.
	Broker string
	// Step names the flow step that failed (e.g. "login"), empty for local
	// errors.
	Step string
	// Status is the HTTP status the broker answered, 0 when there was no
	// response (or no request).
	Status int
	// Retryable reports whether the same call may succeed if tried again
	// later (network errors, timeouts, 5xx, 429).
	Retryable bool
	// Message says what is wrong, in words, for a person.
	Message string
	// Err is the underlying cause, if any; it is safe to show (it never
	// holds secret input).
	Err error
}

func (e *Error) Error() string {
	s := "brokerauth: "
	if e.Broker != "" {
		s += e.Broker
		if e.Step != "" {
			s += " " + e.Step
		}
		s += ": "
	}
	s += string(e.Code)
	if e.Status != 0 {
		s += " (HTTP " + strconv.Itoa(e.Status) + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, &core.Error{Code: core.CodeInvalidKey}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// newError builds a local error, fresh each time: callers may fill in
// Broker and Step.
func newError(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}
