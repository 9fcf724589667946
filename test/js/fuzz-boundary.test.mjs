// Boundary fuzz of the packed package: 20 000 calls spread over every
// exported function and method, with arguments of every JS type and shape
// (undefined, null, odd numbers, huge and malformed strings, Proxies and
// getters that throw, objects whose toString throws, functions, symbols,
// BigInts, typed arrays, Headers, URLs, Dates, arrays, options objects with
// random keys). Every call must return, or throw/reject with a
// BrokerAuthError carrying a string code; no unhandled rejection; the Go
// runtime never stops; the wasm memory stays bounded.
//
// Seeded: BROKERAUTH_FUZZ_SEED=<n> reproduces a run (the seed is printed);
// BROKERAUTH_FUZZ_CALLS=<n> changes the number of calls.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { capitalGuideKey, loadESM, rsaKey } from './helpers.mjs';
import { startSimServer } from './simserver.mjs';

const SEED = process.env.BROKERAUTH_FUZZ_SEED !== undefined
  ? Number(process.env.BROKERAUTH_FUZZ_SEED) >>> 0
  : (Date.now() ^ (process.pid << 16)) >>> 0;
const CALLS = Number(process.env.BROKERAUTH_FUZZ_CALLS || 20_000);
// No call may take longer than this (clients get timeoutMs of at most a few
// seconds against the simulators, which the fuzz never faults).
const CALL_BOUND_MS = 20_000;
const MEMORY_GROWTH_LIMIT = 64 * 1024 * 1024;

// mulberry32: small, fast, good enough to pick test inputs.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let server;
let mod;
const unhandled = [];
const onUnhandled = (reason) => unhandled.push(reason);
const onUncaught = (err) => unhandled.push(err);

before(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUncaught);
  server = await startSimServer();
  mod = await loadESM();
});
after(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUncaught);
  server.stop();
});

const optionNames = {
  ig: ['apiKey', 'identifier', 'password', 'environment', 'baseURL', 'version', 'encrypt', 'timeoutMs', 'onSessionChange'],
  capital: ['apiKey', 'identifier', 'password', 'environment', 'baseURL', 'encrypt', 'timeoutMs', 'onSessionChange'],
  ibkr: ['clientId', 'clientKeyId', 'credential', 'privateKey', 'domain', 'baseURL', 'ip', 'ipLookupURL', 'timeoutMs', 'onSessionChange'],
};
const strangeKeys = ['passwrod', 'baseUrl', 'timeout', '', ' ', '__proto__', 'constructor', 'toString', 'then', 'wasmURL', 'wasmModule',
  'method', 'headers', 'body', 'intervalMs', 'onError', 'apiKey\u0000', 'k\uD800', '0', 'length'];

// Values that each come with a label; the label (never the value, which
// may be megabytes) is what a failure report shows.
function makeGen(rand, origin) {
  const int = (n) => Math.floor(rand() * n);
  const pick = (a) => a[int(a.length)];
  const hugeCache = new Map();
  const huge = (i) => {
    if (!hugeCache.has(i)) {
      hugeCache.set(i, [
        () => 'a'.repeat(3 * 1024 * 1024),
        () => '/' + 'x'.repeat(1024 * 1024),
        () => '\u00e9\u201c\uD83D\uDE00'.repeat(200_000),
        () => 'A'.repeat(64 * 1024 + 1),
        () => '9'.repeat(2 * 1024 * 1024),
        () => 'pw'.repeat(2049),
        () => 'x\r\n'.repeat(300_000),
      ][i]());
    }
    return hugeCache.get(i);
  };
  const randomString = (n) => {
    let s = '';
    for (let i = 0; i < n; i++) {
      const r = rand();
      s += r < 0.6 ? String.fromCharCode(32 + int(95)) : r < 0.8 ? String.fromCharCode(int(0x800)) : String.fromCharCode(int(0x10000));
    }
    return s;
  };
  const throwingGet = new Proxy({}, { get() { throw new Error('fuzz: proxy get'); } });
  const throwingEverything = new Proxy({}, Object.fromEntries(
    ['get', 'set', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'defineProperty', 'deleteProperty', 'isExtensible', 'preventExtensions']
      .map((trap) => [trap, () => { throw new Error(`fuzz: proxy ${trap}`); }]),
  ));
  const throwingArrayProxy = new Proxy([['X-A', 'b']], { get() { throw new Error('fuzz: array proxy get'); } });
  const revoked = (() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })();
  const throwingFnProxy = new Proxy(() => {}, { get() { throw new Error('fuzz: fn proxy get'); }, apply() { throw new Error('fuzz: fn proxy apply'); } });
  const badPrimitive = { toString() { throw new Error('fuzz: toString'); }, valueOf() { throw new Error('fuzz: valueOf'); } };
  const badToPrimitive = { [Symbol.toPrimitive]() { throw new Error('fuzz: toPrimitive'); } };
  const badToJSON = { toJSON() { throw new Error('fuzz: toJSON'); } };
  const cyclic = (() => { const o = { a: 1 }; o.self = o; return o; })();

  const leaves = [
    ['undefined', () => undefined],
    ['null', () => null],
    ['boolean', () => rand() < 0.5],
    ['special number', () => pick([0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2,
      -(2 ** 53), 1e308, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 2, 3, 60_000, 1e21, 1e-9, 1700000000000])],
    ['random number', () => (rand() - 0.5) * 10 ** int(25)],
    ['short string', () => pick(['', 'a', ' ', 'demo', 'live', '2', '3', 'GET', 'post', 'DELETE', 'G E T', '/', '/accounts',
      '/api/v1/accounts', '/v1/api/portfolio/accounts', '/v1/api/tickle', 'accounts', '//evil.example/x', '/%zz', '/?a=b#c',
      'http://127.0.0.1:1/', 'ftp://x', '1700000000000', '-1', '1e3', '0x10', ' 42 ', '\u0000', 'null', 'undefined', '[object Object]',
      capitalGuideKey, `${capitalGuideKey}==`, '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 'ACC-1', 'Z1234'])],
    ['random string', () => randomString(int(80))],
    ['lone surrogate', () => pick(['\uD800', 'a\uDC00b', 'pw\uD83D', '\uDFFF\uD800', '/\uD800', 'x'.repeat(100) + '\uDBFF'])],
    ['CR/LF', () => pick(['a\r\nb', '\r\n', 'x\nSet-Cookie: y=1', 'a\u0000b', '/a\r\nHost: evil', 'tab\there', '\u2028'])],
    ['smart quotes', () => pick(['\u201ckey\u201d', '\u2018x\u2019', 'na\u00efve', 'emoji \uD83D\uDE00', '\u00ff', '\uFEFFbom', '\u201c/accounts\u201d'])],
    ['huge string', () => huge(int(7))],
    ['empty object', () => ({})],
    ['Object.create(null)', () => Object.create(null)],
    ['proxy throwing on get', () => throwingGet],
    ['proxy throwing on every trap', () => throwingEverything],
    ['array proxy throwing on get', () => throwingArrayProxy],
    ['revoked proxy', () => revoked],
    ['function proxy throwing', () => throwingFnProxy],
    ['object whose toString/valueOf throw', () => badPrimitive],
    ['object whose toPrimitive throws', () => badToPrimitive],
    ['object whose toJSON throws', () => badToJSON],
    ['cyclic object', () => cyclic],
    ['object with a throwing getter', () => Object.defineProperty({}, pick([...optionNames.ig, ...optionNames.ibkr, 'method', 'headers', 'body', 'intervalMs', 'onError', 'wasmURL']),
      { get() { throw new Error('fuzz: getter'); }, enumerable: true })],
    ['frozen object', () => Object.freeze({ a: 1 })],
    ['function', () => () => {}],
    ['throwing function', () => () => { throw new Error('fuzz: callback threw'); }],
    ['async function', () => async () => {}],
    ['class', () => class {}],
    ['symbol', () => pick([Symbol('fuzz'), Symbol.iterator, Symbol.for('x')])],
    ['bigint', () => pick([0n, 1n, -1n, 2n ** 64n, 1700000000000n, -(2n ** 70n)])],
    ['typed array', () => pick([new Uint8Array(4), new Float64Array(2), new ArrayBuffer(8), new DataView(new ArrayBuffer(2)),
      Buffer.from('pw'), new BigInt64Array(1), new Uint16Array([0xd800])])],
    ['Headers', () => new Headers(pick([{}, { 'X-A': 'b' }, { Version: '2', Accept: 'text/html' }, { Authorization: 'Bearer fuzz' }]))],
    ['URL', () => new URL(pick(['http://127.0.0.1:1/', `${origin}/nope`, 'https://example.invalid/x', 'file:///dev/null', 'data:,x']))],
    ['Date', () => pick([new Date(0), new Date(NaN), new Date(8.64e15)])],
    ['array', () => pick([[], [1, 2], ['a', 'b'], [['X-A', 'b']], [['X-A']], [[1, 2]], [['X-A', 'b', 'c']], [null], [undefined, , 3], new Array(5)])],
    ['Map/Set', () => pick([new Map([['a', 'b']]), new Set(['a']), new WeakMap()])],
    ['Promise', () => Promise.resolve('x')],
    ['Error', () => new Error('fuzz')],
    ['RegExp', () => /x/g],
    ['WebAssembly.Memory', () => new WebAssembly.Memory({ initial: 1 })],
  ];

  function value(depth = 0) {
    if (depth < 2 && rand() < 0.12) return randomObject(depth + 1);
    const [label, make] = pick(leaves);
    return [make(), label];
  }
  function randomObject(depth) {
    const o = {};
    const n = int(5);
    const labels = [];
    for (let i = 0; i < n; i++) {
      const k = rand() < 0.5 ? pick(strangeKeys) : pick([...optionNames.ig, ...optionNames.ibkr, 'method', 'headers', 'body', 'intervalMs', 'onError']);
      const [v, l] = value(depth);
      setKey(o, k, v);
      labels.push(`${JSON.stringify(k)}: ${l}`);
    }
    return [o, `{${labels.join(', ')}}`];
  }
  // An own, enumerable key; '__proto__' sometimes sets the prototype
  // instead, which a plain assignment would do (also worth a try).
  function setKey(o, k, v) {
    if (k === '__proto__' && rand() < 0.5 && (typeof v === 'object' || typeof v === 'function')) {
      try {
        Object.setPrototypeOf(o, v);
        return;
      } catch {
        // a revoked or throwing proxy: define the key instead
      }
    }
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return { int, pick, value, randomObject, setKey };
}

test(`boundary fuzz: ${CALLS} calls over the whole public API`, { timeout: 170_000 }, async (t) => {
  const rand = prng(SEED);
  const g = makeGen(rand, server.origin);
  const { int, pick } = g;
  const { BrokerAuthError } = mod;
  console.log(`fuzz: seed ${SEED} (rerun with BROKERAUTH_FUZZ_SEED=${SEED}), ${CALLS} calls`);

  const violations = [];
  const tally = new Map(); // target → { ok, rejected: {code: n} }
  let calls = 0;
  let ioCalls = 0;
  const count = (target, code) => {
    if (!tally.has(target)) tally.set(target, { calls: 0, ok: 0, codes: {} });
    const e = tally.get(target);
    e.calls++;
    if (code === null) e.ok++;
    else e.codes[code] = (e.codes[code] || 0) + 1;
  };

  // console.error is where the wrapper reports a user callback that threw
  // (the fuzz passes such callbacks): counted, kept out of the output.
  let callbackReports = 0;
  const realConsoleError = console.error;
  console.error = (...args) => {
    if (typeof args[0] === 'string' && args[0].startsWith('brokerauth: a callback threw')) callbackReports++;
    else realConsoleError(...args);
  };

  const bounded = (p) => {
    let timer;
    return Promise.race([
      p,
      new Promise((_, reject) => { timer = setTimeout(() => reject(Object.assign(new Error('HANG'), { hang: true })), CALL_BOUND_MS); }),
    ]).finally(() => clearTimeout(timer));
  };

  // Runs one call and checks what comes out of it. fn returns the call's
  // result; a thenable result is awaited (bounded).
  async function call(target, describe, fn) {
    calls++;
    let outcome;
    try {
      const r = fn();
      if (r && typeof r.then === 'function') {
        const v = await bounded(r);
        outcome = { ok: true, value: v };
      } else {
        outcome = { ok: true, value: r };
      }
    } catch (err) {
      outcome = { ok: false, err };
    }
    if (outcome.ok) {
      count(target, null);
      return outcome;
    }
    const { err } = outcome;
    const where = () => `call #${calls} ${target}(${describe()})`;
    if (err && err.hang) {
      violations.push(`${where()}: did not settle within ${CALL_BOUND_MS} ms`);
      count(target, 'HANG');
    } else if (!(err instanceof Error) || typeof err.code !== 'string' || !(err instanceof BrokerAuthError)) {
      violations.push(`${where()}: threw ${err && err.constructor && err.constructor.name} ${err && err.name}: ${String(err && err.message).slice(0, 120)} (code ${err && err.code})`);
      count(target, `NOT-BrokerAuthError`);
    } else {
      if (err.code === 'runtime_stopped' || err.code === 'internal') {
        violations.push(`${where()}: ${err.code}: ${err.message.slice(0, 160)}`);
      }
      count(target, err.code);
    }
    return outcome;
  }

  // Phase 0: init() with random arguments before the real start. Invalid
  // options reject; any that happen to start the runtime make every later
  // init() resolve to the same object.
  // Options that would start the runtime are given a wasmURL that cannot
  // load, so that every one of these calls meets the argument checks.
  const emptyModule = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  // (module (import "env" "f" (func))): cannot link against Go's imports.
  const importingModule = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    1, 4, 1, 0x60, 0, 0, 2, 9, 1, 3, 0x65, 0x6e, 0x76, 1, 0x66, 0, 0]));
  const unloadable = () => pick([['no-such.wasm', 'missing file'], [new URL('http://127.0.0.1:1/x.wasm'), 'refused URL'],
    [`${server.origin}/no-such.wasm`, '404 URL'], ['data:,nope', 'data: URL']]);
  for (let i = 0; i < 150; i++) {
    let [v, label] = rand() < 0.08
      ? pick([[{ wasmModule: emptyModule }, '{wasmModule: an empty module}'], [{ wasmModule: importingModule }, '{wasmModule: a module importing env.f}']])
      : g.value();
    if (rand() < 0.5) {
      const k = pick(['wasmURL', 'wasmModule', ...strangeKeys]);
      const o = {};
      g.setKey(o, k, v);
      [v, label] = [o, `{${k}: ${label}}`];
    }
    let wouldStart;
    try {
      wouldStart = v === undefined || (typeof v === 'object' && v !== null && v.wasmURL === undefined && v.wasmModule === undefined);
    } catch {
      wouldStart = false;
    }
    if (wouldStart) {
      const [u, ul] = unloadable();
      v = Object.defineProperty(Object.create(v === undefined ? null : v), 'wasmURL', { value: u, enumerable: true });
      label = `{wasmURL: ${ul}} inheriting ${label}`;
    }
    const opt = v;
    await call('init', () => label, () => mod.init(opt));
  }
  const ba = await mod.init();
  calls++;
  count('init', null);
  const memBefore = ba.wasmMemoryBytes;
  const started = Date.now();

  // Clients whose options are the simulators' credentials: the I/O calls
  // go to them, bounded by timeoutMs.
  const creds = server.creds;
  const base = {
    ig: () => ({ ...creds.ig, timeoutMs: 3000 }),
    capital: () => ({ ...creds.capital, timeoutMs: 3000 }),
    ibkr: () => ({ ...creds.ibkr, ipLookupURL: `${creds.ibkr.baseURL}/__sim/ip`, timeoutMs: 3000 }),
  };
  const persistent = {
    igv2: { broker: 'ig', kind: 'persistent', client: ba.ig(base.ig()) },
    igv3: { broker: 'ig', kind: 'persistent', client: ba.ig({ ...base.ig(), version: 3 }) },
    capital: { broker: 'capital', kind: 'persistent', client: ba.capital(base.capital()) },
    ibkr: { broker: 'ibkr', kind: 'persistent', client: ba.ibkr(base.ibkr()) },
  };
  for (const p of Object.values(persistent)) await p.client.login();
  // Capital.com spaces logins 1 s apart, process-wide: its logins and
  // logouts are rationed, and fuzz-built Capital.com clients (never logged
  // in) only get calls that fail validation.
  let capitalLoginBudget = 6;
  let ibkrLoginBudget = 60;
  const scratchCapital = { broker: 'capital', kind: 'scratch', client: ba.capital(base.capital()) };
  const fuzzClients = []; // recent fuzz-built clients (all point at the simulators)

  // Options for a constructor: the simulator's (so that nothing leaves the
  // machine), then a few keys set to random values, or any value at all.
  const urlKeys = new Set(['baseURL', 'ipLookupURL', 'environment', 'domain']);
  function options(broker) {
    const r = rand();
    if (r < 0.12) return [...g.value(), false];
    const o = r < 0.75 ? base[broker]() : { baseURL: 5 }; // never the default host
    const labels = [];
    for (let i = 1 + int(3); i > 0; i--) {
      const k = rand() < 0.75 ? pick(optionNames[broker]) : pick(strangeKeys);
      let [v, l] = g.value();
      // A missing, empty or absolute-URL base URL would send a fuzz client
      // to the real broker: those keys only get values that cannot be.
      if (urlKeys.has(k) && (v === undefined || v === null || v === '' || (typeof v === 'string' && /^\s*(https?:|\/\/)/i.test(v)))) {
        [v, l] = [42, 'number'];
      }
      if (k === 'environment' && typeof v === 'string') [v, l] = [7, 'number'];
      g.setKey(o, k, v);
      labels.push(`${k}: ${l}`);
    }
    let label = `{sim options + ${labels.join(', ')}}`;
    if (rand() < 0.05) return [new Proxy(o, { get() { throw new Error('fuzz: options proxy'); } }), `Proxy(${label})`, true];
    if (rand() < 0.05) {
      Object.defineProperty(o, pick(optionNames[broker]), { get() { throw new Error('fuzz: option getter'); }, enumerable: true, configurable: true });
      label += ' + throwing getter';
    }
    // safe: a client built from these options can only reach the simulators.
    return [o, label, true];
  }

  // request(path, init) arguments: random, or well-formed with random parts.
  function requestArgs(broker, allowIO) {
    let path;
    let pathLabel;
    if (allowIO && rand() < 0.5) {
      const good = { ig: '/accounts', capital: '/api/v1/accounts', ibkr: '/v1/api/portfolio/accounts' }[broker];
      [path, pathLabel] = pick([[good, 'good path'], [good, 'good path'], ['/nope', '/nope'], [`/${'\u00e9'}x`, 'non-ASCII path'],
        ['/a b', 'space'], ['/\uD800', 'lone surrogate path'], ['/a\r\nb', 'CRLF path'], ['//evil.example/x', 'authority path'],
        ['/%zz', 'bad escape'], ['/?q=1', 'query'], ['/' + 'x'.repeat(70_000), 'long path']]);
    } else {
      [path, pathLabel] = g.value();
      if (!allowIO && typeof path === 'string' && path.startsWith('/')) [path, pathLabel] = [5, 'number'];
    }
    const r = rand();
    let init;
    let initLabel;
    if (r < 0.3) [init, initLabel] = g.value();
    else if (r < 0.45) [init, initLabel] = [undefined, 'no init'];
    else {
      init = {};
      const labels = [];
      for (const k of ['method', 'headers', 'body']) {
        if (rand() < 0.5) continue;
        let v;
        let l;
        if (rand() < 0.4) {
          [v, l] = {
            method: () => pick([['GET', 'GET'], ['post', 'post'], ['PUT', 'PUT'], ['DELETE', 'DELETE'], ['G E T', 'G E T'], ['', 'empty']]),
            headers: () => pick([[{ Version: '2' }, '{Version}'], [new Headers({ 'X-A': 'b' }), 'Headers'], [[['X-A', 'b']], 'pairs'],
              [{ 'X-Note': '\u201cq\u201d' }, 'smart-quote header'], [{ 'X-A': 'a\r\nb' }, 'CRLF header'], [{ 'bad name': 'x' }, 'bad header name'],
              [{ 'X-A': Symbol('s') }, 'symbol header value'], [{ 'X-A': 1n }, 'bigint header value'], [{ CST: 'forged' }, 'CST header']]),
            body: () => pick([['{}', 'JSON text'], [{ a: 1 }, 'object'], [[1, 2], 'array'], [{ a: 1n }, 'bigint in body'],
              [cyclicBody(), 'cyclic body'], ['x'.repeat(1 << 20), '1 MB body']]),
          }[k]();
        } else {
          [v, l] = g.value();
        }
        init[k] = v;
        labels.push(`${k}: ${l}`);
      }
      initLabel = `{${labels.join(', ')}}`;
    }
    return { args: [path, init], label: `${pathLabel}, ${initLabel}` };
  }
  const cyclicBody = () => { const o = {}; o.o = o; return o; };

  const noArgMethods = {
    ig: ['login', 'logout', 'refresh'],
    capital: ['login', 'logout', 'ping'],
    ibkr: ['login', 'logout', 'validate', 'tickle', 'status'],
  };

  async function fuzzMethod(entry) {
    const { broker, client, kind } = entry;
    // Which calls may talk to the simulator: not from fuzz-built Capital.com
    // clients (they would log in), and logins only within budget.
    const capitalLocked = broker === 'capital' && (kind === 'fuzz' || (kind === 'scratch' && capitalLoginBudget <= 0));
    const choice = rand();
    if (choice < 0.35) {
      const allowIO = !capitalLocked && !(broker === 'ibkr' && kind !== 'persistent' && ibkrLoginBudget <= 0) && rand() < 0.35;
      if (allowIO) {
        ioCalls++;
        if (broker === 'ibkr' && kind !== 'persistent') ibkrLoginBudget--;
        if (broker === 'capital' && kind === 'scratch') capitalLoginBudget--;
      }
      const { args, label } = requestArgs(broker, allowIO);
      return call(`${broker}.request`, () => label, () => client.request(...args));
    }
    if (choice < 0.55 && broker !== 'ibkr') {
      let [id, label] = g.value();
      const io = !capitalLocked && rand() < 0.15;
      if (io) {
        const s = client.session;
        [id, label] = s && s.accounts && s.accounts.length > 1 && rand() < 0.5
          ? [pick(s.accounts).accountId, 'a real account']
          : [pick(['nope', 'ACC-404', '\u201cq\u201d', 'a\r\nb']), 'an unknown account'];
        ioCalls++;
        if (broker === 'capital' && kind === 'scratch') capitalLoginBudget--;
      } else if (typeof id === 'string' && id !== '') {
        [id, label] = [{}, 'object'];
      }
      return call(`${broker}.switchAccount`, () => label, () => client.switchAccount(id));
    }
    if (choice < 0.75) {
      const [opts, label] = rand() < 0.5 ? g.value() : (() => {
        const o = {};
        const ls = [];
        if (rand() < 0.7) { const [v, l] = rand() < 0.5 ? [pick([1, 5, 50, 1000, 60_000, 0, -1, 2 ** 31, 0.2, NaN]), 'interval'] : g.value(); o.intervalMs = v; ls.push(`intervalMs: ${l}`); }
        if (rand() < 0.5) { const [v, l] = rand() < 0.5 ? [pick([() => {}, () => { throw new Error('fuzz: onError'); }]), 'fn'] : g.value(); o.onError = v; ls.push(`onError: ${l}`); }
        return [o, `{${ls.join(', ')}}`];
      })();
      // Random options may make a valid interval; the handle is stopped at
      // once, so that no loop outlives the call.
      return call(`${broker}.keepAlive`, () => label, () => {
        const ka = client.keepAlive(opts);
        ka.stop();
        return ka;
      });
    }
    if (choice < 0.8) {
      return call(`${broker}.session`, () => '', () => client.session);
    }
    // The no-argument methods (login, logout, refresh, ping, validate,
    // tickle, status) talk to the simulator whatever their arguments.
    const method = pick(noArgMethods[broker]);
    const io = broker === 'capital'
      ? kind === 'scratch' && capitalLoginBudget > 0 && (capitalLoginBudget--, true)
      : kind === 'persistent' || broker !== 'ibkr' || (ibkrLoginBudget > 0 && (ibkrLoginBudget--, true));
    if (!io || (broker === 'capital' && kind === 'persistent')) {
      return call(`${broker}.session`, () => '', () => client.session);
    }
    ioCalls++;
    const [a, label] = g.value();
    return call(`${broker}.${method}`, () => label, () => client[method](a, a));
  }

  const key2048 = rsaKey(2048).forms;
  async function fuzzEncrypt() {
    const k = rand() < 0.5 ? [pick([capitalGuideKey, ...Object.values(key2048)]), 'a valid key'] : g.value();
    const ts = rand() < 0.5 ? [pick([1700000000000, '1700000000000', 1700000000000n, 0, '0']), 'a valid timeStamp'] : g.value();
    const pw = rand() < 0.5 ? [pick(['p', 'Passw0rd!', '\u00e9\u00e8 \uD83D\uDE00', 'x'.repeat(150), 'x'.repeat(200)]), 'a password'] : g.value();
    return call('encryptPassword', () => `${k[1]}, ${ts[1]}, ${pw[1]}`, () => ba.encryptPassword(k[0], ts[0], pw[0]));
  }

  async function fuzzConstruct(broker) {
    const [opts, label, safe] = options(broker);
    const out = await call(broker, () => label, () => ba[broker](opts));
    if (out.ok && safe) {
      fuzzClients.push({ broker, kind: 'fuzz', client: out.value });
      if (fuzzClients.length > 8) fuzzClients.shift();
    }
  }

  const poolFor = () => {
    const r = rand();
    if (r < 0.45) return pick(Object.values(persistent));
    if (r < 0.55) return scratchCapital;
    return fuzzClients.length ? pick(fuzzClients) : pick(Object.values(persistent));
  };

  while (calls < CALLS - 1) {
    const r = rand();
    if (r < 0.02) {
      const [v, label] = g.value();
      await call('init', () => label, () => mod.init(v));
    } else if (r < 0.27) {
      await fuzzEncrypt();
    } else if (r < 0.55) {
      await fuzzConstruct(pick(['ig', 'capital', 'ibkr']));
    } else {
      await fuzzMethod(poolFor());
    }
  }

  // The runtime still works: a fresh encryption, and a logged-in call.
  const final = ba.encryptPassword(capitalGuideKey, 1700000000000, 'still-alive');
  calls++;
  assert.match(final, /^[A-Za-z0-9+/]+=*$/);
  await persistent.igv2.client.request('/accounts');

  const memAfter = ba.wasmMemoryBytes;
  const elapsed = Date.now() - started;
  console.error = realConsoleError;
  const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
  console.log(`fuzz: ${calls} calls (${ioCalls} reaching the simulators) in ${(elapsed / 1000).toFixed(1)} s; seed ${SEED}`);
  console.log(`fuzz: wasmMemoryBytes ${memBefore} (${mb(memBefore)}) before, ${memAfter} (${mb(memAfter)}) after, growth ${mb(memAfter - memBefore)}`);
  console.log(`fuzz: ${callbackReports} user callbacks threw (reported by the wrapper, not by the fuzz)`);
  for (const [target, e] of [...tally].sort()) {
    const codes = Object.entries(e.codes).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
    console.log(`fuzz:   ${target.padEnd(22)} ${String(e.calls).padStart(5)} calls, ${String(e.ok).padStart(5)} ok${codes ? `; ${codes}` : ''}`);
  }
  t.diagnostic(`seed ${SEED}; memory ${mb(memBefore)} → ${mb(memAfter)}; ${(elapsed / 1000).toFixed(1)} s`);

  // Let any stray rejection surface before looking.
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(violations.slice(0, 20), [], `seed ${SEED}: ${violations.length} bad outcomes`);
  assert.deepEqual(unhandled.map((e) => `${e && e.name}: ${e && e.message}`), [], `seed ${SEED}: unhandled rejections`);
  assert.ok(memAfter - memBefore < MEMORY_GROWTH_LIMIT, `seed ${SEED}: wasm memory grew by ${mb(memAfter - memBefore)}`);
});
