// The page side of bench/browser-encrypt.bench.mjs, bundled by esbuild
// (platform browser) so every library is the build a browser user gets:
// brokerauth's npm/browser.mjs with its wasm, node-forge, JSEncrypt and
// node-rsa's browser build (pure-JS engine; it needs no Buffer polyfill).
//
// It only defines globalThis.runEncryptBench; the Node driver calls it with
// page.evaluate, passing the key, timeStamp, password and round counts, and
// prints what it returns. Timing uses performance.now(), whose resolution
// Chromium clamps (100 µs, or 5 µs when the page is cross-origin isolated),
// so whole rounds are timed, never single calls.

import forge from 'node-forge';
import JSEncrypt from 'jsencrypt';
import NodeRSA from 'node-rsa';

import { init } from '../../npm/browser.mjs';

// btoa over UTF-8 bytes (Buffer.from(s).toString('base64') in the Node bench).
function base64UTF8(s) {
  let bin = '';
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

function base64Length(s) {
  return typeof s === 'string' ? atob(s).length : -1;
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

globalThis.runEncryptBench = async ({ key, pem, timeStamp, password, rounds, opsPerRound, warmup }) => {
  const t0 = performance.now();
  const ba = await init({ wasmURL: new URL('brokerauth.wasm', location.href).href });
  ba.encryptPassword(key, timeStamp, password);
  const brokerauthInitMs = performance.now() - t0;

  const inner = () => base64UTF8(`${password}|${timeStamp}`);
  const nodeRSAOptions = { encryptionScheme: 'pkcs1' };
  const probe = new NodeRSA(pem, 'pkcs8-public-pem', nodeRSAOptions);

  // Every call parses the key and encrypts, as a login does.
  const implementations = {
    brokerauth: () => ba.encryptPassword(key, timeStamp, password),
    'node-forge': () => forge.util.encode64(forge.pki.publicKeyFromPem(pem).encrypt(inner(), 'RSAES-PKCS1-V1_5')),
    'node-rsa (pkcs1, pure JS)': () => new NodeRSA(pem, 'pkcs8-public-pem', nodeRSAOptions).encrypt(inner(), 'base64'),
    JSEncrypt: () => {
      const j = new JSEncrypt();
      j.setPublicKey(pem);
      return j.encrypt(inner());
    },
  };

  // Every implementation must produce a 256-byte ciphertext before it is timed.
  for (const [name, fn] of Object.entries(implementations)) {
    const out = fn();
    const len = base64Length(out);
    if (len !== 256) throw new Error(`${name} produced no 2048-bit ciphertext (${len} bytes)`);
    for (let i = 0; i < warmup; i++) fn();
  }

  // Interleaved rounds (A B C D A B C D …); the page yields to its event loop
  // between rounds, outside the timed part.
  const samples = Object.fromEntries(Object.keys(implementations).map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(implementations)) {
      await nextTask();
      const start = performance.now();
      for (let i = 0; i < opsPerRound; i++) fn();
      samples[name].push(((performance.now() - start) * 1e3) / opsPerRound);
    }
  }

  return {
    samples,
    brokerauthInitMs,
    brokerauthVersion: ba.version,
    nodeRSA: { environment: probe.$options?.environment, bigIntImpl: probe.$options?.bigIntImpl },
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
};
