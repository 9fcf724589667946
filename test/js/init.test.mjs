// init(): option checks, a failed start that can be retried, and the
// wasmURL / wasmModule paths. One file, one process: init's single-flight
// state is per module instance.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';

import { capitalGuideKey, consumerDir, loadESM, root } from './helpers.mjs';

const wasmPath = join(consumerDir, 'node_modules/brokerauth/brokerauth.wasm');

test('bad options are refused with invalid_argument', async () => {
  const { init, BrokerAuthError } = await loadESM();
  for (const options of [null, 42, 'x', { wasmURL: 42 }, { wasmModule: {} }, { wasmURL: 'a', wasmModule: new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])) }]) {
    await assert.rejects(init(options), (err) => err instanceof BrokerAuthError && err.code === 'invalid_argument', String(options));
  }
});

test('a wasm of another version is refused loudly (version_mismatch)', async () => {
  const { init, BrokerAuthError, version } = await loadESM();
  await assert.rejects(
    init({ wasmURL: pathToFileURL(join(root, 'build/other-version.wasm')) }),
    (err) => err instanceof BrokerAuthError && err.code === 'version_mismatch' &&
      err.message.includes('0.0.0-other') && err.message.includes(version),
  );
});

test('a failed init (missing .wasm) rejects with wasm_load_failed and can be retried', async () => {
  const { init, BrokerAuthError } = await loadESM();
  await assert.rejects(
    init({ wasmURL: pathToFileURL('/nonexistent/brokerauth.wasm') }),
    (err) => err instanceof BrokerAuthError && err.code === 'wasm_load_failed',
  );
  await assert.rejects(
    init({ wasmURL: pathToFileURL(join(consumerDir, 'package.json')) }),
    (err) => err instanceof BrokerAuthError && err.code === 'wasm_load_failed',
    'a file that is not wasm',
  );
  // A server that cannot be reached: the message says which URL and why.
  const closed = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => closed.on('listening', resolve));
  const url = `http://127.0.0.1:${closed.address().port}/brokerauth.wasm`;
  await new Promise((resolve) => closed.close(resolve));
  await assert.rejects(
    init({ wasmURL: url }),
    (err) => err instanceof BrokerAuthError && err.code === 'wasm_load_failed' && err.message.includes(`fetching ${url} failed: `) &&
      /ECONNREFUSED|connect/.test(err.message),
  );
  // The retry loads from an explicit URL and works.
  const ba = await init({ wasmURL: pathToFileURL(wasmPath) });
  assert.equal(ba.encryptPassword(capitalGuideKey, 1, 'pw').length, 344);
  // From now on init() returns the started object whatever the options.
  assert.equal(await init({ wasmURL: 'ignored' }), ba);
});

test('a precompiled wasmModule is accepted (in a fresh module instance)', async () => {
  // A query string gives a separate ESM instance with its own init state.
  const url = pathToFileURL(join(consumerDir, 'node_modules/brokerauth/index.mjs'));
  url.search = '?fresh';
  const { init } = await import(url.href);
  const wasmModule = await WebAssembly.compile(await readFile(wasmPath));
  const ba = await init({ wasmModule });
  assert.equal(ba.encryptPassword(capitalGuideKey, 1, 'pw').length, 344);
});
