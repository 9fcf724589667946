//go:build js && wasm

package main

import (
	"sync/atomic"
	"syscall/js"

	"github.com/brokerauth/brokerauth/wasm/internal/bridge"
)

var jsArray = js.Global().Get("Array")

// The synchronous half of the bridge (bridge.SyncFunc, ErrorToJS,
// PanicError, ArgString) is shared with the encrypt-only module
// (wasm/internal/bridge); this file adds the asynchronous half.

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
			ok, outcome = false, bridge.ErrorToJS(bridge.PanicError(r))
		}
	}()
	v, err := work()
	if err != nil {
		return false, bridge.ErrorToJS(err)
	}
	return true, v
}
