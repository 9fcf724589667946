// The session store on Redis (brokerauth/redis) against the loopback IG
// simulator and a loopback Redis, interleaved, medians of wall and CPU
// time (bench/shared.mjs's measure, which also checks what the simulator
// saw):
//
//   1. Obtaining a session in a new client (its making timed too): a fresh
//      IG v2 login (GET /session/encryptionKey, encrypt, POST /session)
//      against the same client with a store that already holds the
//      account's session (one Redis GET, the entry opened inside the wasm:
//      AES-256-GCM, no request to the broker). The Redis GET by itself,
//      through the same node-redis client, is shown for reference.
//      The same in Go (test/fleet/bench_test.go, mean per op).
//   2. A request on an open session, with and without a store: the session
//      is in the client, so a call costs the store nothing. A counting
//      wrapper around the store checks that.
//
// IG's simulator is used because it has no per-second login limit
// (Capital.com's would dominate the fresh logins).
//
// A Redis comes from BROKERAUTH_TEST_REDIS; without it the bench runs
// itself again under test/with-redis.sh, which starts a throwaway one.
//
// Usage: node bench/store.bench.mjs   (env ROUNDS, default 300)

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { loadBrokerauth, measure, root } from './shared.mjs';

if (!process.env.BROKERAUTH_TEST_REDIS) {
  const res = spawnSync(join(root, 'test/with-redis.sh'), [process.execPath, fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(res.status ?? 1);
}

const { startSimServer } = await import('../test/js/simserver.mjs');

const ROUNDS = Number(process.env.ROUNDS || 300);
const prefix = `bench-${process.pid}:`;

const ba = await loadBrokerauth();
const { redisStore } = await import(pathToFileURL(join(root, 'npm/redis.mjs')).href);
const redis = redisStore({ url: process.env.BROKERAUTH_TEST_REDIS, encryptionKey: randomBytes(32), keyPrefix: prefix });
// The store as the clients see it, counting the calls they make.
const calls = { get: 0, put: 0, delete: 0, lock: 0, unlock: 0 };
const store = {
  encryptionKey: redis.encryptionKey,
  ...Object.fromEntries(Object.keys(calls).map((op) => [op, (...args) => {
    calls[op]++;
    return redis[op](...args);
  }])),
};
const storeCalls = () => Object.values(calls).reduce((a, b) => a + b, 0);

const server = await startSimServer();
try {
  const creds = server.creds.ig;
  const stats = async () => {
    const s = await server.admin('ig', 'stats');
    return { requests: s.requests, errors: s.errors, refreshes: s.refreshes };
  };

  // The store holds the account's session from here on.
  await ba.ig({ ...creds, store }).login();
  const REF = 'Redis GET alone';
  const NEW = 'making the client alone';
  const check = (session, name) => {
    if (name !== REF && name !== NEW && !session?.headers?.CST) throw new Error(`${name}: no session`);
  };
  const beforeObtain = { ...calls };
  const obtain = await measure({
    'fresh login': () => ba.ig(creds).login(),
    'from the Redis store': () => ba.ig({ ...creds, store }).login(),
    [NEW]: async () => ba.ig({ ...creds, store }),
    [REF]: () => redis.get('session:none'),
  }, { rounds: ROUNDS, block: 100, warmup: 30, stats, perCall: { 'fresh login': 2, 'from the Redis store': 0, [NEW]: 0, [REF]: 0 }, check });

  // Per session taken from the store: its GETs (and nothing else: no lock,
  // no put).
  const perLookup = Object.fromEntries(Object.keys(calls).map((op) => [op, (calls[op] - beforeObtain[op]) / (ROUNDS + 30)]));

  const withStore = ba.ig({ ...creds, store });
  const without = ba.ig(creds);
  await withStore.login();
  await without.login();
  const before = storeCalls();
  const request = await measure({
    'request, no store': () => without.request('/accounts'),
    'request, Redis store': () => withStore.request('/accounts'),
  }, { rounds: ROUNDS, block: 100, warmup: 30, stats, perCall: { 'request, no store': 1, 'request, Redis store': 1 }, check: () => {} });
  const perRequest = (storeCalls() - before) / (ROUNDS + 30);

  // The same in Go (test/fleet/bench_test.go): core/ig and core/redisstore
  // against the same simulator and Redis.
  const goOut = spawnSync('go', ['test', '-run', '^$', '-bench', 'ObtainSession', '-benchtime', `${ROUNDS}x`, './test/fleet'], {
    cwd: root, encoding: 'utf8', env: { ...process.env, BENCH_IG: JSON.stringify(creds) },
  });
  const goMs = Object.fromEntries([...goOut.stdout.matchAll(/^BenchmarkObtainSession\/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns\/op/gm)]
    .map(([, name, ns]) => [name.replaceAll('_', ' '), Number(ns) / 1e6]));
  if (Object.keys(goMs).length !== 3) throw new Error(`go test -bench ./test/fleet: ${goOut.stdout}${goOut.stderr}`);

  const row = (name, m) => console.log(`  ${name.padEnd(26)} ${m.wallMs[name].toFixed(3).padStart(8)} ms wall ${m.cpuMs[name].toFixed(3).padStart(8)} ms CPU`);
  console.log(`obtaining an IG session in a new client, loopback simulator and Redis, median of ${ROUNDS}, interleaved`);
  for (const name of Object.keys(obtain.wallMs)) row(name, obtain);
  const ratio = obtain.wallMs['fresh login'] / obtain.wallMs['from the Redis store'];
  const lookup = obtain.wallMs['from the Redis store'] - obtain.wallMs[NEW];
  console.log(`  a session from the store is ${ratio.toFixed(1)}× faster than a fresh login; the lookup itself (less making the client) ${lookup.toFixed(3)} ms`);
  console.log(`  store calls per session taken from the store: ${JSON.stringify(perLookup)}`);
  console.log(`in Go (core/ig, core/redisstore), mean of ${ROUNDS}: ${Object.entries(goMs).map(([n, ms]) => `${n} ${ms.toFixed(3)} ms`).join(', ')}`);
  console.log(`a request on an open session (GET /accounts), median of ${ROUNDS}, interleaved`);
  for (const name of Object.keys(request.wallMs)) row(name, request);
  console.log(`  store calls per request: ${perRequest}`);
  console.log(`RESULT ${JSON.stringify({ bench: 'store', obtain, request, storeCallsPerRequest: perRequest, storeCallsPerLookup: perLookup, ratio, lookupMs: lookup, goMs })}`);
} finally {
  server.stop();
  await redis.close();
  // What the bench stored goes.
  const { createClient } = await import('redis');
  const c = createClient({ url: process.env.BROKERAUTH_TEST_REDIS });
  await c.connect();
  const keys = await c.keys(`${prefix}*`);
  if (keys.length) await c.del(keys);
  await c.close();
}
