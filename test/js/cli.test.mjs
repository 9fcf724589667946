// The `brokerauth` command line, run as `npx brokerauth` would run it from
// the installed package, against the simulators.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { capitalGuideKey, consumerDir, expectedPlaintext, opensslDecrypt, rsaKey } from './helpers.mjs';
import { startSimServer } from './simserver.mjs';

const bin = join(consumerDir, 'node_modules/.bin/brokerauth');
let server;
let dir;

before(async () => {
  server = await startSimServer();
  dir = mkdtempSync(join(tmpdir(), 'brokerauth-cli-'));
});
after(() => server.stop());

const run = (args, { env = {}, input } = {}) =>
  spawnSync(bin, args, { cwd: dir, encoding: 'utf8', input, timeout: 60_000, env: { PATH: process.env.PATH, ...env } });

test('encrypt --password-stdin', () => {
  const { privatePem, forms } = rsaKey(2048);
  const res = run(['encrypt', '--key', forms['base64 SPKI'], '--timestamp', '1647440528194', '--password-stdin'], { input: 'pässwörd\n' });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(opensslDecrypt(privatePem, res.stdout.trim()), expectedPlaintext('pässwörd', '1647440528194'));
});

test('encrypt refuses a password on the command line and a bad key', () => {
  assert.equal(run(['encrypt', '--key', capitalGuideKey, '--timestamp', '1']).status, 2);
  const bad = run(['encrypt', '--key', 'nope', '--timestamp', '1', '--password-stdin'], { input: 'Canary-cli-1' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /invalid_key/);
  assert.ok(!bad.stderr.includes('Canary'));
});

test('ig login from environment variables prints the session headers as JSON', () => {
  const { baseURL, apiKey, identifier, password } = server.creds.ig;
  const res = run(['ig', 'login'], {
    env: { BROKERAUTH_BASE_URL: baseURL, BROKERAUTH_API_KEY: apiKey, BROKERAUTH_IDENTIFIER: identifier, BROKERAUTH_PASSWORD: password },
  });
  assert.equal(res.status, 0, res.stderr);
  const session = JSON.parse(res.stdout);
  assert.equal(session.broker, 'ig');
  assert.ok(session.headers.CST && session.headers['X-SECURITY-TOKEN']);
});

test('capital login from a YAML config; a wrong password exits 1 with the broker code', () => {
  const { baseURL, apiKey, identifier, password } = server.creds.capital;
  const config = join(dir, 'capital.yaml');
  writeFileSync(config, `# Capital.com\napi_key: ${apiKey}\nidentifier: "${identifier}"\npassword: '${password}'\nbase_url: ${baseURL}  # simulator\n`);
  const ok = run(['capital', 'login', '--config', config]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).broker, 'capital');

  writeFileSync(config, `api_key: ${apiKey}\nidentifier: ${identifier}\npassword: Canary-cli-pw\nbase_url: ${baseURL}\n`);
  const bad = run(['capital', 'login', '--config', config]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /error\.invalid\.details \(HTTP 401\)/);
  assert.ok(!bad.stderr.includes('Canary') && !bad.stdout.includes('Canary'));
});

function ibkrConfig() {
  const { baseURL, clientId, clientKeyId, credential, privateKey } = server.creds.ibkr;
  writeFileSync(join(dir, 'ibkr.pem'), privateKey, { mode: 0o600 });
  const config = join(dir, 'ibkr.yaml');
  writeFileSync(config, [
    `client_id: ${clientId}`, `client_key_id: ${clientKeyId}`, `credential: ${credential}`,
    'private_key_file: ibkr.pem', 'domain: api.ibkr.com', `base_url: ${baseURL}`, 'ip: 198.51.100.7', '',
  ].join('\n'));
  return config;
}

test('ibkr login redacts the bearer token unless --show-secrets', () => {
  const config = ibkrConfig();
  const redacted = run(['ibkr', 'login', '--config', config]);
  assert.equal(redacted.status, 0, redacted.stderr);
  const s = JSON.parse(redacted.stdout);
  assert.equal(s.broker, 'ibkr');
  assert.equal(s.authenticated, true);
  assert.match(s.headers.Authorization, /redacted/);

  const shown = run(['ibkr', 'login', '--config', config, '--show-secrets']);
  assert.match(JSON.parse(shown.stdout).headers.Authorization, /^Bearer (?!<redacted)\S+$/);
});

test('ibkr keepalive runs until SIGINT, then logs out and exits 0', async () => {
  const config = ibkrConfig();
  const before = await server.admin('ibkr', 'stats');
  const child = spawn(bin, ['ibkr', 'keepalive', '--config', config, '--every', '1'], { cwd: dir, env: { PATH: process.env.PATH } });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`keepalive never started: ${stderr}`)), 30_000);
    child.stderr.on('data', () => {
      if (stderr.includes('keeping the IBKR session alive')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // Wait for at least one tickle, then interrupt.
  for (let i = 0; i < 100; i++) {
    if ((await server.admin('ibkr', 'stats')).tickle > before.tickle) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGINT');
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, stderr);
  const afterStats = await server.admin('ibkr', 'stats');
  assert.ok(afterStats.tickle > before.tickle, 'it tickled');
  assert.equal(afterStats.logout, before.logout + 1, 'it logged out on Ctrl-C');
});

test('ibkr keepalive exits 1 when the keepalive ends for good (credentials refused)', async () => {
  const config = ibkrConfig();
  const child = spawn(bin, ['ibkr', 'keepalive', '--config', config, '--every', '1'], { cwd: dir, env: { PATH: process.env.PATH } });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  for (let i = 0; i < 300 && !stderr.includes('keeping the IBKR session alive'); i++) await new Promise((r) => setTimeout(r, 100));
  // The session dies and IBKR now refuses the client's credentials.
  await server.admin('ibkr', 'fault', { path: '/oauth2/api/v1/token', kind: 'status', status: 401, body: '{"error":"invalid_client","error_description":"unknown client"}', times: -1 });
  await server.admin('ibkr', 'expire');
  const code = await exited;
  await server.admin('ibkr', 'reset');
  assert.equal(code, 1, stderr);
  assert.match(stderr, /keepalive ended: invalid_client/);
});

test('usage errors exit 2', () => {
  assert.equal(run(['frobnicate']).status, 2);
  assert.equal(run(['ibkr', 'login']).status, 2);
  assert.equal(run(['ig', 'login', '--bogus']).status, 2);
  assert.equal(run(['--help']).status, 0);
});
