//go:build js && wasm

// Command wasm is brokerauth's WebAssembly entry point (GOOS=js GOARCH=wasm).
//
// It exposes the core package to JavaScript through one namespace object and
// adds no globals of its own: the JS wrapper passes, as os.Args[1], the name
// of a one-shot callback it has put on globalThis; main hands the namespace to
// that callback and then parks forever, serving calls. (Go's wasm_exec.js
// does define globalThis.Go and stubs for fs, path and, in browsers,
// process; the wrapper's README says so.)
//
// Every function in the namespace recovers its panics (an escaped panic would
// stop the Go runtime and with it every later call) and reports failures as
// plain {code, message, …} objects that the wrapper turns into
// BrokerAuthError.
package main

import (
	"os"
	"syscall/js"

	"github.com/brokerauth/brokerauth/wasm/internal/bridge"
)

// version is set by the build (-ldflags -X main.version=…) to the npm
// package's version; the wrapper refuses to start if they differ.
var version = "dev"

func main() {
	if len(os.Args) < 2 {
		println("brokerauth.wasm: start it through the brokerauth JavaScript package")
		return
	}
	ready := js.Global().Get(os.Args[1])
	if ready.Type() != js.TypeFunction {
		println("brokerauth.wasm: the start-up callback is missing")
		return
	}
	ns := newNamespace()
	// The helper answers through ns.fetchDone, so that exists before the
	// wrapper sees ns; the wrapper's callback returns the helper itself.
	host := newHostTransport()
	ns.Set("fetchDone", js.FuncOf(host.done))
	if host.adopt(ready.Invoke(ns)) {
		transport = host
	}
	select {} // serve calls until the page or process goes away
}

// newNamespace builds the object the wrapper talks to. Its functions live as
// long as the runtime, so they are never released.
func newNamespace() js.Value {
	ns := js.Global().Get("Object").New()
	ns.Set("version", version)
	ns.Set("encryptPassword", bridge.SyncFunc(encryptPassword))
	registerClientFuncs(ns)
	return ns
}
