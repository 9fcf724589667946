// The fetch helper the wrapper lends the Go side (wasm/hostfetch.go).
//
// Every value that crosses between Go and JS costs several microseconds, and
// Go's fetch transport (as copied by tinyutil) crosses once per header and
// per body chunk. This helper takes a request as one string and one
// Uint8Array, runs fetch, reads the whole body here, and answers through one
// call with numbers and one Uint8Array: a login costs about what the same
// requests written by hand cost.

// Above every limit the Go flows read with (16 MiB for IG/Capital.com data,
// 32 MiB for IBKR requests): they still report "larger than brokerauth
// reads" past theirs, and nothing buffers an endless body.
const maxBody = 64 * 1024 * 1024;

// Node's fetch (undici) names the failure in err.cause.code. Only these
// fixed phrases reach Go: an error message could quote a URL.
const failureKinds = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection reset',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'no such host',
  ENETUNREACH: 'network is unreachable',
  EHOSTUNREACH: 'network is unreachable',
};

const encoder = new TextEncoder();

/**
 * @param {() => Function} fetchDone returns Go's answer callback (ns.fetchDone)
 * @returns {{fetch: Function, abort: Function} | undefined}
 */
export function createHostFetch(fetchDone) {
  if (typeof globalThis.fetch !== 'function') return undefined; // Go falls back to its own transport
  const controllers = new Map();

  const answer = (args) => {
    try {
      fetchDone()(...args);
    } catch {
      // The Go runtime has stopped; the runtime reports that elsewhere.
    }
  };

  async function run(id, head, body, signal) {
    try {
      const res = await globalThis.fetch(...parseHead(head, body, signal));
      let lines = '';
      for (const [name, value] of res.headers) lines += `${canonicalName(name)}:${value}\n`;
      const headBytes = encoder.encode(lines);
      const { chunks, length, tooLarge } = await readBody(res);
      const packed = new Uint8Array(headBytes.length + length);
      packed.set(headBytes, 0);
      let at = headBytes.length;
      for (const chunk of chunks) {
        packed.set(chunk, at);
        at += chunk.length;
      }
      answer([id, res.status, headBytes.length, packed.length, packed, tooLarge]);
    } catch (err) {
      answer([id, 0, failureKind(err)]);
    }
  }

  return {
    fetch(id, head, body) {
      const controller = new AbortController();
      controllers.set(id, controller);
      run(id, head, body, controller.signal).finally(() => controllers.delete(id));
    },
    abort(id) {
      const controller = controllers.get(id);
      if (controller) {
        controllers.delete(id);
        controller.abort();
      }
    },
  };
}

// head is "METHOD URL\n" then "Name:value\n" lines (Go has refused names and
// values that could break this framing).
function parseHead(head, body, signal) {
  const lineEnd = head.indexOf('\n');
  const first = head.slice(0, lineEnd);
  const space = first.indexOf(' ');
  const headers = new Headers();
  for (const line of head.slice(lineEnd + 1).split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon), line.slice(colon + 1));
  }
  const init = { method: first.slice(0, space), headers, signal };
  if (body) init.body = body;
  return [first.slice(space + 1), init];
}

async function readBody(res) {
  const chunks = [];
  let length = 0;
  if (!res.body) return { chunks, length, tooLarge: false };
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { chunks, length, tooLarge: false };
    if (length + value.length > maxBody) {
      chunks.push(value.subarray(0, maxBody - length));
      length = maxBody;
      reader.cancel().catch(() => {});
      return { chunks, length, tooLarge: true };
    }
    chunks.push(value);
    length += value.length;
  }
}

// canonicalName is Go's http.CanonicalHeaderKey for the lower-case token
// names fetch gives ("x-security-token" → "X-Security-Token"): done here, it
// spares Go an allocation per header.
function canonicalName(name) {
  return name.replace(/(^|-)([a-z])/g, (_, dash, letter) => dash + letter.toUpperCase());
}

function failureKind(err) {
  for (let e = err, depth = 0; e && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string' && failureKinds[e.code]) return failureKinds[e.code];
  }
  return 'network error';
}
