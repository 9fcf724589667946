// The Go runtime inside one WebAssembly instance: starting it, the start-up
// handshake, and knowing when it has stopped. Both modules start this way:
// brokerauth.wasm (sessions) and brokerauth-encrypt.wasm (encryptPassword
// alone).
//
// Go's wasm_exec.js defines globalThis.Go. We deliberately do not use its
// wasm_exec_node.js runner: it copies all of process.env into the wasm and
// reports exits through process.exit.

import { BrokerAuthError, codes, fromGo } from './errors.js';

// The Go side hands over its namespace by calling the function at this
// global name. It exists only while go.run() runs Go's main, which happens
// synchronously, before any other script can run, and is deleted right
// after: nothing is left on globalThis. The name is also passed as
// os.Args[1], where the sessions module reads it; the encrypt-only module
// reads the global directly, since os.Args would link Go's os package and
// its start-up work.
const readyName = '__brokerauthReady';

/**
 * Start the Go program in `module` and take the namespace object it hands
 * over.
 *
 * @param {WebAssembly.Module} module compiled brokerauth.wasm or brokerauth-encrypt.wasm
 * @param {object} [options]
 * @param {string} [options.wasmName] the file's name, for messages
 * @param {(go: object, runtime: Runtime) => void} [options.onGoCreated] platform tweaks before start
 * @param {(ns: object, runtime: Runtime) => unknown} [options.lend] what the
 *   handshake returns to Go (the sessions module's fetch helper)
 * @returns {Promise<{ns: object, runtime: Runtime}>}
 */
export async function startRuntime(module, { wasmName = 'brokerauth.wasm', onGoCreated, lend } = {}) {
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
    throw new BrokerAuthError(codes.wasmLoadFailed, `the WebAssembly module is not ${wasmName}: it lacks the exports of a Go program`);
  }

  const go = new GoClass();
  const runtime = new Runtime();
  go.argv = ['brokerauth', readyName];
  go.env = {}; // nothing from process.env crosses into the wasm
  go.exit = (code) => runtime.markStopped(`the Go runtime exited with code ${code}`);
  if (onGoCreated) onGoCreated(go, runtime);

  let instance;
  try {
    instance = await WebAssembly.instantiate(module, go.importObject);
  } catch (err) {
    throw new BrokerAuthError(codes.wasmLoadFailed, `could not instantiate ${wasmName}: ${err && err.message}`);
  }
  let ns = null;
  globalThis[readyName] = (namespace) => {
    ns = namespace;
    return lend ? lend(namespace, runtime) : undefined;
  };
  let stopped;
  try {
    // Runs Go until its main parks (or exits): the handshake happens in
    // here, synchronously.
    stopped = go.run(instance);
  } finally {
    delete globalThis[readyName];
  }
  stopped.then(
    () => { runtime.markStopped('the Go runtime exited'); },
    (err) => { runtime.markStopped(`the Go runtime crashed (${err && err.message})`); },
  );
  if (!ns) {
    await Promise.resolve(); // let an exit or crash report its reason
    throw new BrokerAuthError(codes.runtimeStopped, `${wasmName} stopped during start-up: ${runtime.stopReason || 'it handed over no namespace'}`);
  }
  runtime.go = go;
  return { ns, runtime };
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
