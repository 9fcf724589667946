// IBKR OAuth 1.0a login (live session token by Diffie-Hellman, then
// ssodh/init), CPU time per login: brokerauth (Go → wasm) next to the same
// steps written by hand with node:crypto, in one process, interleaved
// (A B A B …, shared.mjs's measure()), medians. Issue 16's aim: ≤ 30 ms of
// CPU per login in wasm.
//
// Both sides talk to fakeIBKR() below, an IBKR stand-in that answers at once
// in this process (globalThis.fetch, which brokerauth's wrapper calls for
// every request, as in before-after.mjs with shared.mjs's fakeIG()): no
// sockets, so the CPU time is the client's own. The stand-in does the
// server's side of the protocol with node:crypto and checks what it gets:
// the RSA-SHA256 signature of the live session token request (over
// prepend + base string, with the signature public key), B = g^b mod p
// (b fixed, B computed once), K = A^b mod p per login, LST =
// HMAC-SHA1(K in Java's toByteArray form, secret), the answer's
// live_session_token_signature = hex HMAC-SHA1(LST, consumer key), and the
// HMAC-SHA256 signature of ssodh/init with that LST; ssodh/init answers
// {"authenticated":true,"connected":true,"competing":false}. The CPU the
// stand-in spends on that (mostly K = A^b, ≈ 0.6 ms a login) is measured
// around its own work and taken out of each login's CPU time (measure()'s
// serverCPU), on both sides alike.
//
// What is timed, per login, on each side (process.cpuUsage, user + system):
// - brokerauth: `await client.login()` on a fresh client made beforehand
//   (ba.ibkr({ consumerKey, accessToken, accessTokenSecret, signatureKey,
//   encryptionKey, dhParams, baseURL }), the packed package from
//   build/consumer as peer-ig.bench.mjs loads it). Making the client —
//   parsing both keys and the DH parameters and decrypting the access
//   token secret, which brokerauth does once, in the constructor — is not
//   timed.
// - node:crypto: the same login, per login: a random 256-bit a; A = g^a
//   mod p (crypto.DiffieHellman, setPrivateKey + generateKeys: OpenSSL,
//   ≈ 8× faster than BigInt square-and-multiply here); nonce, timestamp,
//   the base string and the RSA-SHA256 signature over prepend + base string
//   (crypto.sign); the Authorization header; fetch + JSON of the answer;
//   K = B^a mod p (computeSecret); the LST and its HMAC-SHA1 check; then
//   ssodh/init signed HMAC-SHA256 with the LST, fetch + JSON. Its
//   per-client setup is not timed either, as brokerauth's: the key
//   objects (crypto.createPrivateKey), the decrypted secret and its hex
//   prepend, the DiffieHellman object with the prime and generator (read
//   from credentials.json's dhPrime and dhGenerator, the same group as
//   its dhParams, which brokerauth gets).
//
// The credentials are the demo OAuth 1.0a consumer of the simulators
// (/sim/credentials.json's "ibkrOAuth1", sim/ibkr/demo.go's DemoOAuth1:
// 2048-bit keys, RFC 3526 group 14), read from the demo server, which is
// stopped before anything is timed.
//
// Usage: node bench/oauth1.bench.mjs   (env LOGINS, default 101 per side)
// bench/run.mjs (make bench) runs it and checks the budget below.

import {
  constants, createDiffieHellman, createHmac, createPrivateKey, createPublicKey, privateDecrypt, randomBytes, sign, timingSafeEqual, verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { ensureConsumer } from './peer-ig.bench.mjs';
import { measure, median } from './shared.mjs';

const BROKERAUTH = 'brokerauth (wasm)';
const HAND = 'node:crypto by hand';
const BUDGET_MS = 30;

// The budget, as [what, value, ok, unit] for run.mjs.
export function oauth1Budgets(r) {
  return [
    [`IBKR OAuth 1.0a login, brokerauth CPU per login ≤ ${BUDGET_MS} ms`, r.cpuMs[BROKERAUTH], (x) => x <= BUDGET_MS, ' ms'],
  ];
}

async function main() {
  const LOGINS = Number(process.env.LOGINS || 101);
  if (!Number.isSafeInteger(LOGINS) || LOGINS < 15) throw new Error('LOGINS must be a whole number ≥ 15');
  const BLOCK = 20; // fresh clients made (untimed) before each block of logins
  const WARMUP = 20; // V8 tiers the wasm up on background threads over the first logins
  const POOL = Math.max(BLOCK, WARMUP);

  const consumerDir = ensureConsumer();
  const { init } = await import(pathToFileURL(join(consumerDir, 'load.mjs')).href);
  const installed = JSON.parse(readFileSync(join(consumerDir, 'node_modules/brokerauth/package.json'), 'utf8')).version;

  // The demo consumer, from the demo server (after ensureConsumer:
  // test/js/helpers.mjs refuses to load without build/consumer).
  const { startSimServer } = await import('../test/js/simserver.mjs');
  const server = await startSimServer();
  let demo;
  try {
    demo = server.creds.ibkrOAuth1;
  } finally {
    server.stop();
  }

  const fake = fakeIBKR(demo);
  globalThis.fetch = fake.fetch;
  const ba = await init();
  const opts = {
    consumerKey: demo.consumerKey, accessToken: demo.accessToken, accessTokenSecret: demo.accessTokenSecret,
    signatureKey: demo.signatureKey, encryptionKey: demo.encryptionKey, dhParams: demo.dhParams, baseURL: fake.baseURL,
  };
  const makers = { [BROKERAUTH]: () => ba.ibkr(opts), [HAND]: () => handWrittenClient({ ...demo, baseURL: fake.baseURL }) };

  // Checked once, outside the timing: each side logs in against the
  // stand-in, which verified both signatures and the LST.
  const sessionOK = (s, who) => {
    if (s?.authenticated !== true || s.connected !== true || s.competing !== false) {
      throw new Error(`${who}: the login resolved to ${JSON.stringify(s)}`);
    }
  };
  for (const [name, make] of Object.entries(makers)) sessionOK(await make().login(), name);

  // A fresh client per login, made untimed before each block (the CPU time
  // of making one is noted apart, per block, for the report).
  const pools = Object.fromEntries(Object.keys(makers).map((n) => [n, []]));
  const making = Object.fromEntries(Object.keys(makers).map((n) => [n, []]));
  const before = async () => {
    for (const [name, make] of Object.entries(makers)) {
      const c0 = process.cpuUsage();
      pools[name] = Array.from({ length: POOL }, make);
      const c1 = process.cpuUsage(c0);
      making[name].push((c1.user + c1.system) / 1e3 / POOL);
    }
  };
  const fns = Object.fromEntries(Object.keys(makers).map((n) => [n, () => pools[n].pop().login()]));
  const loadStart = loadavg()[0];
  const r = await measure(fns, {
    rounds: LOGINS, block: BLOCK, warmup: WARMUP, before, stats: fake.stats, perCall: { [BROKERAUTH]: 2, [HAND]: 2 }, check: sessionOK,
    serverCPU: fake.cpuMs,
  });

  const ratio = r.cpuMs[BROKERAUTH] / r.cpuMs[HAND];
  const makingMs = Object.fromEntries(Object.entries(making).map(([n, xs]) => [n, median(xs)]));
  console.log(`IBKR OAuth 1.0a login (live_session_token by Diffie-Hellman, 2048-bit group, then ssodh/init), a fresh client ` +
    `each, against an instant in-process IBKR stand-in; median of ${LOGINS} interleaved logins each`);
  console.log(`brokerauth ${installed} (packed, ${consumerDir}), Node ${process.version}, ${process.platform}/${process.arch}, ` +
    `load average ${loadStart.toFixed(2)} → ${loadavg()[0].toFixed(2)}`);
  console.log('CPU = process.cpuUsage (user + system) across login(), minus the stand-in\'s own work (taken out, shown apart); ' +
    'wall includes the stand-in\'s work; making the client (keys, DH group, decrypting the secret) is not timed, shown apart\n');
  console.log(`  ${''.padEnd(22)} ${'CPU ms'.padStart(8)} ${'wall ms'.padStart(8)} ${'stand-in'.padStart(9)} ${'making'.padStart(8)}`);
  for (const name of Object.keys(fns)) {
    const cols = [r.cpuMs[name], r.wallMs[name], r.serverCpuMs[name], makingMs[name]].map((x, i) => x.toFixed(2).padStart(i === 2 ? 9 : 8));
    console.log(`  ${name.padEnd(22)} ${cols.join(' ')}`);
  }
  console.log(`  ratio brokerauth / node:crypto by hand: CPU ${ratio.toFixed(2)}×`);
  for (const [what, value, ok, unit] of oauth1Budgets(r)) {
    console.log(`  ${ok(value) ? 'met   ' : 'MISSED'}  ${what}: ${value.toFixed(2)}${unit}`);
  }
  console.log(`RESULT ${JSON.stringify({ bench: 'oauth1', logins: LOGINS, ...r, ratio, makingMs })}`);
}

// --- OAuth 1.0a by hand (docs/IBKR-OAUTH1.md) --------------------------------

const LST_PATH = '/v1/api/oauth/live_session_token';
const INIT_PATH = '/v1/api/iserver/auth/ssodh/init';
const INIT_BODY = '{"publish":true,"compete":true}'; // what brokerauth sends

// enc is RFC 3986 percent-encoding (OAuth 1.0a's): encodeURIComponent
// leaves ! ' ( ) * too.
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

// baseString: METHOD & enc(URL without query) & enc(sorted name=value
// pairs); no query and no form body here.
function baseString(method, url, params) {
  const pairs = Object.entries(params).map(([k, v]) => [enc(k), enc(v)]);
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return `${method}&${enc(url)}&${enc(pairs.map(([k, v]) => `${k}=${v}`).join('&'))}`;
}

function authorizationHeader(realm, params, signature) {
  const all = Object.entries({ ...params, oauth_signature: signature }).sort(([a], [b]) => (a < b ? -1 : 1));
  return `OAuth realm="${enc(realm)}", ${all.map(([k, v]) => `${k}="${enc(v)}"`).join(', ')}`;
}

function oauthParams(consumerKey, accessToken, method) {
  return {
    oauth_consumer_key: consumerKey,
    oauth_nonce: randomBytes(10).toString('hex'),
    oauth_signature_method: method,
    oauth_timestamp: String(Math.floor(Date.now() / 1000)),
    oauth_token: accessToken,
  };
}

// javaBytes: a big-endian number (any leading zeros dropped) as Java's
// BigInteger.toByteArray writes it, 0x00 first when the top bit is set.
function javaBytes(buf) {
  let i = 0;
  while (i < buf.length - 1 && buf[i] === 0) i++;
  const b = buf.subarray(i);
  return b[0] & 0x80 ? Buffer.concat([Buffer.alloc(1), b]) : b;
}

const hexOf = (buf) => buf.toString('hex').replace(/^0+(?=.)/, '');
const bufOfHex = (hex) => Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');

// decryptSecret: RSA PKCS#1 v1.5 decryption of the access token secret
// (Node 20 refuses RSA_PKCS1_PADDING for decryption since CVE-2023-46809:
// raw RSA, and the padding checked here).
function decryptSecret(encryptionKey, secretB64) {
  const block = privateDecrypt({ key: encryptionKey, padding: constants.RSA_NO_PADDING }, Buffer.from(secretB64, 'base64'));
  const end = block.indexOf(0, 2);
  if (block[0] !== 0 || block[1] !== 2 || end < 10) throw new Error('the access token secret is not PKCS#1 v1.5');
  return block.subarray(end + 1);
}

// handWrittenClient: the login above with node:crypto and fetch. Making it
// (untimed, as brokerauth's constructor) parses the keys and the DH group
// and decrypts the access token secret; login() does the rest.
export function handWrittenClient({ baseURL, consumerKey, accessToken, accessTokenSecret, signatureKey, encryptionKey, dhPrime, dhGenerator, realm }) {
  const sigKey = createPrivateKey(signatureKey);
  const secret = decryptSecret(createPrivateKey(encryptionKey), accessTokenSecret);
  const prepend = secret.toString('hex');
  const dh = createDiffieHellman(bufOfHex(dhPrime), Number(dhGenerator));
  const lstURL = baseURL + LST_PATH;
  const initURL = baseURL + INIT_PATH;
  return {
    async login() {
      // A = g^a mod p for a random 256-bit a.
      dh.setPrivateKey(randomBytes(32));
      const A = dh.generateKeys();
      const params = { ...oauthParams(consumerKey, accessToken, 'RSA-SHA256'), diffie_hellman_challenge: hexOf(A) };
      const signature = sign('sha256', Buffer.from(prepend + baseString('POST', lstURL, params)), sigKey).toString('base64');
      const res = await fetch(lstURL, { method: 'POST', headers: { Authorization: authorizationHeader(realm, params, signature), Accept: 'application/json' } });
      if (res.status !== 200) throw new Error(`live_session_token: ${res.status}`);
      const ans = await res.json();
      // K = B^a mod p; LST = HMAC-SHA1(K as Java bytes, secret), checked.
      const K = dh.computeSecret(bufOfHex(ans.diffie_hellman_response));
      const lst = createHmac('sha1', javaBytes(K)).update(secret).digest();
      const check = createHmac('sha1', lst).update(consumerKey).digest();
      const want = bufOfHex(ans.live_session_token_signature);
      if (want.length !== check.length || !timingSafeEqual(want, check)) throw new Error('the live session token does not match IBKR\'s signature');
      // ssodh/init, signed HMAC-SHA256 with the LST (a JSON body is not signed).
      const initParams = oauthParams(consumerKey, accessToken, 'HMAC-SHA256');
      const initSig = createHmac('sha256', lst).update(baseString('POST', initURL, initParams)).digest('base64');
      const initRes = await fetch(initURL, {
        method: 'POST',
        headers: { Authorization: authorizationHeader(realm, initParams, initSig), Accept: 'application/json', 'Content-Type': 'application/json' },
        body: INIT_BODY,
      });
      if (initRes.status !== 200) throw new Error(`ssodh/init: ${initRes.status}`);
      const st = await initRes.json();
      return { lst, expiresAt: ans.live_session_token_expiration ?? null, authenticated: st.authenticated, connected: st.connected, competing: st.competing };
    },
  };
}

// --- the IBKR stand-in ----------------------------------------------------------

// fakeIBKR is IBKR's OAuth 1.0a side for the demo consumer, answering at
// once in this process: fetch returns real Response objects. It verifies
// every signature (a bad one is a 401, counted in stats().errors) and
// keeps a running total of the CPU time its own work takes (cpuMs()).
export function fakeIBKR(demo) {
  const baseURL = 'https://fake-ibkr.invalid';
  const { realm } = demo;
  const sigPublic = createPublicKey(createPrivateKey(demo.signatureKey));
  const secret = decryptSecret(createPrivateKey(demo.encryptionKey), demo.accessTokenSecret);
  const prepend = secret.toString('hex');
  const server = createDiffieHellman(bufOfHex(demo.dhPrime), Number(demo.dhGenerator));
  server.setPrivateKey(randomBytes(32));
  const B = hexOf(server.generateKeys());
  const stats = { requests: 0, errors: {}, refreshes: 0 };
  const json = { 'Content-Type': 'application/json' };
  let cpu = 0;
  let lst = null; // of the last live session token handed out

  const fail = (status, code) => {
    stats.errors[code] = (stats.errors[code] || 0) + 1;
    return { status, body: JSON.stringify({ error: code }) };
  };

  // oauth parses the Authorization header into its name → value pairs.
  const oauth = (header) => {
    if (!header?.startsWith('OAuth ')) return null;
    const out = {};
    for (const m of header.slice(6).matchAll(/([A-Za-z_]+)="([^"]*)"/g)) out[m[1]] = decodeURIComponent(m[2]);
    return out;
  };
  // signed: what the signature covers (never realm or oauth_signature).
  const signed = (fields) => Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'realm' && k !== 'oauth_signature'));

  // answer does the server's work, synchronously (so that its CPU time can
  // be measured around it).
  function answer(url, init) {
    const method = (init.method || 'GET').toUpperCase();
    const headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
    const fields = oauth(headers.get('authorization'));
    if (!fields || fields.realm !== realm || fields.oauth_consumer_key !== demo.consumerKey || fields.oauth_token !== demo.accessToken) {
      return fail(401, 'fake.bad-oauth-header');
    }
    if (Math.abs(Number(fields.oauth_timestamp) - Date.now() / 1000) > 300) return fail(401, 'fake.bad-timestamp');
    const path = url.slice(baseURL.length);
    if (method === 'POST' && path === LST_PATH) {
      if (fields.oauth_signature_method !== 'RSA-SHA256' || !fields.diffie_hellman_challenge) return fail(401, 'fake.bad-lst-request');
      const base = prepend + baseString('POST', url, signed(fields));
      if (!verify('sha256', Buffer.from(base), sigPublic, Buffer.from(fields.oauth_signature, 'base64'))) return fail(401, 'fake.bad-rsa-signature');
      const K = server.computeSecret(bufOfHex(fields.diffie_hellman_challenge));
      lst = createHmac('sha1', javaBytes(K)).update(secret).digest();
      return {
        status: 200,
        body: JSON.stringify({
          diffie_hellman_response: B,
          live_session_token_signature: createHmac('sha1', lst).update(demo.consumerKey).digest('hex'),
          live_session_token_expiration: Date.now() + 86_400_000,
        }),
      };
    }
    if (method === 'POST' && path === INIT_PATH) {
      if (!lst || fields.oauth_signature_method !== 'HMAC-SHA256') return fail(401, 'fake.no-lst');
      const want = createHmac('sha256', lst).update(baseString('POST', url, signed(fields))).digest('base64');
      if (want !== fields.oauth_signature) return fail(401, 'fake.bad-hmac-signature');
      return { status: 200, body: '{"authenticated":true,"connected":true,"competing":false}' };
    }
    return fail(404, 'fake.not-found');
  }

  async function fetch(input, init = {}) {
    stats.requests++;
    const url = String(input);
    if (!url.startsWith(`${baseURL}/`)) return new Response('{}', { status: 404, headers: json });
    const c0 = process.cpuUsage();
    const { status, body } = answer(url, init);
    const c1 = process.cpuUsage(c0);
    cpu += (c1.user + c1.system) / 1e3;
    return new Response(body, { status, headers: json });
  }

  return { baseURL, fetch, stats: () => structuredClone(stats), cpuMs: () => cpu };
}

// Last, once every declaration above is initialised.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
  process.exit(); // nothing should keep the process up, but a client's timer must not
}
