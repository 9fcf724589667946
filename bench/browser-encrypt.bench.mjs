// encryptPassword benchmark inside headless Chromium: brokerauth (npm/browser.mjs
// + brokerauth.wasm, init({wasmURL})) next to node-forge, JSEncrypt and
// node-rsa's browser build, 2048-bit key, key parsing + encryption in every
// call — bench/encrypt.bench.mjs's benchmark, as a browser user runs it.
//
// esbuild (platform browser) bundles bench/browser/encrypt-page.mjs into
// build/bench-browser/, a node:http server on 127.0.0.1 serves it, Debian's
// Chromium (playwright-core, no download) opens it and the page runs the
// rounds; this script prints the table. Rounds are interleaved and each
// implementation's median round is reported. WebCrypto cannot do RSA
// PKCS#1 v1.5 encryption (only RSA-OAEP), so there is no native baseline:
// figures are µs/op and ratios to brokerauth.
//
// The page is served cross-origin isolated (COOP + COEP), which gives
// performance.now() Chromium's finer 5 µs clamp instead of 100 µs; whole
// rounds are timed either way.
//
// Usage: node bench/browser-encrypt.bench.mjs
//   env: ROUNDS (9), OPS_PER_ROUND (150), WARMUP (30), CHROMIUM_PATH
// The last line is `RESULT {"usPerOp": {...}, "ratios": {...}, ...}` for scripts;
// ratios[name] = usPerOp[name] / usPerOp.brokerauth ("brokerauth is N× faster";
// below 1 it is slower).

import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { build } from 'esbuild';

import { launchChromium, watchPage } from '../test/browser/browser.mjs';
import { serveFolder } from '../test/browser/server.mjs';

import { encryption, median, root } from './shared.mjs';

const dist = join(root, 'build/bench-browser');

function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(raw)}`);
  return n;
}
const ROUNDS = positiveInt('ROUNDS', 9);
const OPS_PER_ROUND = positiveInt('OPS_PER_ROUND', 150);
const WARMUP = positiveInt('WARMUP', 30);

const { key, pem, timeStamp, password } = encryption;

for (const f of ['npm/browser.mjs', 'npm/wasm_exec.js', 'npm/brokerauth.wasm']) {
  if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run make build first`);
}

// Bundle the page. node-rsa 2's package.json has a "browser" export
// (dist/index.browser.js: pure-JS engine on native BigInt, Uint8Array,
// WebCrypto RNG; the Node bench's "pure JS" variant runs node-rsa's Node
// build with environment 'browser', which keeps the slower jsbn BigInteger
// instead, so the two node-rsa figures are not the same code) and
// node-forge maps its Node built-ins to false for browsers, so esbuild needs
// no inject, define, alias or polyfill here.
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const result = await build({
  entryPoints: [join(root, 'bench/browser/encrypt-page.mjs')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: join(dist, 'bench.js'),
  logLevel: 'silent',
  metafile: true,
});
if (result.errors.length) throw new Error(`esbuild: ${result.errors.map((e) => e.text).join('; ')}`);
const inputs = Object.keys(result.metafile.inputs);
for (const [what, re] of [
  ["brokerauth's browser build", /npm\/browser\.mjs$/],
  ["node-rsa's browser build", /node-rsa\/dist\/index\.browser\.js$/],
]) {
  if (!inputs.some((f) => re.test(f))) throw new Error(`the bundle lacks ${what}: ${inputs.join(', ')}`);
}
if (inputs.some((f) => /npm\/index\.(mjs|cjs)$|node-rsa\/dist\/index\.node/.test(f))) throw new Error('a Node build got into the browser bundle');
copyFileSync(join(root, 'npm/brokerauth.wasm'), join(dist, 'brokerauth.wasm'));
writeFileSync(
  join(dist, 'index.html'),
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>brokerauth encrypt bench</title>
<link rel="icon" href="data:,"><script type="module" src="bench.js"></script></head><body></body></html>\n`,
);

let server;
let browser;
let exitCode = 0;
try {
  // Cross-origin isolated: performance.now() clamps to 5 µs, not 100.
  server = await serveFolder(dist, { headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } });
  const { url } = server;
  browser = await launchChromium();
  const tab = await browser.newPage();
  const problems = watchPage(tab);
  await tab.goto(url);
  await tab.waitForFunction(() => typeof globalThis.runEncryptBench === 'function', null, { timeout: 30_000 });
  const page = await tab.evaluate((input) => globalThis.runEncryptBench(input), {
    key, pem, timeStamp, password, rounds: ROUNDS, opsPerRound: OPS_PER_ROUND, warmup: WARMUP,
  });
  if (problems.length) throw new Error(`the page reported problems:\n  ${problems.join('\n  ')}`);

  const usPerOp = Object.fromEntries(Object.entries(page.samples).map(([n, xs]) => [n, median(xs)]));
  const ratios = Object.fromEntries(Object.entries(usPerOp).filter(([n]) => n !== 'brokerauth').map(([n, us]) => [n, us / usPerOp.brokerauth]));
  const spread = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;

  console.log(`encryptPassword in headless Chromium, 2048-bit key, parse + encrypt per call; median of ${ROUNDS} interleaved rounds × ${OPS_PER_ROUND} ops`);
  console.log(`Chromium ${browser.version()}, ${page.hardwareConcurrency} cores; brokerauth ${page.brokerauthVersion}; node-rsa browser build (environment ${page.nodeRSA.environment}, bigIntImpl ${page.nodeRSA.bigIntImpl})`);
  console.log(`performance.now() ${page.crossOriginIsolated ? 'cross-origin isolated (5 µs clamp)' : 'not isolated (100 µs clamp)'}; whole rounds timed`);
  console.log('No native baseline: WebCrypto has no RSA PKCS#1 v1.5 encryption (RSA-OAEP only).\n');
  console.log('implementation               µs/op   rounds (µs/op)   brokerauth is … faster (<1: slower)');
  for (const [name, us] of Object.entries(usPerOp)) {
    const speedup = name === 'brokerauth' ? '' : `${ratios[name].toFixed(2)}×`;
    console.log(`${name.padEnd(27)} ${us.toFixed(1).padStart(7)}   ${spread(page.samples[name]).padStart(14)}   ${speedup.padStart(8)}`);
  }
  console.log('');
  for (const [name, r] of Object.entries(ratios)) {
    console.log(r >= 1 ? `brokerauth is ${r.toFixed(2)}× faster than ${name}` : `brokerauth is ${(1 / r).toFixed(2)}× SLOWER than ${name}`);
  }
  console.log(`\nbrokerauth init({wasmURL}) → first encryptPassword in the page: ${page.brokerauthInitMs.toFixed(0)} ms (fetch + compile + start of the wasm)`);

  const round = (o, d) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number(v.toFixed(d))]));
  console.log(`RESULT ${JSON.stringify({
    bench: 'encrypt-browser',
    usPerOp: round(usPerOp, 1),
    ratios: round(ratios, 3),
    browser: `Chromium ${browser.version()}`,
    rounds: ROUNDS,
    opsPerRound: OPS_PER_ROUND,
  })}`);
} catch (err) {
  console.error(err && err.stack ? err.stack : err);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  await server?.close();
}
process.exitCode = exitCode;
