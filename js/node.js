// Node.js entry point (index.mjs and index.cjs are built from this file):
// finds the bundled brokerauth.wasm next to itself and polyfills the one
// global that Node 18 lacks and wasm_exec.js requires.

import { createInit, version } from './api.js';

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
  importWasmExec: () => import('./wasm_exec.js'),
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
