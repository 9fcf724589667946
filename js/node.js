// Node.js entry point of the sessions module (index.mjs and index.cjs are
// built from this file): brokerauth.wasm, bundled next to it.

import { sessionsAPI, version } from './api.js';
import { createInit } from './init.js';
import { nodePlatform } from './node-platform.js';

export { BrokerAuthError } from './errors.js';
export { version };

export const init = createInit(nodePlatform('brokerauth.wasm', () => new URL('./brokerauth.wasm', import.meta.url)), sessionsAPI);
