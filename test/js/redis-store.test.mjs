// brokerauth/redis's redisStore() on its own, from the packed package: its
// options are checked when it is made, a server that never answers fails a
// call as a TimeoutError in seconds, and close() lets the process exit
// whatever the connection's state (not yet made, being made, open, or to a
// server that never answers). Each case runs in a child process, since
// "the process exits" is what is tested.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';

import { consumerDir } from './helpers.mjs';

const redisURL = process.env.BROKERAUTH_TEST_REDIS;
const key = randomBytes(32).toString('base64');
const entry = pathToFileURL(join(consumerDir, 'node_modules/brokerauth/redis.mjs')).href;
let dir;
let silent; // accepts connections, never answers
let silentURL;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'brokerauth-redis-store-'));
  silent = createServer(() => {}).listen(0, '127.0.0.1');
  await new Promise((resolve) => silent.on('listening', resolve));
  silentURL = `redis://user:Canary-redis-pw@127.0.0.1:${silent.address().port}`;
});
after(() => {
  silent.close();
  rmSync(dir, { recursive: true, force: true });
});

// script runs body (an ES module after `store` is made from argv[2]) in a
// child process and resolves with its exit status, output and time taken.
let scripts = 0;
function script(url, body) {
  const file = join(dir, `s${++scripts}.mjs`);
  writeFileSync(file, `import { redisStore } from ${JSON.stringify(entry)};
const store = redisStore({ url: process.argv[2], encryptionKey: ${JSON.stringify(key)} });
const t0 = performance.now();
const took = () => Math.round(performance.now() - t0);
${body}
`);
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [file, url], { cwd: dir });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, out, ms: performance.now() - t0 });
    });
  });
}

test('options are checked when the store is made, naming the known ones', async () => {
  const { redisStore } = await import(entry);
  const { BrokerAuthError } = await import(pathToFileURL(join(consumerDir, 'node_modules/brokerauth/index.mjs')).href);
  const cases = [
    [undefined, /options must be an object/],
    [{ url: 'redis://127.0.0.1:1' }, /encryptionKey is required.*openssl rand -base64 32/],
    [{ url: 'http://127.0.0.1:1', encryptionKey: key }, /url must be redis:\/\/host:port/],
    [{ url: 'redis://127.0.0.1:1', encryptionKey: key, prefix: 'x' }, /unknown option "prefix" \(known: url, encryptionKey, keyPrefix\)/],
    [{ url: 'redis://127.0.0.1:1', encryptionKey: key, keyPrefix: 1 }, /keyPrefix must be a string/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => redisStore(options), (err) => err instanceof BrokerAuthError && err.code === 'invalid_argument' && message.test(err.message));
  }
});

test('a server that never answers: the call fails as a TimeoutError within seconds, naming host and port only', async () => {
  const res = await script(silentURL, `
await store.get('k').then(() => console.log('answered'), (err) => console.log(err.name, err.message, took()));
await store.close();
`);
  assert.equal(res.status, 0, res.out);
  const [, name, message, ms] = res.out.match(/^(\w+) (.*) (\d+)\n$/) ?? [];
  assert.equal(name, 'TimeoutError', res.out);
  assert.match(message, /^Redis at 127\.0\.0\.1:\d+: it did not answer within 5 s$/);
  assert.ok(Number(ms) >= 4_900 && Number(ms) < 9_000, `${ms} ms`);
  assert.ok(!res.out.includes('Canary-redis-pw'));
});

test('close() lets the process exit, whatever the connection is doing', async () => {
  const servers = [['an unreachable port', 'redis://127.0.0.1:1'], ['a server that never answers', silentURL]];
  if (redisURL) servers.push(['a live Redis', redisURL]);
  const moments = {
    'before the first call has connected': `
const pending = store.get('k').then(() => 'answered', (err) => err.message);
await store.close();
console.log(await pending);`,
    'while connecting': `
const pending = store.get('k').then(() => 'answered', (err) => err.message);
await new Promise((resolve) => setTimeout(resolve, 300));
await store.close();
console.log(await pending);`,
    'after a call': `
await store.get('k').catch(() => {});
await store.close();
console.log('closed');`,
  };
  for (const [what, url] of servers) {
    for (const [when, body] of Object.entries(moments)) {
      const res = await script(url, body);
      assert.equal(res.status, 0, `${what}, ${when}: ${res.signal ?? ''} ${res.out}`);
      assert.ok(res.ms < 12_000, `${what}, ${when}: exited after ${res.ms.toFixed(0)} ms`);
      assert.doesNotMatch(res.out, /Canary-redis-pw|Error:|\n\s+at /, `${what}, ${when}`);
    }
  }
  // A call after close() fails at once.
  const res = await script('redis://127.0.0.1:1', `
await store.close();
await store.get('k').then(() => console.log('answered'), (err) => console.log(err.message));`);
  assert.match(res.out, /^Redis at 127\.0\.0\.1:1: the store was closed\n$/);
});

test('a Redis that cannot work as set up: invalid_argument with the server\'s reason, not retried', { skip: !redisURL && 'BROKERAUTH_TEST_REDIS is not set' }, async () => {
  const { redisStore } = await import(entry);
  const store = redisStore({ url: `${redisURL}/99`, encryptionKey: key });
  try {
    await assert.rejects(store.get('k'), (err) => {
      assert.equal(err.name, 'BrokerAuthError');
      assert.equal(err.code, 'invalid_argument');
      assert.match(err.message, /^Redis at 127\.0\.0\.1:\d+: it has no such database \(ERR DB index is out of range\): the URL's \/db number$/);
      return true;
    });
  } finally {
    await store.close();
  }
});
