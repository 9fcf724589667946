// The command line's settings: one table declares each setting's config
// key, environment variable, flag and client option, and drives --help,
// the config check, and the options handed to the library. Config files
// are ibauth-style YAML (flat `key: value` lines, all ibauth's config
// uses) or JSON. No YAML library: the package has no runtime
// dependencies, and a flat mapping needs none.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { BrokerAuthError } from './encrypt.mjs'; // the small entry: encrypt must not load the sessions module

export class UsageError extends Error {}

// Where the session lives, for every login and keepalive command: a Redis
// shared with other processes (js/cli-store.js opens it). Its encryption
// key is read from BROKERAUTH_STORE_KEY alone, never a flag or a file.
const storeSettings = [
  { key: 'store', env: 'BROKERAUTH_STORE', option: 'store', flag: 'store', shared: true, help: 'share the session through Redis: redis://[user:password@]host:port[/db] or rediss://' },
  { key: 'store_fallback', env: 'BROKERAUTH_STORE_FALLBACK', option: 'fallback', flag: 'store-fallback', shared: true, help: "local: log in alone when the store cannot be reached (default: fail)" },
];

// Settings by broker family. key: the config key (ibauth's names for
// IBKR OAuth 2.0, ibind's for OAuth 1.0a); env: its environment variable,
// or several, the first set winning; option: the client option it fills;
// file: the client option it fills with the named file's text, relative
// to the config file; flag: a command-line flag that sets it too; secret:
// never printed; deprecated: an older spelling of another key; mode: the
// IBKR OAuth mode it belongs to (required then means required in that
// mode); baseOf: the option is the base URL, with this path suffix taken
// off (ibind's oauth_rest_url ends in /v1/api/).
const settingsTable = {
  cst: [
    { key: 'api_key', env: 'BROKERAUTH_API_KEY', option: 'apiKey', required: true, help: 'the API key' },
    { key: 'identifier', env: 'BROKERAUTH_IDENTIFIER', option: 'identifier', required: true, help: 'the login name' },
    { key: 'password', env: 'BROKERAUTH_PASSWORD', option: 'password', required: true, secret: true, help: 'the password (never a flag: see --password-stdin)' },
    { key: 'environment', env: 'BROKERAUTH_ENVIRONMENT', option: 'environment', help: 'demo (default) or live' },
    { key: 'base_url', env: 'BROKERAUTH_BASE_URL', option: 'baseURL', flag: 'base-url', help: "replaces the environment's URL (a simulator, a proxy)" },
    { key: 'api_version', env: 'BROKERAUTH_API_VERSION', option: 'version', flag: 'api-version', igOnly: true, help: "IG's login version: 2 (default) or 3" },
    { key: 'version', env: 'BROKERAUTH_VERSION', deprecated: 'api_version' },
    ...storeSettings,
  ],
  ibkr: [
    { key: 'client_id', env: 'BROKERAUTH_CLIENT_ID', option: 'clientId', mode: 'oauth2', required: true, help: 'OAuth client_id' },
    { key: 'client_key_id', env: 'BROKERAUTH_CLIENT_KEY_ID', option: 'clientKeyId', mode: 'oauth2', required: true, help: 'client_key_id (the JWS kid)' },
    { key: 'credential', env: 'BROKERAUTH_CREDENTIAL', option: 'credential', mode: 'oauth2', required: true, help: 'the IBKR user name' },
    { key: 'private_key_file', env: 'BROKERAUTH_PRIVATE_KEY_FILE', file: 'privateKey', mode: 'oauth2', required: true, help: 'PEM private key file' },
    { key: 'ip', env: 'BROKERAUTH_IP', option: 'ip', flag: 'ip', mode: 'oauth2', help: 'the public IP for the bearer token; skips the IP lookup' },
    { key: 'ip_lookup_url', env: 'BROKERAUTH_IP_LOOKUP_URL', option: 'ipLookupURL', mode: 'oauth2', help: 'the IP lookup service (default https://api.ipify.org)' },
    { key: 'consumer_key', env: ['BROKERAUTH_CONSUMER_KEY', 'IBIND_OAUTH1A_CONSUMER_KEY'], option: 'consumerKey', mode: 'oauth1', required: true, help: 'the consumer key' },
    { key: 'access_token', env: ['BROKERAUTH_ACCESS_TOKEN', 'IBIND_OAUTH1A_ACCESS_TOKEN'], option: 'accessToken', mode: 'oauth1', required: true, help: 'the access token' },
    { key: 'access_token_secret', env: ['BROKERAUTH_ACCESS_TOKEN_SECRET', 'IBIND_OAUTH1A_ACCESS_TOKEN_SECRET'], option: 'accessTokenSecret', mode: 'oauth1', required: true, secret: true, help: 'the access token secret, as IBKR issued it' },
    { key: 'signature_key_fp', env: ['BROKERAUTH_SIGNATURE_KEY_FP', 'IBIND_OAUTH1A_SIGNATURE_KEY_FP'], file: 'signatureKey', mode: 'oauth1', help: 'PEM private signature key file' },
    { key: 'signature_key', env: ['BROKERAUTH_SIGNATURE_KEY', 'IBIND_OAUTH1A_SIGNATURE_KEY'], option: 'signatureKey', mode: 'oauth1', secret: true, help: 'the signature key PEM itself, instead of a file' },
    { key: 'encryption_key_fp', env: ['BROKERAUTH_ENCRYPTION_KEY_FP', 'IBIND_OAUTH1A_ENCRYPTION_KEY_FP'], file: 'encryptionKey', mode: 'oauth1', help: 'PEM private encryption key file' },
    { key: 'encryption_key', env: ['BROKERAUTH_ENCRYPTION_KEY', 'IBIND_OAUTH1A_ENCRYPTION_KEY'], option: 'encryptionKey', mode: 'oauth1', secret: true, help: 'the encryption key PEM itself, instead of a file' },
    { key: 'dhparam_fp', env: 'BROKERAUTH_DHPARAM_FP', file: 'dhParams', mode: 'oauth1', help: 'the dhparam.pem registered with IBKR (or dh_prime)' },
    { key: 'dh_prime', env: ['BROKERAUTH_DH_PRIME', 'IBIND_OAUTH1A_DH_PRIME'], option: 'dhPrime', mode: 'oauth1', help: 'the Diffie-Hellman prime as hex' },
    { key: 'dh_generator', env: ['BROKERAUTH_DH_GENERATOR', 'IBIND_OAUTH1A_DH_GENERATOR'], option: 'dhGenerator', mode: 'oauth1', help: 'the Diffie-Hellman generator (default 2)' },
    { key: 'realm', env: ['BROKERAUTH_REALM', 'IBIND_OAUTH1A_REALM'], option: 'realm', mode: 'oauth1', help: 'limited_poa (default) or test_realm' },
    { key: 'oauth_rest_url', env: 'IBIND_OAUTH1A_REST_URL', option: 'baseURL', baseOf: '/v1/api', mode: 'oauth1', help: "ibind's base URL (https://api.ibkr.com/v1/api/); base_url from the same source wins" },
    { key: 'domain', env: 'BROKERAUTH_DOMAIN', option: 'domain', help: 'api.ibkr.com (default) or N.api.ibkr.com' },
    { key: 'base_url', env: 'BROKERAUTH_BASE_URL', option: 'baseURL', flag: 'base-url', help: 'replaces https://<domain> (a simulator, a proxy)' },
    ...storeSettings,
  ],
};

// envValue is a setting's environment variable: the first of its names
// that is set and not empty.
function envValue(env, names) {
  for (const name of [names].flat()) {
    if (env[name] !== undefined && env[name] !== '') return env[name];
  }
  return undefined;
}

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
    return envValue(env, s.env);
  };
  // source ranks where a setting's value comes from: 3 a flag, 2 the
  // config file, 1 the environment, 0 nowhere.
  const source = (s) => {
    if (s.flag && flags[s.flag] !== undefined) return 3;
    if (config[s.key] !== undefined) return 2;
    return envValue(env, s.env) === undefined ? 0 : 1;
  };
  const mode = ibkrMode(table, value);
  // Two settings may fill one option (base_url and ibind's oauth_rest_url,
  // signature_key_fp and signature_key, …): the one from the stronger
  // source wins, so that oauth_rest_url in --config beats
  // BROKERAUTH_BASE_URL in the environment; on a tie the one later in the
  // table (base_url, the key itself).
  const fills = (s) => s.option ?? s.file;
  const outranked = (s) => table.some((t) => t !== s && !t.deprecated && (!t.mode || t.mode === mode) &&
    fills(t) !== undefined && fills(t) === fills(s) &&
    (source(t) > source(s) || (source(t) === source(s) && table.indexOf(t) > table.indexOf(s))));
  const opts = {};
  for (const s of table) {
    if (s.mode && s.mode !== mode) {
      if (value(s) !== undefined) {
        throw new BrokerAuthError('invalid_argument', `${s.key} is an OAuth ${s.mode === 'oauth1' ? '1.0a' : '2.0'} setting; ` +
          `these settings are for OAuth ${mode === 'oauth1' ? '1.0a (consumer_key)' : '2.0 (client_id)'}`);
      }
      continue;
    }
    let v = value(s);
    if (s.deprecated) {
      const target = table.find((t) => t.key === s.deprecated);
      if (v !== undefined && value(target) === undefined) v = setOption(opts, target, v, baseDir);
      continue;
    }
    if (v === undefined) {
      if (s.required) {
        throw new UsageError(`${s.key} is required for ${broker}: put it in --config or set ${[s.env].flat().join(' or ')}` +
          (s.key === 'password' ? ' (for safety, brokerauth takes no password flag)' : ''));
      }
      continue;
    }
    if (outranked(s)) continue;
    setOption(opts, s, v, baseDir);
  }
  return opts;
}

// ibkrMode is the IBKR OAuth mode the settings describe: OAuth 1.0a with a
// consumer_key, OAuth 2.0 with a client_id; null for a family without
// modes.
function ibkrMode(table, value) {
  if (!table.some((s) => s.mode)) return null;
  const oauth1 = value(table.find((s) => s.key === 'consumer_key')) !== undefined;
  const oauth2 = value(table.find((s) => s.key === 'client_id')) !== undefined;
  if (oauth1 && oauth2) {
    throw new BrokerAuthError('invalid_argument', 'consumer_key (OAuth 1.0a) and client_id (OAuth 2.0) are both set: the settings are for one of IBKR\'s OAuth modes');
  }
  if (!oauth1 && !oauth2) {
    throw new UsageError('ibkr needs client_id (OAuth 2.0, ibauth\'s settings) or consumer_key (OAuth 1.0a, ibind\'s settings): put it in --config or set its environment variable');
  }
  return oauth1 ? 'oauth1' : 'oauth2';
}

function setOption(opts, s, v, baseDir) {
  if (s.file) {
    try {
      opts[s.file] = readFileSync(resolve(baseDir, v), 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${s.key}: ${err.code || err.message}`);
    }
  } else if (s.baseOf) {
    opts[s.option] = v.replace(/\/+$/, '').replace(new RegExp(`${s.baseOf}$`), '');
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
  const ibkr = settingsTable.ibkr;
  const families = [
    ['IG and Capital.com', settingsTable.cst.filter((s) => !s.shared)],
    ['Interactive Brokers, OAuth 2.0 (ibauth\'s names)', ibkr.filter((s) => s.mode === 'oauth2')],
    ['Interactive Brokers, OAuth 1.0a (ibind\'s names and IBIND_OAUTH1A_* variables)', ibkr.filter((s) => s.mode === 'oauth1')],
    ['Interactive Brokers, both modes', ibkr.filter((s) => !s.mode && !s.shared)],
    ['Every login and keepalive (the store\'s key: BROKERAUTH_STORE_KEY, 32 random bytes as base64)', storeSettings],
  ];
  for (const [title, table] of families) {
    lines.push(`  ${title}:`);
    for (const s of table.filter((x) => !x.deprecated)) {
      const flag = s.flag ? `--${s.flag}` : '';
      lines.push(`    ${s.key.padEnd(20)}${[s.env].flat()[0].padEnd(32)}${s.help}${flag ? ` (also ${flag})` : ''}`);
    }
  }
  return lines.join('\n');
}
