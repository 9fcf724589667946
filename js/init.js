// init(), as both entries have it: the options, single flight, loading and
// starting a module, and the version handshake. What the started module
// becomes (the sessions API, or encryptPassword alone) and how a platform
// finds and compiles the .wasm are the caller's (api.js, encrypt-api.js;
// node.js, browser.js and their encrypt twins).

import { BrokerAuthError, checkKeys, codes, describeType, invalidArgument, readArgument } from './errors.js';
import { startRuntime } from './runtime.js';

// Replaced at build time with the npm package's version; the wasm reports
// the version it was built with, and the two must match.
export const version = __BROKERAUTH_VERSION__;

/**
 * @typedef {object} Platform
 * @property {string} wasmName the module's file name, for messages
 * @property {() => Promise<void>} prepareGlobals makes what wasm_exec.js needs exist
 * @property {() => Promise<unknown>} importWasmExec loads Go's wasm_exec.js
 * @property {(url: string|URL|undefined) => Promise<WebAssembly.Module>} compileWasm
 * @property {(go: object, runtime: import('./runtime.js').Runtime) => void} [adaptGo]
 *   platform tweaks to a Go instance before it starts
 */

/**
 * @param {Platform} platform
 * @param {{create: (ns: object, runtime: import('./runtime.js').Runtime) => object,
 *          lend?: (ns: object, runtime: import('./runtime.js').Runtime) => unknown}} api
 *   what init() resolves to, and what the handshake lends Go
 */
export function createInit(platform, api) {
  let pending = null;

  return function init(options = {}) {
    // Every call's options are checked, so that a typo is never ignored;
    // then single flight: concurrent and later calls share one start, and
    // a failed start is forgotten so that init() can be tried again.
    let checked;
    try {
      checked = readInitOptions(options);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!pending) {
      pending = start(platform, api, checked).catch((err) => {
        pending = null;
        throw err;
      });
    }
    return pending;
  };
}

function readInitOptions(options) {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument(`init(options): options must be an object, got ${describeType(options)}`);
  }
  // Getters, Proxy traps and instanceof (getPrototypeOf) can run the
  // caller's code, which may throw: that becomes invalid_argument.
  return readArgument('init(options)', () => {
    checkKeys('init(options)', options, ['wasmURL', 'wasmModule']);
    const { wasmURL, wasmModule } = options;
    if (wasmURL !== undefined && wasmModule !== undefined) {
      throw invalidArgument('init(options): pass wasmURL or wasmModule, not both');
    }
    if (wasmURL !== undefined && typeof wasmURL !== 'string' && !(wasmURL instanceof URL)) {
      throw invalidArgument(`init(options): wasmURL must be a string or URL, got ${describeType(wasmURL)}`);
    }
    if (wasmModule !== undefined && !(wasmModule instanceof WebAssembly.Module)) {
      throw invalidArgument(`init(options): wasmModule must be a WebAssembly.Module, got ${describeType(wasmModule)}`);
    }
    return { wasmURL, wasmModule };
  });
}

async function start(platform, api, { wasmURL, wasmModule }) {
  const { wasmName } = platform;
  await platform.prepareGlobals();
  await platform.importWasmExec();
  let module = wasmModule;
  if (!module) {
    try {
      module = await platform.compileWasm(wasmURL);
    } catch (err) {
      if (err instanceof BrokerAuthError) throw err;
      throw new BrokerAuthError(codes.wasmLoadFailed, `could not load ${wasmName}: ${err && err.message}`);
    }
  }

  const { ns, runtime } = await startRuntime(module, { wasmName, onGoCreated: platform.adaptGo, lend: api.lend });
  if (ns.version !== version) {
    throw new BrokerAuthError(
      codes.versionMismatch,
      `${wasmName} is version ${ns.version} but the JavaScript wrapper is ${version}; ` +
        `serve the .wasm file that ships with this package`,
    );
  }
  return api.create(ns, runtime);
}
