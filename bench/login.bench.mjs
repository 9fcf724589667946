// Full IG v2 login against the loopback simulator: brokerauth's ig().login()
// next to a hand-written Node fetch + node:crypto login doing the same three
// steps (GET encryptionKey, encrypt, POST /session). Interleaved, median of
// LOGINS each, reported as a ratio. IG's simulator is used because it has no
// per-second login limit (Capital.com's would dominate the timing).
//
// Usage: node bench/login.bench.mjs

import { constants, publicEncrypt } from 'node:crypto';
import { join } from 'node:path';

import { startSimServer } from '../test/js/simserver.mjs';

const LOGINS = Number(process.env.LOGINS || 200);
const root = join(import.meta.dirname, '..');
const { init } = await import(join(root, 'npm/index.mjs'));

const server = await startSimServer();
try {
  const { baseURL, apiKey, identifier, password } = server.creds.ig;
  const ba = await init();

  const viaBrokerauth = async () => {
    await ba.ig({ baseURL, apiKey, identifier, password }).login();
  };

  const json = { 'Content-Type': 'application/json; charset=UTF-8', Accept: 'application/json; charset=UTF-8', 'X-IG-API-KEY': apiKey };
  const byHand = async () => {
    const keyRes = await fetch(`${baseURL}/session/encryptionKey`, { headers: json });
    const { encryptionKey, timeStamp } = await keyRes.json();
    const pem = `-----BEGIN PUBLIC KEY-----\n${encryptionKey}\n-----END PUBLIC KEY-----\n`;
    const inner = Buffer.from(`${password}|${timeStamp}`).toString('base64');
    const encrypted = publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(inner)).toString('base64');
    const res = await fetch(`${baseURL}/session`, {
      method: 'POST',
      headers: { ...json, Version: '2' },
      body: JSON.stringify({ identifier, password: encrypted, encryptedPassword: true }),
    });
    if (res.status !== 200 || !res.headers.get('cst')) throw new Error(`hand-written login failed: ${res.status}`);
    await res.json();
  };

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
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  console.log(`full IG v2 login (encryptionKey → encrypt → POST /session) against the loopback simulator, median of ${LOGINS}, interleaved`);
  for (const [name, ms] of Object.entries(m)) console.log(`  ${name.padEnd(22)} ${ms.toFixed(2).padStart(7)} ms`);
  console.log(`  ratio brokerauth / hand-written: ${(m.brokerauth / m['fetch + node:crypto']).toFixed(2)}×`);
  console.log(`RESULT ${JSON.stringify({ bench: 'login-node', medianMs: m })}`);
} finally {
  server.stop();
}
