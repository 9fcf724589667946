// brokerauth/encrypt in a bundler user's build, in a real Chromium: a page
// that imports only 'brokerauth/encrypt', bundled once with Vite and once
// with esbuild (platform browser), resolving the package as npm installed
// it (build/consumer, made by test/js/pack-consumer.mjs) or else npm/.
// Vite finds new URL('./brokerauth-encrypt.wasm', import.meta.url) and
// emits the wasm as an asset; esbuild leaves it alone, so the wasm is
// copied next to the bundle, as the README tells esbuild users to do.
// A tiny server on 127.0.0.1:0 serves each build under a strict CSP, the
// .wasm as application/wasm; the page encrypts with a fresh key in three
// forms (node:crypto decrypts it, the padding checked here), reports a bad
// key's error code, and never asks for the sessions module's wasm.

import assert from 'node:assert/strict';
import { constants, createPrivateKey, privateDecrypt } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';

import { expectedPlaintext, root, rsaKey } from '../js/helpers.mjs';
import { launchChromium, watchPage } from './browser.mjs';
import { serveFolder, strictCSP } from './server.mjs';

const work = join(root, 'build/encrypt-bundle');
const artifacts = join(root, 'test-results');
const builds = {}; // bundler → { dist, url, server }
let browser;

// The installed package when the JS tests made one, else npm/ linked in.
function packageDir() {
  const installed = join(root, 'build/consumer/node_modules/brokerauth');
  return existsSync(join(installed, 'package.json')) ? installed : join(root, 'npm');
}

const consumer = `import { init } from 'brokerauth/encrypt';

const out = document.getElementById('out');
try {
  const { encryptPassword, version } = await init();
  const { key, timeStamp, password } = await (await fetch('./input.json')).json();
  out.dataset.version = version;
  out.dataset.encrypted = encryptPassword(key, timeStamp, password);
  try {
    encryptPassword('not a key', timeStamp, password);
  } catch (err) {
    out.dataset.badKey = err.code;
  }
  out.textContent = 'done';
} catch (err) {
  out.textContent = 'failed: ' + (err && err.code) + ' ' + (err && err.message);
}
`;

const page = (script) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>brokerauth/encrypt bundle</title>
<link rel="icon" href="data:,"><script type="module" src="${script}"></script></head>
<body><p id="out">loading</p></body></html>`;

let input = {};

// decrypt: node:crypto's raw RSA (Node 20 refuses RSA_PKCS1_PADDING for
// decryption), the PKCS#1 v1.5 type 2 padding checked and stripped here.
function decrypt(privatePem, ciphertextB64) {
  const block = privateDecrypt({ key: createPrivateKey(privatePem), padding: constants.RSA_NO_PADDING }, Buffer.from(ciphertextB64, 'base64'));
  assert.deepEqual([block[0], block[1]], [0, 2]);
  const end = block.indexOf(0, 2);
  assert.ok(end >= 10);
  return block.subarray(end + 1).toString('utf8');
}

function files(dir) {
  return readdirSync(dir, { recursive: true }).filter((f) => statSync(join(dir, f)).isFile()).map((f) => f.replaceAll('\\', '/'));
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'node_modules'), { recursive: true });
  const pkg = packageDir();
  symlinkSync(pkg, join(work, 'node_modules/brokerauth'), 'dir');
  writeFileSync(join(work, 'main.mjs'), consumer);

  // esbuild: the wasm is copied next to the bundle.
  const esDist = join(work, 'dist-esbuild');
  mkdirSync(esDist, { recursive: true });
  const result = await esbuild({
    entryPoints: [join(work, 'main.mjs')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    outfile: join(esDist, 'bundle.js'), logLevel: 'silent', metafile: true,
  });
  assert.deepEqual(result.errors, []);
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((f) => f.endsWith('encrypt-browser.mjs')), `esbuild picked the browser build of brokerauth/encrypt: ${inputs.join(', ')}`);
  assert.ok(!inputs.some((f) => /(index|browser|encrypt)\.(mjs|cjs)$/.test(f) && !f.endsWith('encrypt-browser.mjs')), `only brokerauth/encrypt's browser build: ${inputs.join(', ')}`);
  copyFileSync(join(pkg, 'brokerauth-encrypt.wasm'), join(esDist, 'brokerauth-encrypt.wasm'));
  writeFileSync(join(esDist, 'index.html'), page('bundle.js'));
  builds.esbuild = { dist: esDist };

  // Vite: index.html in, the wasm emitted as a hashed asset.
  const viteRoot = join(work, 'vite');
  mkdirSync(viteRoot, { recursive: true });
  writeFileSync(join(viteRoot, 'index.html'), page('/main.mjs'));
  writeFileSync(join(viteRoot, 'main.mjs'), consumer);
  const viteDist = join(work, 'dist-vite');
  await viteBuild({
    root: viteRoot, configFile: false, logLevel: 'silent', base: './',
    resolve: { preserveSymlinks: false },
    build: { outDir: viteDist, emptyOutDir: true, target: 'es2022', modulePreload: false },
  });
  const emitted = files(viteDist);
  assert.ok(emitted.some((f) => /brokerauth-encrypt[-.\w]*\.wasm$/.test(f)), `Vite emitted the wasm: ${emitted.join(', ')}`);
  assert.ok(!emitted.some((f) => /brokerauth(?!-encrypt)[-.\w]*\.wasm$/.test(f)), `and not the sessions module's: ${emitted.join(', ')}`);
  builds.vite = { dist: viteDist };

  for (const [name, b] of Object.entries(builds)) {
    const js = files(b.dist).filter((f) => /\.m?js$/.test(f)).reduce((n, f) => n + statSync(join(b.dist, f)).size, 0);
    const wasm = files(b.dist).filter((f) => f.endsWith('.wasm')).reduce((n, f) => n + statSync(join(b.dist, f)).size, 0);
    console.log(`${name}: ${(js / 1024).toFixed(0)} KiB of JavaScript, ${(wasm / 1e6).toFixed(2)} MB of wasm`);
    b.server = await serveFolder(b.dist, { headers: { 'Content-Security-Policy': strictCSP }, json: { '/input.json': () => input } });
    b.url = b.server.url;
  }
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const b of Object.values(builds)) await b.server?.close();
});

for (const bundler of ['vite', 'esbuild']) {
  for (const form of ['base64 SPKI', 'PEM PUBLIC KEY', 'PEM RSA PUBLIC KEY']) {
    test(`brokerauth/encrypt bundled by ${bundler} loads and encrypts in Chromium (${form})`, async () => {
      const { url } = builds[bundler];
      const { privatePem, forms } = rsaKey(2048);
      input = { key: forms[form], timeStamp: '1700000000123', password: 'pässwörd|1' };
      const tab = await browser.newPage();
      const problems = watchPage(tab);
      const wasmRequests = [];
      tab.on('request', (req) => {
        if (req.url().endsWith('.wasm')) wasmRequests.push(req.url());
      });
      const wasm = tab.waitForResponse((r) => /brokerauth-encrypt[-.\w]*\.wasm$/.test(r.url()));
      await tab.goto(url);
      const res = await wasm;
      assert.equal(res.status(), 200);
      assert.equal(res.headers()['content-type'], 'application/wasm', 'served for instantiateStreaming');
      await tab.waitForFunction(() => document.getElementById('out').textContent !== 'loading', null, { timeout: 20_000 });
      assert.equal(await tab.textContent('#out'), 'done');
      const data = await tab.evaluate(() => ({ ...document.getElementById('out').dataset }));
      assert.equal(data.encrypted.length, 344);
      assert.equal(decrypt(privatePem, data.encrypted), expectedPlaintext('pässwörd|1', '1700000000123'));
      assert.equal(data.badKey, 'invalid_key');
      assert.equal(wasmRequests.length, 1, `one wasm, the encrypt-only one: ${wasmRequests.join(', ')}`);
      if (form === 'base64 SPKI') await tab.screenshot({ path: join(artifacts, `encrypt-bundle-${bundler}.png`) });
      await tab.close();
      assert.deepEqual(problems, []);
    });
  }
}
