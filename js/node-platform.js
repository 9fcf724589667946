// How the Node entries (index.mjs, index.cjs from node.js; encrypt.mjs,
// encrypt.cjs from node-encrypt.js) load a module: the .wasm next to the
// entry, Go's wasm_exec.js inlined, the one global Node 18 lacks, and a
// process that exits by itself.

import { defineGoClass } from './wasm_exec_inline.js';

/**
 * @param {string} wasmName the module's file name, for messages
 * @param {() => URL} defaultURL the .wasm next to the entry; each entry
 *   writes its own new URL('./….wasm', import.meta.url), literally, so that
 *   bundlers find the file
 * @returns {import('./init.js').Platform}
 */
export function nodePlatform(wasmName, defaultURL) {
  return {
    wasmName,
    async prepareGlobals() {
      if (!globalThis.crypto || typeof globalThis.crypto.getRandomValues !== 'function') {
        // Node 18 has no global Web Crypto; Go's crypto/rand (and the
        // encrypt-only module's padding) need getRandomValues.
        const { webcrypto } = await builtin('node:crypto');
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
      const url = wasmURL === undefined ? defaultURL() : new URL(String(wasmURL), defaultURL());
      let bytes;
      if (url.protocol === 'file:') {
        // One synchronous read, once per process: the asynchronous one
        // goes back and forth through the thread pool 512 KiB at a time.
        const [{ readFileSync }, { fileURLToPath }] = await Promise.all([builtin('node:fs'), builtin('node:url')]);
        bytes = readFileSync(fileURLToPath(url));
      } else {
        let res;
        try {
          res = await fetch(url);
        } catch (err) {
          // Node's fetch says "fetch failed"; what failed is in its cause.
          throw new Error(`fetching ${url.href} failed: ${err?.cause?.message || err?.message || err}`);
        }
        if (!res.ok) throw new Error(`HTTP ${res.status} fetching ${url.href}`);
        bytes = new Uint8Array(await res.arrayBuffer());
      }
      const v8 = tieringBudgetApplies() ? await builtin('node:v8') : null;
      if (!v8) return WebAssembly.compile(bytes);
      // Synchronous, so that nothing else is compiled under the raised
      // budget: see tieringBudgetApplies.
      v8.setFlagsFromString(`--wasm-tiering-budget=${startupTieringBudget}`);
      try {
        return new WebAssembly.Module(bytes);
      } finally {
        v8.setFlagsFromString(`--wasm-tiering-budget=${v8DefaultTieringBudget}`);
      }
    },
  };
}

// V8 hands a Wasm function to its optimising compiler (TurboFan) once the
// function has run through its "tiering budget", about 1.8 MB worth of
// code in Node 20's V8 (11.x). Starting the Go runtime spends that budget
// on dozens of large runtime functions that then never run hot again (the
// scheduler, the allocator, stack growth, GC set-up), and in Node 20 the
// TurboFan compiles that follow cost about as much as the rest of the
// start together (DESIGN.md, "The encrypt-only module and cold start").
// Later V8 releases raised the default budget to 13 M. A module keeps the
// budget that was in force when it was compiled, so ours is compiled under
// that later default, and the flag is put back at once; what really runs
// hot (the RSA arithmetic) still reaches TurboFan, within the first few
// hundred encryptions. Only on V8 11, whose default is known to be the old
// one, and only when the user has not set the budget on the command line.
const startupTieringBudget = 13_000_000;
const v8DefaultTieringBudget = 1_800_000;

function tieringBudgetApplies() {
  const major = Number(String(process.versions.v8).split('.')[0]);
  const userFlags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS || ''}`;
  return major === 11 && !/wasm[-_]tiering[-_]budget/.test(userFlags);
}

// builtin loads one of Node's own modules. process.getBuiltinModule (Node
// 20.16 and later) hands it over at once; import() of a builtin makes an ES
// module wrapper for it first, which a cold start notices.
function builtin(name) {
  return typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule(name) : import(name);
}

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
