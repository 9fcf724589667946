// brokerauth/redis: a session store on Redis (or Valkey), for a fleet of
// Node processes (and Go ones, with core/redisstore) trading one broker
// account. Give every client the same store and they log in once per
// account, wait for each other's logins, and replace a session the broker
// refuses once:
//
//   const store = redisStore({ url: 'redis://127.0.0.1:6379', encryptionKey: process.env.BROKERAUTH_STORE_KEY });
//   const capital = ba.capital({ ...credentials, store });
//
// The store keeps what the client hands it: sessions already sealed
// (AES-256-GCM with encryptionKey, inside the wasm, the same code as Go's),
// and the login lock. It speaks to Redis exactly as core/redisstore does:
// the same keys, the same Lua scripts (the build copies them from
// core/redisstore), so Go and Node processes share sessions.
//
// The `redis` package (node-redis) is an optional peer dependency, loaded
// when a store is made, so that the main entry stays free of dependencies.

import { BrokerAuthError } from './index.mjs';

const lockLua = __REDIS_LOCK_LUA__;
const deleteIfEqualLua = __REDIS_DELETE_IF_EQUAL_LUA__;

/** The prefix of every key, as core/redisstore's DefaultKeyPrefix. */
export const defaultKeyPrefix = 'brokerauth:';

/**
 * A session store on the Redis server at `url` (redis:// or rediss://).
 * `encryptionKey` (32 random bytes, a Uint8Array or the base64 that
 * `openssl rand -base64 32` prints) seals every session; every process
 * sharing the store needs the same one. Nothing connects until the first
 * call; close() ends the connection.
 */
export function redisStore(options) {
  if (options === null || typeof options !== 'object') {
    throw new BrokerAuthError('invalid_argument', 'redisStore(options): options must be an object with url and encryptionKey');
  }
  const { url, encryptionKey, keyPrefix = defaultKeyPrefix, ...rest } = options;
  const unknown = Object.keys(rest);
  if (unknown.length) {
    throw new BrokerAuthError('invalid_argument', `redisStore(options): unknown option "${unknown[0]}" (known: url, encryptionKey, keyPrefix)`);
  }
  let where;
  let secure;
  let secrets;
  try {
    const u = new URL(url);
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error();
    where = u.host; // never the credentials
    secure = u.protocol === 'rediss:';
    const decoded = (s) => { try { return decodeURIComponent(s); } catch { return s; } };
    secrets = [u.password, decoded(u.password), u.username, decoded(u.username)].filter((s) => s.length >= 3);
  } catch {
    throw new BrokerAuthError('invalid_argument', 'redisStore(options): url must be redis://host:port or rediss://host:port');
  }
  if (encryptionKey === undefined || encryptionKey === null || encryptionKey === '') {
    throw new BrokerAuthError('invalid_argument',
      'redisStore(options): encryptionKey is required: 32 random bytes shared by the fleet, as a Uint8Array or base64 (openssl rand -base64 32); sessions are not stored in clear');
  }
  if (keyBytes(encryptionKey) !== 32) {
    throw new BrokerAuthError('invalid_argument',
      'redisStore(options): encryptionKey must be 32 random bytes, as a Uint8Array or base64 (openssl rand -base64 32 prints one)');
  }
  if (typeof keyPrefix !== 'string') throw new BrokerAuthError('invalid_argument', 'redisStore(options): keyPrefix must be a string');

  let connecting;
  let replyError; // node-redis's class of the server's error replies
  let client; // the node-redis client, from its creation (connected or not)
  let closed = false;
  const closedError = () => Object.assign(new Error(`Redis at ${where}: the store was closed`), { closedStore: true });
  // node-redis loads now, while the caller sets up: its first load costs a
  // few hundred ms of CPU, which a first store call should not wait for.
  const loading = import('redis').catch((err) => ({ loadError: err }));
  // fail is what a failed call rejects with: a message that names the
  // server by host and port only, as an Error (a network failure), a
  // TimeoutError, or a BrokerAuthError invalid_argument for a store set up
  // wrongly (js/clients.js failureCode tells Go which).
  const fail = (err) => {
    const text = String((err && err.message) || err);
    if (err && err.noAnswer) {
      // A client reports a TimeoutError as code timeout.
      return Object.assign(new Error(`Redis at ${where}: it did not answer within ${answerTimeoutMs / 1000} s`), { name: 'TimeoutError' });
    }
    if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET|ETIMEDOUT|Connection timeout|closed|Socket closed|offline/i.test(text)) {
      const tls = secure ? ' (rediss:// needs a TLS port; redis:// is plain text)' : '';
      return new Error(`Redis at ${where}: it cannot be reached (not running, wrong host or port, or a firewall)${tls}`);
    }
    if (/^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)/.test(text)) return new Error(`Redis at ${where}: it is starting or busy (${firstLine(text)})`);
    // Not an answer of the server's: a network failure of another kind.
    // (A failed first connection comes wrapped: node-redis's
    // ReconnectStrategyError, with what failed as originalError.)
    const reply = err?.originalError ?? err;
    if (!(replyError && reply instanceof replyError)) return new Error(`Redis at ${where}: it failed: ${firstLine(text)}`);
    // An error reply says how the store is set up, which retrying will not
    // change: a client reports it as invalid_argument.
    let why = `it refused the command: ${firstLine(text)}`;
    if (/^NOAUTH/.test(text)) why = 'it wants a password: redis://user:password@host:port';
    else if (/^WRONGPASS/.test(text)) why = 'it refused the user name or password in the URL';
    else if (/^WRONGTYPE/.test(text)) why = `a key under the prefix "${keyPrefix}" holds something else: give brokerauth a keyPrefix of its own`;
    else if (/DB index/i.test(text)) why = `it has no such database (${firstLine(text)}): the URL's /db number`;
    return new BrokerAuthError('invalid_argument', `Redis at ${where}: ${why}`);
  };
  // firstLine is a server's message, short, without the URL's credentials.
  const firstLine = (text) => {
    let line = text.split('\n')[0].slice(0, 160);
    for (const secret of secrets) line = line.split(secret).join('…');
    return line;
  };
  const connect = () => {
    if (closed) return Promise.reject(closedError());
    connecting ??= (async () => {
      const mod = await loading;
      if (mod.loadError) {
        // Not a failure of the server: a client reports it as
        // invalid_argument, neither retried nor a reason to log in alone.
        const { code, message } = mod.loadError;
        throw new BrokerAuthError('invalid_argument', code === 'ERR_MODULE_NOT_FOUND' && /'redis'/.test(message)
          ? 'brokerauth/redis needs the redis package: npm install redis'
          : `brokerauth/redis could not load the redis package: ${String(message).split('\n')[0]}`);
      }
      if (closed) throw closedError(); // close() came while node-redis loaded
      replyError = mod.ErrorReply;
      let connected = false;
      const c = mod.createClient({
        url,
        // A command while the connection is down fails at once rather than
        // wait in a queue: the client then fails its call, or falls back.
        disableOfflineQueue: true,
        socket: {
          connectTimeout: 2000,
          // Once connected, reconnect (Redis restarting); a first
          // connection that fails is not retried, so that the call fails
          // now and nothing keeps the process alive.
          reconnectStrategy: (retries, cause) => (connected ? Math.min(100 * 2 ** retries, 2000) : cause),
        },
      });
      c.on('error', () => {}); // each command reports its own failure
      client = c;
      try {
        await answered(c.connect());
      } catch (err) {
        if (client === c) client = undefined;
        shut(c);
        throw closed ? closedError() : err;
      }
      if (closed) {
        // close() came while connecting: the connection it could not stop
        // ends here.
        await shut(c);
        throw closedError();
      }
      connected = true;
      return c;
    })().catch((err) => {
      connecting = undefined;
      throw err instanceof BrokerAuthError || err.closedStore ? err : fail(err);
    });
    return connecting;
  };
  const run = async (fn) => {
    const c = await connect();
    try {
      return await answered(fn(c), () => {
        // A server that stopped answering: this connection is done with,
        // the next call connects anew.
        if (client === c) {
          client = undefined;
          connecting = undefined;
        }
        shut(c);
      });
    } catch (err) {
      throw fail(err);
    }
  };
  const eval_ = (c, script, key, args) => c.eval(script, { keys: [keyPrefix + key], arguments: args.map(String) });

  return Object.freeze({
    encryptionKey,
    get: (key) => run(async (c) => (await c.get(keyPrefix + key)) ?? null),
    put: (key, value, ttlMs) => run((c) => c.set(keyPrefix + key, value, { expiration: { type: 'PX', value: Math.max(1, Math.round(ttlMs)) } })),
    delete: (key, old) => run((c) => (old === null || old === undefined ? c.del(keyPrefix + key) : eval_(c, deleteIfEqualLua, key, [old]))),
    lock: (key, token, leaseMs) => run(async (c) => Number(await eval_(c, lockLua, key, [token, Math.max(1, Math.round(leaseMs))])) === 1),
    unlock: (key, token) => run((c) => eval_(c, deleteIfEqualLua, key, [token])),
    /** Close the connection (clients using the store then fail their store calls). */
    async close() {
      closed = true;
      const c = client;
      client = undefined;
      if (c) await shut(c); // connected or still connecting: either way it ends
    },
  });
}

// keyBytes is the length of a store key: a Uint8Array's, or that of the
// base64 (standard or URL-safe, padded or not) it decodes to, as Go's
// core.ParseStoreKey reads it; -1 for anything else.
function keyBytes(key) {
  if (key instanceof Uint8Array) return key.length;
  if (typeof key !== 'string') return -1;
  const text = key.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) && !/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return -1;
  const bare = text.replace(/=+$/, '');
  if (bare.length % 4 === 1) return -1;
  return Math.floor((bare.length * 3) / 4);
}

// answerTimeoutMs bounds a connection's handshake and each command: a
// server that accepts connections but never answers fails the call rather
// than hold it (and the process) forever, and the connection is made anew.
// A client gives a store call as long (core's storeOpTimeout); a call made
// directly gets the same bound.
const answerTimeoutMs = 5000;

// answered settles as promise does, or rejects after answerTimeoutMs
// (calling onTimeout first).
function answered(promise, onTimeout) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(Object.assign(new Error('no answer'), { noAnswer: true }));
    }, answerTimeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

// shut closes a node-redis client: gracefully (QUIT, letting replies in
// flight arrive) for up to a second, then by force, so that a server that
// stopped answering cannot keep the process alive.
async function shut(c) {
  let timer;
  const graceful = Promise.resolve()
    .then(() => (typeof c.close === 'function' ? c.close() : c.quit()))
    .catch(() => {});
  await Promise.race([graceful, new Promise((resolve) => { timer = setTimeout(resolve, 1000); })]);
  clearTimeout(timer);
  try {
    c.destroy?.();
  } catch {
    // closed already
  }
}
