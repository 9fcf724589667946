// Node.js entry point of brokerauth/encrypt (encrypt.mjs and encrypt.cjs
// are built from this file): encryptPassword alone, on
// brokerauth-encrypt.wasm, a module without the session clients.

import { createEncryptOnly } from './encrypt-api.js';
import { createInit, version } from './init.js';
import { nodePlatform } from './node-platform.js';

export { BrokerAuthError } from './errors.js';
export { version };

export const init = createInit(
  nodePlatform('brokerauth-encrypt.wasm', () => new URL('./brokerauth-encrypt.wasm', import.meta.url)),
  { create: createEncryptOnly },
);
