// Launches Debian's Chromium headless through playwright-core (no browser
// download: the machine is offline), with the flags this sandbox needs.

import { chromium } from 'playwright-core';

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', // tests run as root
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Records console errors and failed requests so a test can assert there were
 * none. A test that provokes a failure on purpose declares it first, as
 * narrowly as it can, with problems.expectStatus(method, pathSuffix, status)
 * (one HTTP error answer and the console line Chromium prints for it) or
 * problems.expectFailed(urlPrefix) (one request that gets no answer); each
 * declaration covers one occurrence, and problems.unused() lists those that
 * never happened.
 */
export function watchPage(page) {
  const problems = [];
  const expected = [];
  const take = (pred) => {
    const i = expected.findIndex(pred);
    if (i < 0) return false;
    expected[i].seen++;
    return true;
  };
  const hidden = (name, value) => Object.defineProperty(problems, name, { value, enumerable: false });
  hidden('expectStatus', (method, pathSuffix, status) => {
    expected.push({ kind: 'status', method, pathSuffix, status, seen: 0, console: 0 });
  });
  hidden('expectFailed', (urlPrefix) => {
    expected.push({ kind: 'failed', urlPrefix, seen: 0, console: 0 });
  });
  hidden('unused', () => expected.filter((e) => e.seen === 0)
    .map((e) => (e.kind === 'status' ? `${e.method} …${e.pathSuffix} → ${e.status}` : `failed ${e.urlPrefix}`)));
  hidden('clearExpected', () => expected.splice(0));

  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const url = msg.location()?.url || '';
    // Chromium reports every HTTP error answer and every failed request on
    // the console too; match it to the declaration that covers it.
    const i = expected.findIndex((e) => e.console < 1 && (e.kind === 'status'
      ? new URL(url, 'http://x').pathname.endsWith(e.pathSuffix) && msg.text().includes(`status of ${e.status}`)
      : url.startsWith(e.urlPrefix) && /Failed to load resource/.test(msg.text())));
    if (i >= 0) {
      expected[i].console++;
      return;
    }
    problems.push(`console: ${msg.text()}${url ? ` (${url})` : ''}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  // Requests that got a complete, successful answer. Chromium may still
  // report such a request as net::ERR_ABORTED when its body stream is let
  // go right after the last chunk; that is not a failed request. One that
  // never got an answer, or an error answer, still counts.
  const answered = new WeakSet();
  page.on('requestfailed', (req) => {
    if (answered.has(req) && req.failure()?.errorText === 'net::ERR_ABORTED') return;
    if (take((e) => e.kind === 'failed' && e.seen === 0 && req.url().startsWith(e.urlPrefix))) return;
    problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => {
    if (res.status() < 400) answered.add(res.request());
    if (res.status() < 400) return;
    const path = new URL(res.url()).pathname;
    if (take((e) => e.kind === 'status' && e.seen === 0 && e.method === res.request().method() &&
      path.endsWith(e.pathSuffix) && e.status === res.status())) return;
    problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  return problems;
}
