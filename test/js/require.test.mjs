// The CommonJS entry: require('brokerauth') from a project that installed
// the tarball.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { expectedPlaintext, loadCJS, opensslDecrypt, rsaKey } from './helpers.mjs';

test('require() gives init and BrokerAuthError, and encryption round-trips', async () => {
  const { init, BrokerAuthError, version } = loadCJS();
  assert.equal(typeof init, 'function');
  assert.equal(typeof BrokerAuthError, 'function');
  const ba = await init();
  assert.equal(ba.version, version);

  const { privatePem, forms } = rsaKey(2048);
  const out = ba.encryptPassword(forms['PEM PUBLIC KEY'], '1700000000000', 'secret');
  assert.equal(opensslDecrypt(privatePem, out), expectedPlaintext('secret', '1700000000000'));

  assert.throws(() => ba.encryptPassword('nope', 1, 'x'), (err) => err instanceof BrokerAuthError && err.code === 'invalid_key');
});
