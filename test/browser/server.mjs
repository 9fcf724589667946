// Starts the demo server (build/web) on a free loopback port for a test and
// stops it afterwards.

import { spawn } from 'node:child_process';
import { join } from 'node:path';

export async function startDemoServer(root) {
  const proc = spawn(join(root, 'build/web'), ['-addr', '127.0.0.1:0', '-npm', join(root, 'npm')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) resolve(m[0]);
    });
    proc.on('exit', (code) => reject(new Error(`demo server exited with ${code}: ${out}`)));
  });
  return { url, stop: () => proc.kill('SIGTERM') };
}
