//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"runtime"
	"syscall/js"

	"github.com/brokerauth/brokerauth/core"
)

// codeInternal marks a recovered panic: a bug in brokerauth, reported as an
// error instead of stopping the runtime.
const codeInternal core.Code = "internal"

var (
	jsObject  = js.Global().Get("Object")
	jsArray   = js.Global().Get("Array")
	jsPromise = js.Global().Get("Promise")
)

// syncFunc adapts a Go function to a synchronous JS function. On success the
// JS caller gets fn's value; on failure an error object
// {__brokerauthError: true, code, message, …} that the wrapper throws as a
// BrokerAuthError. Panics are recovered and become code "internal".
func syncFunc(fn func(args []js.Value) (any, error)) js.Func {
	return js.FuncOf(func(_ js.Value, args []js.Value) (result any) {
		defer func() {
			if r := recover(); r != nil {
				result = errorToJS(panicError(r))
			}
		}()
		v, err := fn(args)
		if err != nil {
			return errorToJS(err)
		}
		return v
	})
}

// makePromise runs work in its own goroutine, so that it may block on I/O
// (which, in js/wasm, waits on the JS event loop), and returns a Promise
// that always resolves, with {value} or {error}; the wrapper rejects on the
// latter. Resolving instead of rejecting keeps one code path for errors
// and never produces an unhandled rejection inside the wrapper.
func makePromise(work func() (any, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		executor.Release()
		resolve := args[0]
		go func() {
			resolve.Invoke(settle(work))
		}()
		return nil
	})
	return jsPromise.New(executor)
}

// settle runs work and packs its outcome for makePromise, recovering panics.
func settle(work func() (any, error)) (outcome js.Value) {
	defer func() {
		if r := recover(); r != nil {
			outcome = envelope("error", errorToJS(panicError(r)))
		}
	}()
	v, err := work()
	if err != nil {
		return envelope("error", errorToJS(err))
	}
	return envelope("value", v)
}

func envelope(key string, v any) js.Value {
	o := jsObject.New()
	o.Set(key, v)
	return o
}

// panicError turns a recovered panic into an internal error. Only runtime
// errors are described: other panic values could hold anything, secrets
// included.
func panicError(r any) error {
	msg := "internal error in brokerauth (recovered); please report it"
	if re, ok := r.(runtime.Error); ok {
		msg += ": " + re.Error()
	}
	return &core.Error{Code: codeInternal, Message: msg}
}

// errorToJS flattens an error into the plain object the wrapper expects.
// Errors that are not *core.Error (should not happen) become "internal"
// without their text, which might not be vetted for secrets.
func errorToJS(err error) js.Value {
	var e *core.Error
	if !errors.As(err, &e) {
		e = &core.Error{Code: codeInternal, Message: fmt.Sprintf("unexpected %T error", err)}
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

// argString returns args[i] if it is a JS string, else an invalid_argument
// error naming the parameter. The wrapper already checks types; this keeps
// the raw namespace safe on its own.
func argString(args []js.Value, i int, name string) (string, error) {
	if i >= len(args) || args[i].Type() != js.TypeString {
		return "", &core.Error{Code: core.CodeInvalidArgument, Message: name + " must be a string"}
	}
	return args[i].String(), nil
}
