// A fleet of processes on one broker account, sharing its session in one
// Redis: Node processes running the packed package
// with brokerauth/redis (test/js/fixtures/fleet-worker.mjs, in
// build/consumer) and Go processes with core/redisstore (test/fleet, built
// here once), against the demo server's simulators.
//
// Needs a Redis: `make test-js` runs under test/with-redis.sh, which sets
// BROKERAUTH_TEST_REDIS; without it these tests are skipped. The restart
// test starts a redis-server of its own (with a password), since it stops
// it mid-run.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { consumerDir, root } from './helpers.mjs';
import { startSimServer } from './simserver.mjs';

const redisURL = process.env.BROKERAUTH_TEST_REDIS;
const LEASE_MS = 10_000; // core/engineshare.go's storeLease

describe('a fleet of processes sharing one Redis', { skip: !redisURL && 'BROKERAUTH_TEST_REDIS is not set (make test-js runs these under test/with-redis.sh)' }, () => {
  let server;
  let dir;
  let goFleet;
  let redis; // a node-redis client of the test's own, to look into the store
  const storeKey = randomBytes(32).toString('base64');
  const children = new Set();

  before(async () => {
    server = await startSimServer();
    dir = mkdtempSync(join(tmpdir(), 'brokerauth-fleet-'));
    goFleet = join(dir, 'fleet');
    execFileSync('go', ['build', '-o', goFleet, './test/fleet'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    redis = await connect(redisURL);
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    server?.stop();
    await redis?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // worker starts one process of the fleet: 'node' (the packed package) or
  // 'go'. Its events are the JSON lines it prints.
  function worker(kind, cfg) {
    const [cmd, args] = kind === 'node' ? [process.execPath, [join(consumerDir, 'fleet-worker.mjs')]] : [goFleet, []];
    const proc = spawn(cmd, args, { cwd: consumerDir, env: { PATH: process.env.PATH, FLEET_CONFIG: JSON.stringify(cfg) }, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(proc);
    const w = { kind, proc, events: [], stderr: '', waiters: [] };
    let buf = '';
    proc.stdout.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let ev;
        try {
          ev = JSON.parse(line);
        } catch {
          ev = { ev: 'garbage', line };
        }
        w.events.push(ev);
        w.waiters = w.waiters.filter(([pred, resolve]) => !(pred(ev) && (resolve(ev), true)));
      }
    });
    proc.stderr.on('data', (chunk) => { w.stderr += chunk; });
    proc.stdin.on('error', () => {}); // a process killed before it read its go line
    w.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
      children.delete(proc);
      resolve({ code, signal });
    }));
    // next resolves on the first event (already seen or to come) that pred accepts.
    w.next = (pred) => {
      const seen = w.events.find(pred);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => w.waiters.push([pred, resolve]));
    };
    w.go = () => proc.stdin.end('go\n');
    w.of = (name) => w.events.filter((e) => e.ev === name);
    return w;
  }

  // fleet starts nodes + gos processes, waits until every one is ready, lets
  // them all log in at once, and waits for them to end. Returns the
  // workers and the time from "go" to the last login.
  async function fleet(nodes, gos, cfg) {
    const ws = [...Array.from({ length: nodes }, () => worker('node', cfg)), ...Array.from({ length: gos }, () => worker('go', cfg))];
    await within(90_000, 'every process of the fleet to start', Promise.all(ws.map((w) => w.next((e) => e.ev === 'ready'))));
    const t0 = performance.now();
    for (const w of ws) w.go();
    await within(90_000, 'every process to log in', Promise.all(ws.map((w) => w.next((e) => e.ev === 'login'))));
    const loginsDone = performance.now() - t0;
    const exits = await within(90_000, 'every process to end', Promise.all(ws.map((w) => w.exited)));
    return { ws, exits, loginsDone };
  }

  // assertFleetWorked: every process exited 0, logged in, made every call,
  // and holds the one session there is.
  function assertFleetWorked({ ws, exits }, calls) {
    const fingerprints = new Set();
    ws.forEach((w, i) => {
      const who = `${w.kind} process ${i}`;
      assert.deepEqual(exits[i], { code: 0, signal: null }, `${who} exited: ${w.stderr}`);
      const [login] = w.of('login');
      assert.ok(login?.ok, `${who} did not log in: ${JSON.stringify(login)}`);
      const failed = w.of('call').filter((e) => !e.ok);
      assert.equal(w.of('call').length, calls, `${who} made ${w.of('call').length} calls`);
      assert.deepEqual(failed, [], `${who}'s calls failed`);
      assert.deepEqual(w.of('storeError'), [], `${who} heard from its store`);
      fingerprints.add(login.session);
      fingerprints.add(w.of('done')[0].session);
    });
    assert.equal(fingerprints.size, 1, `every process holds the one session (${fingerprints.size} seen)`);
    return [...fingerprints][0];
  }

  test('20 Node and 5 Go processes, one Capital.com account, all at once: one POST /session, no 429', { timeout: 180_000 }, async () => {
    await server.admin('capital', 'reset');
    const prefix = `fleet-capital-${process.pid}:`;
    const calls = 5;
    const run = await fleet(20, 5, { broker: 'capital', redis: redisURL, storeKey, prefix, options: server.creds.capital, path: '/api/v1/accounts', calls, barrier: true });
    const fingerprint = assertFleetWorked(run, calls);
    const stats = await server.admin('capital', 'stats');
    const { apiKey } = server.creds.capital;
    assert.equal(stats.loginAttempts[apiKey], 1, `POST /session: ${JSON.stringify(stats.loginAttempts)}`);
    assert.equal(stats.logins[apiKey], 1);
    assert.equal(stats.rateLimited, 0, 'answers 429');
    assert.deepEqual(stats.errors, {});

    // What Redis holds: one sealed session, whose tokens the test opens
    // with the key (AES-256-GCM, as core.Seal) and finds nowhere in clear.
    const session = await storedSession(redis, prefix, storeKey);
    assert.equal(session.broker, 'capital');
    assert.equal(fingerprintOf(session.headers), fingerprint, 'the stored session is the one every process holds');
    await assertNoSecretInRedis(redis, prefix, [session.headers.CST, session.headers['X-SECURITY-TOKEN'], server.creds.capital.password]);
    const lead = run.ws.map((w) => w.of('login')[0].ms).sort((a, b) => a - b);
    const connect = run.ws.filter((w) => w.kind === 'node').map((w) => w.of('ready')[0].connectMs).sort((a, b) => a - b);
    console.log(`capital: 25 processes (20 Node, 5 Go) logged in ${(run.loginsDone / 1000).toFixed(2)} s after "go": ` +
      `${stats.loginAttempts[apiKey]} POST /session, ${stats.rateLimited} answers 429, ${stats.requests} requests; ` +
      `login() took ${lead[0].toFixed(0)}–${lead.at(-1).toFixed(0)} ms (the Node processes' first, cold store call before that: ${connect[0].toFixed(0)}–${connect.at(-1).toFixed(0)} ms)`);
    await deleteKeys(redis, prefix);
  });

  test('20 Node and 5 Go processes, one IBKR OAuth 2.0 user, all at once: one bearer token, one brokerage session', { timeout: 180_000 }, async () => {
    await server.admin('ibkr', 'reset');
    const prefix = `fleet-ibkr-${process.pid}:`;
    const calls = 5;
    const options = { ...server.creds.ibkr, ip: '203.0.113.7' };
    const run = await fleet(20, 5, { broker: 'ibkr', redis: redisURL, storeKey, prefix, options, path: '/v1/api/iserver/accounts', calls, barrier: true });
    // An /iserver call needs the brokerage session: a process knocked out
    // (or never let in) gets 400 "no bridge" / "Init session first".
    assertFleetWorked(run, calls);
    const stats = await server.admin('ibkr', 'stats');
    assert.equal(stats.token, 1, 'access tokens');
    assert.equal(stats.bearer, 1, 'bearer tokens (SSO sessions)');
    assert.equal(stats.init, 1, 'ssodh/init (brokerage sessions)');
    assert.equal(stats.sessions, 1, 'live sessions at the end');
    assert.equal(stats.api, 25 * calls, 'every /iserver call reached the API once');
    const session = await storedSession(redis, prefix, storeKey);
    await assertNoSecretInRedis(redis, prefix, [session.headers.Authorization.replace(/^Bearer /, '')]);
    console.log(`ibkr: 25 processes (20 Node, 5 Go) logged in ${(run.loginsDone / 1000).toFixed(2)} s after "go": ` +
      `${stats.token} access token, ${stats.bearer} bearer token, ${stats.validate} sso/validate, ${stats.init} ssodh/init, ${stats.sessions} session`);
    await deleteKeys(redis, prefix);
  });

  test('a process killed while it holds the login lock blocks the others no longer than the lease', { timeout: 120_000 }, async () => {
    await server.admin('capital', 'reset');
    const prefix = `fleet-kill-${process.pid}:`;
    const cfg = { broker: 'capital', redis: redisURL, storeKey, prefix, options: server.creds.capital, path: '/api/v1/accounts', calls: 2 };
    // Its POST /session never gets an answer.
    await server.admin('capital', 'fault', { method: 'POST', path: '/session', kind: 'hang', times: 1 });
    const holder = worker('node', cfg);
    await within(60_000, 'the first process to take the lock and send POST /session', (async () => {
      while (!(await redis.keys(`${prefix}lock:*`)).length || (await server.admin('capital', 'stats')).faultsFired < 1) await sleep(20);
    })());
    const others = [worker('node', { ...cfg, barrier: true }), worker('go', { ...cfg, barrier: true })];
    await within(60_000, 'the other processes to start', Promise.all(others.map((w) => w.next((e) => e.ev === 'ready'))));
    for (const w of others) w.go();
    await sleep(300); // they are waiting for the lock now
    const killedAt = performance.now();
    holder.proc.kill('SIGKILL');
    assert.equal((await holder.exited).signal, 'SIGKILL');
    const logins = await within(60_000, 'the others to log in', Promise.all(others.map((w) => w.next((e) => e.ev === 'login'))));
    const after = performance.now() - killedAt;
    const exits = await Promise.all(others.map((w) => w.exited));
    others.forEach((w, i) => {
      assert.deepEqual(exits[i], { code: 0, signal: null }, w.stderr);
      assert.ok(logins[i].ok, JSON.stringify(logins[i]));
      assert.ok(w.of('call').every((e) => e.ok), JSON.stringify(w.of('call')));
    });
    assert.equal(logins[0].session, logins[1].session, 'one session for both');
    const stats = await server.admin('capital', 'stats');
    const { apiKey } = server.creds.capital;
    assert.equal(stats.faultsFired, 1, 'the hung POST /session');
    assert.equal(stats.loginAttempts[apiKey], 1, 'one POST /session after it');
    assert.equal(stats.logins[apiKey], 1);
    assert.equal(stats.rateLimited, 0);
    // The lease, then one login (about half a second here; 5 s of slack on
    // a shared, noisy machine).
    assert.ok(after < LEASE_MS + 5_000, `the others logged in ${after.toFixed(0)} ms after the kill`);
    console.log(`lock holder killed mid-login: the others had the session ${(after / 1000).toFixed(2)} s later (lease ${LEASE_MS / 1000} s), ` +
      `1 hung POST /session, then ${stats.loginAttempts[apiKey]}`);
    await deleteKeys(redis, prefix);
  });

  test('Redis restarting during 1,000 calls across processes: none crashes, no secret in an error, sessions back within seconds', { timeout: 120_000 }, async () => {
    await server.admin('capital', 'reset');
    const password = randomBytes(12).toString('hex');
    const own = await ownRedis(dir, password);
    try {
      const prefix = 'fleet-restart:';
      const [nodes, gos, calls] = [6, 2, 125];
      const cfg = { broker: 'capital', redis: own.url, storeKey, prefix, options: server.creds.capital, path: '/api/v1/accounts', calls, everyMs: 25, barrier: true };
      const ws = [...Array.from({ length: nodes }, () => worker('node', cfg)), ...Array.from({ length: gos }, () => worker('go', cfg))];
      await within(60_000, 'the processes to start', Promise.all(ws.map((w) => w.next((e) => e.ev === 'ready'))));
      for (const w of ws) w.go();
      await within(60_000, 'the processes to log in', Promise.all(ws.map((w) => w.next((e) => e.ev === 'login'))));
      const ownClient = await connect(own.url);
      const before = await storedSession(ownClient, prefix, storeKey);
      await ownClient.close();
      // A quarter of the calls in, Redis goes away (its data with it: it
      // saves nothing), the broker ends the session, so that every process
      // needs the store to get a new one, and Redis comes back a second
      // later on the same port.
      await within(30_000, 'a quarter of the calls', (async () => {
        while (ws.reduce((n, w) => n + w.of('call').length, 0) < (nodes + gos) * calls / 4) await sleep(10);
      })());
      const down = Date.now();
      await own.stop();
      await server.admin('capital', 'expire');
      await sleep(1000);
      await own.start();
      const up = Date.now();
      const exits = await within(90_000, 'the processes to end', Promise.all(ws.map((w) => w.exited)));

      const stats = await server.admin('capital', 'stats');
      const ownClient2 = await connect(own.url);
      const afterwards = await storedSession(ownClient2, prefix, storeKey);
      await ownClient2.close();
      const secrets = [password, storeKey, server.creds.capital.password, server.creds.capital.apiKey,
        before.headers.CST, before.headers['X-SECURITY-TOKEN'], afterwards.headers.CST, afterwards.headers['X-SECURITY-TOKEN']];
      let failed = 0;
      let failedAfter = 0;
      let total = 0;
      let backWithin = 0;
      const codes = {};
      ws.forEach((w, i) => {
        const who = `${w.kind} process ${i}`;
        assert.deepEqual(exits[i], { code: 0, signal: null }, `${who} crashed: ${w.stderr}`);
        const cs = w.of('call');
        assert.equal(cs.length, calls, `${who} made every call`);
        total += cs.length;
        for (const e of [...cs, ...w.of('login'), ...w.of('storeError')]) {
          if (e.ok) continue;
          const text = JSON.stringify(e.error);
          for (const s of secrets) assert.ok(!text.includes(s), `${who}: a secret in an error: ${text}`);
        }
        for (const s of secrets) assert.ok(!w.stderr.includes(s), `${who}: a secret on stderr`);
        for (const e of cs.filter((c) => !c.ok)) {
          failed++;
          codes[`${e.error.code}/${e.error.step}`] = (codes[`${e.error.code}/${e.error.step}`] ?? 0) + 1;
          assert.ok(e.t >= down, `${who}: a call failed before Redis went down: ${JSON.stringify(e)}`);
          if (e.t > up) failedAfter++;
        }
        // Back within seconds: every call from 5 s after Redis returned
        // succeeds, and so does the last one.
        const late = cs.filter((c) => c.t > up + 5_000);
        assert.ok(late.every((c) => c.ok), `${who}: calls still failing 5 s after Redis came back: ${JSON.stringify(late.find((c) => !c.ok))}`);
        assert.ok(cs.at(-1).ok, `${who}: its last call failed`);
        const firstOK = cs.find((c) => c.ok && c.t > up);
        if (firstOK) backWithin = Math.max(backWithin, firstOK.t - up);
      });
      assert.equal(total, 1000);
      const { apiKey } = server.creds.capital;
      assert.equal(stats.loginAttempts[apiKey], 2, 'one login before the restart, one after');
      assert.equal(stats.rateLimited, 0);
      assert.notEqual(fingerprintOf(afterwards.headers), fingerprintOf(before.headers), 'a new session after the restart');
      console.log(`Redis restart (down ${((up - down) / 1000).toFixed(2)} s, session expired meanwhile) during ${total} calls in ${nodes} Node + ${gos} Go processes: ` +
        `0 crashed, ${failed} calls failed (${failedAfter} of them after Redis was back; ${JSON.stringify(codes)}), ${total - failed} succeeded; ` +
        `every process had a session again ${(backWithin / 1000).toFixed(2)} s after Redis was back; ${stats.loginAttempts[apiKey]} POST /session in all, 0 secrets in errors`);
    } finally {
      await own.stop();
    }
  });
});

// --- helpers ----------------------------------------------------------------

async function connect(url) {
  const { createClient } = await import('redis');
  const c = createClient({ url, socket: { reconnectStrategy: false } });
  c.on('error', () => {});
  await c.connect();
  return c;
}

async function deleteKeys(redis, prefix) {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(keys);
}

// openEntry opens a sealed store entry as core.Seal makes it:
// "ba1." + base64 (no padding) of nonce (12) ‖ ciphertext ‖ tag (16),
// AES-256-GCM, the entry's key (without the prefix) as additional data.
function openEntry(name, value, keyB64) {
  assert.ok(value.startsWith('ba1.'), 'a sealed entry');
  const box = Buffer.from(value.slice(4), 'base64');
  const d = createDecipheriv('aes-256-gcm', Buffer.from(keyB64, 'base64'), box.subarray(0, 12));
  d.setAAD(Buffer.from(name));
  d.setAuthTag(box.subarray(box.length - 16));
  return JSON.parse(Buffer.concat([d.update(box.subarray(12, box.length - 16)), d.final()]).toString());
}

async function storedSession(redis, prefix, keyB64) {
  const keys = await redis.keys(`${prefix}session:*`);
  assert.equal(keys.length, 1, `one session in the store: ${keys}`);
  return openEntry(keys[0].slice(prefix.length), await redis.get(keys[0]), keyB64);
}

async function assertNoSecretInRedis(redis, prefix, secrets) {
  for (const k of await redis.keys(`${prefix}*`)) {
    const v = (await redis.get(k)) ?? '';
    for (const s of secrets) {
      assert.ok(s && !k.includes(s) && !v.includes(s), `Redis holds a secret in clear under ${k}`);
    }
  }
}

// The fingerprint the workers print: sha256 over the sorted headers.
function fingerprintOf(headers) {
  const h = createHash('sha256');
  for (const k of Object.keys(headers).sort()) h.update(`${k}\0${headers[k]}\0`);
  return h.digest('hex').slice(0, 12);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function within(ms, what, promise) {
  let timer;
  try {
    return await Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`waited ${ms / 1000} s for ${what}`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

// ownRedis is a redis-server of this test's own, as test/with-redis.sh
// starts one, with a password: stop() ends it (its data with it), start()
// starts it again on the same port.
async function ownRedis(parent, password) {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const dataDir = mkdtempSync(join(parent, 'redis-'));
  let proc;
  const start = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', dataDir, '--requirepass', password, '--logfile', join(dataDir, 'redis.log')], { stdio: 'ignore' });
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    proc.exited = exited;
    for (let i = 0; ; i++) {
      try {
        const c = await connect(url);
        await c.close();
        return;
      } catch (err) {
        if (i > 200) throw new Error(`redis-server did not start: ${err.message}`);
        await sleep(25);
      }
    }
  };
  const url = `redis://:${password}@127.0.0.1:${port}`;
  await start();
  return {
    url,
    start,
    async stop() {
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await proc.exited;
      }
    },
  };
}
