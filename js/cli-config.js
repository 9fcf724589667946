// Reading the command line's configuration: ibauth-style YAML (flat
// `key: value` lines, which is all ibauth's config uses), JSON, and
// BROKERAUTH_* environment variables. No YAML library: the package has no
// runtime dependencies, and a flat mapping needs none.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export class UsageError extends Error {}

/** Parse a flat YAML mapping: `key: value`, # comments, quoted values. */
export function parseFlatYAML(text) {
  const out = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '');
    if (/^\s*(#|$)/.test(line) || line.trim() === '---') return;
    const m = line.match(/^([A-Za-z_][\w.-]*)\s*:\s*(.*)$/);
    if (!m) throw new UsageError(`config line ${i + 1}: expected "key: value"`);
    out[m[1]] = scalar(m[2], i + 1);
  });
  return out;
}

function scalar(text, lineNo) {
  const t = text.trim();
  if (t.startsWith('"')) {
    const end = t.lastIndexOf('"');
    if (end <= 0) throw new UsageError(`config line ${lineNo}: unterminated "string"`);
    try {
      return JSON.parse(t.slice(0, end + 1));
    } catch {
      throw new UsageError(`config line ${lineNo}: bad "string"`);
    }
  }
  if (t.startsWith("'")) {
    const end = t.lastIndexOf("'");
    if (end <= 0) throw new UsageError(`config line ${lineNo}: unterminated 'string'`);
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
  } else {
    config = parseFlatYAML(text);
  }
  return { config, baseDir: dirname(resolve(path)) };
}

// Environment variables, for shell scripts and containers.
const envNames = {
  api_key: 'BROKERAUTH_API_KEY',
  identifier: 'BROKERAUTH_IDENTIFIER',
  password: 'BROKERAUTH_PASSWORD',
  environment: 'BROKERAUTH_ENVIRONMENT',
  base_url: 'BROKERAUTH_BASE_URL',
  version: 'BROKERAUTH_VERSION',
  client_id: 'BROKERAUTH_CLIENT_ID',
  client_key_id: 'BROKERAUTH_CLIENT_KEY_ID',
  credential: 'BROKERAUTH_CREDENTIAL',
  private_key_file: 'BROKERAUTH_PRIVATE_KEY_FILE',
  domain: 'BROKERAUTH_DOMAIN',
  ip: 'BROKERAUTH_IP',
};

/** Settings from --config, then environment variables for what it lacks. */
export function settings(configPath, env) {
  const { config, baseDir } = configPath ? loadConfigFile(configPath) : { config: {}, baseDir: process.cwd() };
  const get = (key) => (config[key] !== undefined ? String(config[key]) : env[envNames[key]]);
  return { get, baseDir };
}

export function readPrivateKey(path, baseDir) {
  if (!path) throw new UsageError('private_key_file (or BROKERAUTH_PRIVATE_KEY_FILE) is required');
  try {
    return readFileSync(resolve(baseDir, path), 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read private_key_file: ${err.code || err.message}`);
  }
}
