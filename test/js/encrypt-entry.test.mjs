// brokerauth/encrypt, the encrypt-only entry with its own small wasm, as a
// user receives it (the packed package): its ciphertexts decrypt under an
// independent decryptor for every key size and form the sessions module
// takes; it fails on bad input exactly as the sessions module does; its
// init() takes the same options; CommonJS, process exit, the command line.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, test } from 'node:test';

import { capitalGuideKey, consumerDir, expectedPlaintext, loadESM, root, rsaKey } from './helpers.mjs';

const pkgDir = join(consumerDir, 'node_modules/brokerauth');
const loadEncryptESM = () => import(pathToFileURL(join(consumerDir, 'load-encrypt.mjs')).href);
const loadEncryptCJS = () => createRequire(join(consumerDir, 'package.json'))('./load-encrypt.cjs');

let small;
let full;
let entry;
let fullEntry;

before(async () => {
  entry = await loadEncryptESM();
  fullEntry = await loadESM();
  small = await entry.init();
  full = await fullEntry.init();
});

// decrypt is the independent decryptor: OpenSSL's raw RSA through
// node:crypto (RSA_NO_PADDING: Node 20 refuses RSA_PKCS1_PADDING for
// decryption since CVE-2023-46809), then the PKCS#1 v1.5 type 2 padding
// checked and stripped here: 00 02, at least 8 non-zero bytes, 00, message.
function decrypt(privatePem, ciphertextB64) {
  const key = createPrivateKey(privatePem);
  const block = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, Buffer.from(ciphertextB64, 'base64'));
  assert.equal(block.length, key.asymmetricKeyDetails.modulusLength / 8, 'one block the size of the modulus');
  assert.equal(block[0], 0x00, 'EM starts 00');
  assert.equal(block[1], 0x02, 'EM block type 2');
  const end = block.indexOf(0, 2);
  assert.ok(end >= 10, 'at least 8 bytes of non-zero padding, then 00');
  return block.subarray(end + 1).toString('utf8');
}

// Every form the sessions module's encryptPassword takes (core's
// ParseEncryptionKey; test/js/encrypt.test.mjs and core's keyForms).
function allForms(bits) {
  const { privatePem, forms } = rsaKey(bits);
  const spki = Buffer.from(forms['base64 SPKI'], 'base64');
  const pkcs1 = createPublicKey(privatePem).export({ type: 'pkcs1', format: 'der' });
  return {
    privatePem,
    forms: {
      ...forms,
      'base64 SPKI, unpadded': forms['base64 SPKI'].replace(/=+$/, ''),
      'base64 SPKI, spaces': ` ${forms['base64 SPKI'].match(/.{1,10}/g).join(' ')} `,
      'base64url SPKI': spki.toString('base64url'),
      'base64 PKCS#1': pkcs1.toString('base64'),
    },
  };
}
describe('brokerauth/encrypt round-trips through an independent decryptor', () => {
  const passwords = ['1111qqqq', 'pässwörd ✓', 'パスワード', 'with|pipe', '😀 emoji'];
  for (const bits of [1024, 2048, 4096]) {
    test(`${bits}-bit key, every key form`, () => {
      const { privatePem, forms } = allForms(bits);
      assert.equal(Object.keys(forms).length, 8);
      for (const [form, key] of Object.entries(forms)) {
        for (const [i, password] of passwords.entries()) {
          const ts = [1647440528194, '1647440528194', 1647440528194n][i % 3];
          const out = small.encryptPassword(key, ts, password);
          assert.match(out, /^[A-Za-z0-9+/]+={0,2}$/, `${form}: standard base64`);
          assert.equal(decrypt(privatePem, out), expectedPlaintext(password, String(ts)), `${form}: plaintext`);
        }
      }
    });
  }

  test('the longest password a 2048-bit key carries, and one byte more', () => {
    const { privatePem, forms } = rsaKey(2048);
    const max = 3 * Math.floor((256 - 11) / 4) - '1647440528194'.length - 1; // 169
    assert.equal(decrypt(privatePem, small.encryptPassword(forms['base64 SPKI'], '1647440528194', 'a'.repeat(max))),
      expectedPlaintext('a'.repeat(max), '1647440528194'));
    assert.throws(() => small.encryptPassword(forms['base64 SPKI'], '1647440528194', 'a'.repeat(max + 1)), { code: 'password_too_long' });
  });

  test('padding is random; the sessions module decrypts to the same plaintext', () => {
    const { privatePem, forms } = rsaKey(2048);
    const key = forms['base64 SPKI'];
    assert.notEqual(small.encryptPassword(key, 1, 'pw'), small.encryptPassword(key, 1, 'pw'));
    assert.equal(decrypt(privatePem, small.encryptPassword(key, 7, 'pw')), decrypt(privatePem, full.encryptPassword(key, 7, 'pw')));
  });
});

describe('bad input: the same BrokerAuthError as the sessions module', () => {
  const good = () => rsaKey(2048).forms['base64 SPKI'];
  const canary = 'Canary-Pw-e1f0';
  const ecKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const edKey = () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const spki = () => Buffer.from(good(), 'base64');
  const pem = (type, der) => `-----BEGIN ${type}-----\n${der.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END ${type}-----\n`;
  const cases = {
    'non-base64 key': () => ['not a key at all!', 1, canary],
    'empty key': () => ['', 1, canary],
    'white space key': () => [' \n\t ', 1, canary],
    'base64 of junk': () => [Buffer.from('hello world').toString('base64'), 1, canary],
    'EC key': () => [ecKey(), 1, canary],
    'Ed25519 key': () => [edKey(), 1, canary],
    'truncated key': () => [good().slice(0, 200), 1, canary],
    'trailing garbage': () => [Buffer.concat([spki(), Buffer.from([0, 1])]).toString('base64'), 1, canary],
    'bits not whole bytes': () => [Buffer.from(spki().map((b, i) => (i === 23 ? 3 : b))).toString('base64'), 1, canary],
    'broken PEM': () => ['-----BEGIN PUBLIC KEY-----\nAAAA', 1, canary],
    'PEM with junk': () => [pem('PUBLIC KEY', Buffer.from('junk')), 1, canary],
    'certificate PEM': () => [pem('CERTIFICATE', spki()), 1, canary],
    'private key PEM': () => [rsaKey(2048).privatePem, 1, canary],
    'odd PEM type': () => [pem('"ODD" KEY ✓', spki()), 1, canary],
    '512-bit key': () => [generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), 1, canary],
    'too-long password': () => [good(), 1, canary.repeat(40)],
    'huge password': () => [good(), 1, 'x'.repeat(10_000_000)],
    'huge key': () => ['A'.repeat(10_000_000), 1, canary],
    'long key text': () => ['A'.repeat(65 * 1024 - 100) + ' '.repeat(200), 1, canary],
    'no arguments': () => [],
    'undefined key': () => [undefined, 1, canary],
    'Buffer key': () => [Buffer.from(good()), 1, canary],
    'undefined timeStamp': () => [good(), undefined, canary],
    'NaN timeStamp': () => [good(), NaN, canary],
    'negative timeStamp': () => [good(), -1, canary],
    'fractional timeStamp': () => [good(), 1.5, canary],
    'unsafe integer timeStamp': () => [good(), 2 ** 60, canary],
    'negative BigInt timeStamp': () => [good(), -5n, canary],
    'non-digit string timeStamp': () => [good(), '12a', canary],
    '21-digit timeStamp': () => [good(), '9'.repeat(21), canary],
    'empty timeStamp': () => [good(), '', canary],
    'password in the timeStamp slot': () => [good(), canary, canary],
    'undefined password': () => [good(), 1],
    'empty password': () => [good(), 1, ''],
    'object password': () => [good(), 1, { toString: () => canary }],
    'lone surrogate password': () => [good(), 1, `${canary}\uD800`],
    'password in the key slot': () => [canary, 1, canary],
    'password as a PEM label': () => [pem(canary, spki()), 1, canary],
  };
  for (const [name, args] of Object.entries(cases)) {
    test(name, () => {
      const input = args();
      const caught = (ba) => {
        try {
          ba.encryptPassword(...input);
        } catch (err) {
          return err;
        }
        assert.fail(`${name}: no error`);
      };
      const a = caught(small);
      const b = caught(full);
      assert.ok(a instanceof entry.BrokerAuthError && a instanceof Error, `${name}: a BrokerAuthError (${a})`);
      assert.deepEqual(a.toJSON(), b.toJSON(), `${name}: the sessions module's error`);
      assert.ok(!JSON.stringify(a).includes('Canary') && !a.stack.includes('Canary'), `${name}: the password is never echoed`);
      // Either entry's BrokerAuthError recognises the other's errors.
      assert.ok(a instanceof fullEntry.BrokerAuthError && b instanceof entry.BrokerAuthError);
      assert.equal(small.encryptPassword(capitalGuideKey, 1, 'pw').length, 344, 'the runtime still works');
    });
  }
});

describe('init', () => {
  test('the same option checks as the sessions module', async () => {
    const bad = [null, 42, 'x', { wasmURL: 42 }, { wasmModule: {} }, { wasmUrl: 'typo' },
      { wasmURL: 'a', wasmModule: new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])) }];
    for (const options of bad) {
      const [a, b] = await Promise.allSettled([entry.init(options), fullEntry.init(options)]);
      assert.equal(a.status, 'rejected', String(options));
      assert.deepEqual(a.reason.toJSON(), b.reason.toJSON(), JSON.stringify(options));
      assert.equal(a.reason.code, 'invalid_argument');
    }
  });

  test('single flight: every call resolves to the same frozen object; version', async () => {
    const [a, b] = await Promise.all([entry.init(), entry.init({ wasmURL: 'ignored once started' })]);
    assert.equal(a, small);
    assert.equal(b, small);
    assert.ok(Object.isFrozen(small));
    assert.deepEqual(Object.keys(small).sort(), ['encryptPassword', 'version', 'wasmMemoryBytes']);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    assert.equal(small.version, pkg.version);
    assert.equal(entry.version, pkg.version);
    assert.ok(small.wasmMemoryBytes > 0 && small.wasmMemoryBytes < full.wasmMemoryBytes, `${small.wasmMemoryBytes} bytes`);
    const { encryptPassword } = small;
    assert.equal(encryptPassword(capitalGuideKey, '1', 'pw').length, 344, 'works detached');
  });

  test('a failed start rejects with wasm_load_failed and can be retried; wasmModule; version_mismatch', async () => {
    const url = pathToFileURL(join(pkgDir, 'encrypt.mjs'));
    url.search = '?fresh-init';
    const fresh = await import(url.href);
    await assert.rejects(fresh.init({ wasmURL: pathToFileURL('/nonexistent/brokerauth-encrypt.wasm') }),
      (err) => err.code === 'wasm_load_failed' && err.message.includes('brokerauth-encrypt.wasm'));
    await assert.rejects(fresh.init({ wasmURL: pathToFileURL(join(pkgDir, 'package.json')) }), { code: 'wasm_load_failed' });
    await assert.rejects(fresh.init({ wasmURL: pathToFileURL(join(root, 'build/other-version.wasm')) }),
      (err) => err.code === 'version_mismatch' && err.message.includes('0.0.0-other'));
    const wasmModule = await WebAssembly.compile(readFileSync(join(pkgDir, 'brokerauth-encrypt.wasm')));
    const ba = await fresh.init({ wasmModule });
    assert.equal(ba.encryptPassword(capitalGuideKey, 1, 'pw').length, 344);
    assert.equal(Object.keys(globalThis).filter((k) => k.startsWith('__brokerauth')).length, 0, 'no globals left behind');
  });

  test("the sessions module refuses brokerauth-encrypt.wasm with a clear error", async () => {
    const url = pathToFileURL(join(pkgDir, 'index.mjs'));
    url.search = '?fresh-sessions';
    const fresh = await import(url.href);
    await assert.rejects(fresh.init({ wasmURL: pathToFileURL(join(pkgDir, 'brokerauth-encrypt.wasm')) }),
      (err) => err.code === 'wasm_load_failed' && /brokerauth-encrypt\.wasm/.test(err.message) && /brokerauth\.wasm/.test(err.message));
  });
});

test('require("brokerauth/encrypt") gives the same API, and it encrypts', async () => {
  const cjs = loadEncryptCJS();
  assert.deepEqual(Object.keys(cjs).sort(), ['BrokerAuthError', 'init', 'version']);
  const ba = await cjs.init();
  const { privatePem, forms } = rsaKey(2048);
  assert.equal(decrypt(privatePem, ba.encryptPassword(forms['PEM PUBLIC KEY'], '1700000000000', 'secret')), expectedPlaintext('secret', '1700000000000'));
  assert.throws(() => ba.encryptPassword('nope', 1, 'x'), (err) => err instanceof cjs.BrokerAuthError && err.code === 'invalid_key');
});

test('a script that only encrypts exits by itself', () => {
  const { privatePem, forms } = rsaKey(2048);
  const res = spawnSync(process.execPath, [join(consumerDir, 'encrypt-exit-by-itself.mjs'), JSON.stringify([forms['base64 SPKI'], 1, 'pw'])],
    { encoding: 'utf8', timeout: 20_000 });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(decrypt(privatePem, res.stdout), expectedPlaintext('pw', '1'));
});

test("the command line's encrypt needs only the encrypt-only module", () => {
  // A copy of the installed package without the sessions module: encrypt
  // still works, a session command says what is missing.
  const dir = mkdtempSync(join(tmpdir(), 'brokerauth-encrypt-cli-'));
  try {
    cpSync(pkgDir, join(dir, 'brokerauth'), { recursive: true });
    rmSync(join(dir, 'brokerauth/brokerauth.wasm'));
    rmSync(join(dir, 'brokerauth/index.mjs'));
    const { privatePem, forms } = rsaKey(2048);
    const cli = join(dir, 'brokerauth/cli.mjs');
    const res = spawnSync(process.execPath, [cli, 'encrypt', '--key', forms['base64 SPKI'], '--timestamp', '1647440528194', '--password-stdin'],
      { encoding: 'utf8', input: 'pässwörd\n', timeout: 20_000 });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(decrypt(privatePem, res.stdout.trim()), expectedPlaintext('pässwörd', '1647440528194'));
    const version = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(version.status, 0, version.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
