// Client handles are garbage-collectable, even when their onSessionChange
// refers to the client itself: Go holds the listener for good, so the
// wrapper must not let it pin the client.

import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, test } from 'node:test';

import { loadESM } from './helpers.mjs';
import { startSimServer } from './simserver.mjs';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

let server;
let ba;
before(async () => {
  server = await startSimServer();
  ba = await (await loadESM()).init();
});
after(() => server.stop());

test('clients whose onSessionChange refers to themselves are collected', async () => {
  const { baseURL, apiKey, identifier, password } = server.creds.ig;
  let collected = 0;
  const registry = new FinalizationRegistry(() => { collected++; });
  const saved = [];
  const N = 100;
  for (let i = 0; i < N; i++) {
    const client = ba.ig({ baseURL, apiKey, identifier, password, onSessionChange: (s) => saved.push([client, s]) });
    registry.register(client, i);
  }
  for (let round = 0; round < 20 && collected < N * 0.9; round++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(collected >= N * 0.9, `only ${collected} of ${N} clients were collected`);
});
