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
// The `redis` package (node-redis) is an optional peer dependency: it is
// loaded on the first call, so that the main entry stays free of
// dependencies.

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
  try {
    const u = new URL(url);
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error();
    where = u.host; // never the credentials
  } catch {
    throw new BrokerAuthError('invalid_argument', 'redisStore(options): url must be redis://host:port or rediss://host:port');
  }
  if (!(encryptionKey instanceof Uint8Array && encryptionKey.length === 32) && !(typeof encryptionKey === 'string' && encryptionKey.trim() !== '')) {
    throw new BrokerAuthError('invalid_argument',
      'redisStore(options): encryptionKey is required: 32 random bytes shared by the fleet, as a Uint8Array or base64 (openssl rand -base64 32); sessions are not stored in clear');
  }
  if (typeof keyPrefix !== 'string') throw new BrokerAuthError('invalid_argument', 'redisStore(options): keyPrefix must be a string');

  let connecting;
  let client; // the node-redis client, from its creation (connected or not)
  let closed = false;
  const closedError = () => Object.assign(new Error(`Redis at ${where}: the store was closed`), { closedStore: true });
  // node-redis loads now, while the caller sets up: its first load costs a
  // few hundred ms of CPU, which a first store call should not wait for.
  const loading = import('redis').catch(() => null);
  // fail is what a failed call rejects with: a message that names the
  // server by host and port only, for the client's network error.
  const fail = (err) => {
    const text = String((err && err.message) || err);
    let why = 'it failed';
    if (err && err.noAnswer) why = `it did not answer within ${answerTimeoutMs / 1000} s`;
    else if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|Connection timeout|closed|The client is closed|Socket closed|offline queue/i.test(text)) {
      why = 'it cannot be reached (not running, wrong host or port, or a firewall)';
    } else if (/^(LOADING|BUSY)/.test(text)) why = 'it is starting or busy';
    else if (/NOAUTH|WRONGPASS/.test(text)) why = 'it refused the credentials in the URL';
    const out = new Error(`Redis at ${where}: ${why}`);
    if (err && err.noAnswer) out.name = 'TimeoutError'; // reported as code timeout
    return out;
  };
  const connect = () => {
    if (closed) return Promise.reject(closedError());
    connecting ??= (async () => {
      const mod = await loading;
      if (!mod) throw new BrokerAuthError('invalid_argument', 'brokerauth/redis needs the redis package: npm install redis');
      if (closed) throw closedError(); // close() came while node-redis loaded
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

// answerTimeoutMs bounds a connection's handshake and each command: a
// server that accepts connections but never answers fails the call rather
// than hold it (and the process) forever. The Go engine gives a store call
// 10 s in all, so 5 s leaves it time to fall back.
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
