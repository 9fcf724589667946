// The command line's session store (--store redis://…, store: in --config,
// or BROKERAUTH_STORE): a Redis shared with other processes (Node with
// brokerauth/redis, Go with core/redisstore), so that a cron job, a
// keepalive and a fleet of bots log in once per account. brokerauth/redis
// and the redis package it needs are loaded only when a store is given.

import { UsageError } from './cli-config.js';

// The stores this run opened, closed by closeStores when it ends: an open
// connection would keep the process alive.
const opened = [];

/**
 * opts (clientOptions' result) with its store URL replaced by a Redis store,
 * and onStoreError reporting through warn; opts as they are without one.
 * The encryption key comes from env.BROKERAUTH_STORE_KEY.
 */
export async function withStore(opts, env, warn, debug) {
  const { store: url, fallback, ...rest } = opts;
  if (fallback !== undefined && fallback !== 'local') throw new UsageError('store_fallback (--store-fallback) must be local');
  if (url === undefined) {
    if (fallback !== undefined) throw new UsageError('store_fallback (--store-fallback) needs a store (--store redis://…)');
    return opts;
  }
  const key = (env.BROKERAUTH_STORE_KEY ?? '').trim();
  if (!key) {
    throw new UsageError('--store needs the store\'s encryption key in BROKERAUTH_STORE_KEY: 32 random bytes as base64, ' +
      'the same for every process sharing the store (openssl rand -base64 32 makes one); sessions are never stored in clear');
  }
  // From this package, next to the command line: the same module, and so
  // the same redis package, a program would import as 'brokerauth/redis'.
  const { redisStore } = await import(new URL('./redis.mjs', import.meta.url).href);
  const peer = 'redis';
  try {
    await import(peer);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new UsageError('--store needs the redis package next to brokerauth: npm install redis ' +
      '(with npx: npx -p brokerauth -p redis brokerauth …)');
  }
  // redisStore checks the URL and the key; its refusals are told in the
  // command line's terms.
  let store;
  try {
    store = redisStore({ url, encryptionKey: key });
  } catch (err) {
    if (err?.code !== 'invalid_argument') throw err;
    throw new UsageError(/encryptionKey/.test(err.message)
      ? 'BROKERAUTH_STORE_KEY must be 32 random bytes as base64 (openssl rand -base64 32 makes one)'
      : 'store (--store) must be a Redis URL: redis://[user:password@]host:port[/db] or rediss://…');
  }
  const where = new URL(url).host; // never the credentials
  opened.push(store);
  debug(`store: Redis at ${where}${fallback ? ', logging in alone if it cannot be reached' : ''}`);
  return { ...rest, store, ...(fallback && { fallback }), onStoreError: (err) => warn(`store: ${err.code}: ${err.message}`) };
}

/** Close every store this run opened. */
export async function closeStores() {
  const stores = opened.splice(0);
  await Promise.allSettled(stores.map((s) => s.close()));
}
