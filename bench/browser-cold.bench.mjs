// Cold start in headless Chromium, both modules side by side: a page that
// imports only brokerauth/encrypt (npm/encrypt-browser.mjs) and one that
// imports brokerauth (npm/browser.mjs), each bundled by esbuild and served
// by a node:http server on 127.0.0.1 with the .wasm as application/wasm, so
// that init() compiles it with WebAssembly.compileStreaming while it
// downloads. Every run opens the page in a fresh browser context (no HTTP
// cache, no cached compiled code) and the pages take turns (A B, B A, …).
//
// Each run reports two times: from the navigation's start to the first
// ciphertext (what a visitor waits for), and from the page's script start
// to it (init() + fetch + compile + the Go runtime's start + one
// encryptPassword). Medians of RUNS.
//
// Usage: node bench/browser-cold.bench.mjs   env: RUNS (15), CHROMIUM_PATH
// The last line is `RESULT {...}` for bench/run.mjs.

import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { build } from 'esbuild';

import { launchChromium, watchPage } from '../test/browser/browser.mjs';
import { serveFolder } from '../test/browser/server.mjs';

import { encryption, median, root } from './shared.mjs';

const RUNS = Number(process.env.RUNS || 15);
const dist = join(root, 'build/bench-browser-cold');
const modules = {
  'brokerauth/encrypt': { entry: 'npm/encrypt-browser.mjs', wasm: 'brokerauth-encrypt.wasm' },
  brokerauth: { entry: 'npm/browser.mjs', wasm: 'brokerauth.wasm' },
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
for (const [name, m] of Object.entries(modules)) {
  for (const f of [m.entry, `npm/${m.wasm}`]) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run make build first`);
  }
  m.slug = name.replace(/\W/g, '-');
  const page = join(dist, `${m.slug}.src.mjs`);
  writeFileSync(page, `import { init } from ${JSON.stringify(join(root, m.entry))};
const t0 = performance.now();
const ba = await init({ wasmURL: new URL(${JSON.stringify(m.wasm)}, location.href) });
const out = ba.encryptPassword(${JSON.stringify(encryption.key)}, 1, 'pw');
const t1 = performance.now();
globalThis.coldResult = { ok: out.length === 344, scriptMs: t1 - t0, sinceNavigationMs: t1 };
`);
  await build({ entryPoints: [page], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: join(dist, `${m.slug}.js`), logLevel: 'silent' });
  writeFileSync(join(dist, `${m.slug}.html`), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${name} cold start</title>
<link rel="icon" href="data:,"><script type="module" src="${m.slug}.js"></script></head><body></body></html>\n`);
  copyFileSync(join(root, 'npm', m.wasm), join(dist, m.wasm));
}

let server;
let browser;
let exitCode = 0;
try {
  server = await serveFolder(dist);
  const { origin } = server;
  browser = await launchChromium();
  const runs = Object.fromEntries(Object.keys(modules).map((n) => [n, []]));
  for (let i = 0; i < RUNS + 1; i++) {
    const names = Object.keys(modules);
    for (const name of i % 2 ? names.reverse() : names) {
      const context = await browser.newContext();
      const tab = await context.newPage();
      const problems = watchPage(tab);
      await tab.goto(`${origin}/${modules[name].slug}.html`);
      await tab.waitForFunction(() => globalThis.coldResult, null, { timeout: 30_000 });
      const r = await tab.evaluate(() => globalThis.coldResult);
      await context.close();
      if (!r.ok || problems.length) throw new Error(`${name}: the page failed: ${problems.join('; ')}`);
      if (i > 0) runs[name].push(r); // the first round warms the browser process, not the page
    }
  }
  const result = Object.fromEntries(Object.entries(runs).map(([n, rs]) => [n, {
    scriptMs: median(rs.map((r) => r.scriptMs)),
    sinceNavigationMs: median(rs.map((r) => r.sinceNavigationMs)),
  }]));
  console.log(`cold start in headless Chromium ${browser.version()}, a fresh context per run, median of ${RUNS} interleaved`);
  console.log('module                 navigation → first ciphertext   script start → first ciphertext');
  for (const [name, r] of Object.entries(result)) {
    console.log(`${name.padEnd(22)} ${r.sinceNavigationMs.toFixed(1).padStart(20)} ms   ${r.scriptMs.toFixed(1).padStart(22)} ms`);
  }
  console.log(`RESULT ${JSON.stringify({ bench: 'browser-cold', browser: `Chromium ${browser.version()}`, runs: RUNS, coldMs: result })}`);
} catch (err) {
  console.error(err && err.stack ? err.stack : err);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  await server?.close();
}
process.exitCode = exitCode;
