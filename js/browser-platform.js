// How the browser entries (browser.mjs from browser.js, encrypt-browser.mjs
// from browser-encrypt.js) load a module: fetch the .wasm from next to the
// entry unless told otherwise, compiling while it downloads when the server
// sends application/wasm.

import { defineGoClass } from './wasm_exec_inline.js';

/**
 * @param {string} wasmName the module's file name, for messages
 * @param {() => URL} defaultURL the .wasm next to the entry; each entry
 *   writes its own new URL('./….wasm', import.meta.url), literally, which
 *   Vite and webpack 5 pick up and emit as an asset
 * @returns {import('./init.js').Platform}
 */
export function browserPlatform(wasmName, defaultURL) {
  return {
    wasmName,
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
      const url = wasmURL === undefined ? defaultURL() : wasmURL;
      let res;
      try {
        res = await fetch(url);
      } catch (err) {
        throw new Error(`fetching ${String(url)} failed (network down, server down, or CORS): ${err?.message || err}`);
      }
      if (!res.ok) throw new Error(`HTTP ${res.status} fetching ${String(url)}`);
      if (typeof WebAssembly.compileStreaming === 'function' &&
          (res.headers.get('Content-Type') || '').split(';')[0].trim() === 'application/wasm') {
        return WebAssembly.compileStreaming(res);
      }
      return WebAssembly.compile(await res.arrayBuffer());
    },
  };
}
