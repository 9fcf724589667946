// `brokerauth ibkr login|keepalive` with IBKR OAuth 1.0a settings as ibind
// users hold them (its config keys and IBIND_OAUTH1A_* variables), run as
// `npx brokerauth` would run it from the installed package, against the
// IBKR simulator's demo consumer.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';

import { consumerDir, leakedSecrets, oauth1Secrets } from './helpers.mjs';
import { startSimServer } from './simserver.mjs';

const bin = join(consumerDir, 'node_modules/.bin/brokerauth');
let server;
let dir;
let demo;
let secrets;

before(async () => {
  server = await startSimServer();
  demo = server.creds.ibkrOAuth1;
  secrets = oauth1Secrets(demo);
  dir = mkdtempSync(join(tmpdir(), 'brokerauth-cli-oauth1-'));
  // The keys and the DH group as files next to the config, in a folder
  // of their own: the paths in the config are relative to the config.
  mkdirSync(join(dir, 'ibkr/keys'), { recursive: true });
  writeFileSync(join(dir, 'ibkr/keys/signature.pem'), demo.signatureKey, { mode: 0o600 });
  writeFileSync(join(dir, 'ibkr/keys/encryption.pem'), demo.encryptionKey, { mode: 0o600 });
  writeFileSync(join(dir, 'ibkr/keys/dhparam.pem'), demo.dhParams);
});
const children = new Set();
after(() => {
  for (const child of children) child.kill('SIGKILL');
  server.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => server.admin('ibkr', 'reset'));

// run runs the command line from dir (not the config's folder) with only
// PATH and the given variables.
const run = (args, env = {}) =>
  spawnSync(bin, args, { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, ...env } });

// config writes ibkr/<name> with ibind's keys for the demo consumer; extra
// lines are added, keys set to null left out.
function config(name, extra = {}) {
  const keys = {
    consumer_key: demo.consumerKey,
    access_token: demo.accessToken,
    access_token_secret: `"${demo.accessTokenSecret}"`,
    signature_key_fp: 'keys/signature.pem',
    encryption_key_fp: 'keys/encryption.pem',
    dhparam_fp: 'keys/dhparam.pem',
    realm: demo.realm,
    oauth_rest_url: `${demo.baseURL}/v1/api/`,
    ...extra,
  };
  const path = join(dir, 'ibkr', name);
  writeFileSync(path, `# ibind's settings\n${Object.entries(keys).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`);
  return path;
}

function assertNoSecret(res, what) {
  assert.deepEqual(leakedSecrets(`${res.stdout}\n${res.stderr}`, secrets), [], `${what}: no secret on stdout or stderr`);
}

function assertSession(res, what) {
  assert.equal(res.status, 0, `${what}: ${res.stderr}`);
  const s = JSON.parse(res.stdout);
  assert.equal(s.broker, 'ibkr', what);
  assert.deepEqual(s.headers, {}, what);
  assert.equal(s.authenticated, true, what);
  assertNoSecret(res, what);
}

test('ibkr login --config with ibind\'s keys: the PEM files relative to the config, oauth_rest_url\'s /v1/api/ taken off', async () => {
  const path = config('ibkr-oauth1.yaml');
  assertSession(run(['ibkr', 'login', '--config', path]), 'login');
  assertSession(run(['ibkr', 'login', '--config', path, '--debug']), 'login --debug');
  // ibind's dh_prime and dh_generator instead of a dhparam.pem; and a
  // stray BROKERAUTH_BASE_URL in the environment loses to the config file.
  const prime = config('ibkr-oauth1-prime.yaml', { dhparam_fp: null, dh_prime: demo.dhPrime, dh_generator: 2, oauth_rest_url: `${demo.baseURL}/v1/api` });
  assertSession(run(['ibkr', 'login', '--config', prime], { BROKERAUTH_BASE_URL: server.creds.capital.baseURL }), 'dh_prime');
  const st = await server.admin('ibkr', 'stats');
  assert.equal(st.liveSessionToken, 3);
  assert.equal(st.signatureFailures, 0);
});

test('ibkr login with IBIND_OAUTH1A_* variables only', () => {
  const env = {
    IBIND_OAUTH1A_CONSUMER_KEY: demo.consumerKey,
    IBIND_OAUTH1A_ACCESS_TOKEN: demo.accessToken,
    IBIND_OAUTH1A_ACCESS_TOKEN_SECRET: demo.accessTokenSecret,
    IBIND_OAUTH1A_SIGNATURE_KEY_FP: 'ibkr/keys/signature.pem', // relative to the working folder without --config
    IBIND_OAUTH1A_ENCRYPTION_KEY_FP: join(dir, 'ibkr/keys/encryption.pem'),
    IBIND_OAUTH1A_DH_PRIME: demo.dhPrime,
    IBIND_OAUTH1A_DH_GENERATOR: '2',
    IBIND_OAUTH1A_REALM: demo.realm,
    IBIND_OAUTH1A_REST_URL: `${demo.baseURL}/v1/api/`,
  };
  assertSession(run(['ibkr', 'login'], env), 'IBIND_OAUTH1A_*');
  assertSession(run(['ibkr', 'login', '--debug'], env), 'IBIND_OAUTH1A_* --debug');
});

test('ibkr keepalive: a round, then SIGTERM logs out and exits 0; --debug shows no secret', async () => {
  const path = config('ibkr-oauth1.yaml');
  const child = spawn(bin, ['ibkr', 'keepalive', '--config', path, '--every', '1', '--debug'], { cwd: dir, env: { PATH: process.env.PATH } });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  for (let i = 0; i < 300 && !stderr.includes('keepalive round ok'); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(stderr, /brokerauth: keepalive round ok/);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /OAuth 1\.0a: live session token/);
  assert.match(stderr, /logging out/);
  assert.equal(JSON.parse(stdout).authenticated, true);
  assertNoSecret({ stdout, stderr }, 'keepalive --debug');
  const st = await server.admin('ibkr', 'stats');
  assert.ok(st.tickle >= 1, 'it tickled');
  assert.equal(st.logout, 1, 'it logged out on SIGTERM');
  assert.equal(st.sessions, 0);
  assert.equal(st.signatureFailures, 0);
});

test('settings of both modes, or of the other mode, exit 2 with invalid_argument; neither exits 2', () => {
  const both = run(['ibkr', 'login', '--config', config('both.yaml', { client_id: 'BROKERAUTH_DEMO' })]);
  assert.equal(both.status, 2, both.stderr);
  assert.match(both.stderr, /invalid_argument: consumer_key \(OAuth 1\.0a\) and client_id \(OAuth 2\.0\) are both set/);
  assertNoSecret(both, 'both modes');

  const bothEnv = run(['ibkr', 'login', '--config', config('ibkr-oauth1.yaml')], { BROKERAUTH_CLIENT_ID: 'BROKERAUTH_DEMO' });
  assert.equal(bothEnv.status, 2, bothEnv.stderr);
  assert.match(bothEnv.stderr, /invalid_argument: .*both set/);

  const other = run(['ibkr', 'login', '--config', config('other.yaml', { ip: '203.0.113.7' })]);
  assert.equal(other.status, 2, other.stderr);
  assert.match(other.stderr, /invalid_argument: ip is an OAuth 2\.0 setting/);
  const otherFlag = run(['ibkr', 'login', '--config', config('ibkr-oauth1.yaml'), '--ip', '203.0.113.7']);
  assert.equal(otherFlag.status, 2, otherFlag.stderr);

  const neither = run(['ibkr', 'login', '--config', config('neither.yaml', { consumer_key: null })]);
  assert.equal(neither.status, 2, neither.stderr);
  assert.match(neither.stderr, /client_id .* or consumer_key/);
  assertNoSecret(neither, 'neither');
});

test('refusals exit 1 and show no secret, with and without --debug', async () => {
  const wrongKey = config('wrong-key.yaml', { encryption_key_fp: 'keys/signature.pem' });
  const otherSig = config('wrong-sig.yaml', { signature_key_fp: 'keys/encryption.pem' });
  for (const debug of [[], ['--debug']]) {
    const undecryptable = run(['ibkr', 'login', '--config', wrongKey, ...debug]);
    assert.equal(undecryptable.status, 1, undecryptable.stderr);
    assert.match(undecryptable.stderr, /invalid_key: ibkr\(options\): AccessTokenSecret does not decrypt/);
    assertNoSecret(undecryptable, `undecryptable ${debug}`);

    const refused = run(['ibkr', 'login', '--config', otherSig, ...debug]);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /\(HTTP 401\): ibkr live_session_token: .*invalid signature/);
    if (debug.length) assert.match(refused.stderr, /"step":"live_session_token","status":401/);
    assertNoSecret(refused, `wrong signature key ${debug}`);
  }
  const st = await server.admin('ibkr', 'stats');
  assert.equal(st.liveSessionToken, 2, 'only the wrong signature key reached the simulator');
});
