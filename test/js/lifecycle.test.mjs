// The process-level contract: scripts exit by themselves, nothing from the
// environment crosses into the wasm, and a stopped Go runtime turns every
// later call into one clear error.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

import { capitalGuideKey, consumerDir, root } from './helpers.mjs';

for (const script of ['exit-by-itself.mjs', 'exit-by-itself.cjs']) {
  test(`${script}: a script that only calls init and encryptPassword exits by itself`, () => {
    // The timeout only bounds a hang; it is not a speed assertion.
    const res = spawnSync(process.execPath, [script, JSON.stringify([capitalGuideKey, 1647440528194, '1111qqqq'])], {
      cwd: consumerDir,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, BROKERAUTH_CANARY_ENV: 'Canary-Env-Secret' },
    });
    assert.equal(res.error, undefined, 'the process did not exit by itself');
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout.length, 344);
    assert.equal(res.stderr, '');
  });
}

test('a stopped Go runtime makes every later call throw runtime_stopped', async () => {
  // Drive js/runtime.js directly with the built wasm, then stop Go exactly
  // the way the Go runtime does on exit (its runtime.wasmExit import).
  await import(join(root, 'npm/wasm_exec.js'));
  const { startRuntime } = await import(join(root, 'js/runtime.js'));
  const { BrokerAuthError } = await import(join(root, 'js/errors.js'));
  const module = await WebAssembly.compile(await readFile(join(root, 'npm/brokerauth.wasm')));
  const { ns, runtime } = await startRuntime(module);

  assert.equal(runtime.callSync(ns.encryptPassword, [capitalGuideKey, '1', 'pw']).length, 344);
  assert.equal(runtime.stopped, false);

  const go = runtime.go;
  go.mem.setInt32(8, 2, true); // exit code 2, as after an escaped panic
  go.importObject.gojs['runtime.wasmExit'](0);

  assert.equal(runtime.stopped, true);
  for (let i = 0; i < 3; i++) {
    assert.throws(
      () => runtime.callSync(ns.encryptPassword, [capitalGuideKey, '1', 'pw']),
      (err) => err instanceof BrokerAuthError && err.code === 'runtime_stopped' && /exited with code 2/.test(err.message),
    );
  }
});

test('a call into a dead runtime that throws is reported as runtime_stopped', async () => {
  const { Runtime } = await import(join(root, 'js/runtime.js'));
  const runtime = new Runtime();
  const dead = () => {
    throw new Error('Go program has already exited');
  };
  assert.throws(() => runtime.callSync(dead, []), (err) => err.code === 'runtime_stopped' && /already exited/.test(err.message));
  assert.throws(() => runtime.callSync(() => 'ok', []), (err) => err.code === 'runtime_stopped');
});

test('when Go stops, keepalive listeners hear runtime_stopped and holds are released', async () => {
  const { Runtime } = await import(join(root, 'js/runtime.js'));
  const runtime = new Runtime();
  const busy = [];
  runtime.onHoldChange = (b) => busy.push(b);
  const heard = [];
  runtime.hold();
  runtime.hold();
  runtime.stopListeners.add((err) => heard.push(err.code));
  runtime.markStopped('test');
  assert.deepEqual(heard, ['runtime_stopped']);
  assert.deepEqual(busy, [true, false]);
  assert.equal(runtime.holds, 0);
});
