// The `store` option with a store of the caller's own (the SessionStore
// interface npm/README.md documents: encryptionKey, get, put, delete,
// lock, unlock, each possibly async), from the packed package against the
// simulators: several clients sharing it log in once, what it holds is
// sealed, and its failures are typed. No Redis needed (the fleet tests
// run brokerauth/redis across processes).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, test } from 'node:test';

import { loadESM } from './helpers.mjs';
import { startSimServer } from './simserver.mjs';

let server;
let ba;

before(async () => {
  server = await startSimServer();
  ba = await (await loadESM()).init();
});
after(() => server.stop());
afterEach(() => server.admin('capital', 'reset'));

const capOptions = (extra = {}) => {
  const { baseURL, apiKey, identifier, password } = server.creds.capital;
  return { baseURL, apiKey, identifier, password, ...extra };
};
const attempts = async () => (await server.admin('capital', 'stats')).loginAttempts[server.creds.capital.apiKey] ?? 0;

// mapStore is a store on a Map, async like a database's, with expiry: what
// npm/README.md's PostgreSQL example does, in memory.
function mapStore(encryptionKey = randomBytes(32)) {
  const items = new Map();
  const live = (key) => {
    const it = items.get(key);
    if (it && it.expires <= Date.now()) items.delete(key);
    return items.get(key);
  };
  const later = (fn) => new Promise((resolve) => setTimeout(() => resolve(fn()), 1));
  return {
    items,
    encryptionKey,
    get: (key) => later(() => live(key)?.value ?? null),
    put: (key, value, ttlMs) => later(() => { items.set(key, { value, expires: Date.now() + ttlMs }); }),
    delete: (key, old) => later(() => {
      if (old === null || live(key)?.value === old) items.delete(key);
    }),
    lock: (key, token, leaseMs) => later(() => {
      const held = live(key);
      if (held && held.value !== token) return false;
      items.set(key, { value: token, expires: Date.now() + leaseMs });
      return true;
    }),
    unlock: (key, token) => later(() => {
      if (live(key)?.value === token) items.delete(key);
    }),
  };
}

test('ten clients sharing a store of their own log in once; it holds the session sealed', async () => {
  const store = mapStore();
  const clients = Array.from({ length: 10 }, () => ba.capital(capOptions({ store })));
  const sessions = await Promise.all(clients.map((c) => c.login()));
  assert.equal(await attempts(), 1, 'one POST /session');
  assert.equal(new Set(sessions.map((s) => s.headers.CST)).size, 1, 'one session');
  const entries = [...store.items].filter(([k]) => k.startsWith('session:'));
  assert.equal(entries.length, 1);
  const [name, { value }] = entries[0];
  assert.match(name, /^session:capital:[0-9a-f]{24}$/, 'the key names no one');
  assert.match(value, /^ba1\.[A-Za-z0-9+/]+$/, 'sealed');
  for (const secret of [sessions[0].headers.CST, sessions[0].headers['X-SECURITY-TOKEN'], server.creds.capital.identifier]) {
    assert.ok(!value.includes(secret) && !name.includes(secret));
  }
  // A client made later takes it too; so does one after the broker refused
  // it, once, for all.
  await ba.capital(capOptions({ store })).request('/api/v1/accounts');
  assert.equal(await attempts(), 1);
  await server.admin('capital', 'expire');
  await Promise.all(clients.map((c) => c.request('/api/v1/accounts')));
  assert.equal(await attempts(), 2, 'the dead session replaced once');
});

test('an entry sealed with another key is not used: onStoreError hears store_entry_invalid and a login replaces it', async () => {
  const store = mapStore();
  await ba.capital(capOptions({ store })).login();
  const heard = [];
  const other = ba.capital(capOptions({ store: { ...store, encryptionKey: randomBytes(32).toString('base64') }, onStoreError: (e) => heard.push(e) }));
  const s = await other.login();
  assert.equal(await attempts(), 2);
  assert.ok(s.headers.CST);
  assert.ok(heard.length >= 1);
  assert.equal(heard[0].code, 'store_entry_invalid');
  assert.equal(heard[0].step, 'store');
});

test('a store without a key, or with a key of another size, is refused', () => {
  const { encryptionKey, ...noKey } = mapStore();
  assert.throws(() => ba.capital(capOptions({ store: noKey })), { code: 'invalid_argument', message: /encryptionKey/ });
  assert.throws(() => ba.capital(capOptions({ store: mapStore(randomBytes(16)) })), { code: 'invalid_argument', message: /32 random bytes/ });
  assert.throws(() => ba.capital(capOptions({ store: { ...mapStore(), lock: undefined } })), { code: 'invalid_argument', message: /store\.lock/ });
});

test('a store that fails: a network error at step store, or with fallback local a login alone', async () => {
  const broken = { ...mapStore(), get: async () => { throw new Error('db at db.internal:5432: connection refused\nsecret stack line'); } };
  await assert.rejects(ba.capital(capOptions({ store: broken })).login(), (err) => {
    assert.equal(err.code, 'network');
    assert.equal(err.step, 'store');
    assert.match(err.message, /db at db\.internal:5432: connection refused/);
    assert.ok(!err.message.includes('secret stack line'), 'only the first line of the store\'s message');
    return true;
  });
  assert.equal(await attempts(), 0);
  const heard = [];
  const alone = ba.capital(capOptions({ store: broken, fallback: 'local', onStoreError: (e) => heard.push(e) }));
  assert.ok((await alone.login()).headers.CST);
  assert.equal(await attempts(), 1);
  assert.equal(heard[0]?.code, 'network');
});

test('a store that times out is a timeout; one that cannot work as set up is invalid_argument, with no fallback', async () => {
  const slow = { ...mapStore(), get: async () => { throw Object.assign(new Error('db did not answer'), { name: 'TimeoutError' }); } };
  await assert.rejects(ba.capital(capOptions({ store: slow })).login(), { code: 'timeout', step: 'store', retryable: true });
  const { BrokerAuthError } = await loadESM();
  const misconfigured = { ...mapStore(), get: async () => { throw new BrokerAuthError('invalid_argument', 'the store needs a package: npm install it'); } };
  const heard = [];
  const client = ba.capital(capOptions({ store: misconfigured, fallback: 'local', onStoreError: (e) => heard.push(e) }));
  await assert.rejects(client.login(), (err) => {
    assert.equal(err.code, 'invalid_argument');
    assert.equal(err.step, 'store');
    assert.equal(err.retryable, false);
    assert.match(err.message, /npm install it/);
    return true;
  });
  assert.equal(await attempts(), 0, 'no login alone');
  assert.deepEqual(heard, []);
});
