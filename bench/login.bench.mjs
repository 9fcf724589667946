// Full IG v2 login against the loopback simulator: brokerauth's ig().login()
// next to a hand-written Node fetch + node:crypto login doing the same three
// steps (GET encryptionKey, encrypt, POST /session). Interleaved, median of
// LOGINS each, reported as a ratio. IG's simulator is used because it has no
// per-second login limit (Capital.com's would dominate the timing).
//
// Usage: node bench/login.bench.mjs

import { startSimServer } from '../test/js/simserver.mjs';

import { brokerauthIGLogin, handWrittenIGLogin, loadBrokerauth, median } from './shared.mjs';

const LOGINS = Number(process.env.LOGINS || 200);

const server = await startSimServer();
try {
  const creds = server.creds.ig;
  const ba = await loadBrokerauth();

  const viaBrokerauth = () => brokerauthIGLogin(ba, creds);
  const byHand = () => handWrittenIGLogin(creds);

  for (let i = 0; i < 20; i++) {
    await viaBrokerauth();
    await byHand();
  }
  const times = { brokerauth: [], 'fetch + node:crypto': [] };
  for (let i = 0; i < LOGINS; i++) {
    for (const [name, fn] of [['brokerauth', viaBrokerauth], ['fetch + node:crypto', byHand]]) {
      const t0 = process.hrtime.bigint();
      await fn();
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  console.log(`full IG v2 login (encryptionKey → encrypt → POST /session) against the loopback simulator, median of ${LOGINS}, interleaved`);
  for (const [name, ms] of Object.entries(m)) console.log(`  ${name.padEnd(22)} ${ms.toFixed(2).padStart(7)} ms`);
  console.log(`  ratio brokerauth / hand-written: ${(m.brokerauth / m['fetch + node:crypto']).toFixed(2)}×`);
  console.log(`RESULT ${JSON.stringify({ bench: 'login-node', medianMs: m })}`);
} finally {
  server.stop();
}
