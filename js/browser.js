// Browser and bundler entry point (browser.mjs): fetches brokerauth.wasm
// from next to this module unless told otherwise, compiling while it
// downloads when the server sends application/wasm.

import { createInit, version } from './api.js';
import { defineGoClass } from './wasm_exec_inline.js';

export { BrokerAuthError } from './errors.js';
export { version };

export const init = createInit({
  async prepareGlobals() {},
  async importWasmExec() {
    const hadProcess = 'process' in globalThis;
    defineGoClass();
    // wasm_exec.js leaves a process stub without env behind; code that
    // tests `typeof process !== 'undefined' && process.env.NODE_ENV`
    // would then throw. Give the stub an empty env.
    if (!hadProcess && globalThis.process && globalThis.process.env === undefined) {
      globalThis.process.env = {};
    }
  },
  async compileWasm(wasmURL) {
    const url = wasmURL === undefined ? new URL('./brokerauth.wasm', import.meta.url) : wasmURL;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status} fetching ${String(url)}`);
    if (typeof WebAssembly.compileStreaming === 'function' &&
        (res.headers.get('Content-Type') || '').split(';')[0].trim() === 'application/wasm') {
      return WebAssembly.compileStreaming(res);
    }
    return WebAssembly.compile(await res.arrayBuffer());
  },
});
