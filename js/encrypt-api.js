// What init() resolves to in brokerauth/encrypt: the version, the wasm's
// memory, and encryptPassword, the same shape as the sessions module's
// object without the clients, so that changing the import is the whole
// move from one to the other.

import { encryptPasswordOf } from './encrypt.js';
import { version } from './init.js';

export function createEncryptOnly(ns, runtime) {
  return Object.freeze({
    version,

    /** Diagnostics: the size of the wasm's linear memory in bytes. */
    get wasmMemoryBytes() {
      return runtime.memoryBytes();
    },

    encryptPassword: encryptPasswordOf(ns, runtime),
  });
}
