// The `brokerauth` command line (npx brokerauth …): a thin layer over the
// same wasm as the library, for shell scripts, cron jobs and programs in
// other languages that want a broker session's headers.

import { parseArgs } from 'node:util';

import { init, BrokerAuthError } from './index.mjs';
import { readPrivateKey, settings, UsageError } from './cli-config.js';

const usage = `usage:
  brokerauth encrypt --key <encryptionKey> --timestamp <timeStamp> --password-stdin
  brokerauth ig login      [--config <file>] [--version 2|3]
  brokerauth capital login [--config <file>]
  brokerauth ibkr login     --config <file> [--show-secrets]
  brokerauth ibkr keepalive --config <file> [--every <seconds>]

Options:
  --config <file>   YAML (ibauth keys: client_id, client_key_id, credential, private_key_file, domain;
                    IG/Capital.com: api_key, identifier, password, environment, base_url, version) or JSON.
                    Missing keys come from BROKERAUTH_API_KEY, BROKERAUTH_IDENTIFIER, BROKERAUTH_PASSWORD,
                    BROKERAUTH_ENVIRONMENT, BROKERAUTH_BASE_URL, BROKERAUTH_VERSION, BROKERAUTH_CLIENT_ID, …
  --show-secrets    print the IBKR bearer token instead of redacting it
  --every <s>       keepalive interval in seconds (default 60)
  --debug           log each step to stderr (never secrets)
  -h, --help        this text

ig/capital login print the session (its headers are what later calls need) as JSON on stdout.
Exit status: 0 ok, 1 the broker or brokerauth refused, 2 bad usage.`;

const options = {
  config: { type: 'string' },
  key: { type: 'string' },
  timestamp: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  version: { type: 'string' },
  'show-secrets': { type: 'boolean' },
  every: { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

async function main(argv, env) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err.message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const debug = values.debug ? (msg) => console.error(`brokerauth: ${msg}`) : () => {};
  const [broker, command] = positionals;

  if (broker === 'encrypt' && positionals.length === 1) return encrypt(values);
  if ((broker === 'ig' || broker === 'capital') && command === 'login' && positionals.length === 2) {
    return loginCST(broker, values, env, debug);
  }
  if (broker === 'ibkr' && (command === 'login' || command === 'keepalive') && positionals.length === 2) {
    return ibkr(command, values, env, debug);
  }
  throw new UsageError(positionals.length ? `unknown command: ${positionals.join(' ')}` : 'no command given');
}

async function encrypt(values) {
  if (!values.key || !values.timestamp) throw new UsageError('encrypt needs --key and --timestamp');
  if (!values['password-stdin']) throw new UsageError('encrypt reads the password from stdin: pass --password-stdin');
  const password = (await readStdin()).replace(/\r?\n$/, '');
  const ba = await init();
  console.log(ba.encryptPassword(values.key, values.timestamp, password));
  return 0;
}

async function loginCST(broker, values, env, debug) {
  const { get } = settings(values.config, env);
  const opts = {
    apiKey: get('api_key'),
    identifier: get('identifier'),
    password: get('password'),
  };
  for (const [name, key] of [['apiKey', 'api_key'], ['identifier', 'identifier'], ['password', 'password']]) {
    if (!opts[name]) throw new UsageError(`${key} is required (--config or ${`BROKERAUTH_${key.toUpperCase()}`})`);
  }
  if (get('environment')) opts.environment = get('environment');
  if (get('base_url')) opts.baseURL = get('base_url');
  const version = values.version ?? get('version');
  if (broker === 'ig' && version !== undefined) {
    if (!/^[23]$/.test(version)) throw new UsageError('version must be 2 or 3');
    opts.version = Number(version);
  }
  const ba = await init();
  debug(`${broker}: logging in`);
  const client = broker === 'ig' ? ba.ig(opts) : ba.capital(opts);
  const session = await client.login();
  debug(`${broker}: logged in to account ${session.accountId}`);
  console.log(JSON.stringify(session, null, 2));
  return 0;
}

function ibkrOptions(values, env) {
  const { get, baseDir } = settings(values.config, env);
  const opts = {
    clientId: get('client_id'),
    clientKeyId: get('client_key_id'),
    credential: get('credential'),
  };
  for (const [name, key] of [['clientId', 'client_id'], ['clientKeyId', 'client_key_id'], ['credential', 'credential']]) {
    if (!opts[name]) throw new UsageError(`${key} is required in --config`);
  }
  opts.privateKey = readPrivateKey(get('private_key_file'), baseDir);
  if (get('domain')) opts.domain = get('domain');
  if (get('base_url')) opts.baseURL = get('base_url');
  if (get('ip')) opts.ip = get('ip');
  return opts;
}

function redact(session, show) {
  if (show || !session) return session;
  return { ...session, headers: { ...session.headers, Authorization: 'Bearer <redacted: --show-secrets>' } };
}

async function ibkr(command, values, env, debug) {
  const opts = ibkrOptions(values, env);
  let every = 60;
  if (values.every !== undefined) {
    every = Number(values.every);
    if (!Number.isFinite(every) || every < 1) throw new UsageError('--every must be a number of seconds ≥ 1');
  }
  const ba = await init();
  const ib = ba.ibkr({ ...opts, onSessionChange: (s) => debug(`ibkr: session ${s ? (s.authenticated ? 'authenticated' : 'not authenticated') : 'ended'}`) });
  debug('ibkr: access token → bearer token → sso/validate → ssodh/init');
  const session = await ib.login();
  console.log(JSON.stringify(redact(session, values['show-secrets']), null, 2));
  if (command === 'login') return 0;

  // The keepalive retries transient failures itself; onError means it has
  // ended for good, and a supervisor should hear that from the exit status.
  let failure = null;
  let ka;
  const ended = new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    ka = ib.keepAlive({
      intervalMs: every * 1000,
      onError: (err) => {
        console.error(`brokerauth: keepalive ended: ${err.code}: ${err.message}`);
        failure = err;
        resolve();
      },
    });
  });
  console.error(`brokerauth: keeping the IBKR session alive every ${every} s; Ctrl-C logs out and exits`);
  await ended;
  ka.stop();
  debug('ibkr: logging out');
  try {
    await ib.logout();
  } catch (err) {
    if (!failure) throw err;
  }
  return failure ? 1 : 0;
}

function readStdin() {
  return new Promise((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => { data += chunk; });
    process.stdin.on('end', () => resolve(data));
    process.stdin.on('error', reject);
  });
}

main(process.argv.slice(2), process.env).then(
  (code) => { process.exitCode = code; },
  (err) => {
    if (err instanceof UsageError) {
      console.error(`brokerauth: ${err.message}\n\n${usage}`);
      process.exitCode = 2;
    } else if (err instanceof BrokerAuthError) {
      console.error(`brokerauth: ${err.code}${err.status ? ` (HTTP ${err.status})` : ''}: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error(`brokerauth: unexpected error: ${err && err.message}`);
      process.exitCode = 1;
    }
  },
);
