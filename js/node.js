// Node.js entry point (index.mjs and index.cjs are built from this file):
// finds the bundled brokerauth.wasm next to itself and polyfills the one
// global that Node 18 lacks and wasm_exec.js requires.

import { createInit, version } from './api.js';
import { defineGoClass } from './wasm_exec_inline.js';

export { BrokerAuthError } from './errors.js';
export { version };

const defaultWasmURL = () => new URL('./brokerauth.wasm', import.meta.url);

export const init = createInit({
  async prepareGlobals() {
    if (!globalThis.crypto || typeof globalThis.crypto.getRandomValues !== 'function') {
      // Node 18 has no global Web Crypto; Go's crypto/rand needs
      // getRandomValues.
      const { webcrypto } = await import('node:crypto');
      Object.defineProperty(globalThis, 'crypto', { value: webcrypto, configurable: true, writable: true });
    }
  },
  async importWasmExec() {
    const hadFS = 'fs' in globalThis;
    defineGoClass();
    // wasm_exec.js's fs stub prints Go's output (a crash report) with
    // console.log, i.e. on stdout, where it would corrupt a program's
    // output (the CLI prints JSON there): send it to stderr.
    if (!hadFS && globalThis.fs && typeof globalThis.fs.writeSync === 'function') {
      const decoder = new TextDecoder('utf-8');
      globalThis.fs.writeSync = (fd, buf) => {
        process.stderr.write(decoder.decode(buf));
        return buf.length;
      };
    }
  },
  adaptGo: keepNodeAliveOnlyWhileBusy,
  async compileWasm(wasmURL) {
    const url = wasmURL === undefined ? defaultWasmURL() : new URL(String(wasmURL), defaultWasmURL());
    let bytes;
    if (url.protocol === 'file:') {
      const [{ readFile }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
      bytes = await readFile(fileURLToPath(url));
    } else {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status} fetching ${url.href}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    }
    return WebAssembly.compile(bytes);
  },
});

// Go's runtime schedules a JS setTimeout for its next timer, and leaves a
// stale one behind when that timer is stopped (a per-call timeout after the
// call returned): a script would linger for up to 30 s after its last call.
// So Go's timeouts are unref'd, and instead the runtime holds the process
// open exactly while a call is pending or a keepalive runs.
function keepNodeAliveOnlyWhileBusy(go, runtime) {
  const imports = go.importObject.gojs;
  const schedule = imports['runtime.scheduleTimeoutEvent'];
  if (typeof schedule === 'function' && go._scheduledTimeouts instanceof Map) {
    imports['runtime.scheduleTimeoutEvent'] = (sp) => {
      schedule(sp);
      const id = go.mem.getInt32((sp >>> 0) + 16, true);
      const timeout = go._scheduledTimeouts.get(id);
      if (timeout && typeof timeout.unref === 'function') timeout.unref();
    };
  }
  let handle = null;
  runtime.onHoldChange = (busy) => {
    if (busy && !handle) handle = setInterval(() => {}, 2 ** 31 - 1);
    if (!busy && handle) {
      clearInterval(handle);
      handle = null;
    }
  };
}
