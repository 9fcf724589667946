// The Go runtime inside one WebAssembly instance: starting it, the start-up
// handshake, and knowing when it has stopped.
//
// Go's wasm_exec.js defines globalThis.Go. We deliberately do not use its
// wasm_exec_node.js runner: it copies all of process.env into the wasm and
// reports exits through process.exit.

import { BrokerAuthError, codes, fromGo } from './errors.js';
import { createHostFetch } from './hostfetch.js';

/**
 * Start the Go program in `module` and wait for it to hand over its
 * namespace object.
 *
 * @param {WebAssembly.Module} module compiled brokerauth.wasm
 * @returns {Promise<{ns: object, runtime: Runtime}>}
 */
export async function startRuntime(module, { onGoCreated } = {}) {
  const GoClass = globalThis.Go;
  if (typeof GoClass !== 'function') {
    throw new BrokerAuthError(codes.wasmLoadFailed, "Go's wasm_exec.js did not define globalThis.Go");
  }
  // A module that is not a Go js/wasm program (a caller's wasmModule)
  // would otherwise crash inside wasm_exec.js's run() and be reported as
  // runtime_stopped, or fail to link with a
  // raw LinkError (the try below): it is a module that cannot be loaded.
  const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  if (!['mem', 'run', 'resume', 'getsp'].every((name) => exported.has(name))) {
    throw new BrokerAuthError(codes.wasmLoadFailed, 'the WebAssembly module is not brokerauth.wasm: it lacks the exports of a Go program');
  }

  const go = new GoClass();
  const runtime = new Runtime();

  // A one-shot, unguessable global is the only channel for the namespace;
  // the Go side reads its name from os.Args[1] and we delete it at once.
  const readyKey = `__brokerauth_ready_${Math.random().toString(36).slice(2)}_${Date.now()}`;
  let onReady;
  const ready = new Promise((resolve) => { onReady = resolve; });
  // The callback's return value lends Go the fetch helper (hostfetch.js).
  globalThis[readyKey] = (ns) => {
    onReady(ns);
    return createHostFetch(() => ns.fetchDone, runtime.calls);
  };

  go.argv = ['brokerauth', readyKey];
  go.env = {}; // nothing from process.env crosses into the wasm
  go.exit = (code) => runtime.markStopped(`the Go runtime exited with code ${code}`);
  if (onGoCreated) onGoCreated(go, runtime);

  try {
    let instance;
    try {
      instance = await WebAssembly.instantiate(module, go.importObject);
    } catch (err) {
      throw new BrokerAuthError(codes.wasmLoadFailed, `could not instantiate brokerauth.wasm: ${err && err.message}`);
    }
    const stoppedEarly = go.run(instance).then(
      () => { runtime.markStopped('the Go runtime exited'); },
      (err) => { runtime.markStopped(`the Go runtime crashed (${err && err.message})`); },
    );
    const ns = await Promise.race([ready, stoppedEarly.then(() => null)]);
    if (!ns) {
      throw new BrokerAuthError(codes.runtimeStopped, `brokerauth.wasm stopped during start-up: ${runtime.stopReason}`);
    }
    runtime.go = go;
    return { ns, runtime };
  } finally {
    delete globalThis[readyKey];
  }
}

// Runtime tracks whether the Go side can still take calls. Once Go exits (a
// panic that escaped, or any other reason), every wasm export is dead; we
// turn that into one clear error instead of "Go program has already exited"
// or a hang.
export class Runtime {
  constructor() {
    this.stopReason = null;
    this.go = null;
    // Rejecters of promises still waiting on Go: if Go stops they would
    // never settle, so markStopped rejects them.
    this.pending = new Set();
    // How many things need the host to stay alive (pending calls, running
    // keepalives); the Node platform turns this into a ref'd handle.
    this.holds = 0;
    this.onHoldChange = null;
    // Called once with the runtime_stopped error if Go stops (keepalives).
    this.stopListeners = new Set();
    // request() calls by call id: their bodies, and their 2xx answers'
    // bodies, which stay on this side (hostfetch.js).
    this.calls = new Map();
  }

  /** Bytes of WebAssembly memory the Go runtime holds (it never shrinks). */
  memoryBytes() {
    const inst = this.go && this.go._inst;
    return inst ? inst.exports.mem.buffer.byteLength : 0;
  }

  /** Something that must keep a Node process alive has started. */
  hold() {
    if (this.holds++ === 0 && this.onHoldChange) this.onHoldChange(true);
  }

  /** …and has ended. */
  release() {
    if (this.holds > 0 && --this.holds === 0 && this.onHoldChange) this.onHoldChange(false);
  }

  markStopped(reason) {
    if (!this.stopReason) this.stopReason = reason;
    const waiting = [...this.pending];
    this.pending.clear();
    for (const reject of waiting) reject(this.stoppedError());
    // Nothing can run any more: keepalives are dead and must neither keep
    // the process alive nor die silently.
    const listeners = [...this.stopListeners];
    this.stopListeners.clear();
    for (const listener of listeners) listener(this.stoppedError());
    if (this.holds > 0) {
      this.holds = 0;
      if (this.onHoldChange) this.onHoldChange(false);
    }
  }

  get stopped() {
    return this.stopReason !== null || Boolean(this.go && this.go.exited);
  }

  stoppedError() {
    return new BrokerAuthError(
      codes.runtimeStopped,
      `brokerauth's Go runtime has stopped (${this.stopReason || 'exited'}); call init() in a fresh process or page`,
    );
  }

  /**
   * Call a synchronous namespace function, turning Go's error objects into
   * throws; `call` names it in their messages (see fromGo).
   */
  callSync(fn, args, call) {
    if (this.stopped) throw this.stoppedError();
    let result;
    try {
      result = fn(...args);
    } catch (err) {
      // Only a dead runtime makes a Go function throw.
      this.markStopped(err && err.message ? err.message : 'a call into Go threw');
      throw this.stoppedError();
    }
    if (this.stopped) throw this.stoppedError();
    return unwrapResult(result, call);
  }

  /**
   * Call a namespace function that starts work in Go and hands its outcome
   * to the settle function placed between `before` and `after` in its
   * arguments: settle(true, value) or settle(false, error object)
   * (wasm/bridge.go startAsync). Resolves with the value or rejects with a
   * BrokerAuthError; rejects with runtime_stopped if Go stops first. The
   * Promise is made here: one made from Go would cost a js.FuncOf per call.
   */
  callAsync(fn, before, after = [], call = undefined) {
    if (this.stopped) return Promise.reject(this.stoppedError());
    return new Promise((resolve, reject) => {
      this.pending.add(reject);
      this.hold();
      let finished = false;
      const done = () => {
        finished = true;
        this.pending.delete(reject);
        this.release();
      };
      const settle = (ok, value) => {
        if (finished) return;
        done();
        if (ok === true) {
          resolve(value);
        } else {
          reject(fromGo(value || {}, call));
        }
      };
      try {
        this.callSync(fn, [...before, settle, ...after]);
      } catch (err) {
        done();
        reject(err);
      }
    });
  }
}

function unwrapResult(result, call) {
  if (result !== null && typeof result === 'object' && result.__brokerauthError === true) {
    throw fromGo(result, call);
  }
  return result;
}
