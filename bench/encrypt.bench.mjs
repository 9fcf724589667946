// encryptPassword benchmark: brokerauth next to node:crypto, node-forge,
// node-rsa and JSEncrypt in one Node process, 2048-bit key, key parsing +
// encryption in every call (a login parses a fresh key every time).
//
// Rounds are interleaved (A B C … A B C …) and each implementation's median
// round is reported, so a noisy neighbour slows everyone alike. Figures are
// ratios to node:crypto measured in this same run.
//
// Usage: node bench/encrypt.bench.mjs (bench/run.mjs checks the budgets)

import { execFileSync } from 'node:child_process';
import { constants, publicEncrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

const ROUNDS = 9;
const OPS_PER_ROUND = 150;

// Capital.com's guide key, the shape brokers send: base64 DER SPKI.
const key =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1dOujgcFh/9n4JLJMY4VMWZ7aRrynwKXUC9RuoC8Qu5UOeskxgZ1q5DmAXjkes77KrLfFZYEKtrp2g1TB0MBkSALiyrG+Fl52vhET9/AWRhvHuFyskWI7tEtcGIaOB1FwR0EDO9bnylTaZ+Y9sPbLVA7loAtfaX3HW/TI9JDpdmgzXZ0KrwIxdMRzPxVqQXcA8yJL1m33pvo9mOJ0AsQ8FFuy+ctjI8l/8xUhe2Hk01rpMBXDwI1lSjnvuUUDvAtacxyYVlNsnRvbrMZYp7hyimm27RtvCUXhTX2A94tDB0MFLApURrki+tvTvw5ImDPN8qOdTUzbs8hNtVwTpSxPwIDAQAB';
const pem = `-----BEGIN PUBLIC KEY-----\n${key.match(/.{1,64}/g).join('\n')}\n-----END PUBLIC KEY-----\n`;
const timeStamp = 1647440528194;
const password = '1111qqqq';
const inner = () => Buffer.from(`${password}|${timeStamp}`).toString('base64');

const { init } = await import(join(root, 'npm/index.mjs'));
const ba = await init();
const forge = require('node-forge');
const { NodeRSA } = require('node-rsa');
const jsencryptModule = require('jsencrypt');
const JSEncrypt = jsencryptModule.default || jsencryptModule.JSEncrypt || jsencryptModule;

// node-rsa warns on stderr when its pure-JS engine is forced; the warning is
// not what is measured.
function quietly(fn) {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return fn();
  } finally {
    console.warn = warn;
  }
}

const implementations = {
  brokerauth: () => ba.encryptPassword(key, timeStamp, password),
  'node:crypto': () =>
    publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(inner())).toString('base64'),
  'node-forge': () => forge.util.encode64(forge.pki.publicKeyFromPem(pem).encrypt(inner(), 'RSAES-PKCS1-V1_5')),
  'node-rsa (pkcs1)': () => new NodeRSA(pem, 'pkcs8-public-pem', { encryptionScheme: 'pkcs1' }).encrypt(inner(), 'base64'),
  'node-rsa (pkcs1, pure JS)': () =>
    quietly(() => new NodeRSA(pem, 'pkcs8-public-pem', { encryptionScheme: 'pkcs1', environment: 'browser' })).encrypt(inner(), 'base64'),
  JSEncrypt: () => {
    const j = new JSEncrypt();
    j.setPublicKey(pem);
    return j.encrypt(inner());
  },
};

// Every implementation must produce a 256-byte ciphertext before it is timed.
for (const [name, fn] of Object.entries(implementations)) {
  const out = fn();
  if (typeof out !== 'string' || Buffer.from(out, 'base64').length !== 256) throw new Error(`${name} produced no 2048-bit ciphertext`);
  for (let i = 0; i < 30; i++) fn(); // warm-up
}

const samples = Object.fromEntries(Object.keys(implementations).map((n) => [n, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of Object.entries(implementations)) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < OPS_PER_ROUND; i++) fn();
    samples[name].push(Number(process.hrtime.bigint() - t0) / 1e3 / OPS_PER_ROUND);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const usPerOp = Object.fromEntries(Object.entries(samples).map(([n, xs]) => [n, median(xs)]));
const base = usPerOp['node:crypto'];

console.log(`encryptPassword, 2048-bit key, parse + encrypt per call; median of ${ROUNDS} interleaved rounds × ${OPS_PER_ROUND} ops`);
console.log(`Node ${process.version}, ${process.platform}/${process.arch}\n`);
console.log('implementation               µs/op   × node:crypto   brokerauth is … faster');
for (const [name, us] of Object.entries(usPerOp)) {
  const speedup = name === 'brokerauth' ? '' : `${(us / usPerOp.brokerauth).toFixed(2)}×`;
  console.log(`${name.padEnd(27)} ${us.toFixed(1).padStart(7)}   ${(us / base).toFixed(2).padStart(12)}   ${speedup.padStart(8)}`);
}

// Size of what a browser downloads.
const wasm = readFileSync(join(root, 'npm/brokerauth.wasm'));
const gz = gzipSync(wasm, { level: 9 }).length;
const br = brotliCompressSync(wasm, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length;
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
console.log(`\nbrokerauth.wasm: ${mb(wasm.length)} raw, ${mb(gz)} gzip -9, ${mb(br)} brotli -q 11`);

// Cold start, each in a fresh process, median of 5: brokerauth from import
// to the first encryptPassword result, next to require('node-forge') alone
// and node-forge's own import → first result.
const coldScripts = {
  'brokerauth import → first encryptPassword': `const t=performance.now();const {init}=await import(${JSON.stringify(join(root, 'npm/index.mjs'))});const ba=await init();ba.encryptPassword(${JSON.stringify(key)},1,'pw');console.log(performance.now()-t)`,
  "require('node-forge')": `const t=performance.now();const {createRequire}=await import('node:module');createRequire(${JSON.stringify(join(root, 'package.json'))})('node-forge');console.log(performance.now()-t)`,
  'node-forge require → first encrypt': `const t=performance.now();const {createRequire}=await import('node:module');const f=createRequire(${JSON.stringify(join(root, 'package.json'))})('node-forge');f.pki.publicKeyFromPem(${JSON.stringify(pem)}).encrypt('x','RSAES-PKCS1-V1_5');console.log(performance.now()-t)`,
};
console.log('\ncold start (fresh process, median of 5)');
const cold = {};
for (const [name, script] of Object.entries(coldScripts)) {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    runs.push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim()));
  }
  cold[name] = median(runs);
  console.log(`  ${name.padEnd(44)} ${cold[name].toFixed(1).padStart(7)} ms`);
}

// The budgets are checked by bench/run.mjs from this line.
console.log(`RESULT ${JSON.stringify({ bench: 'encrypt-node', usPerOp, wasm: { raw: wasm.length, gzip: gz, brotli: br }, coldStartMs: cold })}`);
