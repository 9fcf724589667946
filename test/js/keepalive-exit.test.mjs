// After keepAlive().stop() and logout(), nothing keeps Node running.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import { consumerDir } from './helpers.mjs';
import { startSimServer } from './simserver.mjs';

let server;
before(async () => {
  server = await startSimServer();
});
after(() => server.stop());

test('a stopped 60 s keepalive does not hold the process for 60 s', () => {
  const { baseURL, apiKey, identifier, password } = server.creds.capital;
  const started = Date.now();
  // The timeout bounds a hang well under the 60 s interval; it is not a
  // speed assertion.
  const res = spawnSync(process.execPath, ['keepalive-exit.mjs', JSON.stringify({ baseURL, apiKey, identifier, password })], {
    cwd: consumerDir,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(res.error, undefined, `the process was still running after ${Date.now() - started} ms`);
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout, 'done');
});

test('a keepalive started without a session reports not_logged_in and holds nothing', () => {
  const { baseURL, apiKey, identifier, password } = server.creds.capital;
  const res = spawnSync(process.execPath, ['keepalive-no-session.mjs', JSON.stringify({ baseURL, apiKey, identifier, password })], {
    cwd: consumerDir,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(res.error, undefined, 'the process did not exit by itself');
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout, 'not_logged_in');
});
