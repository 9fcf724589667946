// Secret canaries: drive every broker through logins, faults and failures,
// collect every error (message, stack, JSON) and everything written to the
// console, and fail if a password, API key, token or private key shows up.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { loadESM } from './helpers.mjs';
import { startSimServer } from './simserver.mjs';

let server;
let ba;
const seen = []; // every error and console line produced while the flows ran
const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'];
const originalConsole = {};

before(async () => {
  server = await startSimServer();
  ba = await (await loadESM()).init();
  for (const m of consoleMethods) {
    originalConsole[m] = console[m];
    console[m] = (...args) => {
      seen.push(args.map(String).join(' '));
      originalConsole[m](...args);
    };
  }
});
after(() => {
  Object.assign(console, originalConsole);
  server.stop();
});

const record = (err) => {
  seen.push(err.message, err.stack, JSON.stringify(err), String(err));
  return err;
};
const attempt = async (fn) => {
  try {
    await fn();
  } catch (err) {
    record(err);
  }
};

test('no secret appears in any error or log line', async () => {
  const { ig: igCreds, capital: capCreds, ibkr: ibCreds } = server.creds;
  const secrets = new Set([igCreds.password, igCreds.apiKey, capCreds.password, capCreds.apiKey]);
  // The IBKR key body, in 24-character windows: no fragment may leak.
  const keyBody = ibCreds.privateKey.replace(/-----[^-]+-----|\s/g, '');
  for (let i = 0; i + 24 <= keyBody.length; i += 24) secrets.add(keyBody.slice(i, i + 24));
  const addTokens = (s) => {
    if (!s) return;
    for (const [name, v] of Object.entries(s.headers)) {
      if (name !== 'X-IG-API-KEY' && name !== 'X-CAP-API-KEY' && name !== 'IG-ACCOUNT-ID') secrets.add(v.replace(/^Bearer /, ''));
    }
  };
  const ig = ba.ig({ ...igCreds, onSessionChange: addTokens });
  const ig3 = ba.ig({ ...igCreds, version: 3, timeoutMs: 300, onSessionChange: addTokens });
  const cap = ba.capital({ ...capCreds, timeoutMs: 300, onSessionChange: addTokens });
  const { baseURL, clientId, clientKeyId, credential, privateKey } = ibCreds;
  const ib = ba.ibkr({ baseURL, clientId, clientKeyId, credential, privateKey, ip: '198.51.100.7', timeoutMs: 300, onSessionChange: addTokens });

  await ig.login();
  await ig3.login();
  await cap.login();
  await ib.login();

  // Faults on every broker's login and data calls.
  const igFaults = [
    { path: '/accounts', kind: '5xx_html', status: 500 },
    { path: '/accounts', kind: 'malformed_json' },
    { path: '/accounts', kind: 'status', status: 403, errorCode: 'error.public-api.exceeded-api-key-allowance' },
    { path: '/accounts', kind: 'hang' },
    { path: '/session', method: 'POST', kind: 'missing_cst' },
  ];
  for (const f of igFaults) {
    await server.admin('ig', 'fault', f);
    await attempt(() => (f.path === '/session' ? ig.login() : ig3.request('/accounts')));
  }
  await server.admin('ig', 'expire');
  await attempt(() => ig.switchAccount('no-such-account'));
  await attempt(() => ig3.refresh());
  await attempt(() => ba.ig({ ...igCreds, password: `${igCreds.password}x` }).login());

  for (const f of [{ path: '/ping', kind: 'drop', times: 3 }, { path: '/accounts', kind: 'status', status: 401, errorCode: 'error.invalid.session.token', times: 3 }]) {
    await server.admin('capital', 'fault', f);
    await attempt(() => (f.path === '/ping' ? cap.ping() : cap.request('/api/v1/accounts')));
  }
  await attempt(() => cap.switchAccount('nope'));

  for (const f of [{ path: '/v1/api/tickle', kind: '5xx_html' }, { path: '/v1/api/tickle', kind: 'malformed_json' }, { path: '/v1/api/portfolio/accounts', kind: 'hang' }]) {
    await server.admin('ibkr', 'fault', f);
    await attempt(() => (f.path === '/v1/api/tickle' ? ib.tickle() : ib.request('/v1/api/portfolio/accounts')));
  }
  await server.admin('ibkr', 'expire');
  await attempt(() => ib.request('/v1/api/portfolio/accounts'));
  await attempt(() => ba.ibkr({ baseURL, clientId, clientKeyId: 'wrong-kid', credential, privateKey, ip: '198.51.100.7' }).login());

  for (const c of [ig, ig3, cap, ib]) await attempt(() => c.logout());

  assert.ok(seen.length >= 20, `the scenario produced errors to inspect (${seen.length})`);
  assert.ok(secrets.size > 10, 'tokens were collected');
  for (const secret of secrets) {
    if (!secret || secret.length < 8) continue;
    for (const text of seen) {
      assert.ok(!String(text).includes(secret), `a secret (${secret.length} chars) leaked into: ${String(text).slice(0, 80)}…`);
    }
  }
});
