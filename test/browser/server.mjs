// The demo server for the browser tests: the same build/web, on a free
// loopback port, that the JS flow tests start (test/js/simserver.mjs).

import { startSimServer } from '../js/simserver.mjs';

export async function startDemoServer() {
  const server = await startSimServer();
  return { ...server, url: `${server.origin}/` };
}
