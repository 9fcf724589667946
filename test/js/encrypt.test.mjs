// encryptPassword through the packed package's ESM entry: correctness
// against an independent decryptor, and the bad-input matrix.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { before, describe, test } from 'node:test';

import { capitalGuideKey, expectedPlaintext, loadESM, opensslDecrypt, rsaKey } from './helpers.mjs';

let ba;
let BrokerAuthError;

before(async () => {
  const mod = await loadESM();
  BrokerAuthError = mod.BrokerAuthError;
  ba = await mod.init();
});

describe('encryptPassword round-trips through OpenSSL', () => {
  const passwords = ['1111qqqq', 'pässwörd ✓', 'パスワード', 'with|pipe', '😀 emoji'];
  for (const bits of [1024, 2048, 4096]) {
    test(`${bits}-bit key, every key form`, () => {
      const { privatePem, forms } = rsaKey(bits);
      for (const [form, key] of Object.entries(forms)) {
        for (const [i, password] of passwords.entries()) {
          const ts = [1647440528194, '1647440528194', 1647440528194n][i % 3];
          const out = ba.encryptPassword(key, ts, password);
          assert.match(out, /^[A-Za-z0-9+/]+={0,2}$/, `${form}: standard base64`);
          assert.equal(Buffer.from(out, 'base64').length, bits / 8, `${form}: one RSA block`);
          assert.equal(opensslDecrypt(privatePem, out), expectedPlaintext(password, String(ts)), `${form}: plaintext`);
        }
      }
    });
  }

  test("Capital.com's guide vector gives 256 bytes, 344 characters", () => {
    const out = ba.encryptPassword(capitalGuideKey, 1647440528194, '1111qqqq');
    assert.equal(out.length, 344);
    assert.equal(Buffer.from(out, 'base64').length, 256);
  });

  test('padding is random', () => {
    const key = rsaKey(2048).forms['base64 SPKI'];
    assert.notEqual(ba.encryptPassword(key, 1, 'pw'), ba.encryptPassword(key, 1, 'pw'));
  });
});

describe('bad input throws BrokerAuthError with a code, and the runtime keeps working', () => {
  const good = () => rsaKey(2048).forms['base64 SPKI'];
  const canary = 'Canary-Pw-7c41d0';
  const ecKey = () =>
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

  const cases = [
    ['non-base64 key', () => ['not a key at all!', 1, canary], 'invalid_key'],
    ['empty key', () => ['', 1, canary], 'invalid_key'],
    ['EC key', () => [ecKey(), 1, canary], 'unsupported_key'],
    ['truncated key', () => [good().slice(0, 200), 1, canary], 'invalid_key'],
    ['private key PEM', () => [rsaKey(2048).privatePem, 1, canary], 'unsupported_key'],
    ['too-long password', () => [good(), 1, canary.repeat(40)], 'password_too_long'],
    ['huge password', () => [good(), 1, 'x'.repeat(10_000_000)], 'password_too_long'],
    ['huge key', () => ['A'.repeat(10_000_000), 1, canary], 'invalid_key'],
    ['no arguments', () => [], 'invalid_argument'],
    ['undefined key', () => [undefined, 1, canary], 'invalid_argument'],
    ['object key', () => [{ key: good() }, 1, canary], 'invalid_argument'],
    ['Buffer key', () => [Buffer.from(good()), 1, canary], 'invalid_argument'],
    ['undefined timeStamp', () => [good(), undefined, canary], 'invalid_argument'],
    ['null timeStamp', () => [good(), null, canary], 'invalid_argument'],
    ['NaN timeStamp', () => [good(), NaN, canary], 'invalid_argument'],
    ['negative timeStamp', () => [good(), -1, canary], 'invalid_argument'],
    ['fractional timeStamp', () => [good(), 1.5, canary], 'invalid_argument'],
    ['unsafe integer timeStamp', () => [good(), 2 ** 60, canary], 'invalid_argument'],
    ['negative BigInt timeStamp', () => [good(), -5n, canary], 'invalid_argument'],
    ['non-digit string timeStamp', () => [good(), '12a', canary], 'invalid_argument'],
    ['password in the timeStamp slot', () => [good(), canary, canary], 'invalid_argument'],
    ['object timeStamp', () => [good(), {}, canary], 'invalid_argument'],
    ['undefined password', () => [good(), 1], 'invalid_argument'],
    ['empty password', () => [good(), 1, ''], 'invalid_argument'],
    ['number password', () => [good(), 1, 1234], 'invalid_argument'],
    ['object password', () => [good(), 1, { toString: () => canary }], 'invalid_argument'],
    ['function password', () => [good(), 1, () => canary], 'invalid_argument'],
    ['symbol password', () => [good(), 1, Symbol(canary)], 'invalid_argument'],
    ['lone surrogate password', () => [good(), 1, `${canary}\uD800`], 'invalid_argument'],
    ['password in the key slot', () => [canary, 1, canary], 'invalid_key'],
  ];

  for (const [name, args, code] of cases) {
    test(name, () => {
      let thrown;
      try {
        ba.encryptPassword(...args());
      } catch (err) {
        thrown = err;
      }
      assert.ok(thrown instanceof BrokerAuthError, `${name}: throws BrokerAuthError (got ${thrown})`);
      assert.ok(thrown instanceof Error, 'a real Error');
      assert.equal(thrown.code, code, `${name}: ${thrown.message}`);
      assert.ok(thrown.message.length > 0);
      assert.ok(thrown.stack.includes('BrokerAuthError'));
      for (const text of [thrown.message, thrown.stack, JSON.stringify(thrown), String(thrown)]) {
        assert.ok(!text.includes('Canary'), `${name}: the error never echoes the password`);
      }
      // The runtime is still alive after every failure.
      assert.equal(ba.encryptPassword(capitalGuideKey, 1, 'pw').length, 344);
    });
  }

  test('methods work detached from the object', () => {
    const { encryptPassword } = ba;
    assert.equal(encryptPassword(capitalGuideKey, '1', 'pw').length, 344);
  });
});

describe('init', () => {
  test('a second call returns the same object; version matches package.json', async () => {
    const mod = await loadESM();
    const [a, b] = await Promise.all([mod.init(), mod.init()]);
    assert.equal(a, ba);
    assert.equal(b, ba);
    const { createRequire } = await import('node:module');
    const { consumerDir } = await import('./helpers.mjs');
    const pkg = createRequire(`${consumerDir}/package.json`)('brokerauth/package.json');
    assert.equal(ba.version, pkg.version);
    assert.equal(mod.version, pkg.version);
  });

  test('the API object is frozen', () => {
    assert.ok(Object.isFrozen(ba));
  });
});
