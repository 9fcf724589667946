// What init() resolves to in the sessions module (brokerauth): the client
// factories from the Go side's table, encryptPassword, diagnostics. init()
// itself is init.js's; platform differences (where the .wasm comes from,
// which globals need a polyfill) live in node.js and browser.js.

import { clientClass } from './clients.js';
import { encryptPasswordOf } from './encrypt.js';
import { BrokerAuthError, codes } from './errors.js';
import { createHostFetch } from './hostfetch.js';
import { version } from './init.js';

export { version };

/** The sessions module's API for init.js's createInit. */
export const sessionsAPI = {
  create: createBrokerAuth,
  // The handshake lends Go the fetch helper (hostfetch.js).
  lend: (ns, runtime) => createHostFetch(() => ns.fetchDone, runtime.calls),
};

// The Go side's table of the API (wasm/api.go, ns.describe()) as the build
// read it off the wasm it ships with (js/build.mjs), without its
// documentation, so that a start does not have Go build it (and V8 compile
// the code that does). The version handshake guarantees it is this wasm's
// table.
const apiTable = __BROKERAUTH_API__;

function clientFactories(ns, runtime) {
  if (typeof ns.clientCall !== 'function') {
    throw new BrokerAuthError(codes.wasmLoadFailed,
      "this module has no session clients (brokerauth-encrypt.wasm, brokerauth/encrypt's?); 'brokerauth' runs brokerauth.wasm");
  }
  const factories = {};
  for (const [broker, entry] of Object.entries(apiTable.brokers)) {
    const Client = clientClass(ns, runtime, broker, entry);
    factories[broker] = (options) => new Client(options);
  }
  return factories;
}

function createBrokerAuth(ns, runtime) {
  return Object.freeze({
    version,

    /**
     * Diagnostics: the size of the wasm's linear memory in bytes. Go grows
     * it as needed and WebAssembly never shrinks it, so a steady value over
     * time is what a long-running bot wants to see.
     */
    get wasmMemoryBytes() {
      return runtime.memoryBytes();
    },

    // ig(options), capital(options), ibkr(options): one client class per
    // broker, from the Go side's table (wasm/api.go).
    ...clientFactories(ns, runtime),

    /**
     * Encrypt a login password for IG (v2) or Capital.com.
     * @returns {string} base64 ciphertext for the "password" field
     */
    encryptPassword: encryptPasswordOf(ns, runtime),
  });
}
