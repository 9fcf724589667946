// Writes the published TypeScript declarations: js/index.d.ts.in with each
// broker's options and client interfaces, and BrokerAuth's factory
// methods, generated from the table of the API that the wasm itself
// reports (wasm/api.go, describe()): the declarations cannot drift from the
// runtime, because they are read off it.

import { readFileSync } from 'node:fs';

import { startRuntime } from './runtime.js';

/** The API table of the wasm at wasmPath (Go's wasm_exec.js must be loaded). */
export async function describeWasm(wasmPath) {
  const module = await WebAssembly.compile(readFileSync(wasmPath));
  const { ns } = await startRuntime(module);
  return JSON.parse(ns.describe());
}

const doc = (text, indent) => `${indent}/** ${text.replaceAll('*/', '*\\/')} */\n`;

/** The declarations for table, in the template's text. */
export function declarations(template, table) {
  let brokers = '';
  let factories = '';
  for (const [name, b] of Object.entries(table.brokers)) {
    brokers += `/** Options of ${name}(): ${b.doc} */\n`;
    brokers += `export interface ${b.ts}Options extends CommonOptions<${b.session}> {\n`;
    for (const o of b.options) brokers += doc(o.doc, '  ') + `  ${o.name}${o.required ? '' : '?'}: ${o.ts};\n`;
    brokers += '}\n\n';
    brokers += `/** ${b.doc} */\n`;
    brokers += `export interface ${b.ts}Client extends BrokerClient<${b.session}> {\n`;
    for (const m of b.methods) {
      const params = m.params.map((p) => `${p.name}: ${p.ts}`).join(', ');
      brokers += doc(m.doc, '  ') + `  ${m.name}(${params}): Promise<${m.result}>;\n`;
    }
    brokers += '}\n\n';
    factories += doc(b.doc, '  ') + `  ${name}(options: ${b.ts}Options): ${b.ts}Client;\n`;
  }
  const out = template
    .replace('/* @generated brokers */\n', brokers)
    .replace('  /* @generated factories */\n', factories);
  if (out.includes('@generated')) throw new Error('index.d.ts.in lost a @generated marker');
  return out;
}
