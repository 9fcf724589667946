// Browser and bundler entry point of brokerauth/encrypt
// (encrypt-browser.mjs): encryptPassword alone, on brokerauth-encrypt.wasm.

import { browserPlatform } from './browser-platform.js';
import { createEncryptOnly } from './encrypt-api.js';
import { createInit, version } from './init.js';

export { BrokerAuthError } from './errors.js';
export { version };

export const init = createInit(
  browserPlatform('brokerauth-encrypt.wasm', () => new URL('./brokerauth-encrypt.wasm', import.meta.url)),
  { create: createEncryptOnly },
);
