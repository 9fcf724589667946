// IG session flows from the packed package against the IG simulator.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';

import { loadESM } from './helpers.mjs';
import { startSimServer } from './simserver.mjs';

let server;
let ba;
let BrokerAuthError;

before(async () => {
  server = await startSimServer();
  const mod = await loadESM();
  BrokerAuthError = mod.BrokerAuthError;
  ba = await mod.init();
});
after(() => server.stop());
afterEach(() => server.admin('ig', 'reset'));

const igOptions = (extra = {}) => {
  const { baseURL, apiKey, identifier, password } = server.creds.ig;
  return { baseURL, apiKey, identifier, password, ...extra };
};

const isError = (code, extra = {}) => (err) => {
  assert.ok(err instanceof BrokerAuthError, `BrokerAuthError expected, got ${err}`);
  assert.equal(err.code, code, err.message);
  for (const [k, v] of Object.entries(extra)) assert.equal(err[k], v, `${k} of ${err.message}`);
  return true;
};

describe('IG v2 (encrypted password, CST/X-SECURITY-TOKEN)', () => {
  test('login, request, switch account, logout, with onSessionChange on each', async () => {
    const changes = [];
    const ig = ba.ig(igOptions({ onSessionChange: (s) => changes.push(s) }));
    assert.equal(ig.session, null);

    const s = await ig.login();
    assert.equal(s.broker, 'ig');
    assert.deepEqual(Object.keys(s.headers).sort(), ['CST', 'X-IG-API-KEY', 'X-SECURITY-TOKEN']);
    assert.equal(s.headers['X-IG-API-KEY'], server.creds.ig.apiKey);
    assert.ok(s.accounts.length >= 2, 'the simulator has several accounts');
    assert.ok(s.accounts.some((a) => a.accountId === s.accountId));
    assert.equal(s.expiresAt, null);
    assert.equal(typeof s.streamingEndpoint, 'string');
    assert.ok(Object.isFrozen(s));
    assert.deepEqual(ig.session, s);

    const stats = await server.admin('ig', 'stats');
    assert.equal(stats.encryptionKeys, 1, 'the password was encrypted with a fetched key');

    const accounts = await ig.request('/accounts');
    assert.ok(Array.isArray(accounts.accounts));

    const other = s.accounts.find((a) => a.accountId !== s.accountId);
    const switched = await ig.switchAccount(other.accountId);
    assert.equal(switched.accountId, other.accountId);
    assert.notEqual(switched.headers['X-SECURITY-TOKEN'], s.headers['X-SECURITY-TOKEN'], 'PUT /session hands out a new XST');
    await ig.request('/accounts'); // works with the new token
    await assert.rejects(ig.switchAccount('NOT-MINE'), isError('invalid_argument', { step: 'switch' }), 'not in session.accounts');

    await ig.logout();
    assert.equal(ig.session, null);
    assert.deepEqual(changes.map((c) => c && c.accountId), [s.accountId, other.accountId, null]);
  });

  test('wrong password: error.security.invalid-details with a hint, no password in it', async () => {
    const canary = 'Canary-Pw-ig-31337';
    const ig = ba.ig(igOptions({ password: canary }));
    await assert.rejects(ig.login(), (err) => {
      isError('error.security.invalid-details', { broker: 'ig', step: 'login', status: 401, retryable: false })(err);
      assert.match(err.message, /PKCS#1 v1.5/);
      for (const text of [err.message, err.stack, JSON.stringify(err)]) assert.ok(!text.includes('Canary'));
      return true;
    });
  });

  test('wrong API key: error.security.api-key-invalid', async () => {
    await assert.rejects(ba.ig(igOptions({ apiKey: 'nope' })).login(), isError('error.security.api-key-invalid', { status: 403 }));
  });

  test('an expired session: twenty concurrent requests cause exactly one new login', async () => {
    const ig = ba.ig(igOptions());
    await ig.login();
    await server.admin('ig', 'expire');
    const before = (await server.admin('ig', 'stats')).logins[server.creds.ig.apiKey];
    const results = await Promise.all(Array.from({ length: 20 }, () => ig.request('/accounts')));
    assert.equal(results.length, 20);
    const afterStats = await server.admin('ig', 'stats');
    assert.equal(afterStats.logins[server.creds.ig.apiKey] - before, 1);
  });

  test('an AbortSignal cancels a request in flight with code canceled; the client keeps working', async () => {
    const ig = ba.ig(igOptions({ timeoutMs: 20_000 }));
    await ig.login();
    await server.admin('ig', 'fault', { path: '/accounts', kind: 'hang' });
    const controller = new AbortController();
    const pending = ig.request('/accounts', { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(pending, isError('canceled', { retryable: false }));
    await assert.rejects(ig.request('/accounts', { signal: AbortSignal.abort() }), isError('canceled'), 'aborted before it started');
    await assert.rejects(ig.request('/accounts', { signal: {} }), isError('invalid_argument'));
    assert.ok((await ig.request('/accounts')).accounts, 'the client still works');
  });

  test('request() logs in first when there is no session', async () => {
    const ig = ba.ig(igOptions());
    const body = await ig.request('/accounts', { headers: { Version: '1' } });
    assert.ok(body.accounts);
    assert.notEqual(ig.session, null);
  });

  test('a hang past timeoutMs is a retryable timeout; a dropped connection a retryable network error', async () => {
    const ig = ba.ig(igOptions({ timeoutMs: 300 }));
    await server.admin('ig', 'fault', { path: '/session/encryptionKey', kind: 'hang' });
    await assert.rejects(ig.login(), isError('timeout', { retryable: true, step: 'encryptionKey', status: 0 }));
    await server.admin('ig', 'fault', { path: '/session', method: 'POST', kind: 'drop' });
    await assert.rejects(ig.login(), isError('network', { retryable: true, status: 0 }));
    await server.admin('ig', 'fault', { path: '/session', method: 'POST', kind: '5xx_html', status: 503 });
    await assert.rejects(ig.login(), isError('http_503', { retryable: true, status: 503 }));
    await server.admin('ig', 'fault', { path: '/session', method: 'POST', kind: 'missing_cst' });
    await assert.rejects(ig.login(), isError('bad_response', { retryable: false }));
    const s = await ig.login(); // faults are spent: the runtime and the client still work
    assert.ok(s.headers.CST);
  });

  test('keepAlive recovers a lost session and stop() ends it', async () => {
    const ig = ba.ig(igOptions());
    await ig.login();
    const errors = [];
    const ka = ig.keepAlive({ intervalMs: 50, onError: (e) => errors.push(e) });
    await server.admin('ig', 'expire');
    const loginsBefore = (await server.admin('ig', 'stats')).logins[server.creds.ig.apiKey];
    let logins = loginsBefore;
    for (let i = 0; i < 100 && logins === loginsBefore; i++) {
      await new Promise((r) => setTimeout(r, 50));
      logins = (await server.admin('ig', 'stats')).logins[server.creds.ig.apiKey];
    }
    ka.stop();
    assert.ok(logins > loginsBefore, 'keepalive logged in again after the session was expired');
    await ig.request('/accounts');
    assert.deepEqual(errors, []);
  });
});

describe('IG v3 (OAuth tokens, plain password)', () => {
  test('login gives Bearer + IG-ACCOUNT-ID and an expiry; refresh rotates the token', async () => {
    const ig = ba.ig(igOptions({ version: 3 }));
    const s = await ig.login();
    assert.deepEqual(Object.keys(s.headers).sort(), ['Authorization', 'IG-ACCOUNT-ID', 'X-IG-API-KEY']);
    assert.match(s.headers.Authorization, /^Bearer \S+$/);
    assert.equal(typeof s.expiresAt, 'number');
    assert.ok(s.expiresAt > Date.now());
    assert.equal((await server.admin('ig', 'stats')).encryptionKeys, 0, 'v3 takes no encrypted password');
    const r = await ig.refresh();
    assert.notEqual(r.headers.Authorization, s.headers.Authorization);
    assert.ok(await ig.request('/accounts'));
  });

  test('streamingCredentials fetches CST/X-SECURITY-TOKEN for a v3 session', async () => {
    const ig = ba.ig(igOptions({ version: 3 }));
    const creds = await ig.streamingCredentials(); // logs in first
    assert.ok(creds.cst && creds.xst);
    assert.equal(creds.password, `CST-${creds.cst}|XST-${creds.xst}`);
    assert.equal(creds.accountId, ig.session.accountId);
    assert.equal(creds.endpoint, ig.session.streamingEndpoint);
  });

  test('switchAccount moves IG-ACCOUNT-ID with no request; the next call acts for the new account', async () => {
    const ig = ba.ig(igOptions({ version: 3 }));
    const s = await ig.login();
    const switchesBefore = (await server.admin('ig', 'stats')).switches;
    const switched = await ig.switchAccount('Z3SIM2');
    assert.equal(switched.accountId, 'Z3SIM2');
    assert.equal(switched.headers['IG-ACCOUNT-ID'], 'Z3SIM2');
    assert.equal(switched.headers.Authorization, s.headers.Authorization, 'same OAuth token');
    assert.equal(ig.session.headers['IG-ACCOUNT-ID'], 'Z3SIM2');
    assert.equal((await server.admin('ig', 'stats')).switches, switchesBefore, 'no PUT /session');
    assert.equal((await ig.request('/session')).accountId, 'Z3SIM2');
    // It survives a re-login after the session died.
    await server.admin('ig', 'expire');
    assert.equal((await ig.request('/session')).accountId, 'Z3SIM2');
    const { cst, xst } = await ig.sessionTokens();
    assert.ok(cst && xst, 'CST/XST fetched for the v3 session');
  });

  test('setDefaultAccount sends PUT /session with the session\'s own CST/XST', async () => {
    const ig = ba.ig(igOptions({ version: 3 }));
    const s = await ig.setDefaultAccount('Z3SIM2');
    assert.equal(s.headers['IG-ACCOUNT-ID'], 'Z3SIM2');
    assert.equal((await ig.login()).accountId, 'Z3SIM2', 'later logins start there');
  });

  test('encrypt: true with version 3 is a clear invalid_argument', () => {
    assert.throws(() => ba.ig(igOptions({ version: 3, encrypt: true })), isError('invalid_argument'));
  });
});

describe('options are checked before anything is sent', () => {
  test('an http:// baseURL that is not loopback is insecure_url', () => {
    assert.throws(() => ba.ig(igOptions({ baseURL: 'http://example.com/gateway/deal' })), isError('insecure_url'));
  });
  test('request bodies that would not arrive as meant are refused', async () => {
    const ig = ba.ig(igOptions());
    await assert.rejects(ig.request('/accounts', { body: { a: 1 } }), isError('invalid_argument'), 'GET with a body');
    for (const body of [new ArrayBuffer(4), new Map(), new Uint8Array(2)]) {
      await assert.rejects(ig.request('/accounts', { method: 'POST', body }), isError('invalid_argument'), String(body));
    }
    await assert.rejects(ig.request('/accounts', { headers: { 'X-Note': '\u201cquoted\u201d' } }), isError('invalid_argument'), 'smart quotes in a header');
  });

  test('a password with a lone surrogate is refused before any login attempt', () => {
    assert.throws(() => ba.ig(igOptions({ password: 'Canary\uD800' })), (err) => isError('invalid_argument')(err) && !err.message.includes('Canary'));
  });

  test('bad types and unknown options are invalid_argument and never echo values', () => {
    for (const bad of [{ version: 'two' }, { encrypt: 'yes' }, { timeoutMs: -1 }, { onSessionChange: 'x' }, { passwrod: 'Canary-x' }]) {
      assert.throws(() => ba.ig(igOptions(bad)), (err) => isError('invalid_argument')(err) && !err.message.includes('Canary'));
    }
    assert.throws(() => ba.ig(null), isError('invalid_argument'));
  });

  test('an unknown key is refused the same way everywhere, naming it and the known ones', async () => {
    const named = (what, key, known) => (err) => isError('invalid_argument')(err) &&
      err.message.startsWith(`${what}: unknown option "${key}"`) && err.message.includes(known);
    assert.throws(() => ba.ig(igOptions({ bseURL: 'x' })), named('ig(options)', 'bseURL', 'baseURL'));
    assert.throws(() => ba.capital({ ...server.creds.capital, apikey: 'x' }), named('capital(options)', 'apikey', 'apiKey'));
    const ig = ba.ig(igOptions());
    await assert.rejects(ig.request('/accounts', { methd: 'GET' }), named('ig.request(path, init)', 'methd', 'method'));
    assert.throws(() => ig.keepAlive({ interval: 5 }), named('keepAlive(options)', 'interval', 'intervalMs'));
    const mod = await loadESM();
    await assert.rejects(mod.init({ wasmUrl: 'x' }), named('init(options)', 'wasmUrl', 'wasmURL'));
  });

  test('messages start with where they happened: the call, or the broker and step', async () => {
    assert.throws(() => ba.encryptPassword('not a key', 1, 'pw'), (err) => err.message.startsWith('encryptPassword: ') && err.code === 'invalid_key');
    assert.throws(() => ba.ig(igOptions({ version: 4 })), (err) => err.message.startsWith('ig(options): '));
    await assert.rejects(ba.ig(igOptions({ password: 'wrong' })).login(), (err) => err.message.startsWith('ig login: '));
    assert.throws(() => ba.encryptPassword('k', {}, 'pw'), (err) => /BigInt/.test(err.message));
  });
});

describe('keepAlive onRound', () => {
  test('hears every round, null when it worked', async () => {
    const ig = ba.ig(igOptions());
    await ig.login();
    const rounds = [];
    const ka = ig.keepAlive({ intervalMs: 30, onRound: (err) => rounds.push(err) });
    for (let i = 0; i < 100 && rounds.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await server.admin('ig', 'fault', { path: '/session', method: 'GET', kind: 'status', status: 503 });
    for (let i = 0; i < 100 && !rounds.some((e) => e); i++) await new Promise((r) => setTimeout(r, 20));
    ka.stop();
    assert.ok(rounds.filter((e) => e === null).length >= 2, 'successful rounds report null');
    const failed = rounds.find((e) => e);
    assert.ok(failed instanceof BrokerAuthError);
    assert.equal(failed.code, 'http_503');
    assert.equal(failed.retryable, true);
    assert.ok(failed.message.startsWith('ig ping: '));
  });
});
