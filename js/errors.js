// BrokerAuthError: the one error class every brokerauth call throws or
// rejects with. It is a real Error (stack, instanceof) that carries the same
// fields as the Go core's *core.Error, so code can branch on `code` without
// parsing messages. No field ever holds a password, token or key.

// Each entry of the package (brokerauth, brokerauth/encrypt; ESM and
// CommonJS) carries its own copy of this class, so `instanceof` checks a
// mark every copy puts on its errors rather than the class itself: an
// error from either entry is an instance of either's BrokerAuthError.
const mark = Symbol.for('brokerauth.BrokerAuthError');

export class BrokerAuthError extends Error {
  static [Symbol.hasInstance](value) {
    return value !== null && typeof value === 'object' && value[mark] === true;
  }

  /**
   * @param {string} code stable machine-readable code
   * @param {string} message what went wrong, for a person
   * @param {{broker?: string|null, step?: string|null, status?: number, retryable?: boolean}} [fields]
   */
  constructor(code, message, fields = {}) {
    super(message);
    Object.defineProperty(this, mark, { value: true });
    this.name = 'BrokerAuthError';
    this.code = code;
    this.broker = fields.broker || null;
    this.step = fields.step || null;
    this.status = fields.status || 0;
    this.retryable = Boolean(fields.retryable);
  }

  // JSON.stringify(error) would otherwise give {} (message and stack are not
  // enumerable) and lose what a log needs.
  toJSON() {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      broker: this.broker,
      step: this.step,
      status: this.status,
      retryable: this.retryable,
    };
  }
}

// Codes the wrapper itself produces (the Go core's codes come through as
// they are).
export const codes = Object.freeze({
  invalidArgument: 'invalid_argument',
  runtimeStopped: 'runtime_stopped',
  versionMismatch: 'version_mismatch',
  wasmLoadFailed: 'wasm_load_failed',
});

// describeType names what a value is without ever showing it: a value in the
// wrong slot may be a password.
export function describeType(value) {
  if (value === null) return 'null';
  try {
    if (Array.isArray(value)) return 'an array';
    if (ArrayBuffer.isView(value)) return `a ${value.constructor?.name || 'typed array'}`;
  } catch {
    // A revoked Proxy throws even on Array.isArray; a Proxy's constructor
    // getter may throw. Describing a wrong argument must not throw itself.
    return 'an object';
  }
  const t = typeof value;
  if (t === 'object') return 'an object';
  if (t === 'undefined') return 'undefined';
  return `a ${t}`;
}

// fromGo turns the Go side's error object {code, message, broker, step, …}
// into a BrokerAuthError whose message starts with where it happened: the
// broker and step of a session flow ("ig login: …"), else the call that
// failed ("encryptPassword: …", "ig(options): …"), as the wrapper's own
// messages do.
export function fromGo(e, call) {
  const where = e.broker && e.step ? `${e.broker} ${e.step}` : call;
  return new BrokerAuthError(e.code, where ? `${where}: ${e.message}` : e.message, e);
}

export function invalidArgument(message) {
  return new BrokerAuthError(codes.invalidArgument, message);
}

// readArgument runs fn, which reads or converts a caller's value. Values
// can run the caller's code when read (getters, Proxy traps, toString,
// toJSON) or refuse to be read at all (a revoked Proxy, a cyclic or BigInt
// body for JSON.stringify). Whatever fn throws that is not already a
// BrokerAuthError becomes invalid_argument, so that every failure of the
// API stays a BrokerAuthError with a code; the boundary fuzz checks this.
// The thrown error's own message is not kept: it could quote anything.
export function readArgument(what, fn) {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BrokerAuthError) throw err;
    throw invalidArgument(`${what} could not be read: a getter, Proxy, toString or toJSON in it threw, or it cannot be serialized`);
  }
}

// checkKeys refuses an options object with a key the call does not know,
// naming it and the known ones: a typo (bseURL) must not pass silently.
export function checkKeys(what, options, known) {
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw invalidArgument(`${what}: unknown option "${name}" (known: ${known.join(', ')})`);
    }
  }
}

// isWellFormed reports whether a string has no lone UTF-16 surrogate. Go
// receives strings as UTF-8, where a lone surrogate becomes U+FFFD: a
// password would silently be another one.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isWellFormed(s) {
  return typeof s.isWellFormed === 'function' ? s.isWellFormed() : !loneSurrogate.test(s);
}
