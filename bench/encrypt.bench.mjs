// encryptPassword benchmark: brokerauth next to node:crypto, node-forge,
// node-rsa and JSEncrypt in one Node process, 2048-bit key, key parsing +
// encryption in every call (a login parses a fresh key every time).
//
// Rounds are interleaved (A B C … A B C …) and each implementation's median
// round is reported, so a noisy neighbour slows everyone alike. Figures are
// ratios to node:crypto measured in this same run.
//
// Usage: node bench/encrypt.bench.mjs (bench/run.mjs checks the budgets)

import { createRequire } from 'node:module';
import { join } from 'node:path';

import {
  coldStart, coldStartScript, encryption, interleavedRounds, loadBrokerauth, median, nodeCryptoEncrypt, passwordPlaintext, root, wasmSizes,
} from './shared.mjs';

const require = createRequire(join(root, 'package.json'));

const ROUNDS = 9;
const OPS_PER_ROUND = 150;

const { key, pem, timeStamp, password } = encryption;
const inner = () => passwordPlaintext(password, timeStamp);

const ba = await loadBrokerauth();
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
  'node:crypto': () => nodeCryptoEncrypt(pem, timeStamp, password),
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
}

const samples = interleavedRounds(implementations, { rounds: ROUNDS, opsPerRound: OPS_PER_ROUND });
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
const wasm = wasmSizes();
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
console.log(`\nbrokerauth.wasm: ${mb(wasm.raw)} raw, ${mb(wasm.gzip)} gzip -9, ${mb(wasm.brotli)} brotli -q 11`);

// Cold start, each in a fresh process, median of 5: brokerauth from import
// to the first encryptPassword result, next to require('node-forge') alone
// and node-forge's own import → first result.
const coldScripts = {
  'brokerauth import → first encryptPassword': coldStartScript(),
  "require('node-forge')": `const t=performance.now();const {createRequire}=await import('node:module');createRequire(${JSON.stringify(join(root, 'package.json'))})('node-forge');console.log(performance.now()-t)`,
  'node-forge require → first encrypt': `const t=performance.now();const {createRequire}=await import('node:module');const f=createRequire(${JSON.stringify(join(root, 'package.json'))})('node-forge');f.pki.publicKeyFromPem(${JSON.stringify(pem)}).encrypt('x','RSAES-PKCS1-V1_5');console.log(performance.now()-t)`,
};
console.log('\ncold start (fresh process, median of 5)');
const cold = {};
for (const [name, script] of Object.entries(coldScripts)) {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    runs.push(coldStart(script)[0]);
  }
  cold[name] = median(runs);
  console.log(`  ${name.padEnd(44)} ${cold[name].toFixed(1).padStart(7)} ms`);
}

// The budgets are checked by bench/run.mjs from this line.
console.log(`RESULT ${JSON.stringify({ bench: 'encrypt-node', usPerOp, wasm, coldStartMs: cold })}`);
