// Two builds of the npm package side by side in one run (issue 15's
// acceptance figure for the engine reshaping): "before" and "after" are two
// npm folders as `make build` fills them. Everything is interleaved
// (A B A B …) and reported as medians:
//
//   (a) encryptPassword µs per call, key parsing + encryption, next to
//       node:crypto publicEncrypt (RSA_PKCS1_PADDING) over the same key,
//       timestamp and password: bench/encrypt.bench.mjs's loop, both builds
//       loaded in this one process;
//   (b) an IG v2 login's CPU time (process.cpuUsage, user + system), a new
//       client each time, next to the hand-written fetch + node:crypto login
//       of bench/login.bench.mjs doing the same two requests, all against
//       an instant in-process fake of IG for fetch (no sockets: only the
//       client's CPU counts) and peer-ig.bench.mjs's rotating measure();
//   (c) client.request('/accounts') on a logged-in client next to a plain
//       fetch of the same URL with the same session headers (then .json()),
//       against the same fake: CPU per request and the difference;
//   (d) brokerauth.wasm raw, gzip -9, brotli -q 11;
//   (e) cold start: a fresh node process, import → init() → the first
//       encryptPassword result (encrypt.bench.mjs's probe), also counted
//       from the process's start, and the CPU time the process used until
//       then; fresh processes alternate A B, B A, ….
//
// The fake answers with IG's recorded answers (test/replay/fixtures/ig) and
// checks what it gets; the first login of each kind has its password
// decrypted and compared. globalThis.fetch is the fake in this process:
// brokerauth's wrapper calls globalThis.fetch for every request.
//
// Usage: node bench/before-after.mjs [BEFORE_NPM_DIR] [AFTER_NPM_DIR]
//   defaults /tmp/before/npm and /tmp/after-npm; env ENCRYPT_ROUNDS (31),
//   LOGIN_ROUNDS (1000), REQUEST_ROUNDS (3000), COLD_RUNS (31 per build).
// BENCHMARKS.md ("Engine reshaping (issue 15)") has the commands that make
// the two folders.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';

import {
  brokerauthIGLogin, coldStart, coldStartScript, encryption, fakeIG, handWrittenIGLogin, interleavedRounds, loadBrokerauth, measure,
  median, nodeCryptoEncrypt, wasmSizes,
} from './shared.mjs';

const count = (name, fallback) => {
  const n = Number(process.env[name] || fallback);
  if (!Number.isSafeInteger(n) || n < 9) throw new Error(`${name} must be a whole number ≥ 9`);
  return n;
};
const ENCRYPT_ROUNDS = count('ENCRYPT_ROUNDS', 31);
const OPS_PER_ROUND = 150;
const LOGIN_ROUNDS = count('LOGIN_ROUNDS', 1000);
const REQUEST_ROUNDS = count('REQUEST_ROUNDS', 3000);
const COLD_RUNS = count('COLD_RUNS', 31);

const builds = {
  before: resolve(process.argv[2] || '/tmp/before/npm'),
  after: resolve(process.argv[3] || '/tmp/after-npm'),
};
const [A, B] = Object.keys(builds);
for (const [name, dir] of Object.entries(builds)) {
  for (const f of ['index.mjs', 'brokerauth.wasm']) {
    if (!existsSync(join(dir, f))) throw new Error(`${name}: ${join(dir, f)} is missing (make build fills an npm folder)`);
  }
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`Node ${process.version}, ${process.platform}/${process.arch}, load average at start ${load()}`);
for (const [name, dir] of Object.entries(builds)) {
  const sha = createHash('sha256').update(readFileSync(join(dir, 'brokerauth.wasm'))).digest('hex').slice(0, 12);
  console.log(`  ${name.padEnd(6)} ${dir} (brokerauth.wasm sha256 ${sha}…)`);
}

// --- (d) size ---------------------------------------------------------------
const size = Object.fromEntries(Object.entries(builds).map(([n, dir]) => [n, wasmSizes(dir)]));

// --- (e) cold start, before this process loads any wasm --------------------
const scripts = Object.fromEntries(Object.entries(builds).map(([n, dir]) => [n, coldStartScript(dir)]));
const coldRuns = { [A]: [], [B]: [] };
for (let i = 0; i < COLD_RUNS; i++) {
  for (const n of i % 2 ? [B, A] : [A, B]) coldRuns[n].push(coldStart(scripts[n]));
}
const cold = Object.fromEntries(Object.keys(builds).map((n) => [n, {
  importToFirstEncryptMs: median(coldRuns[n].map((r) => r[0])),
  processStartToFirstEncryptMs: median(coldRuns[n].map((r) => r[1])),
  processCPUMs: median(coldRuns[n].map((r) => r[2])),
}]));

// --- both builds in this process, fetch is the fake -------------------------
const fake = fakeIG();
globalThis.fetch = fake.fetch;
const ba = {};
for (const [n, dir] of Object.entries(builds)) ba[n] = await loadBrokerauth(dir);

// Checked once, outside the timing: 2048-bit ciphertexts, logins the fake
// can decrypt, the accounts answer.
const { key, pem, timeStamp, password } = encryption;
for (const n of Object.keys(builds)) {
  if (Buffer.from(ba[n].encryptPassword(key, timeStamp, password), 'base64').length !== 256) throw new Error(`${n}: no 2048-bit ciphertext`);
  await brokerauthIGLogin(ba[n], fake.creds);
  fake.verifyLastLogin(n);
}
await handWrittenIGLogin(fake.creds);
fake.verifyLastLogin('hand-written');
const accountsOK = (body, who) => {
  if (!Array.isArray(body?.accounts) || body.accounts.length === 0 || !body.accounts[0].accountId) {
    throw new Error(`${who}: GET /accounts answered ${JSON.stringify(body)?.slice(0, 200)}`);
  }
};

// --- (a) encryptPassword ------------------------------------------------------
const encSamples = interleavedRounds({
  [A]: () => ba[A].encryptPassword(key, timeStamp, password),
  [B]: () => ba[B].encryptPassword(key, timeStamp, password),
  'node:crypto': () => nodeCryptoEncrypt(pem, timeStamp, password),
}, { rounds: ENCRYPT_ROUNDS, opsPerRound: OPS_PER_ROUND });
const encUs = Object.fromEntries(Object.entries(encSamples).map(([n, xs]) => [n, median(xs)]));

// --- (b) IG v2 login, CPU ---------------------------------------------------
const HAND = 'fetch + node:crypto';
const loginFns = {
  [A]: () => brokerauthIGLogin(ba[A], fake.creds),
  [B]: () => brokerauthIGLogin(ba[B], fake.creds),
  [HAND]: () => handWrittenIGLogin(fake.creds),
};
const login = await measure(loginFns, {
  rounds: LOGIN_ROUNDS, block: 100, warmup: 50, stats: fake.stats, perCall: { [A]: 2, [B]: 2, [HAND]: 2 }, check: () => {},
});

// --- (c) a request on an open session -----------------------------------------
const PLAIN = 'plain fetch';
const open = {};
for (const n of Object.keys(builds)) {
  open[n] = ba[n].ig(fake.creds);
  await open[n].login();
}
const accountsURL = `${fake.creds.baseURL}/accounts`;
const requestFns = {
  [A]: () => open[A].request('/accounts'),
  [B]: () => open[B].request('/accounts'),
  [PLAIN]: async () => (await fetch(accountsURL, { headers: fake.sessionHeaders })).json(),
};
const request = await measure(requestFns, {
  rounds: REQUEST_ROUNDS, block: 500, warmup: 100, stats: fake.stats, perCall: { [A]: 1, [B]: 1, [PLAIN]: 1 }, check: accountsOK,
});

// --- report -------------------------------------------------------------------
const rows = [];
const row = (what, unit, a, b, digits, notes = '') => rows.push({ what, unit, [A]: a, [B]: b, ratio: b / a, digits, notes });
const us = (ms) => ms * 1e3;
row('(a) encryptPassword, µs per call', 'µs', encUs[A], encUs[B], 1, `node:crypto ${encUs['node:crypto'].toFixed(1)} µs`);
row('(a) encryptPassword ÷ node:crypto', '×', encUs[A] / encUs['node:crypto'], encUs[B] / encUs['node:crypto'], 2);
row('(b) IG v2 login, CPU µs', 'µs', us(login.cpuMs[A]), us(login.cpuMs[B]), 0, `hand-written ${us(login.cpuMs[HAND]).toFixed(0)} µs`);
row('(b) login CPU ÷ hand-written fetch + node:crypto', '×', login.cpuMs[A] / login.cpuMs[HAND], login.cpuMs[B] / login.cpuMs[HAND], 2);
row('(b) login wall µs (instant fake)', 'µs', us(login.wallMs[A]), us(login.wallMs[B]), 0, `hand-written ${us(login.wallMs[HAND]).toFixed(0)} µs`);
row('(c) request(\'/accounts\'), CPU µs', 'µs', us(request.cpuMs[A]), us(request.cpuMs[B]), 1, `plain fetch ${us(request.cpuMs[PLAIN]).toFixed(1)} µs`);
row('(c) overhead over plain fetch, CPU µs', 'µs', us(request.cpuMs[A] - request.cpuMs[PLAIN]), us(request.cpuMs[B] - request.cpuMs[PLAIN]), 1);
row('(c) request CPU ÷ plain fetch', '×', request.cpuMs[A] / request.cpuMs[PLAIN], request.cpuMs[B] / request.cpuMs[PLAIN], 2);
row('(d) brokerauth.wasm raw, bytes', 'B', size[A].raw, size[B].raw, 0);
row('(d) … gzip -9, bytes', 'B', size[A].gzip, size[B].gzip, 0);
row('(d) … brotli -q 11, bytes', 'B', size[A].brotli, size[B].brotli, 0);
row('(e) cold start, import → init() → first encryptPassword, ms', 'ms', cold[A].importToFirstEncryptMs, cold[B].importToFirstEncryptMs, 1);
row('(e) … counted from the process start, ms', 'ms', cold[A].processStartToFirstEncryptMs, cold[B].processStartToFirstEncryptMs, 1);
row('(e) … CPU time of that process, ms', 'ms', cold[A].processCPUMs, cold[B].processCPUMs, 1);

console.log(`\nmedians, interleaved: (a) ${ENCRYPT_ROUNDS} rounds × ${OPS_PER_ROUND} calls; (b) ${LOGIN_ROUNDS} logins each; ` +
  `(c) ${REQUEST_ROUNDS} requests each; (e) ${COLD_RUNS} fresh processes each. Load average at end ${load()}\n`);
console.log(`| | ${A} | ${B} | ${B} ÷ ${A} | |`);
console.log('| --- | ---: | ---: | ---: | --- |');
for (const r of rows) {
  const f = (x) => (r.digits === 0 ? Math.round(x).toLocaleString('en-US') : x.toFixed(r.digits));
  console.log(`| ${r.what} | ${f(r[A])} | ${f(r[B])} | ${r.ratio.toFixed(3)} | ${r.notes} |`);
}
console.log(`RESULT ${JSON.stringify({
  bench: 'before-after', builds, rounds: { encrypt: ENCRYPT_ROUNDS, login: LOGIN_ROUNDS, request: REQUEST_ROUNDS, cold: COLD_RUNS },
  encryptUsPerOp: encUs, login, request, size, cold, coldRuns,
})}`);
process.exit(); // an open client's timers must not keep the process up
