// Interactive Brokers OAuth 1.0a (live session token, RSA-SHA256 and
// HMAC-SHA256 signatures) from the packed package against the IBKR
// simulator, which checks every signature by IBKR's rules
// (docs/PROTOCOLS.md §6.4). The demo consumer comes from the demo
// server's credentials.json, as a user of the simulator gets it.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, afterEach, before, test } from 'node:test';

import { leakedSecrets, loadESM, oauth1Secrets } from './helpers.mjs';
import { startSimServer } from './simserver.mjs';

let server;
let ba;
let BrokerAuthError;
let demo; // credentials.json's ibkrOAuth1, baseURL made absolute
let secrets;

before(async () => {
  server = await startSimServer();
  const mod = await loadESM();
  BrokerAuthError = mod.BrokerAuthError;
  ba = await mod.init();
  demo = server.creds.ibkrOAuth1;
  secrets = oauth1Secrets(demo);
});
after(() => server.stop());
afterEach(() => server.admin('ibkr', 'reset'));

const day = 24 * 60 * 60 * 1000;
const stats = () => server.admin('ibkr', 'stats');

// The options a user of the demo consumer passes: dhParams (dhparam.pem)
// unless extra says otherwise.
const oauth1Options = (extra = {}) => {
  const { baseURL, consumerKey, accessToken, accessTokenSecret, signatureKey, encryptionKey, dhParams, realm } = demo;
  return { baseURL, consumerKey, accessToken, accessTokenSecret, signatureKey, encryptionKey, dhParams, realm, ...extra };
};
const withPrime = (dhGenerator) => {
  const { dhParams, ...rest } = oauth1Options({ dhPrime: demo.dhPrime });
  return dhGenerator === undefined ? rest : { ...rest, dhGenerator };
};

function assertNoSecret(err, extra = []) {
  const text = `${err.message}\n${JSON.stringify(err)}\n${err.stack}`;
  assert.deepEqual(leakedSecrets(text, [...secrets, ...extra]), [], `no secret in: ${err.message}`);
}

test('login with dhParams: the session has no headers, expires in 24 h, and is authenticated', async () => {
  const changes = [];
  const ib = ba.ibkr(oauth1Options({ onSessionChange: (s) => changes.push(s) }));
  const before = Date.now();
  const s = await ib.login();
  assert.equal(s.broker, 'ibkr');
  assert.deepEqual(s.headers, {});
  assert.ok(Object.isFrozen(s) && Object.isFrozen(s.headers));
  assert.equal(s.authenticated, true);
  assert.equal(s.connected, true);
  assert.equal(typeof s.competing, 'boolean');
  assert.ok(Math.abs(s.expiresAt - (before + day)) < 60_000, `expiresAt ${s.expiresAt} is about now + 24 h`);
  assert.deepEqual(ib.session, s);
  assert.equal(changes.at(-1).authenticated, true);
  assertNoSecret({ message: JSON.stringify(s), stack: '' });

  const st = await stats();
  assert.equal(st.liveSessionToken, 1);
  assert.equal(st.init, 1);
  assert.equal(st.token + st.bearer, 0, 'no OAuth 2.0 step');
  assert.equal(st.signatureFailures, 0);
  await ib.logout();
  assert.equal(ib.session, null);
  assert.equal(changes.at(-1), null);
});

test('login with dhPrime and dhGenerator as a number, as a string, and by default', async () => {
  for (const gen of [2, '2', undefined]) {
    const ib = ba.ibkr(withPrime(gen));
    const s = await ib.login();
    assert.equal(s.authenticated, true, `dhGenerator ${gen}`);
    assert.deepEqual(s.headers, {});
    await ib.logout();
  }
  const st = await stats();
  assert.equal(st.liveSessionToken, 3);
  assert.equal(st.signatureFailures, 0);
});

test('request signs the query, form bodies (URLSearchParams or a string) and not a JSON body', async () => {
  const ib = ba.ibkr(oauth1Options());
  await ib.login();

  // A query whose values need percent-encoding: the simulator signs it as
  // IBKR does (RFC 3986, sorted by name, then value).
  const accounts = await ib.request('/v1/api/portfolio/accounts?period=1D&name=a%20b%2Bc~&z=%C3%A9&a=2&a=1&empty=');
  assert.ok(Array.isArray(accounts) && accounts[0].accountId, JSON.stringify(accounts));

  const form = new URLSearchParams({ conid: '265598', note: 'a b+c/=&é', '': 'x' });
  form.append('conid', '8314');
  const viaParams = await ib.request('/v1/api/iserver/auth/status?compete=false', { method: 'POST', body: form });
  assert.equal(viaParams.authenticated, true);

  const viaString = await ib.request('/v1/api/iserver/auth/status', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    body: 'b=2&a=1+1&c=%7E%21',
  });
  assert.equal(viaString.authenticated, true);

  const viaJSON = await ib.request('/v1/api/tickle', { method: 'POST', body: { conid: 265598, note: 'a=b&c' } });
  assert.equal(viaJSON.iserver.authStatus.authenticated, true);

  const st = await stats();
  assert.equal(st.signatureFailures, 0, 'every signature verified');
  assert.equal(st.liveSessionToken, 1, 'no request needed a new live session token');
  assert.equal(st.api, 1);
  assert.equal(st.status, 2);
  assert.equal(st.tickle, 1);
  await ib.logout();
});

test('authorizationHeader: a fresh signature for your own fetch; OAuth 2.0 gives the bearer token', async () => {
  const ib = ba.ibkr(oauth1Options());
  // Logs in first when there is no session.
  const h = await ib.authorizationHeader('GET', '/v1/api/tickle');
  assert.match(h, /^OAuth realm="limited_poa", oauth_consumer_key="BADEMOCON", oauth_nonce="[0-9a-f]{20}", oauth_signature="[A-Za-z0-9%]+", oauth_signature_method="HMAC-SHA256", oauth_timestamp="\d{10}", oauth_token="[0-9a-f]{20}"$/);
  assert.equal(ib.session.authenticated, true);
  assertNoSecret({ message: h, stack: '' });

  const get = (path, authorization, method = 'GET') => fetch(`${demo.baseURL}${path}`, { method, headers: { Authorization: authorization } });
  const res = await get('/v1/api/tickle', h);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).iserver.authStatus.authenticated, true);
  // Single use: the nonce is spent.
  assert.equal((await get('/v1/api/tickle', h)).status, 401);

  // The query is part of what is signed; so is the method. An absolute URL
  // under baseURL works too.
  const withQuery = await ib.authorizationHeader('GET', '/v1/api/portfolio/accounts?x=1&y=a%20b');
  assert.equal((await get('/v1/api/portfolio/accounts?x=1&y=a%20b', withQuery)).status, 200);
  const post = await ib.authorizationHeader('POST', `${demo.baseURL}/v1/api/tickle`);
  assert.notEqual(post, h);
  assert.equal((await get('/v1/api/tickle', post, 'POST')).status, 200);

  const st = await stats();
  assert.equal(st.liveSessionToken, 1);
  assert.equal(st.signatureFailures, 0, 'a spent nonce is not a bad signature');
  await ib.logout();

  const { baseURL, clientId, clientKeyId, credential, privateKey } = server.creds.ibkr;
  const ib2 = ba.ibkr({ baseURL, clientId, clientKeyId, credential, privateKey, ipLookupURL: `${baseURL}/__sim/ip` });
  const bearer = await ib2.authorizationHeader('GET', '/v1/api/tickle');
  assert.match(bearer, /^Bearer \S+$/);
  assert.equal(bearer, ib2.session.headers.Authorization);
  assert.equal((await get('/v1/api/tickle', bearer)).status, 200);
  await ib2.logout();
});

test('an expired live session token: the next requests log in again, once', async () => {
  const ib = ba.ibkr(oauth1Options());
  const first = await ib.login();
  await server.admin('ibkr', 'expire-lst');
  const results = await Promise.all(Array.from({ length: 5 }, () => ib.request('/v1/api/portfolio/accounts')));
  assert.ok(results.every((r) => Array.isArray(r)));
  const st = await stats();
  assert.equal(st.liveSessionToken, 2, 'exactly one new live session token');
  assert.equal(st.init, 2);
  assert.equal(st.signatureFailures, 0);
  assert.ok(ib.session.expiresAt >= first.expiresAt);
  await ib.logout();
});

test('keepAlive tickles with signed requests; logout ends the session', async () => {
  const ib = ba.ibkr(oauth1Options());
  await ib.login();
  const rounds = [];
  let stop;
  const twoRounds = new Promise((resolve) => { stop = resolve; });
  const ka = ib.keepAlive({
    intervalMs: 50,
    onRound: (err) => {
      rounds.push(err);
      if (rounds.length === 2) stop();
    },
  });
  await twoRounds;
  ka.stop();
  assert.deepEqual(rounds.slice(0, 2), [null, null]);
  await ib.logout();
  const st = await stats();
  assert.ok(st.tickle >= 2, `tickled ${st.tickle} times`);
  assert.equal(st.logout, 1);
  assert.equal(st.sessions, 0);
  assert.equal(st.signatureFailures, 0);
  assert.equal(ib.session, null);
});

test('bad options fail in ibkr() with the right code, before any request, and never echo a secret', async () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  const canary = '-----BEGIN PRIVATE KEY-----\nQ2FuYXJ5LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n';
  const bodyLines = (pem) => pem.split('\n').filter((l) => l && !l.startsWith('-----'));
  const extra = ['Q2FuYXJ5', ...bodyLines(rsa), ...bodyLines(ec)];
  const { clientId, clientKeyId, credential, privateKey } = server.creds.ibkr;
  const { dhParams, ...noDH } = oauth1Options();
  const cases = [
    ['clientId and consumerKey both', oauth1Options({ clientId }), 'invalid_argument', /both set/],
    ['all of both modes', oauth1Options({ clientId, clientKeyId, credential, privateKey }), 'invalid_argument', /both set/],
    ['neither clientId nor consumerKey', { baseURL: demo.baseURL, realm: 'limited_poa' }, 'invalid_argument', /ConsumerKey|ClientID/],
    ['an OAuth 2.0 option (ip)', oauth1Options({ ip: '203.0.113.7' }), 'invalid_argument', /OAuth 2\.0/],
    ['an OAuth 2.0 option (privateKey)', oauth1Options({ privateKey }), 'invalid_argument', /OAuth 2\.0/],
    ['a malformed signature key', oauth1Options({ signatureKey: canary }), 'invalid_key', /SignatureKey/],
    ['a malformed encryption key', oauth1Options({ encryptionKey: canary }), 'invalid_key', /EncryptionKey/],
    ['a signature key cut short', oauth1Options({ signatureKey: demo.signatureKey.slice(0, 400) }), 'invalid_key', /SignatureKey/],
    ['an EC signature key', oauth1Options({ signatureKey: ec }), 'invalid_key', /EC key/],
    ['an EC encryption key', oauth1Options({ encryptionKey: ec }), 'invalid_key', /EC key/],
    ['a prime that is not hex', { ...noDH, dhPrime: 'not-hex-at-all', dhGenerator: 2 }, 'invalid_argument', /not hex/],
    ['dhParams and dhPrime both', oauth1Options({ dhPrime: demo.dhPrime }), 'invalid_argument', /both set/],
    ['no DH group', noDH, 'invalid_argument', /DHPrime/],
    ['a generator that is not a number', { ...noDH, dhPrime: demo.dhPrime, dhGenerator: 'two' }, 'invalid_argument', /DHGenerator/],
    ['a secret the encryption key does not decrypt', oauth1Options({ encryptionKey: rsa }), 'invalid_key', /does not decrypt/],
    ['a mangled secret', oauth1Options({ accessTokenSecret: `AAAA${demo.accessTokenSecret.slice(4)}` }), 'invalid_key', /does not decrypt/],
  ];
  for (const [name, options, code, message] of cases) {
    assert.throws(() => ba.ibkr(options), (err) => {
      assert.ok(err instanceof BrokerAuthError, `${name}: a BrokerAuthError`);
      assert.equal(err.code, code, `${name}: ${err.message}`);
      assert.match(err.message, /^ibkr\(options\): /, name);
      assert.match(err.message, message, name);
      assertNoSecret(err, extra);
      return true;
    }, name);
  }
  const st = await stats();
  assert.deepEqual([st.liveSessionToken, st.token, st.init, st.api, st.tickle, st.ip], [0, 0, 0, 0, 0, 0], 'nothing was sent');
});

test('a wrong signature key: 401 at live_session_token, no secret in the error', async () => {
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  const ib = ba.ibkr(oauth1Options({ signatureKey: other }));
  const err = await ib.login().then(() => assert.fail('logged in with a wrong signature key'), (e) => e);
  assert.ok(err instanceof BrokerAuthError, String(err));
  assert.equal(err.status, 401);
  assert.equal(err.step, 'live_session_token');
  assert.equal(err.broker, 'ibkr');
  assert.equal(err.retryable, false);
  assert.match(err.message, /invalid signature/);
  assertNoSecret(err, other.split('\n').filter((l) => l && !l.startsWith('-----')));
  const st = await stats();
  assert.equal(st.signatureFailures, 1);
  assert.equal(st.init, 0, 'no brokerage session without a live session token');
  assert.equal(ib.session, null);
});

test('an unknown consumer key: 401 and a message that says "invalid consumer"', async () => {
  const err = await ba.ibkr(oauth1Options({ consumerKey: 'NOSUCHCON' })).login().then(() => assert.fail('logged in'), (e) => e);
  assert.ok(err instanceof BrokerAuthError, String(err));
  assert.equal(err.status, 401);
  assert.equal(err.step, 'live_session_token');
  assert.match(err.message, /invalid consumer/);
  assertNoSecret(err);
});
