// Packs npm/ the way `npm publish` would and installs the tarball into a
// scratch project, so the JS tests exercise the package as a user receives
// it: only the files listed in package.json, resolved through `exports`.
//
// Usage: node test/js/pack-consumer.mjs <dir>

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = resolve(process.argv[2] || join(root, 'build/consumer'));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir, join(root, 'npm')], root));
writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'brokerauth-consumer', private: true, version: '0.0.0' }, null, 2));
npm(['install', '--no-audit', '--no-fund', '--no-package-lock', join(dir, packed.filename)], dir);
writeFileSync(join(dir, 'pack.json'), JSON.stringify(packed, null, 2));

// The fixtures import 'brokerauth' by name, so they must live inside the
// consumer project to resolve it from its node_modules.
for (const f of readdirSync(join(root, 'test/js/fixtures'))) {
  cpSync(join(root, 'test/js/fixtures', f), join(dir, f));
}
console.log(`installed ${packed.filename} (${packed.size} bytes packed, ${packed.entryCount} files) into ${dir}`);
