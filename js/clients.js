// The session clients, ba.ig(), ba.capital(), ba.ibkr(): thin handles on Go
// clients living in the wasm; all protocol work (encryption, single-flight
// re-login, rate-limit spacing, refresh) happens in Go. The Go side
// declares each broker's options and methods once (wasm/api.go); this file
// builds a class per broker from that table (clientClass), implements the
// methods every client has, checks what JavaScript alone can check, and
// parses JSON bodies.
//
// The Go namespace offers, for every broker:
//   describe()                                   → the table, as JSON text
//   newClient(broker, optionsJSON, onSessionChange) → id
//   clientCall(id, method, callId, settle, ...args) → settle(true, value) | settle(false, error)
//   clientSession(id)                            → session JSON | null
//   keepAliveStart(id, intervalMs, onError, onEnd, onRound) → keepalive id
//   keepAliveStop(keepaliveId)
//   closeClient(id)
//   cancelCall(callId)

import { BrokerAuthError, checkKeys, describeType, fromGo, invalidArgument, isWellFormed, readArgument } from './errors.js';

const codeBadResponse = 'bad_response';
const codeCanceled = 'canceled';
const decoder = new TextDecoder();

// Ids for calls: an AbortSignal cancels one, and request() bodies stay
// with the wrapper under it (runtime.calls).
let nextCallId = 0;

// When a client handle is garbage-collected, its Go half is dropped too, so
// that a bot creating a client per login does not grow the wasm memory
// (which never shrinks). In-flight calls and keepalives keep their own
// reference on the Go side.
const goClients = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(({ ns, runtime, id }) => {
    if (runtime.stopped) return;
    try {
      runtime.callSync(ns.closeClient, [id]);
    } catch {
      // Nothing to do: the runtime is gone or the id already forgotten.
    }
  })
  : null;

class BrokerClient {
  #ns;
  #runtime;
  #id;
  #broker;
  #onSessionChange;
  #keepAliveMs;

  constructor(ns, runtime, broker, entry, options) {
    if (options === null || typeof options !== 'object') {
      throw invalidArgument(`${broker}(options): options must be an object, got ${describeType(options)}`);
    }
    const what = `${broker}(options)`;
    // Read once, into one JSON text: Go then reads data, never a getter or
    // Proxy of the caller's that could throw into it, and the password
    // crosses into the wasm once.
    const { onSessionChange, onStoreError, store, json } = readArgument(what, () => {
      checkKeys(what, options, [...entry.options.map((o) => o.name), 'onSessionChange', 'store', 'onStoreError']);
      const { onSessionChange, onStoreError, store, ...rest } = options;
      checkValues(what, rest);
      return { onSessionChange, onStoreError, store: readStore(what, store), json: JSON.stringify(rest) };
    });
    for (const [name, fn] of [['onSessionChange', onSessionChange], ['onStoreError', onStoreError]]) {
      if (fn !== undefined && typeof fn !== 'function') throw invalidArgument(`${what}: ${name} must be a function`);
    }
    this.#ns = ns;
    this.#runtime = runtime;
    this.#broker = broker;
    this.#onSessionChange = onSessionChange;
    // Go keeps the listener it is given for good (its reference table is a
    // GC root). If that listener held the user's callback, and the callback
    // the client (the usual `s => save(client, s)`), the client could never
    // be collected. So Go gets a listener that reaches the client only
    // through a WeakRef.
    const listener = onSessionChange ? BrokerClient.#listenerFor(this) : undefined;
    const storeErrors = onStoreError ? (raw) => safely(() => onStoreError(fromGo(raw, `${broker} store`))) : undefined;
    const runner = store ? storeRunner(ns, runtime, store.methods) : undefined;
    const id = runtime.callSync(ns.newClient, [broker, json, listener, runner, store?.key, storeErrors], what);
    this.#id = id;
    this.#keepAliveMs = entry.keepAliveMs;
    if (goClients) goClients.register(this, { ns, runtime, id });
  }

  static #listenerFor(client) {
    if (typeof WeakRef !== 'function') return (session) => client.#emitSession(session);
    return BrokerClient.#weakListener(new WeakRef(client));
  }

  // A function of its own, so that the closure's scope holds the WeakRef
  // and nothing else (V8 shares one scope object between the closures of a
  // function: any sibling closure over the client would pin it).
  static #weakListener(weak) {
    return (session) => weak.deref()?.#emitSession(session);
  }

  #emitSession(session) {
    const fn = this.#onSessionChange;
    safely(() => fn(freezeSession(session)));
  }

  /** The current session, or null before login and after logout. */
  get session() {
    return freezeSession(this.#runtime.callSync(this.#ns.clientSession, [this.#id], `${this.#broker}.session`));
  }

  /** Log in (again): resolves to the new session. */
  async login() {
    return freezeSession(await this._call('login', []));
  }

  /**
   * Renew the session: IG v3 spends its refresh token (and logs in if it is
   * gone); the other brokers log in again.
   */
  async refresh() {
    return freezeSession(await this._call('refresh', []));
  }

  /**
   * An authenticated call. `path` is relative to the client's base URL.
   * Logs in first when there is no session, and after a 401 token error
   * logs in again once and retries once. Resolves to the parsed JSON body
   * (null for an empty one).
   */
  async request(path, init = {}) {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw invalidArgument(`${this.#broker}.request(path): path must be a string starting with "/"`);
    }
    if (init === null || typeof init !== 'object') {
      throw invalidArgument(`${this.#broker}.request(path, init): init must be an object`);
    }
    const { method, headers, body, signal } = readArgument(`${this.#broker}.request(path, init): init`, () => this.#shapeRequest(init));
    // The body, and a 2xx answer's body, stay here under the call id: Go
    // has no use for them (wasm/clients.go request).
    const callId = ++nextCallId;
    const entry = { body };
    this.#runtime.calls.set(callId, entry);
    let status;
    let text;
    try {
      // A form-encoded body goes to Go, which signs its fields (IBKR OAuth
      // 1.0a); any other stays here.
      const form = body !== null && isForm(headers);
      const args = [method, path, JSON.stringify(headers), body === null ? '' : form ? 'go' : 'kept', form ? body : ''];
      const res = await this._call('request', args, signal, callId);
      status = res[0];
      text = res[1] ? decoder.decode(entry.response) : res[2]; // [status, kept, body text]
    } finally {
      this.#runtime.calls.delete(callId);
    }
    if (text === '') return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new BrokerAuthError(codeBadResponse, `${method} ${path} answered HTTP ${status} with a body that is not JSON`, {
        broker: this.#broker,
        step: 'request',
        status,
      });
    }
  }

  // shapeRequest turns fetch-style init into what Go takes. It reads the
  // caller's values, which may throw: request() wraps it in readArgument.
  #shapeRequest(init) {
    checkKeys(`${this.#broker}.request(path, init)`, init, ['method', 'headers', 'body', 'signal']);
    const signal = init.signal ?? undefined;
    if (signal !== undefined && (typeof signal !== 'object' || typeof signal.addEventListener !== 'function' || typeof signal.aborted !== 'boolean')) {
      throw invalidArgument(`${this.#broker}.request: signal must be an AbortSignal`);
    }
    const method = init.method === undefined ? 'GET' : String(init.method).toUpperCase();
    if (!/^[A-Z]+$/.test(method)) throw invalidArgument(`${this.#broker}.request: method must be an HTTP method name`);
    const headers = plainHeaders(this.#broker, init.headers);
    let body = null;
    const rawBody = init.body;
    if (rawBody !== undefined && rawBody !== null) {
      if (method === 'GET' || method === 'HEAD') {
        throw invalidArgument(`${this.#broker}.request: a ${method} request cannot have a body`);
      }
      if (typeof rawBody === 'string') body = rawBody;
      else if (typeof URLSearchParams !== 'undefined' && rawBody instanceof URLSearchParams) {
        body = rawBody.toString();
        if (contentType(headers) === undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
      } else if (isPlainJSON(rawBody)) body = JSON.stringify(rawBody);
      else throw invalidArgument(`${this.#broker}.request: body must be a string, a URLSearchParams (sent form-encoded), a plain object or an array (sent as JSON), got ${describeType(rawBody)}`);
    }
    return { method, headers, body, signal };
  }

  /** Log out; the session becomes null. */
  async logout() {
    await this._call('logout', []);
  }

  /**
   * Keep the session alive in the background (IG: GET /session, Capital.com:
   * ping, IBKR: tickle), logging in again when a keepalive call finds the
   * session gone. Runs until stop() or logout().
   * @param {{intervalMs?: number, onError?: (err: BrokerAuthError) => void,
   *   onRound?: (err: BrokerAuthError | null) => void}} [options]
   */
  keepAlive(options = {}) {
    if (options === null || typeof options !== 'object') throw invalidArgument('keepAlive(options): options must be an object');
    // Read once (a getter or Proxy of the caller's may throw).
    const { intervalMs: rawInterval, onError: userOnError, onRound: userOnRound } = readArgument('keepAlive(options)', () => {
      checkKeys('keepAlive(options)', options, ['intervalMs', 'onError', 'onRound']);
      return { intervalMs: options.intervalMs, onError: options.onError, onRound: options.onRound };
    });
    const intervalMs = rawInterval === undefined ? this.#keepAliveMs : rawInterval;
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < 1 || intervalMs > 2 ** 31 - 1) {
      throw invalidArgument('keepAlive: intervalMs must be a number of milliseconds from 1 to 2^31-1');
    }
    if (userOnError !== undefined && typeof userOnError !== 'function') {
      throw invalidArgument('keepAlive: onError must be a function');
    }
    if (userOnRound !== undefined && typeof userOnRound !== 'function') {
      throw invalidArgument('keepAlive: onRound must be a function');
    }
    const toError = (raw) => (raw instanceof BrokerAuthError ? raw : fromGo(raw, `${this.#broker}.keepAlive`));
    // Delivered in a microtask: the loop can end before keepAlive() has
    // returned its handle, and the callback may want to use it.
    const onError = userOnError
      ? (raw) => {
        const err = toError(raw);
        queueMicrotask(() => safely(() => userOnError(err)));
      }
      : () => {};
    // Every round's outcome, retried failures included: null when it
    // worked. Logging it never needs more than the error's fields.
    const onRound = userOnRound ? (raw) => safely(() => userOnRound(raw ? toError(raw) : null)) : undefined;
    const runtime = this.#runtime;
    let stopped = false;
    const end = () => {
      if (stopped) return false;
      stopped = true;
      runtime.stopListeners.delete(onStop);
      runtime.release();
      return true;
    };
    const onStop = (err) => {
      if (end()) onError(err);
    };
    // A running keepalive is why a bot's process stays up: hold it from
    // before the loop starts (it may end at once, e.g. without a session)
    // until stop(), logout, the loop ending on a fatal error (Go calls
    // end), or the runtime stopping.
    runtime.hold();
    runtime.stopListeners.add(onStop);
    let kaId;
    try {
      kaId = runtime.callSync(this.#ns.keepAliveStart, [this.#id, Math.round(intervalMs), onError, end, onRound], `${this.#broker}.keepAlive`);
    } catch (err) {
      end();
      throw err;
    }
    return Object.freeze({
      stop: () => {
        if (end() && !runtime.stopped) runtime.callSync(this.#ns.keepAliveStop, [kaId]);
      },
    });
  }

  /** @protected */
  _call(method, args, signal, callId = 0) {
    const call = `${this.#broker}.${method}`;
    if (!signal) return this.#runtime.callAsync(this.#ns.clientCall, [this.#id, method, callId], args, call);
    if (signal.aborted) {
      return Promise.reject(new BrokerAuthError(codeCanceled, `${this.#broker}.${method}: aborted before it started`, { broker: this.#broker, step: method }));
    }
    // The Go call runs under its own context; the signal cancels it, which
    // ends any HTTP call in flight (fetch is aborted) and rejects with
    // code canceled.
    if (!callId) callId = ++nextCallId;
    const runtime = this.#runtime;
    const ns = this.#ns;
    const onAbort = () => {
      if (!runtime.stopped) runtime.callSync(ns.cancelCall, [callId]);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return runtime.callAsync(ns.clientCall, [this.#id, method, callId], args, call)
      .finally(() => signal.removeEventListener('abort', onAbort));
  }
}

/**
 * clientClass makes the class of broker's clients from its entry of the
 * Go side's table: BrokerClient plus the broker's own methods, each taking
 * non-empty strings and resolving to what the table says it returns.
 */
export function clientClass(ns, runtime, broker, entry) {
  class Client extends BrokerClient {
    constructor(options) {
      super(ns, runtime, broker, entry, options);
    }
  }
  for (const m of entry.methods) {
    Object.defineProperty(Client.prototype, m.name, {
      configurable: true,
      writable: true,
      value: async function (...args) {
        m.params.forEach((p, i) => {
          if (typeof args[i] !== 'string' || args[i] === '') {
            throw invalidArgument(`${broker}.${m.name}(${m.params.map((x) => x.name).join(', ')}): ${p.name} must be a non-empty string`);
          }
        });
        const value = await this._call(m.name, args.slice(0, m.params.length));
        if (m.returns === 'session') return freezeSession(value);
        if (m.returns === 'json') return value === null ? null : deepFreeze(JSON.parse(value));
        return undefined;
      },
    });
  }
  Object.defineProperty(Client, 'name', { value: `${broker[0].toUpperCase()}${broker.slice(1)}Client` });
  return Client;
}

function deepFreeze(v) {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

// isPlainJSON: what JSON.stringify turns into what the caller meant. A
// Blob, FormData, URLSearchParams, ArrayBuffer or Map would become "{}".
function isPlainJSON(v) {
  if (Array.isArray(v)) return true;
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// checkValues refuses what would not reach Go as the caller meant: a
// string with a lone UTF-16 surrogate (a password would silently be wrong
// and count as a failed login at the broker), a number JSON cannot carry
// (NaN, Infinity: they would become null, i.e. the default), a BigInt, an
// object. The Go side checks the rest (kinds, ranges) by its table.
function checkValues(what, options) {
  for (const [name, value] of Object.entries(options)) {
    if (typeof value === 'string' && !isWellFormed(value)) {
      throw invalidArgument(`${what}: ${name} contains an unpaired UTF-16 surrogate`);
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw invalidArgument(`${what}: ${name} must be a finite number`);
    }
    if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol' || (typeof value === 'object' && value !== null)) {
      throw invalidArgument(`${what}: ${name} must be a string, a number or a boolean, got ${describeType(value)}`);
    }
  }
}

// storeMethods are what a session store implements (see index.d.ts:
// SessionStore); encryptionKey seals what it holds.
const storeMethods = ['get', 'put', 'delete', 'lock', 'unlock'];

// readStore checks a client's store option and reads it once: its methods,
// bound, and its encryption key as base64 (Go checks the length). A store
// without a key is refused: sessions in a shared store are never in clear.
function readStore(what, store) {
  if (store === undefined || store === null) return undefined;
  if (typeof store !== 'object') throw invalidArgument(`${what}: store must be an object (redisStore(), or one with ${storeMethods.join(', ')})`);
  const methods = {};
  for (const name of storeMethods) {
    if (typeof store[name] !== 'function') throw invalidArgument(`${what}: store.${name} must be a function`);
    methods[name] = store[name].bind(store);
  }
  const raw = store.encryptionKey;
  let key;
  if (typeof raw === 'string') key = raw;
  else if (raw instanceof Uint8Array) key = base64(raw);
  else throw invalidArgument(`${what}: store.encryptionKey must be 32 random bytes, as a Uint8Array or base64 (openssl rand -base64 32): sessions are not shared in clear`);
  return { methods, key };
}

function base64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

// storeRunner is what Go calls to use the store: run(id, op, key, a, b)
// calls the method and answers through ns.storeDone(id, ok, value, code),
// the value a string (or null, or the lock's boolean), an error by its
// message and failureCode's code.
function storeRunner(ns, runtime, methods) {
  const answer = (id, ok, value, code = '') => {
    if (runtime.stopped) return;
    try {
      ns.storeDone(id, ok, value, code);
    } catch {
      // The runtime went away meanwhile: nobody waits for the answer.
    }
  };
  return (id, op, key, a, b) => {
    let pending;
    try {
      pending = Promise.resolve(methods[op](key, a ?? null, b));
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (v) => answer(id, true, v instanceof Uint8Array ? decoder.decode(v) : v ?? null),
      (err) => answer(id, false, String((err && err.message) || err || `${op} failed`), failureCode(err)),
    );
  };
}

// failureCode is what a store's rejection says beyond its message:
// 'timeout' for a TimeoutError (AbortSignal.timeout()'s name, and
// brokerauth/redis's for a server that does not answer), 'invalid_argument'
// for a BrokerAuthError of that code (a store that cannot work as set up:
// retrying will not help, and fallback: 'local' does not hide it), else ''
// (a network error).
function failureCode(err) {
  if (err?.name === 'TimeoutError') return 'timeout';
  if (err instanceof BrokerAuthError && err.code === 'invalid_argument') return 'invalid_argument';
  return '';
}

// contentType is the Content-Type among plain headers, whatever its case.
function contentType(headers) {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'content-type') return value;
  }
  return undefined;
}

function isForm(headers) {
  return /^\s*application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType(headers) ?? '');
}

// plainHeaders accepts what fetch accepts (an object, a Headers, or a list
// of pairs) and returns a plain object of strings for Go.
function plainHeaders(broker, headers) {
  const out = {};
  if (headers === undefined || headers === null) return out;
  let entries;
  if (typeof Headers !== 'undefined' && headers instanceof Headers) entries = [...headers.entries()];
  else if (Array.isArray(headers)) entries = headers;
  else if (typeof headers === 'object') entries = Object.entries(headers);
  else throw invalidArgument(`${broker}.request: headers must be an object, a Headers or a list of pairs`);
  for (const pair of entries) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
      throw invalidArgument(`${broker}.request: each header must be a [name, value] pair of strings`);
    }
    out[pair[0]] = String(pair[1]);
  }
  return out;
}

// safely runs a user callback so that a throw in it can neither reach Go
// nor stop a login: it is reported and swallowed.
function safely(fn) {
  try {
    fn();
  } catch (err) {
    console.error(`brokerauth: a callback threw: ${err && err.name}: ${err && err.message}`);
  }
}

// Go hands sessions over as JSON text (wasm/clients.go sessionToJS): one
// string crosses instead of an object built a property at a time.
function freezeSession(json) {
  if (!json) return null;
  const session = typeof json === 'string' ? JSON.parse(json) : json;
  if (session.headers) Object.freeze(session.headers);
  if (Array.isArray(session.accounts)) session.accounts.forEach(Object.freeze);
  if (session.accounts) Object.freeze(session.accounts);
  return Object.freeze(session);
}
