// The servers the browser tests and benches open pages on: the demo server
// with the simulators, and a static server for a bundled page.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, relative } from 'node:path';

import { startSimServer } from '../js/simserver.mjs';

// The demo server for the browser tests: the same build/web, on a free
// loopback port, that the JS flow tests start (test/js/simserver.mjs).
export async function startDemoServer() {
  const server = await startSimServer();
  return { ...server, url: `${server.origin}/` };
}

// strictCSP is the Content-Security-Policy a careful page would set: what
// brokerauth needs under it is 'wasm-unsafe-eval' and nothing else.
export const strictCSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:; connect-src 'self'; base-uri 'none'";

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', // so that init() compiles it while it downloads
  '.json': 'application/json',
};

/**
 * Serves the files under dir on a free loopback port, / as index.html, never
 * cached. headers go on every answer (a CSP, cross-origin isolation); json
 * maps a path to a function whose value is answered as JSON (the page's
 * input). Resolves with { origin, url, close() }.
 */
export async function serveFolder(dir, { headers = {}, json = {} } = {}) {
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/$/, '/index.html');
    for (const [header, value] of Object.entries(headers)) res.setHeader(header, value);
    res.setHeader('Cache-Control', 'no-store');
    if (Object.hasOwn(json, name)) {
      res.setHeader('Content-Type', types['.json']);
      res.end(JSON.stringify(json[name]()));
      return;
    }
    const file = join(dir, name);
    if (relative(dir, file).startsWith('..') || !existsSync(file) || !statSync(file).isFile()) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', types[extname(file)] || 'application/octet-stream');
    res.end(readFileSync(file));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, url: `${origin}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}
