// encryptPassword benchmark: brokerauth's two modules (brokerauth/encrypt,
// the encrypt-only one, and brokerauth, the sessions one) next to
// node:crypto, node-forge, node-rsa and JSEncrypt in one Node process,
// 2048-bit key, key parsing + encryption in every call (a login parses a
// fresh key every time); then both modules' sizes, the ready time of each
// library in fresh processes, and what each installs.
//
// Rounds are interleaved (A B C … A B C …) and each implementation's median
// round is reported, so a noisy neighbour slows everyone alike. Figures are
// ratios to node:crypto measured in this same run. Ready times are medians
// of fresh processes, interleaved the same way (A B C …, then … C B A).
//
// Usage: node bench/encrypt.bench.mjs (bench/run.mjs checks the budgets)
//   env: READY_RUNS (15) fresh processes per library

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

import {
  encryption, interleavedRounds, loadBrokerauth, median, nodeCryptoEncrypt, passwordPlaintext, root, wasmSizes,
} from './shared.mjs';

const require = createRequire(join(root, 'package.json'));

const ROUNDS = 9;
const OPS_PER_ROUND = 150;
const READY_RUNS = Number(process.env.READY_RUNS || 15);
const npm = join(root, 'npm');

const { key, pem, timeStamp, password } = encryption;
const inner = () => passwordPlaintext(password, timeStamp);

const ba = await loadBrokerauth();
const small = await (await import(pathToFileURL(join(npm, 'encrypt.mjs')).href)).init();
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
  'brokerauth/encrypt': () => small.encryptPassword(key, timeStamp, password),
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

// Size of what a browser downloads, each module.
const wasm = wasmSizes();
const encryptBytes = readFileSync(join(npm, 'brokerauth-encrypt.wasm'));
const wasmEncrypt = {
  raw: encryptBytes.length,
  gzip: gzipSync(encryptBytes, { level: 9 }).length,
  brotli: brotliCompressSync(encryptBytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length,
};
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
console.log(`\nbrokerauth-encrypt.wasm: ${mb(wasmEncrypt.raw)} raw, ${mb(wasmEncrypt.gzip)} gzip -9, ${mb(wasmEncrypt.brotli)} brotli -q 11`);
console.log(`brokerauth.wasm:         ${mb(wasm.raw)} raw, ${mb(wasm.gzip)} gzip -9, ${mb(wasm.brotli)} brotli -q 11`);

// Ready time: a fresh node process, from the script's first line to the
// first ciphertext: import or require, init() where there is one, one
// encryption. Each library runs in its own process, interleaved.
const requireFrom = `(await import('node:module')).createRequire(${JSON.stringify(join(root, 'package.json'))})`;
const readyScripts = {
  'brokerauth/encrypt': `const {init}=await import(${JSON.stringify(pathToFileURL(join(npm, 'encrypt.mjs')).href)});` +
    `const ba=await init();out=ba.encryptPassword(${JSON.stringify(key)},1,'pw');`,
  brokerauth: `const {init}=await import(${JSON.stringify(pathToFileURL(join(npm, 'index.mjs')).href)});` +
    `const ba=await init();out=ba.encryptPassword(${JSON.stringify(key)},1,'pw');`,
  'node-rsa (pkcs1)': `const {NodeRSA}=${requireFrom}('node-rsa');` +
    `out=new NodeRSA(${JSON.stringify(pem)},'pkcs8-public-pem',{encryptionScheme:'pkcs1'}).encrypt('cHd8MQ==','base64');`,
  'node-forge': `const f=${requireFrom}('node-forge');out=f.util.encode64(f.pki.publicKeyFromPem(${JSON.stringify(pem)}).encrypt('cHd8MQ==','RSAES-PKCS1-V1_5'));`,
  JSEncrypt: `const m=${requireFrom}('jsencrypt');const J=m.default||m.JSEncrypt||m;const j=new J();j.setPublicKey(${JSON.stringify(pem)});out=j.encrypt('cHd8MQ==');`,
};
const ready = Object.fromEntries(Object.keys(readyScripts).map((n) => [n, []]));
for (let i = 0; i < READY_RUNS; i++) {
  const names = Object.keys(readyScripts);
  for (const name of i % 2 ? names.reverse() : names) {
    const script = `const t=performance.now();let out;${readyScripts[name]}` +
      `if(typeof out!=='string'||out.length!==344)throw new Error('no ciphertext');console.log(performance.now()-t)`;
    ready[name].push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim()));
  }
}
const readyMs = Object.fromEntries(Object.entries(ready).map(([n, xs]) => [n, median(xs)]));

// What `npm install` puts on disk for each: the package and its
// dependencies, file sizes added up. brokerauth's is the package as packed
// (both modules); brokerauth/encrypt loads encrypt.mjs and its wasm of it.
const npmFiles = JSON.parse(readFileSync(join(npm, 'package.json'), 'utf8')).files;
const installBytes = {
  brokerauth: npmFiles.reduce((n, f) => n + sizeOf(join(npm, f)), sizeOf(join(npm, 'package.json'))),
  'brokerauth/encrypt (loaded)': sizeOf(join(npm, 'encrypt.mjs')) + encryptBytes.length,
  'node-rsa': installedSize('node-rsa'),
  'node-forge': installedSize('node-forge'),
  JSEncrypt: installedSize('jsencrypt'),
};

console.log(`\nready: import or require → init() → first ciphertext, fresh process, median of ${READY_RUNS} interleaved`);
for (const [name, ms] of Object.entries(readyMs)) {
  console.log(`  ${name.padEnd(20)} ${ms.toFixed(1).padStart(7)} ms   (${Math.min(...ready[name]).toFixed(1)}–${Math.max(...ready[name]).toFixed(1)})`);
}
console.log('\ninstalled (the package and its dependencies)');
for (const [name, bytes] of Object.entries(installBytes)) console.log(`  ${name.padEnd(28)} ${(bytes / 1e3).toFixed(0).padStart(6)} kB`);

// The budgets are checked by bench/run.mjs from this line.
const coldStartMs = { 'brokerauth import → first encryptPassword': readyMs.brokerauth, 'brokerauth/encrypt import → first encryptPassword': readyMs['brokerauth/encrypt'] };
console.log(`RESULT ${JSON.stringify({ bench: 'encrypt-node', usPerOp, wasm, wasmEncrypt, coldStartMs, readyMs, installBytes })}`);

function sizeOf(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, f) => n + sizeOf(join(path, f)), 0);
}

// installedSize: a package in node_modules and, transitively, its
// dependencies (each counted once).
function installedSize(name, seen = new Set()) {
  if (seen.has(name)) return 0;
  seen.add(name);
  const dir = join(root, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return Object.keys(pkg.dependencies || {}).reduce((n, dep) => n + installedSize(dep, seen), sizeOf(dir));
}
