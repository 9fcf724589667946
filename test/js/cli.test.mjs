// The `brokerauth` command line, run as `npx brokerauth` would run it from
// the installed package, against the simulators.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
// Whatever happened: keepalive processes a failed test left running are
// stopped, and the folder (a private key, configs) goes.
const children = new Set();
after(() => {
  for (const child of children) child.kill('SIGKILL');
  server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function keepalive(config, ...extra) {
  const child = spawn(bin, ['ibkr', 'keepalive', '--config', config, '--every', '1', ...extra], { cwd: dir, env: { PATH: process.env.PATH } });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

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
  const flag = run(['encrypt', '--key', capitalGuideKey, '--timestamp', '1', '--password', 'Canary-cli-2']);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--password-stdin/);
  assert.match(flag.stderr, /BROKERAUTH_PASSWORD/);
  assert.ok(!flag.stderr.includes('Canary'));
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

function ibkrConfig({ ip = '198.51.100.7', ipLookupURL } = {}) {
  const { baseURL, clientId, clientKeyId, credential, privateKey } = server.creds.ibkr;
  writeFileSync(join(dir, 'ibkr.pem'), privateKey, { mode: 0o600 });
  const config = join(dir, 'ibkr.yaml');
  writeFileSync(config, [
    `client_id: ${clientId}`, `client_key_id: ${clientKeyId}`, `credential: ${credential}`,
    'private_key_file: ibkr.pem', 'domain: api.ibkr.com', `base_url: ${baseURL}`,
    ...(ip ? [`ip: ${ip}`] : []), ...(ipLookupURL ? [`ip_lookup_url: ${ipLookupURL}`] : []), '',
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
  const child = keepalive(config);
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
  const child = keepalive(config);
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

test('usage errors exit 2 with a message that points to --help', () => {
  assert.equal(run(['frobnicate']).status, 2);
  assert.equal(run(['ibkr', 'login']).status, 2);
  const bogus = run(['ig', 'login', '--bogus']);
  assert.equal(bogus.status, 2);
  assert.match(bogus.stderr, /unknown option --bogus\n.*--help/);
  assert.ok(!bogus.stderr.includes('"'), 'no half-quoted parser message');
  const help = run(['--help']);
  assert.equal(help.status, 0);
  for (const key of ['api_key', 'identifier', 'password', 'environment', 'base_url', 'api_version', 'client_id', 'client_key_id',
    'credential', 'private_key_file', 'domain', 'ip', 'ip_lookup_url', 'BROKERAUTH_IP_LOOKUP_URL', '--password-stdin']) {
    assert.match(help.stdout, new RegExp(`\\s${key}\\s`), `--help lists ${key}`);
  }
});

test('--version and -V print the package version; --version 2|3 still means IG\'s API version', () => {
  const { version } = JSON.parse(readFileSync(join(consumerDir, 'node_modules/brokerauth/package.json'), 'utf8'));
  for (const flag of ['--version', '-V']) {
    const res = run([flag]);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout.trim(), version);
  }
  const { baseURL, apiKey, identifier, password } = server.creds.ig;
  const env = { BROKERAUTH_BASE_URL: baseURL, BROKERAUTH_API_KEY: apiKey, BROKERAUTH_IDENTIFIER: identifier, BROKERAUTH_PASSWORD: password };
  const old = run(['ig', 'login', '--version', '3'], { env });
  assert.equal(old.status, 0, old.stderr);
  assert.match(old.stderr, /now --api-version/);
  assert.ok(JSON.parse(old.stdout).headers.Authorization, 'a v3 session');
  const now = run(['ig', 'login', '--api-version', '3'], { env });
  assert.equal(now.status, 0, now.stderr);
  assert.equal(now.stderr, '');
});

test('a config key brokerauth does not know is invalid_argument naming it and the known ones', () => {
  const config = join(dir, 'typo.yaml');
  writeFileSync(config, 'client_id: x\nip_lookup_ulr: https://example.invalid/\n');
  const res = run(['ibkr', 'login', '--config', config]);
  assert.equal(res.status, 2);
  assert.match(res.stderr, /invalid_argument: config .*typo\.yaml: unknown key "ip_lookup_ulr" for ibkr \(known: .*ip_lookup_url/);
});

test('ibkr login without internet access: the error is the public-IP lookup, and says how to skip it', () => {
  const config = ibkrConfig({ ip: null, ipLookupURL: 'http://127.0.0.1:1/' });
  const res = run(['ibkr', 'login', '--config', config]);
  assert.equal(res.status, 1);
  assert.match(res.stderr, /network: ibkr ip: the public-IP lookup at 127\.0\.0\.1:1 failed/);
  assert.match(res.stderr, /--ip/);
  const skipped = run(['ibkr', 'login', '--config', config, '--ip', '198.51.100.7']);
  assert.equal(skipped.status, 0, skipped.stderr);
});

test('--debug logs every keepalive round, never a secret', async () => {
  const config = ibkrConfig();
  const child = keepalive(config, '--debug');
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  for (let i = 0; i < 100 && !stderr.includes('keepalive round ok'); i++) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGINT');
  assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 0, stderr);
  assert.match(stderr, /brokerauth: keepalive round ok/);
  assert.ok(!/Bearer [A-Za-z0-9_-]{20}/.test(stderr), 'no bearer token in the log');
});
