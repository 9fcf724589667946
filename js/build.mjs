// Builds the JavaScript half of the npm package from js/ into npm/:
//   index.mjs, index.cjs  (Node: ESM and CommonJS, from js/node.js)
//   browser.mjs           (browsers and bundlers, from js/browser.js)
//   index.d.ts, index.d.mts (generated: js/dts.mjs)
//   encrypt.mjs, encrypt.cjs, encrypt-browser.mjs, encrypt.d.ts, encrypt.d.mts
//                         (brokerauth/encrypt, the same from js/node-encrypt.js,
//                         js/browser-encrypt.js and js/encrypt.d.ts.in)
//   redis.mjs, redis.cjs, redis.d.ts, redis.d.mts
//                         (brokerauth/redis, Node only, from js/redis.js with
//                         core/redisstore's Lua scripts, and js/redis.d.ts.in)
// The Makefile adds brokerauth.wasm, brokerauth-encrypt.wasm and Go's
// wasm_exec.js.
//
// Go's wasm_exec.js ships unchanged next to them (the Makefile copies it from
// the toolchain) and is also inlined into each entry; see inlineWasmExec.

import { build } from 'esbuild';

import { declarations, describeWasm, encryptDeclarations } from './dts.mjs';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'npm');
const { version } = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8'));

// Go's wasm_exec.js is inlined as the body of defineGoClass(), which
// init() calls: the toolchain's file, byte for byte, read from npm/ where
// the Makefile copied it. Loading it as a separate module cost Node about
// 10 ms of ESM-to-CommonJS translation on every cold start (and a browser
// one more round trip), and it still only touches globals once the user
// asks for the runtime.
const inlineWasmExec = {
  name: 'wasm-exec-inline',
  setup(b) {
    b.onResolve({ filter: /^\.\/wasm_exec_inline\.js$/ }, () => ({ path: join(out, 'wasm_exec.js'), namespace: 'wasm-exec' }));
    b.onLoad({ filter: /.*/, namespace: 'wasm-exec' }, (args) => ({
      contents: `export function defineGoClass() {\n${readFileSync(args.path, 'utf8')}\n}\n`,
      loader: 'js',
    }));
  },
};

// The API table of the wasm just built (wasm/api.go's describe()): the
// declarations are written from it (js/dts.mjs), and the sessions entries
// carry it without its documentation, so that a start need not ask the Go
// side for it (js/api.js).
await import(join(out, 'wasm_exec.js'));
const api = await describeWasm(join(out, 'brokerauth.wasm'));
const apiForWrapper = JSON.parse(JSON.stringify(api, (k, v) => (k === 'doc' ? undefined : v)));

const common = {
  bundle: true,
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [inlineWasmExec],
  define: { __BROKERAUTH_VERSION__: JSON.stringify(version), __BROKERAUTH_API__: JSON.stringify(apiForWrapper) },
  banner: {
    js: `// brokerauth ${version} — built from js/ by js/build.mjs; do not edit.\n` +
      "// Includes Go's wasm_exec.js, Copyright The Go Authors, under the BSD-style license in LICENSE-go.",
  },
};

// Each entry's Node ESM, Node CommonJS and browser builds.
const entries = (node, browser, name, browserName) => [
  build({ ...common, entryPoints: [join(root, node)], platform: 'node', format: 'esm', outfile: join(out, `${name}.mjs`) }),
  build({
    ...common,
    entryPoints: [join(root, node)],
    platform: 'node',
    format: 'cjs',
    outfile: join(out, `${name}.cjs`),
    // CommonJS has no import.meta; point it at this file the same way.
    define: { ...common.define, 'import.meta.url': '__brokerauthModuleURL' },
    banner: { js: `${common.banner.js}\nconst __brokerauthModuleURL = require('node:url').pathToFileURL(__filename).href;` },
  }),
  build({ ...common, entryPoints: [join(root, browser)], platform: 'browser', format: 'esm', outfile: join(out, `${browserName}.mjs`) }),
];
await Promise.all([
  ...entries('js/node.js', 'js/browser.js', 'index', 'browser'),
  ...entries('js/node-encrypt.js', 'js/browser-encrypt.js', 'encrypt', 'encrypt-browser'),
]);

// The command line imports the library entries at run time, so the package
// holds one copy of each wrapper.
await build({
  ...common,
  entryPoints: [join(root, 'js/cli.js')],
  platform: 'node',
  format: 'esm',
  outfile: join(out, 'cli.mjs'),
  plugins: [{
    name: 'library-external',
    setup(b) {
      b.onResolve({ filter: /^\.\/(index|encrypt)\.mjs$/ }, (args) => ({ path: args.path, external: true }));
    },
  }],
  banner: { js: `#!/usr/bin/env node\n${common.banner.js}` },
});
chmodSync(join(out, 'cli.mjs'), 0o755);

// brokerauth/redis (Node only), with the Lua scripts of core/redisstore
// copied in, so that Go and Node lock and delete the same way. It takes
// BrokerAuthError from the library entry next to it, so that instanceof
// holds for both.
const redisScripts = {
  __REDIS_LOCK_LUA__: JSON.stringify(readFileSync(join(root, 'core/redisstore/lock.lua'), 'utf8')),
  __REDIS_DELETE_IF_EQUAL_LUA__: JSON.stringify(readFileSync(join(root, 'core/redisstore/delete_if_equal.lua'), 'utf8')),
};
const libraryExternal = (entry) => ({
  name: 'library-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/index\.mjs$/ }, () => ({ path: entry, external: true }));
    b.onResolve({ filter: /^redis$/ }, () => ({ path: 'redis', external: true })); // the peer dependency
  },
});
await Promise.all([
  build({
    ...common, entryPoints: [join(root, 'js/redis.js')], platform: 'node', format: 'esm', outfile: join(out, 'redis.mjs'),
    define: { ...common.define, ...redisScripts }, plugins: [libraryExternal('./index.mjs')],
  }),
  build({
    ...common, entryPoints: [join(root, 'js/redis.js')], platform: 'node', format: 'cjs', outfile: join(out, 'redis.cjs'),
    define: { ...common.define, ...redisScripts }, plugins: [libraryExternal('./index.cjs')],
  }),
]);
const redisTypes = readFileSync(join(root, 'js/redis.d.ts.in'), 'utf8').replace(/^\/\/.*\n\/\/.*\n\n/, '');
writeFileSync(join(out, 'redis.d.ts'), redisTypes);
writeFileSync(join(out, 'redis.d.mts'), redisTypes.replace("from './index.js'", "from './index.mjs'"));

// The declarations, from the template and the API table.
const types = declarations(readFileSync(join(root, 'js/index.d.ts.in'), 'utf8'), api);
writeFileSync(join(out, 'index.d.ts'), types);
writeFileSync(join(out, 'index.d.mts'), types);
const encryptTypes = encryptDeclarations(readFileSync(join(root, 'js/encrypt.d.ts.in'), 'utf8'), readFileSync(join(root, 'js/index.d.ts.in'), 'utf8'));
writeFileSync(join(out, 'encrypt.d.ts'), encryptTypes);
writeFileSync(join(out, 'encrypt.d.mts'), encryptTypes);
copyFileSync(join(root, 'LICENSE'), join(out, 'LICENSE'));
