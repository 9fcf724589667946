// A bundler user's build in a real Chromium: esbuild (platform browser)
// bundles a one-file consumer that does `import { init } from 'brokerauth'`,
// resolving the package as npm installed it (build/consumer, made by
// test/js/pack-consumer.mjs) or else npm/ itself through node_modules.
// esbuild leaves new URL('./brokerauth.wasm', import.meta.url) alone, so
// the wasm is copied next to the bundle, as the README tells users to do.
// A tiny server on 127.0.0.1:0 serves the result under a strict CSP; the
// page finds the wasm, encrypts with a fresh key (OpenSSL decrypts it, in
// three key forms) and reports a bad key's error code.

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { build } from 'esbuild';

import { expectedPlaintext, opensslDecrypt, root, rsaKey } from '../js/helpers.mjs';
import { launchChromium, watchPage } from './browser.mjs';
import { serveFolder, strictCSP } from './server.mjs';

const work = join(root, 'build/bundle-smoke');
const dist = join(work, 'dist');
const artifacts = join(root, 'test-results');
let server;
let url;
let browser;

// The installed package when the JS tests made one, else npm/ linked in.
function packageDir() {
  const installed = join(root, 'build/consumer/node_modules/brokerauth');
  return existsSync(join(installed, 'package.json')) ? installed : join(root, 'npm');
}

const consumer = `import { init } from 'brokerauth';

const out = document.getElementById('out');
try {
  const ba = await init();
  const { key, timeStamp, password } = await (await fetch('./input.json')).json();
  out.dataset.version = ba.version;
  out.dataset.encrypted = ba.encryptPassword(key, timeStamp, password);
  try {
    ba.encryptPassword('not a key', timeStamp, password);
  } catch (err) {
    out.dataset.badKey = err.code;
  }
  out.textContent = 'done';
} catch (err) {
  out.textContent = 'failed: ' + (err && err.code) + ' ' + (err && err.message);
}
`;

const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bundle smoke</title>
<link rel="icon" href="data:,"><script type="module" src="bundle.js"></script></head>
<body><p id="out">loading</p></body></html>`;

let input = {};

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'node_modules'), { recursive: true });
  mkdirSync(dist);
  const pkg = packageDir();
  symlinkSync(pkg, join(work, 'node_modules/brokerauth'), 'dir');
  writeFileSync(join(work, 'main.mjs'), consumer);
  const result = await build({
    entryPoints: [join(work, 'main.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(dist, 'bundle.js'),
    logLevel: 'silent',
    metafile: true,
  });
  assert.deepEqual(result.errors, []);
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((f) => f.endsWith('browser.mjs')), `esbuild picked the browser build: ${inputs.join(', ')}`);
  assert.ok(!inputs.some((f) => /index\.(mjs|cjs)$/.test(f)), 'not the Node build');
  copyFileSync(join(pkg, 'brokerauth.wasm'), join(dist, 'brokerauth.wasm'));
  writeFileSync(join(dist, 'index.html'), page);
  console.log(`bundled brokerauth from ${pkg.replace(root + '/', '')}: bundle.js ${(readFileSync(join(dist, 'bundle.js')).length / 1024).toFixed(0)} KiB`);

  server = await serveFolder(dist, { headers: { 'Content-Security-Policy': strictCSP }, json: { '/input.json': () => input } });
  url = server.url;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

for (const form of ['base64 SPKI', 'PEM PUBLIC KEY', 'PEM RSA PUBLIC KEY']) {
  test(`an esbuild bundle finds brokerauth.wasm and encrypts in Chromium (${form}); OpenSSL decrypts it`, async () => {
    const { privatePem, forms } = rsaKey(2048);
    input = { key: forms[form], timeStamp: '1700000000123', password: 'pässwörd|1' };
    const tab = await browser.newPage();
    const problems = watchPage(tab);
    const wasm = tab.waitForResponse((r) => r.url() === `${url}brokerauth.wasm`);
    await tab.goto(url);
    assert.equal((await wasm).status(), 200);
    await tab.waitForFunction(() => document.getElementById('out').textContent !== 'loading', null, { timeout: 20_000 });
    assert.equal(await tab.textContent('#out'), 'done');
    const data = await tab.evaluate(() => ({ ...document.getElementById('out').dataset }));
    assert.equal(data.encrypted.length, 344);
    assert.equal(opensslDecrypt(privatePem, data.encrypted), expectedPlaintext('pässwörd|1', '1700000000123'));
    assert.equal(data.badKey, 'invalid_key');
    if (form === 'base64 SPKI') await tab.screenshot({ path: join(artifacts, 'bundle-smoke.png') });
    await tab.close();
    assert.deepEqual(problems, []);
  });
}
