// Browser and bundler entry point of the sessions module (browser.mjs).

import { sessionsAPI, version } from './api.js';
import { browserPlatform } from './browser-platform.js';
import { createInit } from './init.js';

export { BrokerAuthError } from './errors.js';
export { version };

export const init = createInit(browserPlatform('brokerauth.wasm', () => new URL('./brokerauth.wasm', import.meta.url)), sessionsAPI);
