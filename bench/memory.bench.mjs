// Steady memory: 10 000 encryptions and 1 000 IG logins (new client each
// time, as a careless bot would) against the loopback simulator, printing
// the wasm memory and Node's RSS after warm-up and at the end of each phase.
// Flat means no leak: wasm memory never shrinks, so any growth would show.
//
// Usage: node --expose-gc bench/memory.bench.mjs

import { startSimServer } from '../test/js/simserver.mjs';

import { encryption, loadBrokerauth } from './shared.mjs';

const ba = await loadBrokerauth();
const gc = globalThis.gc || (() => {});
const mb = (n) => `${(n / 2 ** 20).toFixed(1)} MB`;
const snapshots = {};
const snapshot = (label) => {
  gc();
  const m = process.memoryUsage();
  snapshots[label] = { wasm: ba.wasmMemoryBytes, heap: m.heapUsed, rss: m.rss };
  console.log(`${label.padEnd(34)} wasm ${mb(ba.wasmMemoryBytes).padStart(9)}   JS heap ${mb(m.heapUsed).padStart(8)}   rss ${mb(m.rss).padStart(9)}`);
};

const { key } = encryption;

snapshot('after init');
// The Go heap takes a few thousand calls to reach its steady size (GC
// pacing), so 4 000 of the 10 000 are warm-up.
for (let i = 0; i < 4000; i++) ba.encryptPassword(key, 1647440528194, 'warm-up');
snapshot('encryptions: after 4 000 warm-up');
for (let round = 1; round <= 3; round++) {
  for (let i = 0; i < 2000; i++) ba.encryptPassword(key, 1647440528194, `password-${i}`);
  snapshot(`encryptions: +${round * 2000}`);
}

const server = await startSimServer();
try {
  const { baseURL, apiKey, identifier, password } = server.creds.ig;
  const login = async () => {
    const ig = ba.ig({ baseURL, apiKey, identifier, password });
    await ig.login();
    await ig.logout();
  };
  for (let i = 0; i < 250; i++) await login();
  snapshot('logins: after 250 warm-up');
  for (let round = 1; round <= 3; round++) {
    for (let i = 0; i < 250; i++) await login();
    await new Promise((r) => setTimeout(r, 50)); // let FinalizationRegistry run
    snapshot(`logins: +${round * 250}`);
  }
} finally {
  server.stop();
}

// bench/run.mjs checks growth after warm-up from this line.
const phase = (from, to) => ({ from: snapshots[from], to: snapshots[to] });
console.log(`RESULT ${JSON.stringify({
  bench: 'memory',
  encryptions: phase('encryptions: after 4 000 warm-up', 'encryptions: +6000'),
  logins: phase('logins: after 250 warm-up', 'logins: +750'),
})}`);
