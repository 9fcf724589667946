// Interactive Brokers OAuth 2.0 flow from the packed package against the
// IBKR simulator.

import assert from 'node:assert/strict';
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
afterEach(() => server.admin('ibkr', 'reset'));

const ibOptions = (extra = {}) => {
  const { baseURL, clientId, clientKeyId, credential, privateKey } = server.creds.ibkr;
  return { baseURL, clientId, clientKeyId, credential, privateKey, ipLookupURL: `${baseURL}/__sim/ip`, ...extra };
};

test('login → tickle → validate → status → request → logout', async () => {
  const changes = [];
  const ib = ba.ibkr(ibOptions({ onSessionChange: (s) => changes.push(s && s.authenticated) }));
  const s = await ib.login();
  assert.equal(s.broker, 'ibkr');
  assert.deepEqual(Object.keys(s.headers), ['Authorization']);
  assert.match(s.headers.Authorization, /^Bearer \S+$/);
  assert.equal(s.authenticated, true);
  assert.equal(typeof s.competing, 'boolean');

  const t = await ib.tickle();
  assert.equal(t.authenticated, true);
  assert.equal(typeof t.session, 'string');
  const v = await ib.validate();
  assert.equal(typeof v, 'object');
  assert.equal((await ib.status()).authenticated, true);

  const stats = await server.admin('ibkr', 'stats');
  assert.equal(stats.token, 1);
  assert.equal(stats.bearer, 1);
  assert.equal(stats.init, 1);

  await ib.logout();
  assert.equal(ib.session, null);
  assert.equal(changes.at(-1), null);
});

test('a private key that is not a key is invalid_key and never echoed', () => {
  const canary = '-----BEGIN PRIVATE KEY-----\nQ2FuYXJ5LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n';
  assert.throws(() => ba.ibkr(ibOptions({ privateKey: canary })), (err) =>
    err.code === 'invalid_key' && !err.message.includes('Q2FuYXJ5') && !JSON.stringify(err).includes('Q2FuYXJ5'));
});

test('a revoked bearer token is re-established once for concurrent requests', async () => {
  const ib = ba.ibkr(ibOptions());
  await ib.login();
  await server.admin('ibkr', 'expire');
  await Promise.all(Array.from({ length: 10 }, () => ib.tickle().catch(() => null).then(() => ib.request('/v1/api/portfolio/accounts'))));
  const stats = await server.admin('ibkr', 'stats');
  assert.equal(stats.bearer, 2, 'exactly one new bearer token');
});
