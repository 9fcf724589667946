// The demo page in a real Chromium, against the demo server's simulators:
// it loads brokerauth.wasm (gzip, application/wasm, under a strict CSP),
// logs in to each broker through the form, shows the trace and the masked
// session headers, switches account, keeps alive, logs out, shows broker
// errors, runs the padding lab, and explains a blocked direct call.
// Screenshots of every state go to test-results/demo-*.png.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { leakedSecrets, oauth1Secrets, root } from '../js/helpers.mjs';
import { launchChromium, watchPage } from './browser.mjs';
import { startDemoServer } from './server.mjs';

const artifacts = join(root, 'test-results');
const wait = { timeout: 15_000 };
let server;
let browser;
let page;
let problems;

const shot = (name) => page.screenshot({ path: join(artifacts, `demo-${name}.png`), fullPage: true });
const traceText = () => page.textContent('#trace');
const text = (sel) => page.textContent(sel);

async function chooseBroker(value) {
  await page.check(`input[name="broker"][value="${value}"]`);
}

async function login() {
  await page.click('#login-button');
  await page.locator('#session').waitFor({ state: 'visible', ...wait });
}

async function logout() {
  await page.click('#logout');
  await page.locator('#session').waitFor({ state: 'hidden', ...wait });
  await page.getByText('Logged out.', { exact: true }).waitFor(wait);
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startDemoServer();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  problems = watchPage(page);
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('the page loads brokerauth.wasm compressed and gets ready', async () => {
  const wasmResponse = page.waitForResponse((r) => r.url().endsWith('/brokerauth.wasm'));
  const navigation = await page.goto(server.url);
  const csp = navigation.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.match(csp, /connect-src 'self' https:\/\/demo-api\.ig\.com https:\/\/api\.ig\.com https:\/\/demo-api-capital\.backend-capital\.com https:\/\/api-capital\.backend-capital\.com https:\/\/api\.ibkr\.com;/);
  const wasm = await wasmResponse;
  assert.equal(wasm.headers()['content-type'], 'application/wasm');
  assert.equal(wasm.headers()['content-encoding'], 'gzip');
  await page.waitForSelector('body[data-ready="true"]', wait);
  assert.match(await text('#status'), /^brokerauth \S+ ready in \d+ ms\.$/);

  const m = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    const wasmEntry = resources.find((r) => r.name.endsWith('/brokerauth.wasm'));
    return {
      ready: performance.getEntriesByName('brokerauth-ready')[0].startTime,
      transfer: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
      wasmTransfer: wasmEntry.transferSize,
      wasmDecoded: wasmEntry.decodedBodySize,
      count: resources.length + 1,
    };
  });
  console.log(`demo page: ${m.count} responses, ${(m.transfer / 1024).toFixed(0)} KiB transferred ` +
    `(brokerauth.wasm ${(m.wasmTransfer / 1024).toFixed(0)} KiB gzip, ${(m.wasmDecoded / 1024).toFixed(0)} KiB decoded); ` +
    `navigation to ready ${Math.round(m.ready)} ms`);
  assert.ok(m.transfer > 0 && m.wasmTransfer < m.wasmDecoded, 'the wasm travels compressed');

  // The simulator's demo logins are filled in; the password stays hidden.
  assert.equal(await page.inputValue('#environment'), 'sim');
  assert.equal(await page.getAttribute('#password', 'type'), 'password');
  assert.notEqual(await page.inputValue('#password'), '');
  await shot('ready');
  assert.deepEqual(problems, []);
});

test('IG v2: login, trace, masked headers, switch account, keepalive, logout', async () => {
  await chooseBroker('ig2');
  await login();
  const summary = await text('#session-summary');
  assert.match(summary, /AccountZ3SIM1/);
  assert.match(summary, /Z3SIM2/);
  const trace = await traceText();
  for (const step of ['key fetched', 'password encrypted', 'session created', 'accounts']) {
    assert.ok(trace.includes(step), `trace shows "${step}": ${trace}`);
  }
  assert.match(trace, /password encrypted — 344 base64 characters/);
  assert.match(trace, /GET \/sim\/ig\/gateway\/deal\/session\/encryptionKey → HTTP 200 in \d+ ms/);
  assert.match(trace, /POST \/sim\/ig\/gateway\/deal\/session → HTTP 200 in \d+ ms/);

  // Secrets are masked until the user asks; the password never appears.
  const password = await page.inputValue('#password');
  const headerRows = () => page.$$eval('#headers tbody tr', (rows) => rows.map((r) => [r.cells[0]?.textContent ?? r.querySelector('th').textContent, r.querySelector('td').textContent]));
  const masked = Object.fromEntries(await headerRows());
  assert.deepEqual(Object.keys(masked).sort(), ['CST', 'X-IG-API-KEY', 'X-SECURITY-TOKEN']);
  for (const v of Object.values(masked)) assert.match(v, /^.{4}…$/u);
  await shot('ig-v2-session');
  await page.click('#reveal');
  assert.equal(await page.getAttribute('#reveal', 'aria-pressed'), 'true');
  const revealed = Object.fromEntries(await headerRows());
  assert.ok(revealed.CST.length > 8 && revealed.CST.startsWith(masked.CST.slice(0, 4)));
  await page.click('#reveal');
  assert.deepEqual(Object.fromEntries(await headerRows()), masked);
  assert.ok(!(await page.content()).includes(password), 'the password is not in the page');

  await page.selectOption('#account', 'Z3SIM2');
  await page.click('#switch');
  await page.getByText('Switched to account Z3SIM2.').waitFor(wait);
  assert.match(await text('#session-summary'), /AccountZ3SIM2/);
  assert.match(await traceText(), /account switched — PUT \/sim\/ig\/gateway\/deal\/session → HTTP 200/);
  await shot('ig-v2-switched');

  await page.click('#keepalive');
  assert.equal(await page.getAttribute('#keepalive', 'aria-pressed'), 'true');
  assert.equal(await text('#keepalive'), 'Keepalive: on');
  await shot('keepalive-on');
  await page.click('#keepalive');
  assert.equal(await page.getAttribute('#keepalive', 'aria-pressed'), 'false');
  assert.match(await traceText(), /keepalive started.*keepalive stopped/s);

  await logout();
  assert.match(await traceText(), /logged out — DELETE \/sim\/ig\/gateway\/deal\/session → HTTP 20[04]/);
  assert.match(await traceText(), /session ended/);
  await shot('ig-v2-logged-out');
  assert.deepEqual(problems, []);
});

test('IG: a wrong password shows error.security.invalid-details', async () => {
  problems.expectStatus('POST', '/sim/ig/gateway/deal/session', 401);
  await page.fill('#password', 'not-the-password');
  await page.click('#login-button');
  await page.locator('#error').waitFor({ state: 'visible', ...wait });
  const error = await text('#error');
  assert.match(error, /error\.security\.invalid-details/);
  assert.match(error, /HTTP status401/);
  assert.match(error, /Broker \/ stepig \/ login/);
  assert.match(error, /Hint./);
  assert.ok(!error.includes('not-the-password'));
  assert.match(await traceText(), /login refused — POST \/sim\/ig\/gateway\/deal\/session → HTTP 401/);
  await shot('ig-wrong-password');
  assert.deepEqual(problems.unused(), []);
  assert.deepEqual(problems, []);
});

test('IG v3: login with OAuth headers and logout', async () => {
  await chooseBroker('ig3'); // refills the simulator's password
  await login();
  assert.equal(await page.isHidden('#error'), true, 'the previous error is cleared');
  const names = await page.$$eval('#headers tbody th', (ths) => ths.map((th) => th.textContent).sort());
  assert.deepEqual(names, ['Authorization', 'IG-ACCOUNT-ID', 'X-IG-API-KEY']);
  assert.match(await text('#headers'), /Bearer .{4}…/u);
  assert.match(await text('#session-summary'), /Token expires/);
  assert.match(await traceText(), /password sent unencrypted/);
  await shot('ig-v3-session');
  await logout();
  assert.deepEqual(problems, []);
});

test('Capital.com: login, switch account, logout, wrong password', async () => {
  await chooseBroker('capital');
  await login();
  assert.deepEqual(await page.$$eval('#headers tbody th', (ths) => ths.map((th) => th.textContent).sort()),
    ['CST', 'X-CAP-API-KEY', 'X-SECURITY-TOKEN']);
  assert.match(await traceText(), /key fetched — GET \/sim\/capital\/api\/v1\/session\/encryptionKey → HTTP 200/);
  await shot('capital-session');
  const current = await page.inputValue('#account');
  const other = (await page.$$eval('#account option', (os) => os.map((o) => o.value))).find((a) => a !== current);
  assert.ok(other, 'the simulator has a second account');
  await page.selectOption('#account', other);
  await page.click('#switch');
  await page.getByText(`Switched to account ${other}.`).waitFor(wait);
  assert.match(await traceText(), /account switched — PUT \/sim\/capital\/api\/v1\/session → HTTP 200/);
  await logout();

  // The library spaces Capital.com logins (1 per second per API key) by itself.
  problems.expectStatus('POST', '/sim/capital/api/v1/session', 401);
  await page.fill('#password', 'not-the-password');
  await page.click('#login-button');
  await page.locator('#error').waitFor({ state: 'visible', ...wait });
  assert.match(await text('#error'), /error\.invalid\.details/);
  assert.match(await text('#error'), /Broker \/ stepcapital \/ login/);
  await shot('capital-wrong-password');
  assert.deepEqual(problems.unused(), []);
  assert.deepEqual(problems, []);
});

test('Interactive Brokers: OAuth 2.0 login, tickle, logout', async () => {
  await chooseBroker('ibkr');
  assert.equal(await page.isVisible('#ibkr-warning'), true);
  assert.match(await text('#ibkr-warning'), /private key belongs on a server/);
  assert.equal(await page.inputValue('#private-key'), '', 'the demo key is not displayed');
  await login();
  const trace = await traceText();
  for (const step of ['public IP looked up', 'access token', 'bearer token', 'SSO session validated', 'brokerage session opened']) {
    assert.ok(trace.includes(step), `trace shows "${step}"`);
  }
  assert.match(await text('#session-summary'), /Authenticatedtrue/);
  assert.deepEqual(await page.$$eval('#headers tbody th', (ths) => ths.map((th) => th.textContent)), ['Authorization']);
  assert.equal(await page.isVisible('#switch-row'), false);
  await page.click('#tickle');
  await page.getByText(/^Tickled: authenticated true\.$/).waitFor(wait);
  await shot('ibkr-session');
  await logout();
  assert.deepEqual(problems, []);
});

test('Interactive Brokers: OAuth 1.0a login, signed request, authorizationHeader, tickle, keepalive, logout; no secret in the trace', async () => {
  const demo = server.creds.ibkrOAuth1;
  const secrets = oauth1Secrets(demo);
  await chooseBroker('ibkr1');
  assert.equal(await page.isVisible('#ibkr1-warning'), true);
  assert.equal(await page.isVisible('#ibkr-fields'), false);
  assert.equal(await page.inputValue('#consumer-key'), demo.consumerKey);
  assert.equal(await page.inputValue('#access-token'), demo.accessToken);
  assert.equal(await page.getAttribute('#access-token-secret', 'type'), 'password');
  assert.equal(await page.inputValue('#signature-key'), '', 'the demo signature key is not displayed');
  assert.equal(await page.inputValue('#encryption-key'), '', 'the demo encryption key is not displayed');
  assert.equal(await page.inputValue('#realm'), 'limited_poa');
  await page.click('#clear-trace');
  await login();
  let trace = await traceText();
  assert.match(trace, /live session token \(Diffie-Hellman, RSA-SHA256\) — POST \/sim\/ibkr\/v1\/api\/oauth\/live_session_token → HTTP 200/);
  assert.match(trace, /brokerage session opened — POST \/sim\/ibkr\/v1\/api\/iserver\/auth\/ssodh\/init → HTTP 200/);
  assert.ok(!trace.includes('bearer token'), 'no OAuth 2.0 step');
  assert.match(await text('#session-summary'), /Brokeribkr \(OAuth 1\.0a\)/);
  assert.match(await text('#session-summary'), /Authenticatedtrue/);
  assert.match(await text('#session-summary'), /Token expires/);
  assert.equal(await page.isVisible('#headers'), false, 'an OAuth 1.0a session has no headers');
  assert.match(await text('#no-headers'), /signs each request/);

  await page.click('#ibkr-request');
  await page.getByText('GET /v1/api/portfolio/accounts: 1 account(s).').waitFor(wait);
  assert.match(await traceText(), /portfolio accounts — GET \/sim\/ibkr\/v1\/api\/portfolio\/accounts → HTTP 200/);

  // The header for the page's own call: masked like a bearer token until
  // "Reveal secrets", and never in the trace.
  await page.click('#auth-header-button');
  await page.getByText('Authorization header ready (OAuth).').waitFor(wait);
  const masked = await text('#auth-header-value');
  assert.match(masked, /^OAuth realm="limited_poa", oauth_consumer_key="BADEMOCON", oauth_nonce="[0-9a-f]{20}", oauth_signature=".{4}…", oauth_signature_method="HMAC-SHA256", oauth_timestamp="\d+", oauth_token=".{4}…"$/u);
  assert.match(await traceText(), /authorization header — OAuth … for GET \/v1\/api\/tickle, \d+ characters; the value is never shown here/);
  await shot('ibkr-oauth1-session');
  await page.click('#reveal');
  const header = await text('#auth-header-value');
  await page.click('#reveal');
  assert.equal(await text('#auth-header-value'), masked);
  assert.match(header, /oauth_signature="[^"…]{20,}", .*oauth_token="[0-9a-f]{20}"$/);
  // It is a working header: the simulator takes it from this test's own fetch.
  const res = await fetch(`${demo.baseURL}/v1/api/tickle`, { headers: { Authorization: header } });
  assert.equal(res.status, 200);

  await page.click('#tickle');
  await page.getByText(/^Tickled: authenticated true\.$/).waitFor(wait);
  await page.click('#keepalive');
  assert.equal(await text('#keepalive'), 'Keepalive: on');
  await page.click('#keepalive');
  await logout();
  trace = await traceText();
  assert.match(trace, /logged out — POST \/sim\/ibkr\/v1\/api\/logout → HTTP 200/);
  assert.match(trace, /session ended/);
  assert.equal(await page.isVisible('#auth-header'), false, 'the header goes with the session');

  const signature = /oauth_signature="([^"]+)"/.exec(header)[1];
  const token = /oauth_token="([^"]+)"/.exec(header)[1];
  for (const s of [...secrets, signature, decodeURIComponent(signature), token]) {
    assert.ok(!trace.includes(s), `the trace shows a secret: ${s.slice(0, 8)}…`);
  }
  const html = await page.content();
  assert.deepEqual(leakedSecrets(html.replace(/value="[^"]*"/g, ''), secrets), [], 'no key or secret in the page outside the form');
  const stats = await (await fetch(`${demo.baseURL}/__sim/stats`)).json();
  assert.equal(stats.signatureFailures, 0);
  assert.deepEqual(problems, []);
});

// Capital.com takes one POST /session a second per API key, and the test
// before may have logged in moments ago (the padding lab by a plain fetch,
// which the library's spacing of its own logins does not see). The page
// would wait out the 429, but it must not meet one here.
const capitalLoginWindow = () => page.waitForTimeout(1100);

for (const broker of ['ig', 'capital']) {
  test(`padding lab (${broker}): PKCS#1 v1.5 accepted, RSA-OAEP refused`, async () => {
    const sessionPath = broker === 'ig' ? '/sim/ig/gateway/deal/session' : '/sim/capital/api/v1/session';
    problems.expectStatus('POST', sessionPath, 401);
    if (broker === 'capital') await capitalLoginWindow();
    await page.selectOption('#lab-broker', broker);
    await page.click('#lab-run');
    await page.locator('#lab-why').waitFor({ state: 'visible', timeout: 20_000 });
    const status = await text('#lab-status');
    const code = broker === 'ig' ? 'error.security.invalid-details' : 'error.invalid.details';
    assert.match(status, new RegExp(`PKCS#1 v1\\.5 accepted \\(200\\), RSA-OAEP refused \\(401 ${code.replaceAll('.', '\\.')}\\)`));
    const rows = await page.$$eval('#lab-results tbody tr', (trs) => trs.map((tr) => tr.textContent));
    assert.match(rows[0], /PKCS#1 v1\.5.*256 bytes \(344 base64 characters\)HTTP 200accepted: session opened, then logged out/);
    assert.match(rows[1], new RegExp(`RSA-OAEP.*256 bytes \\(344 base64 characters\\)HTTP 401refused: ${code.replaceAll('.', '\\.')}`));
    assert.match(await text('#lab-why'), /node-rsa/);
    await shot(`padding-lab-${broker}`);
    assert.deepEqual(problems.unused(), []);
    assert.deepEqual(problems, []);
  });
}

test('a real broker the browser cannot reach: the page says so and points to -proxy', async () => {
  // Offline here, and a real broker may refuse CORS: either way fetch()
  // rejects. Make it fail at once and deterministically.
  await page.route('https://demo-api.ig.com/**', (route) => route.abort('accessdenied'));
  problems.expectFailed('https://demo-api.ig.com/');
  await chooseBroker('ig2');
  await page.selectOption('#environment', 'demo');
  assert.equal(await page.inputValue('#password'), '', 'simulator logins are not sent to a real broker');
  assert.equal(await page.isVisible('#proxy-row'), false, 'no proxy offered when the server runs without -proxy');
  await page.fill('#api-key', 'my-demo-key');
  await page.fill('#identifier', 'someone');
  await page.fill('#password', 'secret-password');
  await page.click('#login-button');
  await page.locator('#error').waitFor({ state: 'visible', ...wait });
  const error = await text('#error');
  assert.match(error, /network/);
  assert.match(error, /did not let this page reach the broker/);
  assert.match(error, /-proxy/);
  assert.match(await traceText(), /GET https:\/\/demo-api\.ig\.com\/gateway\/deal\/session\/encryptionKey → blocked or unreachable/);
  await shot('blocked');
  await page.unroute('https://demo-api.ig.com/**');
  await page.selectOption('#environment', 'sim');
  assert.deepEqual(problems.unused(), []);
  assert.deepEqual(problems, []);
});

test('keyboard and phone width', async () => {
  await capitalLoginWindow(); // this test logs in to Capital.com
  // The first Tab reaches the skip link, which leads to the form.
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]', wait);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'broker');
  // Log in with the keyboard only: arrow to Capital.com, Enter submits.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.value), 'capital');
  await page.focus('#password');
  await page.keyboard.press('Enter');
  await page.locator('#session').waitFor({ state: 'visible', ...wait });

  await page.setViewportSize({ width: 360, height: 780 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 360 px (overflow ${overflow}px)`);
  await shot('phone');
  await logout();
  assert.deepEqual(problems, []);
});
