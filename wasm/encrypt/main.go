//go:build js && wasm

// Command encrypt is brokerauth's encrypt-only WebAssembly module
// (brokerauth-encrypt.wasm, the npm package's brokerauth/encrypt entry):
// encryptPassword and nothing else, without the session clients, net/http
// or tinyutil, so that it downloads and starts in a fraction of the
// sessions module's time.
//
// Start-up: while the wrapper's go.run() runs main, and only then,
// globalThis.__brokerauthReady is the wrapper's callback (js/runtime.js);
// main hands it the namespace {version, encryptPassword} and parks, serving
// calls. The sessions module finds the same name in os.Args[1]; this one
// does not read os.Args, which would link Go's os package and its start-up
// work.
package main

import (
	"syscall/js"

	"github.com/brokerauth/brokerauth/core/encrypt"
	"github.com/brokerauth/brokerauth/wasm/internal/bridge"
)

// version is set by the build (-ldflags -X main.version=…) to the npm
// package's version; the wrapper refuses to start if they differ.
var version = "dev"

// readyName is js/runtime.js's readyName.
const readyName = "__brokerauthReady"

func main() {
	ready := js.Global().Get(readyName)
	if ready.Type() != js.TypeFunction {
		println("brokerauth-encrypt.wasm: start it through the brokerauth JavaScript package (brokerauth/encrypt)")
		return
	}
	ready.Invoke(newNamespace())
	select {} // serve calls until the page or process goes away
}

// newNamespace builds the object the wrapper talks to.
func newNamespace() js.Value {
	ns := js.Global().Get("Object").New()
	ns.Set("version", version)
	ns.Set("encryptPassword", bridge.SyncFunc(bridge.EncryptPassword(encryptPassword)))
	return ns
}

func encryptPassword(encryptionKey, timeStamp, password string) (string, error) {
	return encrypt.Password(hostRandom{}, encryptionKey, timeStamp, password)
}

// hostRandom reads the host's crypto.getRandomValues through the import
// Go's wasm_exec.js provides for crypto/rand (runtime.getRandomData), the
// source crypto/rand itself uses under js/wasm outside FIPS mode. Calling
// it directly leaves out crypto/rand, whose FIPS 140 machinery (a DRBG on
// AES, the module's self-checks) would be a fifth of this module.
type hostRandom struct{}

func (hostRandom) Read(b []byte) (int, error) {
	// getRandomValues fills at most 65536 bytes per call.
	for rest := b; len(rest) > 0; {
		n := min(len(rest), 64<<10)
		getRandomData(rest[:n])
		rest = rest[n:]
	}
	return len(b), nil
}

//go:wasmimport gojs runtime.getRandomData
//go:noescape
func getRandomData(r []byte)
