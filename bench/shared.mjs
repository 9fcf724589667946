// What several benches share, written once: the encryption fixture and its
// node:crypto baseline, interleaved timing loops and medians, the size of a
// brokerauth.wasm, the cold-start probe, the hand-written IG v2 login, and
// an instant in-process fake of IG for `fetch`. Every function that loads
// brokerauth takes the npm folder to load it from, so one process can
// measure two builds side by side (bench/before-after.mjs).

import { execFileSync } from 'node:child_process';
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

export const root = resolve(import.meta.dirname, '..');

// --- encryption ------------------------------------------------------------

// Capital.com's guide key, the shape brokers send: base64 DER SPKI; the
// timestamp and password of its guide.
export const encryption = {
  key: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1dOujgcFh/9n4JLJMY4VMWZ7aRrynwKXUC9RuoC8Qu5UOeskxgZ1q5DmAXjkes77KrLfFZYEKtrp2g1TB0MBkSALiyrG+Fl52vhET9/AWRhvHuFyskWI7tEtcGIaOB1FwR0EDO9bnylTaZ+Y9sPbLVA7loAtfaX3HW/TI9JDpdmgzXZ0KrwIxdMRzPxVqQXcA8yJL1m33pvo9mOJ0AsQ8FFuy+ctjI8l/8xUhe2Hk01rpMBXDwI1lSjnvuUUDvAtacxyYVlNsnRvbrMZYp7hyimm27RtvCUXhTX2A94tDB0MFLApURrki+tvTvw5ImDPN8qOdTUzbs8hNtVwTpSxPwIDAQAB',
  timeStamp: 1647440528194,
  password: '1111qqqq',
};
encryption.pem = pemOf(encryption.key);

// pemOf wraps a base64 DER public key as a PEM node:crypto reads.
export function pemOf(base64DER) {
  return `-----BEGIN PUBLIC KEY-----\n${base64DER.match(/.{1,64}/g).join('\n')}\n-----END PUBLIC KEY-----\n`;
}

// passwordPlaintext is what IG and Capital.com want encrypted.
export function passwordPlaintext(password, timeStamp) {
  return Buffer.from(`${password}|${timeStamp}`).toString('base64');
}

// nodeCryptoEncrypt is the baseline: node:crypto publicEncrypt with
// RSA_PKCS1_PADDING (OpenSSL), base64 out.
export function nodeCryptoEncrypt(pem, timeStamp, password) {
  return publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(passwordPlaintext(password, timeStamp))).toString('base64');
}

// --- loading a build --------------------------------------------------------

// loadBrokerauth imports <npmDir>/index.mjs and resolves to init()'s result.
export async function loadBrokerauth(npmDir = join(root, 'npm')) {
  const { init } = await import(pathToFileURL(join(npmDir, 'index.mjs')).href);
  return init();
}

// --- timing -----------------------------------------------------------------

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// interleavedRounds times synchronous functions in rounds (A B C … A B C …,
// so a noisy neighbour slows every one alike), opsPerRound calls each per
// round, after `warmup` untimed calls each. Returns each one's µs per call,
// one entry per round.
export function interleavedRounds(fns, { rounds, opsPerRound, warmup = 30 }) {
  for (const fn of Object.values(fns)) for (let i = 0; i < warmup; i++) fn();
  const samples = Object.fromEntries(Object.keys(fns).map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(fns)) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < opsPerRound; i++) fn();
      samples[name].push(Number(process.hrtime.bigint() - t0) / 1e3 / opsPerRound);
    }
  }
  return samples;
}

// measure runs every async fn once per round, in a rotating order (A B C,
// B C A, …), in blocks; before each block it runs `before` (untimed) and
// after it checks, through stats() ({requests, errors, refreshes}, the
// simulator's or the fake's), that the server saw exactly rounds × perCall
// requests, no error answers and no refreshes. CPU is process.cpuUsage
// (user + system) across the call. Returns median wall and CPU ms per call.
// serverCPU, if given, is a running total (ms) of the CPU time an
// in-process stand-in of the broker spent on its own side (a fake fetch
// that does the server's cryptography): each call's share of it is taken
// out of that call's CPU time, so that only the client's own CPU counts,
// and its medians come back as serverCpuMs.
export async function measure(fns, { rounds, block, warmup, before = async () => {}, stats, perCall, check, serverCPU }) {
  const names = Object.keys(fns);
  const wall = Object.fromEntries(names.map((n) => [n, []]));
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  const server = Object.fromEntries(names.map((n) => [n, []]));
  const expectedPerRound = names.reduce((sum, n) => sum + perCall[n], 0);
  const runBlock = async (n, record) => {
    await before();
    const s0 = await stats();
    await deadline(60_000, `a block of ${n} rounds`, async () => {
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < names.length; k++) {
          const name = names[(i + k) % names.length];
          const fn = fns[name];
          const s0 = serverCPU ? serverCPU() : 0;
          const c0 = process.cpuUsage();
          const t0 = process.hrtime.bigint();
          const body = await fn();
          const t1 = process.hrtime.bigint();
          const c1 = process.cpuUsage(c0);
          const onServer = serverCPU ? serverCPU() - s0 : 0;
          check(body, name);
          if (record) {
            wall[name].push(Number(t1 - t0) / 1e6);
            cpu[name].push((c1.user + c1.system) / 1e3 - onServer);
            server[name].push(onServer);
          }
        }
      }
    });
    const s1 = await stats();
    const got = s1.requests - s0.requests;
    const errors = Object.values(s1.errors).reduce((a, b) => a + b, 0) - Object.values(s0.errors).reduce((a, b) => a + b, 0);
    if (got !== n * expectedPerRound || errors !== 0 || s1.refreshes !== s0.refreshes) {
      throw new Error(`the server saw ${got} requests (expected ${n * expectedPerRound}), ${errors} error answers ` +
        `(${JSON.stringify(s1.errors)}), ${s1.refreshes - s0.refreshes} refreshes during a block`);
    }
  };
  await runBlock(warmup, false);
  for (let done = 0; done < rounds; done += block) await runBlock(Math.min(block, rounds - done), true);
  const medians = (t) => Object.fromEntries(names.map((n) => [n, median(t[n])]));
  return { wallMs: medians(wall), cpuMs: medians(cpu), ...(serverCPU && { serverCpuMs: medians(server) }) };
}

// deadline runs fn, failing (rather than hanging, e.g. on a client's endless
// retries) if it takes longer than ms.
export async function deadline(ms, what, fn) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s: is a request failing and being retried?`)), ms);
  });
  try {
    return await Promise.race([fn(), late]);
  } finally {
    clearTimeout(timer);
  }
}

// --- size and cold start ----------------------------------------------------

// wasmSizes: what a browser downloads, raw, gzip -9 and brotli -q 11.
export function wasmSizes(npmDir = join(root, 'npm')) {
  const wasm = readFileSync(join(npmDir, 'brokerauth.wasm'));
  return {
    raw: wasm.length,
    gzip: gzipSync(wasm, { level: 9 }).length,
    brotli: brotliCompressSync(wasm, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

// coldStartScript: for `node --input-type=module -e`, from import to the first
// encryptPassword result; prints that time, then the time since the process
// started (performance.now() counts from the process's time origin), then
// the CPU time the process has used so far (user + system, all its threads:
// less sensitive to a busy machine than the wall times).
export function coldStartScript(npmDir = join(root, 'npm')) {
  const index = pathToFileURL(join(npmDir, 'index.mjs')).href;
  return `const t=performance.now();const {init}=await import(${JSON.stringify(index)});const ba=await init();` +
    `ba.encryptPassword(${JSON.stringify(encryption.key)},1,'pw');const e=performance.now();const c=process.cpuUsage();` +
    `console.log(e-t,e,(c.user+c.system)/1e3)`;
}

// coldStart runs a script in a fresh node process and returns the numbers it
// printed: [ms in the script, ms since the process started, CPU ms] for
// coldStartScript's.
export function coldStart(script) {
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
}

// --- an IG v2 login ---------------------------------------------------------

// brokerauthIGLogin: a new client, an IG v2 login (GET /session/encryptionKey,
// encrypt, POST /session).
export async function brokerauthIGLogin(ba, { baseURL, apiKey, identifier, password }) {
  await ba.ig({ baseURL, apiKey, identifier, password }).login();
}

// handWrittenIGLogin: the same login written by hand with fetch and
// node:crypto (fetch is a parameter for the fake below).
export async function handWrittenIGLogin({ baseURL, apiKey, identifier, password }, fetch = globalThis.fetch) {
  const json = { 'Content-Type': 'application/json; charset=UTF-8', Accept: 'application/json; charset=UTF-8', 'X-IG-API-KEY': apiKey };
  const keyRes = await fetch(`${baseURL}/session/encryptionKey`, { headers: json });
  const { encryptionKey, timeStamp } = await keyRes.json();
  const encrypted = nodeCryptoEncrypt(`-----BEGIN PUBLIC KEY-----\n${encryptionKey}\n-----END PUBLIC KEY-----\n`, timeStamp, password);
  const res = await fetch(`${baseURL}/session`, {
    method: 'POST',
    headers: { ...json, Version: '2' },
    body: JSON.stringify({ identifier, password: encrypted, encryptedPassword: true }),
  });
  if (res.status !== 200 || !res.headers.get('cst')) throw new Error(`hand-written login failed: ${res.status}`);
  return { cst: res.headers.get('cst'), xst: res.headers.get('x-security-token'), body: await res.json() };
}

// fakeIG is IG answering at once, in this process, with no socket: its fetch
// returns real Response objects built from IG answers recorded in
// test/replay/fixtures/ig (the v2 login answer, its CST and
// X-SECURITY-TOKEN) and an encryption key of its own, so that only the
// client's CPU counts. It checks the API key, the v2 login body (an
// encrypted password of the right size) and the session tokens on
// GET /accounts, counts requests and error answers like the simulator's
// stats(), and can decrypt the last password it received (verifyLastLogin).
export function fakeIG() {
  const creds = { baseURL: 'https://fake-ig.invalid/gateway/deal', apiKey: 'fake-ig-api-key', identifier: 'fake-ig-user', password: 'fake-ig-Passw0rd' };
  const recorded = (name) => JSON.parse(readFileSync(join(root, 'test/replay/fixtures/ig', `${name}.json`), 'utf8')).response;
  const login = recorded('login-v2-success');
  const tokens = Object.fromEntries(login.headers.map(([k, v]) => [k.toLowerCase(), v]));
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const timeStamp = '1601218928621'; // a string, as in the recorded encryptionKey answer
  const keyBody = JSON.stringify({ encryptionKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), timeStamp });
  const accountsBody = JSON.stringify({ accounts: JSON.parse(login.body).accounts });
  const jsonHeaders = { 'Content-Type': 'application/json' };
  const stats = { requests: 0, errors: {}, refreshes: 0 };
  const decoder = new TextDecoder();
  let lastPassword = null;

  const answer = (status, body, headers = jsonHeaders) => new Response(body, { status, headers });
  const fail = (status, code) => {
    stats.errors[code] = (stats.errors[code] || 0) + 1;
    return answer(status, JSON.stringify({ errorCode: code }));
  };

  async function fetch(input, init = {}) {
    stats.requests++;
    const url = String(input);
    if (!url.startsWith(`${creds.baseURL}/`)) return fail(404, 'fake.unknown-host');
    const path = url.slice(creds.baseURL.length);
    const method = (init.method || 'GET').toUpperCase();
    const headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
    if (headers.get('x-ig-api-key') !== creds.apiKey) return fail(403, 'error.security.api-key-invalid');
    if (method === 'GET' && path === '/session/encryptionKey') return answer(200, keyBody);
    if (method === 'POST' && path === '/session') {
      if (headers.get('version') !== '2') return fail(400, 'fake.not-v2');
      const body = JSON.parse(typeof init.body === 'string' ? init.body : decoder.decode(init.body));
      if (body.identifier !== creds.identifier || body.encryptedPassword !== true || typeof body.password !== 'string' || body.password.length !== 344) {
        return fail(401, 'error.security.invalid-details');
      }
      lastPassword = body.password;
      return answer(login.status, login.body, login.headers);
    }
    if (method === 'GET' && path === '/accounts') {
      if (headers.get('cst') !== tokens.cst || headers.get('x-security-token') !== tokens['x-security-token']) {
        return fail(401, 'error.security.client-token-invalid');
      }
      return answer(200, accountsBody);
    }
    return fail(404, 'error.not-found');
  }

  return {
    creds,
    fetch,
    // The session headers the fake's login hands out.
    sessionHeaders: { 'X-IG-API-KEY': creds.apiKey, CST: tokens.cst, 'X-SECURITY-TOKEN': tokens['x-security-token'], Accept: 'application/json; charset=UTF-8' },
    stats: () => structuredClone(stats),
    // verifyLastLogin decrypts the last password received and throws unless
    // it is base64(password|timeStamp) under PKCS#1 v1.5.
    // (Node 20 refuses RSA_PKCS1_PADDING for decryption since
    // CVE-2023-46809: the padding is checked here.)
    verifyLastLogin(who) {
      const block = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, Buffer.from(lastPassword ?? '', 'base64'));
      const end = block.indexOf(0, 2);
      const padded = block[0] === 0 && block[1] === 2 && end >= 10; // 00 02, 8+ nonzero bytes, 00
      const plain = padded ? block.subarray(end + 1).toString() : '(not PKCS#1 v1.5)';
      if (plain !== passwordPlaintext(creds.password, timeStamp)) throw new Error(`${who}: the fake IG decrypted ${JSON.stringify(plain)}`);
      lastPassword = null;
    },
  };
}
