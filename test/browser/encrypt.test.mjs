// The browser build in a real Chromium: the demo page loads brokerauth.wasm
// (gzip, application/wasm, under a strict CSP), encrypts with a fresh key,
// and OpenSSL decrypts the result.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { expectedPlaintext, opensslDecrypt, root, rsaKey } from '../js/helpers.mjs';
import { launchChromium, watchPage } from './browser.mjs';
import { startDemoServer } from './server.mjs';

const artifacts = join(root, 'test-results');
let server;
let browser;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startDemoServer(root);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('the demo page encrypts in Chromium and OpenSSL decrypts it', async () => {
  const page = await browser.newPage();
  const problems = watchPage(page);
  const wasmResponse = page.waitForResponse((r) => r.url().endsWith('/brokerauth.wasm'));
  await page.goto(server.url);
  const wasm = await wasmResponse;
  assert.equal(wasm.headers()['content-type'], 'application/wasm');
  assert.equal(wasm.headers()['content-encoding'], 'gzip');

  await page.getByText(/ready in \d+ ms/).waitFor();
  const { privatePem, forms } = rsaKey(2048);
  await page.fill('#key', forms['PEM PUBLIC KEY']);
  await page.fill('#timestamp', '1700000000123');
  await page.fill('#password', 'pässwörd|1');
  await page.click('#encrypt');
  await page.getByText(/Encrypted in/).waitFor();
  const out = await page.textContent('#result');
  assert.equal(opensslDecrypt(privatePem, out), expectedPlaintext('pässwörd|1', '1700000000123'));
  await page.screenshot({ path: join(artifacts, 'encrypt-ok.png'), fullPage: true });

  // A bad key shows the code, and the runtime keeps working.
  await page.fill('#key', 'not a key');
  await page.click('#encrypt');
  assert.match(await page.textContent('#error'), /^invalid_key: /);
  await page.screenshot({ path: join(artifacts, 'encrypt-bad-key.png'), fullPage: true });
  await page.fill('#key', forms['base64 SPKI']);
  await page.click('#encrypt');
  await page.waitForFunction(() => document.getElementById('result').textContent.length === 344);

  assert.deepEqual(problems, []);
});
