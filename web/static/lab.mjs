// The padding lab: one encryption key from a simulator, one password, two
// paddings. brokerauth encrypts with RSA PKCS#1 v1.5 (what IG and
// Capital.com decrypt with); WebCrypto can only do RSA-OAEP. Both go to
// POST /session; the OAEP login is refused, the other accepted and then
// logged out again, so the lab leaves no session behind.

const te = new TextEncoder();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function bytesToBase64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

const base64ToBytes = (b64) => Uint8Array.from(atob(b64.replace(/\s+/g, '')), (c) => c.charCodeAt(0));

function brokerSpec(broker, creds) {
  if (broker === 'ig') {
    const c = creds.ig;
    return {
      name: 'IG v2',
      base: location.origin + c.baseURL,
      keyPath: '/session/encryptionKey',
      sessionPath: '/session',
      headers: (version) => ({
        'X-IG-API-KEY': c.apiKey,
        'Content-Type': 'application/json; charset=UTF-8',
        Accept: 'application/json; charset=UTF-8',
        Version: String(version),
      }),
      loginVersion: 2,
      c,
    };
  }
  const c = creds.capital;
  return {
    name: 'Capital.com',
    base: location.origin + c.baseURL,
    keyPath: '/api/v1/session/encryptionKey',
    sessionPath: '/api/v1/session',
    headers: () => ({ 'X-CAP-API-KEY': c.apiKey, 'Content-Type': 'application/json', Accept: 'application/json' }),
    loginVersion: null,
    c,
    // Capital.com takes one POST /session per second per API key.
    spacingMs: 1100,
  };
}

async function errorCode(res) {
  try {
    const body = await res.json();
    return body.errorCode || '';
  } catch {
    return '';
  }
}

// login posts one encrypted password; a 429 (Capital.com's login rate
// limit, e.g. right after a login from the form) is waited out once.
async function login(spec, password) {
  const send = () => fetch(spec.base + spec.sessionPath, {
    method: 'POST',
    headers: spec.headers(spec.loginVersion),
    body: JSON.stringify({ identifier: spec.c.identifier, password, encryptedPassword: true }),
  });
  let res = await send();
  if (res.status === 429) {
    await sleep(1200);
    res = await send();
  }
  return res;
}

function row(table, cells) {
  const tr = document.createElement('tr');
  cells.forEach((text, i) => {
    const cell = document.createElement(i === 0 ? 'th' : 'td');
    if (i === 0) cell.scope = 'row';
    cell.textContent = text;
    tr.append(cell);
  });
  table.tBodies[0].append(tr);
  return tr;
}

export async function runLab({ ba, creds, broker, table, status, why }) {
  const spec = brokerSpec(broker, creds);
  table.tBodies[0].replaceChildren();
  table.hidden = true;
  why.hidden = true;
  status.textContent = `Fetching an encryption key from the ${spec.name} simulator…`;

  const keyRes = await fetch(spec.base + spec.keyPath, { headers: spec.headers(1) });
  if (!keyRes.ok) throw new Error(`GET ${spec.keyPath} answered HTTP ${keyRes.status}`);
  const { encryptionKey, timeStamp } = await keyRes.json();
  const password = spec.c.password;

  // brokerauth: PKCS#1 v1.5 over base64(password|timeStamp).
  const pkcs1 = ba.encryptPassword(encryptionKey, timeStamp, password);

  // WebCrypto: the same key and plaintext, RSA-OAEP with SHA-256.
  const key = await crypto.subtle.importKey('spki', base64ToBytes(encryptionKey), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
  const inner = bytesToBase64(te.encode(`${password}|${timeStamp}`));
  const oaep = bytesToBase64(new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, key, te.encode(inner))));

  const size = (b64) => `${atob(b64).length} bytes (${b64.length} base64 characters)`;

  // OAEP first: the simulator, like the brokers, cannot unpad it, so the
  // single-use timeStamp is still unused for the PKCS#1 v1.5 login.
  status.textContent = 'Logging in with the RSA-OAEP ciphertext…';
  const refused = await login(spec, oaep);
  const refusedCode = await errorCode(refused);
  if (spec.spacingMs) await sleep(spec.spacingMs);

  status.textContent = 'Logging in with the PKCS#1 v1.5 ciphertext…';
  const accepted = await login(spec, pkcs1);
  const acceptedCode = accepted.ok ? '' : await errorCode(accepted);
  let loggedOut = '';
  if (accepted.ok) {
    const cst = accepted.headers.get('CST');
    const xst = accepted.headers.get('X-SECURITY-TOKEN');
    await accepted.arrayBuffer(); // read to the end (cancelling shows as an aborted request)
    const out = await fetch(spec.base + spec.sessionPath, {
      method: 'DELETE',
      headers: { ...spec.headers(1), CST: cst, 'X-SECURITY-TOKEN': xst },
    });
    loggedOut = out.ok ? ', then logged out' : `, but logout answered HTTP ${out.status}`;
  }

  row(table, ['PKCS#1 v1.5 (brokerauth)', size(pkcs1), `HTTP ${accepted.status}`,
    accepted.ok ? `accepted: session opened${loggedOut}` : `refused: ${acceptedCode || 'no code'}`]).className = accepted.ok ? 'accepted' : 'refused';
  row(table, ['RSA-OAEP SHA-256 (WebCrypto)', size(oaep), `HTTP ${refused.status}`,
    refused.ok ? 'accepted (unexpected!)' : `refused: ${refusedCode || 'no code'}`]).className = refused.ok ? 'accepted' : 'refused';
  table.hidden = false;
  why.hidden = false;
  status.textContent = accepted.ok && !refused.ok
    ? `${spec.name}: PKCS#1 v1.5 accepted (${accepted.status}), RSA-OAEP refused (${refused.status} ${refusedCode}).`
    : `${spec.name}: unexpected outcome: PKCS#1 v1.5 ${accepted.status}, RSA-OAEP ${refused.status}.`;
}
