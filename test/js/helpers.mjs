// Shared helpers for the JS tests: where the packed consumer project is,
// RSA keys in every form, and an independent decryptor (OpenSSL: Node 20+
// refuses PKCS#1 v1.5 decryption, and it must not be the code under test
// anyway).

import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const consumerDir = process.env.BROKERAUTH_CONSUMER_DIR || join(root, 'build/consumer');

if (!existsSync(join(consumerDir, 'node_modules/brokerauth'))) {
  throw new Error(`no packed package in ${consumerDir}: run \`make test-js\` (it runs test/js/pack-consumer.mjs first)`);
}

/** The package as `import 'brokerauth'` gives it. */
export const loadESM = () => import(pathToFileURL(join(consumerDir, 'load.mjs')).href);
/** The package as `require('brokerauth')` gives it. */
export const loadCJS = () => createRequire(join(consumerDir, 'package.json'))('./load.cjs');

// Capital.com's guide key (PROTOCOLS.md §1); nobody has its private half.
export const capitalGuideKey =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1dOujgcFh/9n4JLJMY4VMWZ7aRrynwKXUC9RuoC8Qu5UOeskxgZ1q5DmAXjkes77KrLfFZYEKtrp2g1TB0MBkSALiyrG+Fl52vhET9/AWRhvHuFyskWI7tEtcGIaOB1FwR0EDO9bnylTaZ+Y9sPbLVA7loAtfaX3HW/TI9JDpdmgzXZ0KrwIxdMRzPxVqQXcA8yJL1m33pvo9mOJ0AsQ8FFuy+ctjI8l/8xUhe2Hk01rpMBXDwI1lSjnvuUUDvAtacxyYVlNsnRvbrMZYp7hyimm27RtvCUXhTX2A94tDB0MFLApURrki+tvTvw5ImDPN8qOdTUzbs8hNtVwTpSxPwIDAQAB';

const keyCache = new Map();

/** An RSA key pair of `bits`, with the public key in every accepted form. */
export function rsaKey(bits) {
  if (!keyCache.has(bits)) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
    const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    keyCache.set(bits, {
      privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      forms: {
        'base64 SPKI': spki,
        'base64 SPKI, broken lines': spki.match(/.{1,64}/g).join('\r\n'),
        'PEM PUBLIC KEY': publicKey.export({ type: 'spki', format: 'pem' }),
        'PEM RSA PUBLIC KEY': publicKey.export({ type: 'pkcs1', format: 'pem' }),
      },
    });
  }
  return keyCache.get(bits);
}

/** Decrypt base64 ciphertext with OpenSSL's PKCS#1 v1.5; returns the plaintext string. */
export function opensslDecrypt(privatePem, ciphertextB64) {
  return opensslDecryptBytes(privatePem, ciphertextB64).toString('utf8');
}

/** Decrypt base64 ciphertext with OpenSSL's PKCS#1 v1.5; returns the plaintext bytes. */
export function opensslDecryptBytes(privatePem, ciphertextB64) {
  const dir = mkdtempSync(join(tmpdir(), 'brokerauth-'));
  try {
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, privatePem, { mode: 0o600 });
    return execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', keyFile, '-pkeyopt', 'rsa_padding_mode:pkcs1'], {
      input: Buffer.from(ciphertextB64, 'base64'),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What must never show in an error, a log line or a page for the IBKR
 * OAuth 1.0a demo consumer (credentials.json's ibkrOAuth1): the access
 * token secret as issued, its decrypted form (the prepend, as hex; OpenSSL
 * decrypts it, not the code under test), and every line of the two
 * private keys' PEM bodies.
 */
export function oauth1Secrets(c) {
  const prepend = opensslDecryptBytes(c.encryptionKey, c.accessTokenSecret).toString('hex');
  const pemLines = (pem) => pem.split('\n').filter((l) => l && !l.startsWith('-----'));
  return [c.accessTokenSecret, prepend, ...pemLines(c.signatureKey), ...pemLines(c.encryptionKey)];
}

/** The secrets (see oauth1Secrets) that text contains. */
export const leakedSecrets = (text, secrets) => secrets.filter((s) => text.includes(s));

/** What the broker expects inside the ciphertext. */
export const expectedPlaintext = (password, ts) => Buffer.from(`${password}|${ts}`, 'utf8').toString('base64');
