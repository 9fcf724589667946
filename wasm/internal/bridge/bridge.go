//go:build js && wasm

// Package bridge is what both WebAssembly modules (the sessions module in
// wasm/ and the encrypt-only one in wasm/encrypt) need to answer
// JavaScript: synchronous calls that recover their panics, errors as the
// plain objects the wrapper turns into BrokerAuthError, string arguments,
// and encryptPassword itself. It imports only syscall/js and core/encrypt,
// so that the encrypt-only module stays small.
package bridge

import (
	"errors"
	"runtime"
	"syscall/js"

	"github.com/brokerauth/brokerauth/core/encrypt"
)

var jsObject = js.Global().Get("Object")

// SyncFunc adapts a Go function to a synchronous JS function. On success the
// JS caller gets fn's value; on failure an error object
// {__brokerauthError: true, code, message, …} that the wrapper throws as a
// BrokerAuthError. Panics are recovered and become code "internal".
func SyncFunc(fn func(args []js.Value) (any, error)) js.Func {
	return js.FuncOf(func(_ js.Value, args []js.Value) (result any) {
		defer func() {
			if r := recover(); r != nil {
				result = ErrorToJS(PanicError(r))
			}
		}()
		v, err := fn(args)
		if err != nil {
			return ErrorToJS(err)
		}
		return v
	})
}

// PanicError turns a recovered panic into an internal error. Only runtime
// errors are described: other panic values could hold anything, secrets
// included.
func PanicError(r any) error {
	msg := "internal error in brokerauth (recovered); please report it"
	if re, ok := r.(runtime.Error); ok {
		msg += ": " + re.Error()
	}
	return &encrypt.Error{Code: encrypt.CodeInternal, Message: msg}
}

// ErrorToJS flattens an error into the plain object the wrapper expects.
// Errors that are not *encrypt.Error (core.Error), which should not happen,
// become "internal" without their text, which might not be vetted for
// secrets. The chain is walked with errors.Unwrap rather than errors.As,
// which would link reflection into the encrypt-only module.
func ErrorToJS(err error) js.Value {
	e := &encrypt.Error{Code: encrypt.CodeInternal, Message: "an error brokerauth does not know (a bug; please report it)"}
	for cause := err; cause != nil; cause = errors.Unwrap(cause) {
		if be, ok := cause.(*encrypt.Error); ok {
			e = be
			break
		}
	}
	o := jsObject.New()
	o.Set("__brokerauthError", true)
	o.Set("code", string(e.Code))
	o.Set("message", e.Message)
	o.Set("broker", e.Broker)
	o.Set("step", e.Step)
	o.Set("status", e.Status)
	o.Set("retryable", e.Retryable)
	return o
}

// ArgString returns args[i] if it is a JS string, else an invalid_argument
// error naming the parameter. The wrapper already checks types; this keeps
// the raw namespace safe on its own.
func ArgString(args []js.Value, i int, name string) (string, error) {
	if i >= len(args) || args[i].Type() != js.TypeString {
		return "", &encrypt.Error{Code: encrypt.CodeInvalidArgument, Message: name + " must be a string"}
	}
	return args[i].String(), nil
}

// EncryptPassword is the namespace's encryptPassword(encryptionKey,
// timeStamp, password) → base64 string, by encryptFn (core.EncryptPassword
// in the sessions module, encrypt.Password with the host's randomness in
// the encrypt-only one). The wrapper has already turned a numeric
// timeStamp into decimal text.
func EncryptPassword(encryptFn func(encryptionKey, timeStamp, password string) (string, error)) func([]js.Value) (any, error) {
	return func(args []js.Value) (any, error) {
		key, err := ArgString(args, 0, "encryptionKey")
		if err != nil {
			return nil, err
		}
		ts, err := ArgString(args, 1, "timeStamp")
		if err != nil {
			return nil, err
		}
		password, err := ArgString(args, 2, "password")
		if err != nil {
			return nil, err
		}
		return encryptFn(key, ts, password)
	}
}
