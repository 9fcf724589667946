// Concurrency from the packed package: hundreds of concurrent calls on
// clients whose sessions the server has just killed cause exactly one
// re-login per client, and two Capital.com clients sharing an API key
// never trip its one-login-per-second limit, however their logins overlap.

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';

import { loadESM } from './helpers.mjs';
import { startSimServer } from './simserver.mjs';

const CONCURRENT = 200;
// Bounds a hang; never reached when things work.
const BOUND_MS = 30_000;

let server;
let ba;
const unhandled = [];
const onUnhandled = (reason) => unhandled.push(reason);

before(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = await startSimServer();
  ba = await (await loadESM()).init();
});
after(() => {
  process.off('unhandledRejection', onUnhandled);
  server.stop();
});
afterEach(async () => {
  assert.deepEqual(unhandled.map((e) => `${e && e.name}: ${e && e.message}`), [], 'unhandled rejections');
  for (const sim of ['ig', 'capital', 'ibkr']) await server.admin(sim, 'reset');
});

function bounded(p, what) {
  let timer;
  return Promise.race([
    p,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no outcome within ${BOUND_MS} ms`)), BOUND_MS); }),
  ]).finally(() => clearTimeout(timer));
}

// Two clients with the same credentials, each counting its session changes.
function twoClients(make) {
  return [0, 1].map(() => {
    const entry = { changes: 0 };
    entry.client = make({ onSessionChange: () => { entry.changes++; } });
    return entry;
  });
}

// The scenario for one broker: log both clients in, a burst on live
// sessions (no login), the server kills every session, a burst on the dead
// ones (one login per client).
async function burstAcrossExpiry({ sim, make, path, logins }) {
  const clients = twoClients(make);
  await bounded(Promise.all(clients.map((c) => c.client.login())), 'first logins');
  const burst = () => bounded(Promise.all(clients.flatMap((c) => Array.from({ length: CONCURRENT }, () => c.client.request(path)))), 'burst');

  const start = await logins();
  const changesAtStart = clients.map((c) => c.changes);
  const live = await burst();
  assert.equal(live.length, 2 * CONCURRENT);
  assert.equal(await logins(), start, 'no login while the sessions live');
  assert.deepEqual(clients.map((c) => c.changes), changesAtStart);

  await server.admin(sim, 'expire');
  const results = await burst();
  assert.equal(results.length, 2 * CONCURRENT);
  assert.ok(results.every((r) => r && typeof r === 'object'), 'every request resolved to its parsed body');
  assert.deepEqual(clients.map((c) => c.changes - changesAtStart[clients.indexOf(c)]), [1, 1], 'one new session per client');
  assert.equal(await logins(), start + 2, 'one login per client at the server');
  for (const c of clients) assert.notEqual(c.client.session, null);
}

test(`IG: ${CONCURRENT} concurrent requests per client across a forced expiry log each client in once`, async () => {
  const { baseURL, apiKey, identifier, password } = server.creds.ig;
  await burstAcrossExpiry({
    sim: 'ig',
    make: (extra) => ba.ig({ baseURL, apiKey, identifier, password, timeoutMs: 10_000, ...extra }),
    path: '/accounts',
    logins: async () => (await server.admin('ig', 'stats')).logins[apiKey] || 0,
  });
});

test(`IG v3: ${CONCURRENT} concurrent requests per client across an access-token expiry refresh each client once`, async () => {
  const { baseURL, apiKey, identifier, password } = server.creds.ig;
  const clients = twoClients((extra) => ba.ig({ baseURL, apiKey, identifier, password, version: 3, timeoutMs: 10_000, ...extra }));
  await bounded(Promise.all(clients.map((c) => c.client.login())), 'first logins');
  const before = await server.admin('ig', 'stats');
  await server.admin('ig', 'expire', { scope: 'access' });
  const results = await bounded(Promise.all(clients.flatMap((c) => Array.from({ length: CONCURRENT }, () => c.client.request('/accounts')))), 'burst');
  assert.equal(results.length, 2 * CONCURRENT);
  const afterStats = await server.admin('ig', 'stats');
  assert.equal(afterStats.refreshes - before.refreshes, 2, 'one refresh per client');
  assert.equal((afterStats.logins[apiKey] || 0) - (before.logins[apiKey] || 0), 0, 'no login: the refresh tokens were good');
  assert.deepEqual(clients.map((c) => c.changes), [2, 2], 'login, then one refresh');
});

test(`Capital.com: ${CONCURRENT} concurrent requests per client across a forced expiry log each client in once, under the rate limit`, async () => {
  const { baseURL, apiKey, identifier, password } = server.creds.capital;
  await burstAcrossExpiry({
    sim: 'capital',
    make: (extra) => ba.capital({ baseURL, apiKey, identifier, password, timeoutMs: 10_000, ...extra }),
    path: '/api/v1/accounts',
    logins: async () => (await server.admin('capital', 'stats')).logins[apiKey] || 0,
  });
  assert.equal((await server.admin('capital', 'stats')).rateLimited, 0);
});

test(`IBKR: ${CONCURRENT} concurrent requests per client across a revoked bearer token re-authenticate each client once`, async () => {
  const { baseURL, clientId, clientKeyId, credential, privateKey } = server.creds.ibkr;
  await burstAcrossExpiry({
    sim: 'ibkr',
    make: (extra) => ba.ibkr({ baseURL, clientId, clientKeyId, credential, privateKey, ip: '198.51.100.7', timeoutMs: 10_000, ...extra }),
    path: '/v1/api/portfolio/accounts',
    logins: async () => (await server.admin('ibkr', 'stats')).bearer,
  });
});

test('Capital.com: two clients sharing an API key, logging in concurrently, are never rate-limited', async () => {
  const { baseURL, apiKey, identifier, password } = server.creds.capital;
  const make = () => ba.capital({ baseURL, apiKey, identifier, password, timeoutMs: 10_000 });
  const [a, b] = [make(), make()];
  const rounds = 3;
  for (let i = 0; i < rounds; i++) {
    // Both login() and the implicit login of a first request, overlapping.
    const [sa, sb] = await bounded(Promise.all([a.login(), b.login(), i === 0 ? make().request('/api/v1/accounts') : null]), `round ${i}`);
    assert.notEqual(sa.headers.CST, sb.headers.CST, 'two sessions');
  }
  const stats = await server.admin('capital', 'stats');
  assert.equal(stats.rateLimited, 0, 'no POST /session was refused for the rate limit');
  assert.equal(stats.loginAttempts[apiKey], stats.logins[apiKey], 'every login attempt succeeded at once');
  assert.equal(stats.logins[apiKey], 2 * rounds + 1);
});
