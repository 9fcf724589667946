// The `brokerauth` command line (npx brokerauth …): a thin layer over the
// same wasm as the library, for shell scripts, cron jobs and programs in
// other languages that want a broker session's headers.

import { parseArgs } from 'node:util';

// encrypt runs on the small encrypt-only module; the session commands load
// the sessions module when they run, so that encrypt never parses it.
import { init as initEncrypt, BrokerAuthError, version } from './encrypt.mjs';
import { clientOptions, settingsHelp, UsageError } from './cli-config.js';
import { closeStores, withStore } from './cli-store.js';

const usage = `usage:
  brokerauth encrypt --key <encryptionKey> --timestamp <timeStamp> --password-stdin
  brokerauth ig login      [--config <file>] [--api-version 2|3] [--base-url <url>]
  brokerauth capital login [--config <file>] [--base-url <url>]
  brokerauth ibkr login     [--config <file>] [--ip <address>] [--show-secrets]
  brokerauth ibkr keepalive [--config <file>] [--ip <address>] [--every <seconds>]
  (every login and keepalive also takes [--store redis://… [--store-fallback local]])
  brokerauth --version

Options:
  --config <file>      settings as YAML (key: value lines) or JSON; the keys are below
  --api-version 2|3    IG's login version (default 2; 3 is OAuth)
  --base-url <url>     the broker's base URL, e.g. a simulator's (see the README)
  --ip <address>       IBKR OAuth 2.0: the public IP to bake into the bearer token; skips the IP lookup
  --password-stdin     encrypt: read the password from stdin
  --show-secrets       ibkr: print the OAuth 2.0 bearer token instead of redacting it
  --every <seconds>    keepalive interval (default 60)
  --store <url>        share the session through Redis (redis://…) with every process, Node or Go, given the same
                       store and key: one login per account; the key in BROKERAUTH_STORE_KEY; needs npm install redis
  --store-fallback local  log in alone when the store cannot be reached, rather than fail
  --debug              log each step and each keepalive round to stderr (never secrets)
  -V, --version        print brokerauth's version
  -h, --help           this text

Settings (config key, environment variable, meaning); a flag beats the config file, which beats the environment:
${settingsHelp()}

There is no --password: a password on the command line shows in the process list and the shell history.
Use --password-stdin (encrypt), or password: in --config, or BROKERAUTH_PASSWORD.

ig/capital login print the session as JSON on stdout: its headers are what later calls need.
ibkr login prints it with the OAuth 2.0 bearer token redacted, unless --show-secrets
(an OAuth 1.0a session holds no token to print: each request is signed on its own).
With --store, a login takes the session the store holds if it is alive, and ibkr keepalive does not log out
when it stops: the session is the other processes' too.
Exit status: 0 ok, 1 the broker or brokerauth refused, 2 bad usage.`;

const options = {
  config: { type: 'string' },
  key: { type: 'string' },
  timestamp: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'api-version': { type: 'string' },
  'base-url': { type: 'string' },
  ip: { type: 'string' },
  'show-secrets': { type: 'boolean' },
  every: { type: 'string' },
  store: { type: 'string' },
  'store-fallback': { type: 'string' },
  debug: { type: 'boolean' },
  version: { type: 'boolean', short: 'V' },
  help: { type: 'boolean', short: 'h' },
};

// parse reads argv, with two spellings explained instead of refused
// with a generic message: a password flag, and --version 2|3, which once
// meant IG's API version.
function parse(argv) {
  if (argv.some((a) => /^--password(=|$)/.test(a))) {
    throw new UsageError('there is no --password (it would show in the process list and the shell history): ' +
      'pipe the password to --password-stdin (encrypt), or set password: in --config or BROKERAUTH_PASSWORD');
  }
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    const m = argv[i].match(/^--version(?:=(.*))?$/);
    const value = m && (m[1] !== undefined ? m[1] : /^[23]$/.test(argv[i + 1] || '') ? argv[i + 1] : undefined);
    if (m && value !== undefined) {
      console.error('brokerauth: --version 2|3 is now --api-version 2|3 (--version prints brokerauth\'s version)');
      args.push('--api-version', value);
      if (m[1] === undefined) i++;
    } else {
      args.push(argv[i]);
    }
  }
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const name = (/'(-[^']*)'/.exec(err.message) || [])[1];
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && name) throw new UsageError(`unknown option ${name}`);
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && name) throw new UsageError(`option ${name} needs a value`);
    throw new UsageError(err.message);
  }
}

async function main(argv, env) {
  const { values, positionals } = parse(argv);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.version) {
    console.log(version);
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
  const ba = await initEncrypt();
  console.log(ba.encryptPassword(values.key, values.timestamp, password));
  return 0;
}

async function loginCST(broker, values, env, debug) {
  const opts = await withStore(clientOptions('cst', broker, values.config, values, env), env, warn, debug);
  const ba = await initSessions();
  debug(`${broker}: logging in to ${opts.baseURL || `the ${opts.environment || 'demo'} environment`}`);
  const client = broker === 'ig' ? ba.ig(opts) : ba.capital(opts);
  const session = await client.login();
  debug(`${broker}: logged in to account ${session.accountId}`);
  console.log(JSON.stringify(session, null, 2));
  return 0;
}

// redact hides an IBKR session's bearer token unless --show-secrets (an
// IG or Capital.com login prints its headers, which is what a script
// asks it for).
function redact(session, show) {
  if (show || !session || !session.headers.Authorization) return session;
  return { ...session, headers: { ...session.headers, Authorization: 'Bearer <redacted: --show-secrets>' } };
}

async function ibkr(command, values, env, debug) {
  const opts = await withStore(clientOptions('ibkr', 'ibkr', values.config, values, env), env, warn, debug);
  let every = 60;
  if (values.every !== undefined) {
    every = Number(values.every);
    if (!Number.isFinite(every) || every < 1) throw new UsageError('--every must be a number of seconds ≥ 1');
  }
  const ba = await initSessions();
  const ib = ba.ibkr({ ...opts, onSessionChange: (s) => debug(`ibkr: session ${s ? (s.authenticated ? 'authenticated' : 'not authenticated') : 'ended'}`) });
  debug(opts.consumerKey
    ? 'ibkr: OAuth 1.0a: live session token (Diffie-Hellman, RSA-SHA256) → ssodh/init'
    : `ibkr: OAuth 2.0: ${opts.ip ? `public IP ${opts.ip}` : 'public-IP lookup'} → access token → bearer token → sso/validate → ssodh/init`);
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
      onRound: (err) => debug(err ? `keepalive round failed: ${describe(err)}${err.retryable ? ' (retrying)' : ''}` : 'keepalive round ok'),
      onError: (err) => {
        console.error(`brokerauth: keepalive ended: ${describe(err)}`);
        failure = err;
        resolve();
      },
    });
  });
  console.error(`brokerauth: keeping the IBKR session alive every ${every} s; Ctrl-C logs out and exits`);
  await ended;
  ka.stop();
  if (opts.store) {
    debug('ibkr: stopped; the session stays in the store for the other processes');
    return failure ? 1 : 0;
  }
  debug('ibkr: logging out');
  try {
    await ib.logout();
  } catch (err) {
    if (!failure) throw err;
  }
  return failure ? 1 : 0;
}

const warn = (msg) => console.error(`brokerauth: ${msg}`);

async function initSessions() {
  const { init } = await import('./index.mjs');
  return init();
}

// describe is how the command line shows an error: the code, the broker's
// HTTP status, and the message, which starts with the step that failed.
function describe(err) {
  return `${err.code}${err.status ? ` (HTTP ${err.status})` : ''}: ${err.message}`;
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

main(process.argv.slice(2), process.env).finally(closeStores).then(
  (code) => { process.exitCode = code; },
  (err) => {
    if (err instanceof UsageError) {
      console.error(`brokerauth: ${err.message}\n(brokerauth --help lists the commands, options and settings)`);
      process.exitCode = 2;
    } else if (err instanceof BrokerAuthError) {
      console.error(`brokerauth: ${describe(err)}`);
      if (process.argv.includes('--debug')) {
        console.error(`brokerauth: ${JSON.stringify({ broker: err.broker, step: err.step, status: err.status, retryable: err.retryable })}`);
      }
      // A bad setting is a usage problem, whoever noticed it.
      process.exitCode = err.code === 'invalid_argument' && err.step === null ? 2 : 1;
    } else {
      console.error(`brokerauth: unexpected error: ${err && err.message}`);
      process.exitCode = 1;
    }
  },
);
