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

const member = (o) => doc(o.doc, '  ') + `  ${o.name}${o.required ? '' : '?'}: ${o.ts};\n`;

// optionTypes declares a broker's options: one interface, or, for a broker
// with several modes (IBKR's OAuth 2.0 and 1.0a), a union of one interface
// per mode on a shared base, each mode's interface ruling out the others'
// options (name?: never) so that TypeScript tells the modes apart.
function optionTypes(name, b) {
  const modes = b.modes ?? [];
  if (modes.length === 0) {
    return `/** Options of ${name}(): ${b.doc} */\n`
      + `export interface ${b.ts}Options extends CommonOptions<${b.session}> {\n${b.options.map(member).join('')}}\n\n`;
  }
  const shared = b.options.filter((o) => o.mode === '');
  let out = `/** Options of ${name}() that every mode takes. */\n`
    + `export interface ${b.ts}CommonOptions extends CommonOptions<${b.session}> {\n${shared.map(member).join('')}}\n\n`;
  for (const m of modes) {
    const own = b.options.filter((o) => o.mode === m.name);
    const others = b.options.filter((o) => o.mode !== '' && o.mode !== m.name);
    out += `/** Options of ${name}(), ${m.doc} */\n`
      + `export interface ${b.ts}${m.name}Options extends ${b.ts}CommonOptions {\n${own.map(member).join('')}`
      + others.map((o) => `  ${o.name}?: never;\n`).join('') + '}\n\n';
  }
  out += `/** Options of ${name}(): ${b.doc} */\n`
    + `export type ${b.ts}Options = ${modes.map((m) => `${b.ts}${m.name}Options`).join(' | ')};\n\n`;
  return out;
}

/** The declarations for table, in the template's text. */
export function declarations(template, table) {
  let brokers = '';
  let factories = '';
  for (const [name, b] of Object.entries(table.brokers)) {
    brokers += optionTypes(name, b);
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

// The declarations of brokerauth/encrypt: js/encrypt.d.ts.in, where each
// line `/* @from index.d.ts.in: Name */` becomes that declaration of
// index.d.ts.in (its doc comment included), and
// `/* @from index.d.ts.in: Interface.member */` that member, so that what
// both entries declare is written once.
export function encryptDeclarations(template, indexTemplate) {
  const out = template.replace(/^( *)\/\* @from index\.d\.ts\.in: ([\w.]+) \*\/\n/gm, (_, indent, name) => {
    const [outer, member] = name.split('.');
    let text = declaration(indexTemplate, outer, name);
    if (member) text = memberOf(text, member, name);
    return text.replace(/^(?=.)/gm, indent);
  });
  if (out.includes('/* @from')) throw new Error('encrypt.d.ts.in has a @from line this build does not read');
  return out;
}

// declaration finds `export … name` at the start of a line, with the doc
// comment right above it, up to the line that closes it: `}` at the start
// of a line for a block, else the first line ending in `;`.
function declaration(text, name, what) {
  const start = text.search(new RegExp(`^export (?:declare )?(?:interface|type|class|function|const) ${name}\\b`, 'm'));
  if (start < 0) throw new Error(`index.d.ts.in declares no ${what}`);
  const head = text.slice(0, start);
  const doc = head.match(/\/\*\*(?:(?!\*\/)[\s\S])*\*\/\n$/);
  const from = doc ? start - doc[0].length : start;
  const firstLine = text.slice(start, text.indexOf('\n', start));
  const close = firstLine.endsWith('{') ? '\n}\n' : ';\n';
  const at = text.indexOf(close, start);
  if (at < 0) throw new Error(`index.d.ts.in: the ${what} declaration is not closed by ${JSON.stringify(close)}`);
  return text.slice(from, at + close.length);
}

// memberOf finds a member of the interface or class text declares, with
// its doc comment, out of its body.
function memberOf(text, member, what) {
  const m = text.match(new RegExp(`\\n((?: *\\/\\*\\*(?:(?!\\*\\/)[\\s\\S])*\\*\\/\\n)? *${member}\\(.*\\n)`));
  if (!m) throw new Error(`index.d.ts.in declares no ${what}`);
  return m[1].replace(/^ {2}/gm, '');
}
