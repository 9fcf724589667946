// Runs README.md's code blocks as written, in order, the way a new user
// would: the shell blocks in one shell session (each block's cwd and
// exported variables carry over to the next), JavaScript blocks with node
// from that folder, Go blocks saved as main.go there. The checkout is seen
// as ../brokerauth from a scratch folder next to it, so `cd ../my-bot`
// lands in a fresh project. The simulators run where the README says,
// except on a free port: http://127.0.0.1:8080 in a block becomes the
// actual origin, and redis://127.0.0.1:6379 the throwaway Redis that
// test/with-redis.sh starts (BROKERAUTH_TEST_REDIS). console blocks (make
// demo, make test, registry installs) are shown, not run: the redis
// package the README installs that way is this repository's dev
// dependency, linked next to the scratch project.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { root } from './helpers.mjs';
import { startSimServer } from './simserver.mjs';

/** The fenced blocks of a Markdown file: { lang, code, line }. */
export function codeBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^```(\w*)/);
    if (!open) continue;
    const start = i;
    const body = [];
    for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i]);
    blocks.push({ lang: open[1], code: `${body.join('\n')}\n`, line: start + 1 });
  }
  return blocks;
}

let server;
let scratch;

before(async () => {
  server = await startSimServer();
  scratch = mkdtempSync(join(tmpdir(), 'brokerauth-readme-'));
  symlinkSync(root, join(scratch, 'brokerauth'));
  // "your project": without a package.json, npm install would walk up and
  // install into the nearest one, this repository's.
  mkdirSync(join(scratch, 'my-bot'));
  writeFileSync(join(scratch, 'my-bot/package.json'), '{ "name": "my-bot", "private": true }\n');
  // `npm install redis` (a console block): found from my-bot through the
  // folder above it, which npm install in my-bot leaves alone.
  mkdirSync(join(scratch, 'node_modules'));
  symlinkSync(join(root, 'node_modules/redis'), join(scratch, 'node_modules/redis'));
});
after(() => {
  server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('every code block in README.md runs as written', { timeout: 600_000 }, () => {
  const manifests = ['package.json', 'package-lock.json'].map((f) => readFileSync(join(root, f), 'utf8'));
  const blocks = codeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
  const runnable = new Set(['sh', 'js', 'go']);
  const shown = new Set(['console']);
  let env = { ...process.env };
  let cwd = join(scratch, 'brokerauth');
  const ran = { sh: 0, js: 0, go: 0 };
  for (const [n, block] of blocks.entries()) {
    assert.ok(runnable.has(block.lang) || shown.has(block.lang), `README.md line ${block.line}: a \`\`\`${block.lang} block (use sh, js, go, or console for one not to run)`);
    if (!runnable.has(block.lang)) continue;
    const where = `README.md line ${block.line} (${block.lang})`;
    if (block.code.includes('redis://127.0.0.1:6379')) {
      assert.ok(process.env.BROKERAUTH_TEST_REDIS, `${where} needs a Redis: run the test under test/with-redis.sh (make test-js does)`);
    }
    const code = block.code.replaceAll('http://127.0.0.1:8080', server.origin).replaceAll('redis://127.0.0.1:6379', process.env.BROKERAUTH_TEST_REDIS);
    if (block.lang === 'go') {
      writeFileSync(join(cwd, 'main.go'), code);
      ran.go++;
      continue;
    }
    let res;
    if (block.lang === 'js') {
      const file = join(cwd, `readme-block-${n}.mjs`);
      writeFileSync(file, code);
      res = spawnSync(process.execPath, [file], { cwd, env, encoding: 'utf8', timeout: 120_000 });
    } else {
      // The block, then the shell's state for the next one: its folder and
      // its environment, NUL-separated.
      const state = join(scratch, 'state');
      const script = `set -e\n${code}\npwd > '${state}.cwd'\nenv -0 > '${state}.env'\n`;
      // PWD keeps the folder's logical path (through the symlink) for cd ..
      res = spawnSync('bash', ['-c', script], { cwd, env: { ...env, PWD: cwd }, encoding: 'utf8', timeout: 300_000 });
      if (res.status === 0) {
        cwd = readFileSync(`${state}.cwd`, 'utf8').trim();
        env = Object.fromEntries(readFileSync(`${state}.env`, 'utf8').split('\0').filter(Boolean).map((kv) => {
          const eq = kv.indexOf('=');
          return [kv.slice(0, eq), kv.slice(eq + 1)];
        }));
      }
    }
    assert.equal(res.status, 0, `${where} failed:\n${res.stdout}\n${res.stderr}`);
    ran[block.lang]++;
  }
  assert.deepEqual(['package.json', 'package-lock.json'].map((f) => readFileSync(join(root, f), 'utf8')), manifests,
    "the README's commands left this repository's package.json and package-lock.json alone");
  console.log(`README.md: ran ${ran.sh} shell, ${ran.js} JavaScript and ${ran.go} Go blocks`);
  assert.ok(ran.sh && ran.js && ran.go, JSON.stringify(ran));
});
