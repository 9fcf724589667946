// The command line with a session store (--store redis://…), run as
// `npx brokerauth` would run it from the installed package, against the
// simulators and the Redis that test/with-redis.sh starts
// (BROKERAUTH_TEST_REDIS; without it the tests that need one are skipped).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';

import { consumerDir } from './helpers.mjs';
import { startSimServer } from './simserver.mjs';

const bin = join(consumerDir, 'node_modules/.bin/brokerauth');
const redisURL = process.env.BROKERAUTH_TEST_REDIS;
const needsRedis = { skip: !redisURL && 'BROKERAUTH_TEST_REDIS is not set (make test-js runs the JS tests under test/with-redis.sh)' };
const storeKey = randomBytes(32).toString('base64');
let server;
let dir;
const children = new Set();

before(async () => {
  server = await startSimServer();
  dir = mkdtempSync(join(tmpdir(), 'brokerauth-cli-store-'));
});
after(() => {
  for (const child of children) child.kill('SIGKILL');
  server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const capitalEnv = () => {
  const { baseURL, apiKey, identifier, password } = server.creds.capital;
  return { BROKERAUTH_BASE_URL: baseURL, BROKERAUTH_API_KEY: apiKey, BROKERAUTH_IDENTIFIER: identifier, BROKERAUTH_PASSWORD: password, BROKERAUTH_STORE_KEY: storeKey };
};

const run = (args, { env = {} } = {}) =>
  spawnSync(bin, args, { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, ...env } });

// runAsync is run without blocking this process (a server of the test's
// own has to answer meanwhile).
const runAsync = (args, { env = {} } = {}) => new Promise((resolve) => {
  const child = spawn(bin, args, { cwd: dir, env: { PATH: process.env.PATH, ...env } });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.on('exit', (status, signal) => {
    clearTimeout(timer);
    children.delete(child);
    resolve({ status, signal, stdout, stderr });
  });
});

const attempts = async () => (await server.admin('capital', 'stats')).loginAttempts[server.creds.capital.apiKey] ?? 0;

test('capital login twice with the same --store: one POST /session, the same session printed', needsRedis, async () => {
  const before = await attempts();
  const first = run(['capital', 'login', '--store', redisURL], { env: capitalEnv() });
  assert.equal(first.status, 0, first.stderr);
  assert.equal(await attempts(), before + 1);
  const second = run(['capital', 'login', '--store', redisURL, '--debug'], { env: capitalEnv() });
  assert.equal(second.status, 0, second.stderr);
  assert.equal(await attempts(), before + 1, 'the second login took the stored session');
  assert.deepEqual(JSON.parse(second.stdout).headers, JSON.parse(first.stdout).headers);
  assert.match(second.stderr, /store: Redis at 127\.0\.0\.1:\d+/);
  // The same from a config file and from BROKERAUTH_STORE.
  const config = join(dir, 'capital.yaml');
  writeFileSync(config, `store: ${redisURL}\n`);
  const fromConfig = run(['capital', 'login', '--config', config], { env: capitalEnv() });
  assert.equal(fromConfig.status, 0, fromConfig.stderr);
  const fromEnv = run(['capital', 'login'], { env: { ...capitalEnv(), BROKERAUTH_STORE: redisURL } });
  assert.equal(fromEnv.status, 0, fromEnv.stderr);
  assert.equal(await attempts(), before + 1);
});

test('ibkr keepalive with --store shares its session and leaves it in place when stopped', needsRedis, async () => {
  const { baseURL, clientId, clientKeyId, credential, privateKey } = server.creds.ibkr;
  writeFileSync(join(dir, 'ibkr.pem'), privateKey, { mode: 0o600 });
  const config = join(dir, 'ibkr.yaml');
  writeFileSync(config, [`client_id: ${clientId}`, `client_key_id: ${clientKeyId}`, `credential: ${credential}`,
    'private_key_file: ibkr.pem', `base_url: ${baseURL}`, 'ip: 198.51.100.7', `store: ${redisURL}`, ''].join('\n'));
  const env = { BROKERAUTH_STORE_KEY: storeKey };
  const s0 = await server.admin('ibkr', 'stats');
  const child = spawn(bin, ['ibkr', 'keepalive', '--config', config, '--every', '1'], { cwd: dir, env: { PATH: process.env.PATH, ...env } });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  const exited = new Promise((resolve) => child.on('exit', (code) => { children.delete(child); resolve(code); }));
  for (let i = 0; i < 300 && !stderr.includes('keeping the IBKR session alive'); i++) await new Promise((r) => setTimeout(r, 100));
  // Another process logs in meanwhile: it takes the keepalive's session.
  const other = run(['ibkr', 'login', '--config', config], { env });
  assert.equal(other.status, 0, other.stderr);
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  const s1 = await server.admin('ibkr', 'stats');
  assert.equal(s1.bearer - s0.bearer, 1, 'one bearer token for both');
  assert.equal(s1.init - s0.init, 1, 'one brokerage session for both');
  assert.equal(s1.logout, s0.logout, 'no logout: the session is the other processes\' too');
  const later = run(['ibkr', 'login', '--config', config], { env });
  assert.equal(later.status, 0, later.stderr);
  assert.equal((await server.admin('ibkr', 'stats')).bearer, s1.bearer, 'still the same session afterwards');
});

test('a Redis that cannot be reached: network error naming the store, or with --store-fallback local a login alone', async () => {
  const before = await attempts();
  const down = run(['capital', 'login', '--store', 'redis://127.0.0.1:1'], { env: capitalEnv() });
  assert.equal(down.status, 1);
  assert.match(down.stderr, /network: capital store: .*Redis at 127\.0\.0\.1:1: it cannot be reached/);
  assert.equal(await attempts(), before, 'no login without the store');
  const alone = run(['capital', 'login', '--store', 'redis://user:Canary-redis-pw@127.0.0.1:1', '--store-fallback', 'local'], { env: capitalEnv() });
  assert.equal(alone.status, 0, alone.stderr);
  assert.equal(JSON.parse(alone.stdout).broker, 'capital');
  assert.match(alone.stderr, /brokerauth: store: network: .*cannot be reached/);
  assert.equal(await attempts(), before + 1);
  for (const out of [down, alone]) {
    for (const secret of ['Canary-redis-pw', storeKey, server.creds.capital.password]) assert.ok(!(out.stdout + out.stderr).includes(secret));
  }
});

test('a Redis that accepts connections and never answers: the login fails in seconds and the command exits', async () => {
  const silent = createServer(() => {}).listen(0, '127.0.0.1');
  await new Promise((resolve) => silent.on('listening', resolve));
  try {
    const t0 = performance.now();
    const res = await runAsync(['capital', 'login', '--store', `redis://127.0.0.1:${silent.address().port}`], { env: capitalEnv() });
    const took = performance.now() - t0;
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /timeout: capital store: .*did not answer/);
    assert.ok(took < 20_000, `took ${took.toFixed(0)} ms`);
  } finally {
    silent.close();
  }
});

test('store settings that cannot work exit 2 with a clear message', () => {
  const env = capitalEnv();
  const noKey = run(['capital', 'login', '--store', 'redis://127.0.0.1:1'], { env: { ...env, BROKERAUTH_STORE_KEY: '' } });
  assert.equal(noKey.status, 2);
  assert.match(noKey.stderr, /--store needs the store's encryption key in BROKERAUTH_STORE_KEY.*openssl rand -base64 32/);
  const shortKey = 'Q2FuYXJ5LXNob3J0LWtleQ==';
  const badKey = run(['capital', 'login', '--store', 'redis://127.0.0.1:1'], { env: { ...env, BROKERAUTH_STORE_KEY: shortKey } });
  assert.equal(badKey.status, 2);
  assert.match(badKey.stderr, /BROKERAUTH_STORE_KEY must be 32 random bytes as base64/);
  assert.ok(!badKey.stderr.includes(shortKey));
  // Standard and URL-safe base64 mixed in one key: neither decodes it (as
  // Go's ParseStoreKey and brokerauth/redis read keys).
  const mixedKey = Buffer.alloc(32, 0xfb).toString('base64').replace('/', '_');
  const mixed = run(['capital', 'login', '--store', 'redis://127.0.0.1:1'], { env: { ...env, BROKERAUTH_STORE_KEY: mixedKey } });
  assert.equal(mixed.status, 2, mixed.stderr);
  assert.match(mixed.stderr, /BROKERAUTH_STORE_KEY must be 32 random bytes as base64/);
  const notRedis = run(['capital', 'login', '--store', 'memcached://127.0.0.1:1'], { env });
  assert.equal(notRedis.status, 2);
  assert.match(notRedis.stderr, /must be a Redis URL/);
  const fallbackAlone = run(['capital', 'login', '--store-fallback', 'local'], { env });
  assert.equal(fallbackAlone.status, 2);
  assert.match(fallbackAlone.stderr, /needs a store/);
  const badFallback = run(['capital', 'login', '--store', 'redis://127.0.0.1:1', '--store-fallback', 'remote'], { env });
  assert.equal(badFallback.status, 2);
  const help = run(['--help']);
  for (const word of ['--store', '--store-fallback', 'BROKERAUTH_STORE_KEY', 'store_fallback', 'BROKERAUTH_STORE ']) assert.ok(help.stdout.includes(word), `--help mentions ${word}`);
});

test('without the redis package, --store says to install it (and nothing else needs it)', () => {
  // A resolve hook that finds no 'redis', as in a project that never
  // installed it.
  const hook = join(dir, 'no-redis.mjs');
  writeFileSync(hook, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(
    "export async function resolve(s, c, next) { if (s === 'redis') { const e = new Error(\"Cannot find package 'redis'\"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }")}`)});\n`);
  const env = { ...capitalEnv(), NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` };
  const res = run(['capital', 'login', '--store', 'redis://127.0.0.1:1'], { env });
  assert.equal(res.status, 2, res.stderr);
  assert.match(res.stderr, /--store needs the redis package next to brokerauth: npm install redis/);
  const without = run(['capital', 'login'], { env });
  assert.equal(without.status, 0, without.stderr);
});
