// The demo page's script: loads the npm build the way a bundler user would
// (ES module + init()) and encrypts what the form holds.
import { init, BrokerAuthError } from '/npm/browser.mjs';

const capitalGuideKey =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1dOujgcFh/9n4JLJMY4VMWZ7aRrynwKXUC9RuoC8Qu5UOeskxgZ1q5DmAXjkes77KrLfFZYEKtrp2g1TB0MBkSALiyrG+Fl52vhET9/AWRhvHuFyskWI7tEtcGIaOB1FwR0EDO9bnylTaZ+Y9sPbLVA7loAtfaX3HW/TI9JDpdmgzXZ0KrwIxdMRzPxVqQXcA8yJL1m33pvo9mOJ0AsQ8FFuy+ctjI8l/8xUhe2Hk01rpMBXDwI1lSjnvuUUDvAtacxyYVlNsnRvbrMZYp7hyimm27RtvCUXhTX2A94tDB0MFLApURrki+tvTvw5ImDPN8qOdTUzbs8hNtVwTpSxPwIDAQAB';

const $ = (id) => document.getElementById(id);

$('use-example').addEventListener('click', () => {
  $('key').value = capitalGuideKey;
  $('timestamp').value = '1647440528194';
});

try {
  const started = performance.now();
  const ba = await init();
  $('status').textContent = `brokerauth ${ba.version} ready in ${Math.round(performance.now() - started)} ms.`;
  $('encrypt').disabled = false;

  $('encrypt-form').addEventListener('submit', (event) => {
    event.preventDefault();
    $('result').textContent = '';
    $('error').textContent = '';
    try {
      const t0 = performance.now();
      const out = ba.encryptPassword($('key').value, $('timestamp').value.trim(), $('password').value);
      $('result').textContent = out;
      $('status').textContent = `Encrypted in ${(performance.now() - t0).toFixed(1)} ms: ${atob(out).length} bytes, ${out.length} base64 characters.`;
    } catch (err) {
      $('error').textContent = err instanceof BrokerAuthError ? `${err.code}: ${err.message}` : String(err);
    }
  });
} catch (err) {
  $('status').textContent = `brokerauth failed to start: ${err.code || ''} ${err.message}`;
}
