// Watches every fetch() on the page: brokerauth's Go core sends its HTTP
// through globalThis.fetch, looked up at each call, so wrapping it before
// init() shows each step of a login. Only the method, the URL's origin and
// path (never the query), the status and the time are reported: no body,
// no header value. The one thing read from a body is the length of an
// encrypted password, never its text.

const listeners = new Set();
const originalFetch = globalThis.fetch.bind(globalThis);

/** The untraced fetch, for the page's own housekeeping. */
export const plainFetch = originalFetch;

/** Calls fn({method, url, path, origin, status, ms, error, encryptedLength, encrypted}) after each fetch. */
export function onFetch(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(event) {
  for (const fn of listeners) {
    try {
      fn(event);
    } catch (err) {
      console.warn('trace listener failed:', err && err.message);
    }
  }
}

function describe(input, init) {
  const req = input instanceof Request ? input : null;
  const method = String((init && init.method) || (req && req.method) || 'GET').toUpperCase();
  const url = new URL(req ? req.url : String(input), location.href);
  return { method, url };
}

// passwordInfo looks inside a login body only to count the characters of
// an encrypted password; the value itself is dropped at once.
function passwordInfo(method, url, init) {
  if (method !== 'POST' || !/\/session$/.test(url.pathname) || !init || init.body == null) return null;
  try {
    const text = typeof init.body === 'string' ? init.body : new TextDecoder().decode(init.body);
    const parsed = JSON.parse(text);
    if (typeof parsed.password !== 'string') return null;
    return { encrypted: parsed.encryptedPassword === true, length: parsed.password.length };
  } catch {
    return null;
  }
}

globalThis.fetch = async function tracedFetch(input, init) {
  const { method, url } = describe(input, init);
  const pw = passwordInfo(method, url, init);
  const started = performance.now();
  const base = {
    method,
    origin: url.origin,
    sameOrigin: url.origin === location.origin,
    path: url.pathname,
    startedAt: started,
    encrypted: pw ? pw.encrypted : undefined,
    encryptedLength: pw && pw.encrypted ? pw.length : undefined,
  };
  try {
    const res = await originalFetch(input, init);
    emit({ ...base, status: res.status, ms: performance.now() - started });
    return res;
  } catch (err) {
    emit({ ...base, status: 0, ms: performance.now() - started, error: err && err.name === 'AbortError' ? 'aborted' : 'blocked or unreachable' });
    throw err;
  }
};
