// The fetch helper the wrapper lends the Go side (wasm/hostfetch.go).
//
// Every value that crosses between Go and JS costs several microseconds.
// This helper takes a request as one string and one Uint8Array, runs
// fetch, reads the whole body here (up to the request's limit), and answers
// through one call with numbers and one Uint8Array. Bodies Go has no use
// for do not cross at all: a request() call's body and its 2xx answer stay
// in the call's entry of `calls` (the wrapper's request()).

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
 * @param {Map<number, {body?: Uint8Array|string|null, response?: Uint8Array}>} calls
 *   request() calls by call id: their bodies, and where a 2xx answer's body goes
 * @returns {{fetch: Function, abort: Function} | undefined}
 */
export function createHostFetch(fetchDone, calls) {
  if (typeof globalThis.fetch !== 'function') return undefined; // Go falls back to its own transport
  const controllers = new Map();

  const answer = (args) => {
    try {
      fetchDone()(...args);
    } catch {
      // The Go runtime has stopped; the runtime reports that elsewhere.
    }
  };

  async function run(id, head, body, call, limit, signal) {
    try {
      const res = await globalThis.fetch(...parseHead(head, body, signal));
      let lines = '';
      for (const [name, value] of res.headers) lines += `${canonicalName(name)}:${value}\n`;
      const headBytes = encoder.encode(lines);
      const { bytes, tooLarge } = await readBody(res, limit);
      // A request() answer's 2xx body stays here, for the call to take.
      const keep = Boolean(call) && res.ok && !tooLarge;
      if (keep) call.response = bytes;
      const packed = new Uint8Array(headBytes.length + (keep ? 0 : bytes.length));
      packed.set(headBytes, 0);
      if (!keep) packed.set(bytes, headBytes.length);
      answer([id, res.status, headBytes.length, packed.length, packed, tooLarge, keep]);
    } catch (err) {
      answer([id, 0, failureKind(err)]);
    }
  }

  return {
    fetch(id, head, body, callRef, hostBody, limit) {
      const call = callRef ? calls.get(callRef) : undefined;
      const controller = new AbortController();
      controllers.set(id, controller);
      run(id, head, hostBody && call ? call.body : body, call, limit, controller.signal).finally(() => controllers.delete(id));
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

// readBody reads the whole body, up to limit bytes: past it, the rest is
// cancelled and tooLarge says so (Go reports "larger than brokerauth
// reads").
async function readBody(res, limit) {
  const chunks = [];
  let length = 0;
  let tooLarge = false;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > limit) {
        tooLarge = true;
        reader.cancel().catch(() => {});
        break;
      }
      chunks.push(value);
      length += value.length;
    }
  }
  if (chunks.length === 1) return { bytes: chunks[0], tooLarge };
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { bytes, tooLarge };
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
