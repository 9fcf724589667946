// The command line's settings: one table declares each setting's config
// key, environment variable, flag and client option, and drives --help,
// the config check, and the options handed to the library. Config files
// are ibauth-style YAML (flat `key: value` lines, all ibauth's config
// uses) or JSON. No YAML library: the package has no runtime
// dependencies, and a flat mapping needs none.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { BrokerAuthError } from './index.mjs';

export class UsageError extends Error {}

// Settings by broker family. key: the config key (ibauth's names for
// IBKR); env: its environment variable; option: the client option it
// fills; flag: a command-line flag that sets it too; secret: never
// printed; deprecated: an older spelling of another key.
export const settingsTable = {
  cst: [
    { key: 'api_key', env: 'BROKERAUTH_API_KEY', option: 'apiKey', required: true, help: 'the API key' },
    { key: 'identifier', env: 'BROKERAUTH_IDENTIFIER', option: 'identifier', required: true, help: 'the login name' },
    { key: 'password', env: 'BROKERAUTH_PASSWORD', option: 'password', required: true, secret: true, help: 'the password (never a flag: see --password-stdin)' },
    { key: 'environment', env: 'BROKERAUTH_ENVIRONMENT', option: 'environment', help: 'demo (default) or live' },
    { key: 'base_url', env: 'BROKERAUTH_BASE_URL', option: 'baseURL', flag: 'base-url', help: "replaces the environment's URL (a simulator, a proxy)" },
    { key: 'api_version', env: 'BROKERAUTH_API_VERSION', option: 'version', flag: 'api-version', igOnly: true, help: "IG's login version: 2 (default) or 3" },
    { key: 'version', env: 'BROKERAUTH_VERSION', deprecated: 'api_version' },
  ],
  ibkr: [
    { key: 'client_id', env: 'BROKERAUTH_CLIENT_ID', option: 'clientId', required: true, help: 'OAuth client_id' },
    { key: 'client_key_id', env: 'BROKERAUTH_CLIENT_KEY_ID', option: 'clientKeyId', required: true, help: 'client_key_id (the JWS kid)' },
    { key: 'credential', env: 'BROKERAUTH_CREDENTIAL', option: 'credential', required: true, help: 'the IBKR user name' },
    { key: 'private_key_file', env: 'BROKERAUTH_PRIVATE_KEY_FILE', file: 'privateKey', required: true, help: 'PEM private key file, relative to the config file' },
    { key: 'domain', env: 'BROKERAUTH_DOMAIN', option: 'domain', help: 'api.ibkr.com (default) or N.api.ibkr.com' },
    { key: 'base_url', env: 'BROKERAUTH_BASE_URL', option: 'baseURL', flag: 'base-url', help: 'replaces https://<domain> (a simulator, a proxy)' },
    { key: 'ip', env: 'BROKERAUTH_IP', option: 'ip', flag: 'ip', help: 'the public IP for the bearer token; skips the IP lookup' },
    { key: 'ip_lookup_url', env: 'BROKERAUTH_IP_LOOKUP_URL', option: 'ipLookupURL', help: 'the IP lookup service (default https://api.ipify.org)' },
  ],
};

/** Parse a flat YAML mapping: `key: value`, # comments, quoted values. */
export function parseFlatYAML(text, name = 'config') {
  const out = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '');
    if (/^\s*(#|$)/.test(line) || line.trim() === '---') return;
    const m = line.match(/^([A-Za-z_][\w.-]*)\s*:\s*(.*)$/);
    if (!m) throw new UsageError(`${name} line ${i + 1}: expected "key: value"`);
    out[m[1]] = scalar(m[2], i + 1, name);
  });
  return out;
}

function scalar(text, lineNo, name) {
  const t = text.trim();
  if (t.startsWith('"')) {
    const end = t.lastIndexOf('"');
    if (end <= 0) throw new UsageError(`${name} line ${lineNo}: unterminated "string"`);
    try {
      return JSON.parse(t.slice(0, end + 1));
    } catch {
      throw new UsageError(`${name} line ${lineNo}: bad "string"`);
    }
  }
  if (t.startsWith("'")) {
    const end = t.lastIndexOf("'");
    if (end <= 0) throw new UsageError(`${name} line ${lineNo}: unterminated 'string'`);
    return t.slice(1, end).replaceAll("''", "'");
  }
  const value = t.replace(/\s+#.*$/, '');
  if (value === '' || value === '~' || value === 'null') return undefined;
  return value;
}

/** Load --config (YAML or JSON); relative file paths inside resolve against its folder. */
export function loadConfigFile(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config ${path}: ${err.code || err.message}`);
  }
  let config;
  if (/\.json$/i.test(path)) {
    try {
      config = JSON.parse(text);
    } catch {
      throw new UsageError(`config ${path} is not valid JSON`);
    }
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw new UsageError(`config ${path} must hold a JSON object`);
    }
  } else {
    config = parseFlatYAML(text, `config ${path}`);
  }
  return { config, baseDir: dirname(resolve(path)), name: path };
}

/**
 * The client options for one command: each setting from its flag, else
 * the config file, else its environment variable. A config key the family
 * does not know is invalid_argument, naming the key and the known ones.
 */
export function clientOptions(family, broker, configPath, flags, env) {
  const table = settingsTable[family].filter((s) => !s.igOnly || broker === 'ig');
  const { config, baseDir, name } = configPath ? loadConfigFile(configPath) : { config: {}, baseDir: process.cwd(), name: '' };
  const known = table.map((s) => s.key);
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) {
      const shown = known.filter((k) => !table.find((s) => s.key === k).deprecated);
      throw new BrokerAuthError('invalid_argument', `config ${name}: unknown key "${key}" for ${broker} (known: ${shown.join(', ')})`);
    }
  }
  const value = (s) => {
    if (s.flag && flags[s.flag] !== undefined) return flags[s.flag];
    if (config[s.key] !== undefined) return String(config[s.key]);
    return env[s.env] === '' ? undefined : env[s.env];
  };
  const opts = {};
  for (const s of table) {
    let v = value(s);
    if (s.deprecated) {
      const target = table.find((t) => t.key === s.deprecated);
      if (v !== undefined && value(target) === undefined) v = setOption(opts, target, v, baseDir);
      continue;
    }
    if (v === undefined) {
      if (s.required) {
        throw new UsageError(`${s.key} is required for ${broker}: put it in --config or set ${s.env}` +
          (s.secret ? ' (for safety, brokerauth takes no password flag)' : ''));
      }
      continue;
    }
    setOption(opts, s, v, baseDir);
  }
  return opts;
}

function setOption(opts, s, v, baseDir) {
  if (s.file) {
    try {
      opts[s.file] = readFileSync(resolve(baseDir, v), 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${s.key}: ${err.code || err.message}`);
    }
  } else if (s.option === 'version') {
    if (!/^[23]$/.test(v)) throw new UsageError(`${s.key} must be 2 or 3`);
    opts.version = Number(v);
  } else {
    opts[s.option] = v;
  }
  return v;
}

/** --help's list of settings, from the table. */
export function settingsHelp() {
  const lines = [];
  const families = [['IG and Capital.com', settingsTable.cst], ['Interactive Brokers (OAuth 2.0, ibauth\'s names)', settingsTable.ibkr]];
  for (const [title, table] of families) {
    lines.push(`  ${title}:`);
    for (const s of table.filter((x) => !x.deprecated)) {
      const flag = s.flag ? `--${s.flag}` : '';
      lines.push(`    ${s.key.padEnd(17)}${s.env.padEnd(28)}${s.help}${flag ? ` (also ${flag})` : ''}`);
    }
  }
  return lines.join('\n');
}
