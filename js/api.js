// The public API shared by the Node and browser builds: init() and the
// object it resolves to. Platform differences (where the .wasm comes from,
// which globals need a polyfill) live in node.js and browser.js.

import { BrokerAuthError, checkKeys, codes, describeType, invalidArgument, isWellFormed, readArgument } from './errors.js';
import { clientClass } from './clients.js';
import { startRuntime } from './runtime.js';

// Inputs longer than these cannot be valid (a 16384-bit PEM key is ~3 KB;
// such a key carries at most ~1.5 KB of password), so they are refused
// before crossing into the wasm, whose memory never shrinks.
const maxKeyChars = 64 * 1024;
const maxPasswordChars = 4 * 1024;

// Replaced at build time with the npm package's version; the wasm reports
// the version it was built with, and the two must match.
export const version = __BROKERAUTH_VERSION__;

/**
 * @typedef {object} Platform
 * @property {() => Promise<void>} prepareGlobals makes what wasm_exec.js needs exist
 * @property {() => Promise<unknown>} importWasmExec loads Go's wasm_exec.js
 * @property {(url: string|URL|undefined) => Promise<WebAssembly.Module>} compileWasm
 * @property {(go: object, runtime: import('./runtime.js').Runtime) => void} [adaptGo]
 *   platform tweaks to a Go instance before it starts
 */

/** @param {Platform} platform */
export function createInit(platform) {
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
      pending = start(platform, checked).catch((err) => {
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

async function start(platform, { wasmURL, wasmModule }) {
  await platform.prepareGlobals();
  await platform.importWasmExec();
  let module = wasmModule;
  if (!module) {
    try {
      module = await platform.compileWasm(wasmURL);
    } catch (err) {
      if (err instanceof BrokerAuthError) throw err;
      throw new BrokerAuthError(codes.wasmLoadFailed, `could not load brokerauth.wasm: ${err && err.message}`);
    }
  }

  const { ns, runtime } = await startRuntime(module, { onGoCreated: platform.adaptGo });
  if (ns.version !== version) {
    throw new BrokerAuthError(
      codes.versionMismatch,
      `brokerauth.wasm is version ${ns.version} but the JavaScript wrapper is ${version}; ` +
        'serve the .wasm file that ships with this package',
    );
  }
  return createBrokerAuth(ns, runtime);
}

function clientFactories(ns, runtime) {
  const table = JSON.parse(runtime.callSync(ns.describe, [], 'describe'));
  const factories = {};
  for (const [broker, entry] of Object.entries(table.brokers)) {
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
    encryptPassword(encryptionKey, timeStamp, password) {
      if (typeof encryptionKey !== 'string') {
        throw invalidArgument(`encryptPassword: encryptionKey must be a string, got ${describeType(encryptionKey)}`);
      }
      if (encryptionKey.length > maxKeyChars) {
        throw new BrokerAuthError('invalid_key', `encryptPassword: encryptionKey is longer than any RSA public key (${encryptionKey.length} characters)`);
      }
      const ts = timeStampText(timeStamp);
      if (typeof password !== 'string') {
        throw invalidArgument(`encryptPassword: password must be a string, got ${describeType(password)}`);
      }
      if (password.length > maxPasswordChars) {
        throw new BrokerAuthError('password_too_long', `encryptPassword: password is longer than any broker key can carry (${password.length} characters)`);
      }
      if (!isWellFormed(password)) {
        // Go would receive U+FFFD in place of the lone surrogate and encrypt
        // a different password than the one the user typed.
        throw invalidArgument('encryptPassword: password contains an unpaired UTF-16 surrogate');
      }
      return runtime.callSync(ns.encryptPassword, [encryptionKey, ts, password], 'encryptPassword');
    },
  });
}

// timeStampText accepts what a JSON parser hands back for the broker's
// timeStamp (a number) and what people store it as (a string or BigInt),
// and renders it in decimal for the Go side, which checks the digits.
function timeStampText(ts) {
  switch (typeof ts) {
    case 'string':
      return ts;
    case 'number':
      if (Number.isSafeInteger(ts) && ts >= 0) return String(ts);
      throw invalidArgument('encryptPassword: timeStamp must be a non-negative whole number no larger than Number.MAX_SAFE_INTEGER');
    case 'bigint':
      if (ts >= 0n) return ts.toString();
      throw invalidArgument('encryptPassword: timeStamp must not be negative');
    default:
      throw invalidArgument(`encryptPassword: timeStamp must be a number, a decimal string or a BigInt, got ${describeType(ts)}`);
  }
}

