// Replays broker answers that other projects recorded (test/replay/) at
// the packed package: each case runs a client against a local server that
// answers every request with the next recorded answer of the step, checks
// what each request carried, and compares the session, result or
// BrokerAuthError with what the case expects.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { loadESM, root } from './helpers.mjs';

const replayDir = join(root, 'test/replay');
const { cases } = JSON.parse(readFileSync(join(replayDir, 'cases.json'), 'utf8'));
const fixture = (name) => JSON.parse(readFileSync(join(replayDir, 'fixtures', `${name}.json`), 'utf8'));

// Headers that describe the recorded connection, not the answer: the
// replay server frames its own.
const hopByHop = new Set(['transfer-encoding', 'content-length', 'connection', 'keep-alive', 'date']);

// Where each broker's paths live on the replay server (IG's recordings are
// relative to /gateway/deal).
const prefix = { ig: '/gateway/deal', capital: '', ibkr: '' };

let ba;
let BrokerAuthError;
let server;
let origin;
let script = null; // { broker, queue: [{ fixture, method, path, sent }], seen: [], problems: [] }
const replayed = { ig: new Set(), capital: new Set(), ibkr: new Set() };

before(async () => {
  const mod = await loadESM();
  BrokerAuthError = mod.BrokerAuthError;
  ba = await mod.init();
  server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => answer(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));

function answer(req, body, res) {
  const s = script;
  const next = s && s.queue.shift();
  const got = `${req.method} ${req.url}`;
  if (!next) {
    if (s) s.problems.push(`unexpected request ${got}`);
    res.writeHead(599).end();
    return;
  }
  const want = `${next.method} ${prefix[s.broker]}${next.path}`;
  if (got !== want) {
    s.problems.push(`request ${s.seen.length + 1}: ${got}, expected ${want}`);
    res.writeHead(599).end();
    return;
  }
  s.seen.push({ headers: req.headers, body });
  checkSent(s, next.sent, req.headers, body);
  const r = next.fixture.response;
  const headers = {};
  for (const [name, value] of [...r.headers, ...(next.addHeaders || [])]) {
    if (hopByHop.has(name.toLowerCase())) continue;
    (headers[name] ||= []).push(value);
  }
  for (const [name, value] of next.replaceHeaders || []) headers[name] = [value];
  res.writeHead(r.status, Object.entries(headers).flatMap(([n, vs]) => vs.map((v) => [n, v])).flat());
  res.end(r.body);
  replayed[next.fixture.name.split('/')[0]].add(next.fixture.name);
}

function checkSent(s, sent, headers, body) {
  if (!sent) return;
  const where = `request ${s.seen.length}`;
  for (const [name, value] of Object.entries(sent.headers || {})) {
    if (headers[name.toLowerCase()] !== value) s.problems.push(`${where}: header ${name} is ${headers[name.toLowerCase()]}, expected ${value}`);
  }
  for (const name of sent.headersAbsent || []) {
    if (name.toLowerCase() in headers) s.problems.push(`${where}: header ${name} must not be sent`);
  }
  for (const text of sent.bodyIncludes || []) {
    if (!body.includes(text)) s.problems.push(`${where}: body lacks ${text}`);
  }
  for (const text of sent.bodyExcludes || []) {
    if (body.includes(text)) s.problems.push(`${where}: body has ${text}`);
  }
}

function loadServe(entry) {
  const spec = typeof entry === 'string' ? { fixture: entry } : entry;
  const f = fixture(spec.fixture);
  const [method, path] = spec.for ? spec.for.split(' ') : [f.request.method, f.request.path];
  return { ...spec, fixture: f, method, path };
}

const ibkrKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });

function makeClient(c) {
  const base = origin + prefix[c.broker];
  switch (c.broker) {
    case 'ig':
      return ba.ig({ apiKey: 'replay-api-key', identifier: 'replay-user', password: 'replay-Passw0rd', baseURL: base, ...c.options });
    case 'capital':
      return ba.capital({ apiKey: 'replay-api-key', identifier: 'replay-user', password: 'replay-Passw0rd', baseURL: base, ...c.options });
    default:
      return ba.ibkr({ clientId: 'replay-client', clientKeyId: 'replay-kid', credential: 'replay-user', privateKey: ibkrKey, ip: '203.0.113.7', baseURL: base, ...c.options });
  }
}

function run(client, step) {
  const a = step.args || {};
  switch (step.call) {
    case 'request':
      return client.request(a.path, { method: a.method, body: a.body });
    case 'switchAccount':
    case 'setDefaultAccount':
      return client[step.call](a.accountId);
    default:
      return client[step.call]();
  }
}

function checkSession(got, want, what) {
  if (want === null) {
    assert.equal(got, null, `${what}: no session`);
    return;
  }
  assert.ok(got, `${what}: a session`);
  if ('accountId' in want) assert.equal(got.accountId, want.accountId, `${what}: accountId`);
  if (want.accountIds) assert.deepEqual(got.accounts.map((x) => x.accountId), want.accountIds, `${what}: accounts`);
  for (const [k, v] of Object.entries(want.headers || {})) assert.equal(got.headers[k], v, `${what}: header ${k}`);
  if (want.headerNames) assert.deepEqual(Object.keys(got.headers).sort(), want.headerNames, `${what}: header names`);
  if ('expiresInSeconds' in want) {
    if (want.expiresInSeconds === null) assert.equal(got.expiresAt, null, `${what}: no expiry`);
    else assert.ok(Math.abs(got.expiresAt - Date.now() - want.expiresInSeconds * 1000) < 5000, `${what}: expires in ${want.expiresInSeconds} s`);
  }
  for (const k of ['streamingEndpoint', 'authenticated', 'competing', 'connected']) {
    if (k in want) assert.equal(got[k], want[k], `${what}: ${k}`);
  }
}

// assertSubset: every member of want is in got, recursively; arrays match
// element by element from the start.
function assertSubset(got, want, what) {
  if (want === null || typeof want !== 'object') {
    assert.deepEqual(got, want, what);
    return;
  }
  assert.ok(got !== null && typeof got === 'object', `${what}: an object`);
  for (const [k, v] of Object.entries(want)) assertSubset(got[k], v, `${what}.${k}`);
}

describe('replay of recorded broker answers', () => {
  for (const c of cases) {
    test(`${c.broker}: ${c.name}`, async () => {
      const client = makeClient(c);
      for (const [i, step] of c.steps.entries()) {
        const what = `step ${i + 1} (${step.call})`;
        script = {
          broker: c.broker,
          queue: step.serve.map(loadServe).map((e, j) => ({ ...e, sent: step.sent && step.sent[j] })),
          seen: [],
          problems: [],
        };
        let result;
        let error;
        try {
          result = await run(client, step);
        } catch (err) {
          error = err;
        }
        const { problems, queue } = script;
        script = null;
        const outcome = error ? `it failed with ${error.code}: ${error.message}` : 'it succeeded';
        assert.deepEqual(problems, [], `${what}: requests (${outcome})`);
        assert.equal(queue.length, 0, `${what}: ${queue.length} recorded answers were never asked for (${outcome})`);
        const e = step.expect;
        if (e.error) {
          assert.ok(error instanceof BrokerAuthError, `${what}: a BrokerAuthError, got ${error || 'success'}`);
          for (const k of ['code', 'status', 'retryable', 'step']) {
            if (k in e.error) assert.equal(error[k], e.error[k], `${what}: error ${k} (${error.message})`);
          }
          assert.equal(error.broker, c.broker);
          if (e.error.messageIncludes) assert.ok(error.message.includes(e.error.messageIncludes), `${what}: message ${error.message}`);
        } else if (error) {
          throw error;
        }
        if ('session' in e) checkSession(step.call === 'logout' ? client.session : result, e.session, what);
        if (e.result) assertSubset(result, e.result, `${what}: result`);
        if (e.sessionAfter) checkSession(client.session, e.sessionAfter, `${what}: session after`);
      }
    });
  }

  test('every fixture is listed in SOURCES.md with its origin, and the replay covered each broker', () => {
    const sources = readFileSync(join(replayDir, 'SOURCES.md'), 'utf8');
    for (const broker of ['ig', 'capital', 'ibkr']) {
      for (const file of readdirSync(join(replayDir, 'fixtures', broker))) {
        const f = fixture(`${broker}/${file.replace(/\.json$/, '')}`);
        assert.ok(sources.includes(`\`${broker}/${file}\``), `${broker}/${file} is in SOURCES.md`);
        assert.ok(f.source.repo && f.source.where && (f.source.commit || /^https:\/\//.test(f.source.where)), `${broker}/${file} names its source`);
      }
    }
    const counts = Object.fromEntries(Object.entries(replayed).map(([b, s]) => [b, s.size]));
    console.log(`replayed recorded fixtures: IG ${counts.ig}, Capital.com ${counts.capital}, IBKR ${counts.ibkr}`);
    assert.ok(counts.ig >= 8 && counts.capital >= 6 && counts.ibkr >= 6, JSON.stringify(counts));
  });
});
