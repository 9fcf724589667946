// The demo server (build/web, the same program `make demo` runs) with its
// three simulators, on a free loopback port, for the flow tests; plus
// helpers for the simulators' /__sim/ admin endpoints.

import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { root } from './helpers.mjs';

export async function startSimServer() {
  const proc = spawn(join(root, 'build/web'), ['-addr', '127.0.0.1:0', '-npm', join(root, 'npm')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const origin = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) resolve(m[0]);
    });
    proc.on('exit', (code) => reject(new Error(`demo server exited with ${code}`)));
  });
  const creds = await (await fetch(`${origin}/sim/credentials.json`)).json();
  for (const c of Object.values(creds)) c.baseURL = origin + c.baseURL;
  const adminBase = { ig: `${origin}/sim/ig`, capital: `${origin}/sim/capital`, ibkr: `${origin}/sim/ibkr` };
  const admin = async (broker, what, body) => {
    const res = await fetch(`${adminBase[broker]}/__sim/${what}`, {
      method: what === 'stats' ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: what === 'stats' ? undefined : JSON.stringify(body ?? {}),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`admin ${broker} ${what}: ${JSON.stringify(json)}`);
    return json;
  };
  return { origin, creds, admin, stop: () => proc.kill('SIGTERM') };
}
