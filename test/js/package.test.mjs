// The tarball itself: what a user downloads, and that TypeScript users of
// both module systems type-check against it.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { consumerDir, root } from './helpers.mjs';

const packed = JSON.parse(readFileSync(join(consumerDir, 'pack.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(consumerDir, 'node_modules/brokerauth/package.json'), 'utf8'));

test('the tarball holds exactly the runtime files', () => {
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, [
    'LICENSE', 'LICENSE-go', 'README.md', 'brokerauth.wasm', 'browser.mjs', 'cli.mjs', 'index.cjs', 'index.d.mts',
    'index.d.ts', 'index.mjs', 'package.json', 'wasm_exec.js',
    // brokerauth/encrypt
    'brokerauth-encrypt.wasm', 'encrypt-browser.mjs', 'encrypt.cjs', 'encrypt.d.mts', 'encrypt.d.ts', 'encrypt.mjs',
    // brokerauth/redis
    'redis.cjs', 'redis.d.mts', 'redis.d.ts', 'redis.mjs',
  ].sort());
});

test('package.json: zero runtime dependencies, Node >= 18, ESM + CJS + types, the .wasm exported', () => {
  assert.equal(pkg.name, 'brokerauth');
  assert.equal(pkg.dependencies, undefined);
  assert.equal(pkg.engines.node, '>=18');
  const dot = pkg.exports['.'];
  assert.equal(dot.node.import.default, './index.mjs');
  assert.equal(dot.node.require.default, './index.cjs');
  assert.ok(dot.node.import.types && dot.node.require.types);
  assert.equal(dot.default, './browser.mjs');
  assert.equal(pkg.exports['./brokerauth.wasm'], './brokerauth.wasm');
  const encrypt = pkg.exports['./encrypt'];
  assert.equal(encrypt.node.import.default, './encrypt.mjs');
  assert.equal(encrypt.node.require.default, './encrypt.cjs');
  assert.ok(encrypt.node.import.types && encrypt.node.require.types && encrypt.types);
  assert.equal(encrypt.default, './encrypt-browser.mjs');
  assert.equal(pkg.exports['./brokerauth-encrypt.wasm'], './brokerauth-encrypt.wasm');
  // brokerauth/redis (Node only): its one dependency, redis, is an optional peer.
  const redis = pkg.exports['./redis'];
  assert.equal(redis.import.default, './redis.mjs');
  assert.equal(redis.require.default, './redis.cjs');
  assert.ok(redis.import.types && redis.require.types);
  assert.deepEqual(Object.keys(pkg.peerDependencies ?? {}), ['redis']);
  assert.deepEqual(pkg.peerDependenciesMeta, { redis: { optional: true } });
  assert.equal(pkg.bin.brokerauth, 'cli.mjs');
});

test("wasm_exec.js is the Go toolchain's own, unmodified", () => {
  const goroot = execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
  assert.equal(
    readFileSync(join(consumerDir, 'node_modules/brokerauth/wasm_exec.js'), 'utf8'),
    readFileSync(join(goroot, 'lib/wasm/wasm_exec.js'), 'utf8'),
  );
});

test('the entries carry wasm_exec.js inlined instead of loading it', () => {
  // A dynamic import of the CommonJS file cost Node ~10 ms per cold start.
  for (const entry of ['index.mjs', 'index.cjs', 'browser.mjs', 'encrypt.mjs', 'encrypt.cjs', 'encrypt-browser.mjs']) {
    const src = readFileSync(join(consumerDir, 'node_modules/brokerauth', entry), 'utf8');
    assert.doesNotMatch(src, /wasm_exec\.js['"]/, `${entry} does not load wasm_exec.js`);
    assert.match(src, /function defineGoClass\(\)/, entry);
    assert.match(src, /"syscall\/js\.valuePrepareString"/, `${entry} holds Go's wasm_exec.js`);
  }
});

test('tsc --noEmit accepts an ESM and a CommonJS TypeScript consumer', () => {
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(consumerDir, 'tsconfig.json')], { stdio: 'pipe' });
});
