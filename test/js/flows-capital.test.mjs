// Capital.com session flows from the packed package against its simulator.

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
afterEach(() => server.admin('capital', 'reset'));

const capOptions = (extra = {}) => {
  const { baseURL, apiKey, identifier, password } = server.creds.capital;
  return { baseURL, apiKey, identifier, password, ...extra };
};

test('login, ping, request, switch account, logout', async () => {
  const changes = [];
  const cap = ba.capital(capOptions({ onSessionChange: (s) => changes.push(s && s.accountId) }));
  const s = await cap.login();
  assert.equal(s.broker, 'capital');
  assert.deepEqual(Object.keys(s.headers).sort(), ['CST', 'X-CAP-API-KEY', 'X-SECURITY-TOKEN']);
  assert.equal(s.expiresAt, null);
  assert.ok(s.streamingEndpoint);
  assert.equal((await server.admin('capital', 'stats')).encryptionKeys, 1);

  await cap.ping();
  const accounts = await cap.request('/api/v1/accounts');
  assert.ok(Array.isArray(accounts.accounts));

  const other = s.accounts.find((a) => a.accountId !== s.accountId);
  assert.equal((await cap.switchAccount(other.accountId)).accountId, other.accountId);
  // session.accounts lists every account: an unknown one is refused before any request.
  await assert.rejects(cap.switchAccount('no-such-account'), (err) => err.code === 'invalid_argument' && err.status === 0 && err.step === 'switch');

  await cap.logout();
  assert.equal(cap.session, null);
  assert.deepEqual(changes, [s.accountId, other.accountId, null]);
});

test('wrong password: error.invalid.details; missing API key: error.null.api.key', async () => {
  await assert.rejects(ba.capital(capOptions({ password: 'Canary-cap-1' })).login(), (err) =>
    err.code === 'error.invalid.details' && err.status === 401 && err.step === 'login' && !err.message.includes('Canary'));
  // An empty key never reaches the broker; a wrong one gets the broker's code.
  assert.throws(() => ba.capital(capOptions({ apiKey: '' })), (err) => err.code === 'invalid_argument');
  await assert.rejects(ba.capital(capOptions({ apiKey: 'wrong-key' })).login(), (err) => err.code === 'error.invalid.api.key' && err.status === 401);
});

test('two clients sharing an API key never trip the 1-login-per-second limit', async () => {
  const a = ba.capital(capOptions());
  const b = ba.capital(capOptions());
  const [first, , again] = await Promise.all([a.login(), b.login(), a.login()]);
  const stats = await server.admin('capital', 'stats');
  assert.equal(stats.rateLimited, 0);
  // Every broker's login() is single flight: the client's two concurrent
  // calls share one login.
  assert.equal(stats.logins[server.creds.capital.apiKey], 2);
  assert.deepEqual(again, first);
});

test('an expired session is re-established once for concurrent requests', async () => {
  const cap = ba.capital(capOptions());
  await cap.login();
  await server.admin('capital', 'expire');
  await Promise.all(Array.from({ length: 10 }, () => cap.request('/api/v1/accounts')));
  assert.equal((await server.admin('capital', 'stats')).logins[server.creds.capital.apiKey], 2);
});

test('a 429 from the server is retried with bounded backoff', async () => {
  const cap = ba.capital(capOptions());
  await server.admin('capital', 'fault', { path: '/session', method: 'POST', kind: 'status', status: 429, errorCode: 'error.too-many.requests', retryAfter: 1 });
  const s = await cap.login();
  assert.ok(s.headers.CST);
});
