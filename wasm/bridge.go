//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall/js"

	"github.com/brokerauth/brokerauth/core"
)

// codeInternal marks a recovered panic: a bug in brokerauth, reported as an
// error instead of stopping the runtime.
const codeInternal core.Code = "internal"

var (
	jsObject = js.Global().Get("Object")
	jsArray  = js.Global().Get("Array")
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

// startAsync runs work in a goroutine of its own, so that it may block on
// I/O (which, in js/wasm, waits on the JS event loop), and hands its
// outcome to the JS function settle: settle(true, value) or settle(false,
// error object), never a rejection, which keeps one code path for errors
// and never produces an unhandled rejection inside the wrapper. The
// wrapper makes the Promise and passes its settle function; a Promise made
// from Go would need a js.FuncOf executor made and released on every call.
// Two plain arguments, not an {value}/{error} envelope: every JS object Go
// makes or receives is a reference with a finalizer, the costliest part of
// a crossing.
func startAsync(settleFn js.Value, work func() (any, error)) {
	runAsync(func() {
		ok, v := settle(work)
		settleFn.Invoke(ok, v)
	})
}

// runAsync runs job on a goroutine of its own, reusing one that finished
// an earlier job when there is one. A fresh goroutine starts on a small
// stack that a call's depth (bridge → client → cstsession → net/http →
// transport) grows several times over, each growth a stack copy; a reused
// one has its stack grown already. Up to maxIdleWorkers wait for work.
func runAsync(job func()) {
	select {
	case jobs <- job:
	default:
		go worker(job)
	}
}

const maxIdleWorkers = 16

var (
	jobs        = make(chan func())
	idleWorkers atomic.Int32
)

func worker(job func()) {
	for {
		job()
		if idleWorkers.Add(1) > maxIdleWorkers {
			idleWorkers.Add(-1)
			return
		}
		job = <-jobs
		idleWorkers.Add(-1)
	}
}

// settle runs work for startAsync, recovering panics: ok and the value,
// or false and the error object.
func settle(work func() (any, error)) (ok bool, outcome any) {
	defer func() {
		if r := recover(); r != nil {
			ok, outcome = false, errorToJS(panicError(r))
		}
	}()
	v, err := work()
	if err != nil {
		return false, errorToJS(err)
	}
	return true, v
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
