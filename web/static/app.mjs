// The demo page: loads the npm build the way a bundler user would (ES
// module + init()), logs in to a broker through brokerauth's session
// clients, and shows each step. trace.mjs is imported first so that its
// fetch wrapper is in place before brokerauth starts.
import { onFetch, plainFetch } from './trace.mjs';
import { init, BrokerAuthError } from '/npm/browser.mjs';
import { runLab } from './lab.mjs';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

// Where each broker lives behind the server's opt-in -proxy, and the path
// the library's baseURL needs on top of it.
const proxyPaths = {
  ig: { demo: '/proxy/ig-demo/gateway/deal', live: '/proxy/ig-live/gateway/deal' },
  capital: { demo: '/proxy/capital-demo', live: '/proxy/capital-live' },
  ibkr: { demo: '/proxy/ibkr', live: '/proxy/ibkr' },
};

const state = {
  ba: null,
  creds: null, // the simulators' demo logins
  config: { proxy: false },
  client: null, // the current broker client
  kind: null, // 'ig2' | 'ig3' | 'capital' | 'ibkr' (OAuth 2.0) | 'ibkr1' (OAuth 1.0a)
  authHeader: null, // the last authorizationHeader() value, shown masked like the session headers
  keepAlive: null,
  reveal: false,
  busy: false,
  flowStart: 0, // performance.now() when the current action began (0: navigation)
  inLab: false,
  lastKeyAt: null,
};

// ---- trace ---------------------------------------------------------------

const stepNames = [
  [/\/npm\/brokerauth\.wasm$/, () => 'wasm loaded'],
  [/\/session\/encryptionKey$/, () => 'key fetched'],
  [/\/session\/refresh-token$/, () => 'token refreshed'],
  [/\/api\/v1\/ping$/, () => 'keepalive (ping)'],
  [/\/oauth2\/api\/v1\/token$/, () => 'access token (signed client assertion)'],
  [/\/oauth\/live_session_token$/, () => 'live session token (Diffie-Hellman, RSA-SHA256)'],
  [/\/portfolio\/accounts$/, () => 'portfolio accounts'],
  [/\/gw\/api\/v1\/sso-sessions$/, () => 'bearer token (SSO session)'],
  [/\/sso\/validate$/, () => 'SSO session validated'],
  [/\/ssodh\/init$/, () => 'brokerage session opened'],
  [/\/tickle$/, () => 'tickle'],
  [/\/auth\/status$/, () => 'status'],
  [/\/api\/logout$/, () => 'logged out'],
  [/\/__sim\/ip$/, () => 'public IP looked up'],
  [/\/session$/, (e) => ({
    POST: e.status === 200 ? 'session created' : 'login refused',
    PUT: 'account switched',
    DELETE: 'logged out',
    GET: 'keepalive (GET /session)',
  })[e.method] || 'session'],
];

function stepName(e) {
  for (const [re, name] of stepNames) if (re.test(e.path)) return name(e);
  return 'request';
}

function since() {
  return `+${Math.round(performance.now() - state.flowStart)} ms`;
}

function traceLine(kind, step, detail) {
  const li = el('li', { className: `trace-${kind}` },
    el('span', { className: 't' }, since()), ' ',
    el('strong', {}, step), detail ? ' — ' : '', detail || '');
  $('trace').append(li);
  li.scrollIntoView({ block: 'nearest' });
}

onFetch((e) => {
  const where = e.sameOrigin ? e.path : `${e.origin}${e.path}`;
  if (e.encryptedLength !== undefined) {
    const gap = state.lastKeyAt === null ? '' : ` (${Math.round(e.startedAt - state.lastKeyAt)} ms after the key)`;
    const how = state.inLab ? '' : ' by brokerauth (RSA PKCS#1 v1.5)';
    traceLine('info', 'password encrypted', `${e.encryptedLength} base64 characters${how}${gap}; the text is never shown`);
  } else if (e.encrypted === false && e.method === 'POST') {
    traceLine('info', 'password sent unencrypted', 'inside TLS: IG v3 takes no encrypted password');
  }
  if (/\/session\/encryptionKey$/.test(e.path)) state.lastKeyAt = performance.now();
  const status = e.status === 0 ? e.error : `HTTP ${e.status}`;
  const ok = e.status >= 200 && e.status < 300;
  traceLine(ok ? 'ok' : 'fail', stepName(e), `${e.method} ${where} → ${status} in ${Math.round(e.ms)} ms`);
});

function onSessionChange(session) {
  if (!session) {
    traceLine('info', 'session ended', 'onSessionChange(null)');
  } else if (session.broker === 'ibkr') {
    traceLine('info', 'session', `onSessionChange: authenticated ${session.authenticated}, connected ${session.connected}`);
  } else {
    traceLine('info', 'accounts', `onSessionChange: account ${session.accountId}, ${session.accounts.length} account(s)`);
  }
  // Keepalives, refreshes and re-logins change the session in the background.
  if (state.client && session) renderSession(session);
}

// ---- form ------------------------------------------------------------------

const broker = () => document.querySelector('input[name="broker"]:checked').value;
const family = (kind) => (kind === 'ig2' || kind === 'ig3' ? 'ig' : kind === 'ibkr1' ? 'ibkr' : kind);
// credsOf is a kind's entry in the simulators' credentials.json.
const credsOf = (kind) => (kind === 'ibkr1' ? state.creds.ibkrOAuth1 : state.creds[family(kind)]);
const env = () => $('environment').value;

// The OAuth 1.0a fields a login needs; outside the simulator also the keys,
// the secret and the DH group (the simulator's demo values fill in for them).
const ibkr1Required = ['consumer-key', 'access-token'];
const ibkr1Keys = ['access-token-secret', 'signature-key', 'encryption-key'];

function fillForm() {
  const kind = broker();
  const sim = env() === 'sim';
  const ibkr = kind === 'ibkr';
  const ibkr1 = kind === 'ibkr1';
  $('cst-fields').hidden = ibkr || ibkr1;
  $('ibkr-fields').hidden = !ibkr;
  $('ibkr1-fields').hidden = !ibkr1;
  $('ip-row').hidden = !ibkr || sim;
  for (const input of $('cst-fields').querySelectorAll('input')) input.required = !ibkr && !ibkr1;
  for (const id of ['client-id', 'client-key-id', 'credential']) $(id).required = ibkr;
  for (const id of ibkr1Required) $(id).required = ibkr1;
  for (const id of ibkr1Keys) $(id).required = ibkr1 && !sim;

  const c = state.creds;
  if (sim && c) {
    if (ibkr) {
      $('client-id').value = c.ibkr.clientId;
      $('client-key-id').value = c.ibkr.clientKeyId;
      $('credential').value = c.ibkr.credential;
    } else if (ibkr1) {
      const o = c.ibkrOAuth1;
      $('consumer-key').value = o.consumerKey;
      $('access-token').value = o.accessToken;
      $('access-token-secret').value = o.accessTokenSecret;
      if ($('dh-prime').value.trim() === '') $('dh-params').value = o.dhParams;
      $('realm').value = o.realm;
    } else {
      const k = c[family(kind)];
      $('api-key').value = k.apiKey;
      $('identifier').value = k.identifier;
      $('password').value = k.password;
    }
  } else if (!sim && c) {
    // Never send the simulator's logins to a real broker.
    const o = c.ibkrOAuth1;
    const simValues = new Set([c.ig.apiKey, c.ig.identifier, c.ig.password, c.capital.apiKey, c.capital.identifier,
      c.capital.password, c.ibkr.clientId, c.ibkr.clientKeyId, c.ibkr.credential, o.consumerKey, o.accessToken,
      o.accessTokenSecret, o.signatureKey.trim(), o.encryptionKey.trim(), o.dhParams.trim()]);
    for (const id of ['api-key', 'identifier', 'password', 'client-id', 'client-key-id', 'credential', 'consumer-key',
      'access-token', 'access-token-secret', 'signature-key', 'encryption-key', 'dh-params']) {
      if (simValues.has($(id).value.trim())) $(id).value = '';
    }
  }
  $('private-key-hint').textContent = sim ? "(leave empty to use the simulator's published demo key)" : '(PKCS#8 or PKCS#1)';
  $('private-key').placeholder = sim ? "empty: the simulator's demo key" : '-----BEGIN PRIVATE KEY-----';
  for (const id of ['signature-key', 'encryption-key']) {
    $(`${id}-hint`).textContent = sim ? "(leave empty to use the simulator's published demo key)" : '(PKCS#8 or PKCS#1)';
    $(id).placeholder = sim ? "empty: the simulator's demo key" : '-----BEGIN PRIVATE KEY-----';
  }

  const proxyOn = state.config.proxy && !sim;
  $('proxy-row').hidden = !proxyOn;
  let note = '';
  if (sim) note = 'Built into this server; works offline. The demo logins are filled in.';
  else {
    note = env() === 'live' ? 'Live: real money. ' : 'Demo: the broker\'s practice API. ';
    if (ibkr) note += 'IBKR has one host (api.ibkr.com) for paper and live accounts. ';
    note += state.config.proxy
      ? 'Calls go straight from this page to the broker; if the browser blocks them (CORS), tick the proxy box.'
      : 'Calls go straight from this page to the broker; browsers may block that (CORS).';
  }
  $('env-note').textContent = note;
}

function loginOptions(kind) {
  const origin = location.origin;
  const e = env();
  const fam = family(kind);
  const opts = { onSessionChange };
  if (e === 'sim') {
    opts.baseURL = origin + credsOf(kind).baseURL;
  } else if (state.config.proxy && $('use-proxy').checked) {
    opts.baseURL = origin + proxyPaths[fam][e];
  } else if (fam !== 'ibkr') {
    opts.environment = e;
  }
  if (kind === 'ibkr1') {
    const demo = e === 'sim' ? state.creds.ibkrOAuth1 : null;
    const value = (id) => $(id).value.trim();
    Object.assign(opts, {
      consumerKey: value('consumer-key'),
      accessToken: value('access-token'),
      accessTokenSecret: value('access-token-secret'),
      signatureKey: value('signature-key') || (demo ? demo.signatureKey : ''),
      encryptionKey: value('encryption-key') || (demo ? demo.encryptionKey : ''),
    });
    if (value('dh-params')) opts.dhParams = value('dh-params');
    else {
      opts.dhPrime = value('dh-prime');
      if (value('dh-generator')) opts.dhGenerator = value('dh-generator');
    }
    if (value('realm')) opts.realm = value('realm');
  } else if (fam === 'ibkr') {
    Object.assign(opts, {
      clientId: $('client-id').value.trim(),
      clientKeyId: $('client-key-id').value.trim(),
      credential: $('credential').value.trim(),
      privateKey: $('private-key').value.trim() || (e === 'sim' ? state.creds.ibkr.privateKey : ''),
    });
    if (e === 'sim') opts.ipLookupURL = `${origin}/sim/ibkr/__sim/ip`;
    else opts.ip = $('public-ip').value.trim();
  } else {
    Object.assign(opts, {
      apiKey: $('api-key').value.trim(),
      identifier: $('identifier').value.trim(),
      password: $('password').value,
    });
    if (kind === 'ig2') opts.version = 2;
    if (kind === 'ig3') opts.version = 3;
  }
  return opts;
}

function missingField(kind) {
  const sim = env() === 'sim';
  let ids = ['api-key', 'identifier', 'password'];
  if (kind === 'ibkr') ids = ['client-id', 'client-key-id', 'credential', ...(sim ? [] : ['private-key', 'public-ip'])];
  if (kind === 'ibkr1') {
    ids = [...ibkr1Required, 'access-token-secret', ...(sim ? [] : ibkr1Keys.slice(1))];
    if ($('dh-params').value.trim() === '') ids.push('dh-prime');
  }
  return ids.map((id) => $(id)).find((input) => input.value.trim() === '');
}

// ---- errors ----------------------------------------------------------------

function clearError() {
  $('error').hidden = true;
  $('error').replaceChildren();
}

function showError(err, doing) {
  const box = $('error');
  box.replaceChildren();
  box.hidden = false;
  if (!(err instanceof BrokerAuthError)) {
    box.append(el('p', {}, el('strong', {}, `${doing} failed: `), String(err && err.message ? err.message : err)));
    return;
  }
  box.append(el('p', {}, el('strong', {}, `${doing} failed: `), el('code', { className: 'code' }, err.code)));
  const facts = el('dl');
  const add = (k, v) => facts.append(el('dt', {}, k), el('dd', {}, v));
  add('HTTP status', err.status === 0 ? '0 (no response)' : String(err.status));
  add('Broker / step', `${err.broker || '—'} / ${err.step || '—'}`);
  add('Retryable', err.retryable ? 'yes' : 'no');
  add('Hint', err.message);
  box.append(facts);
  if (err.code === 'network' && env() !== 'sim') {
    const proxyAdvice = state.config.proxy
      ? 'This server runs with -proxy: tick "Go through this server\'s -proxy" above and log in again.'
      : 'Restart the demo server with its opt-in proxy (build/web -proxy, or go run ./web -proxy) and tick "Go through this server\'s -proxy"; it forwards to the broker\'s https API from your machine and never logs bodies or headers.';
    box.append(el('p', { className: 'advice' },
      'Your browser did not let this page reach the broker. Most likely the broker does not allow calls from this page\'s origin (CORS), or the network is down. ',
      proxyAdvice));
  }
}

// ---- session view ------------------------------------------------------------

const notSecret = new Set(['ig-account-id', 'version']);

function mask(name, value) {
  if (state.reveal || notSecret.has(name.toLowerCase())) return value;
  const bearer = /^Bearer\s+/i.exec(value);
  if (bearer) return `${bearer[0]}${value.slice(bearer[0].length, bearer[0].length + 4)}…`;
  if (/^OAuth\s/i.test(value)) return maskOAuth(value);
  return `${value.slice(0, 4)}…`;
}

// maskOAuth shows an OAuth 1.0a Authorization header with its token and
// signature cut to 4 characters: until it is sent, the header is good for
// one request (its nonce is unused), so it is a secret like a bearer token.
function maskOAuth(value) {
  return value.replace(/\b(oauth_token|oauth_signature)="([^"]*)"/g, (_, name, v) => `${name}="${v.slice(0, 4)}…"`);
}

function renderAuthHeader() {
  $('auth-header').hidden = state.authHeader === null;
  $('auth-header-value').textContent = state.authHeader === null ? '' : mask('Authorization', state.authHeader);
}

function renderSession(session) {
  const summary = $('session-summary');
  summary.replaceChildren();
  const add = (k, v) => summary.append(el('dt', {}, k), el('dd', {}, v));
  const brokerNames = { ig2: 'IG (v2)', ig3: 'IG (v3)', ibkr: 'ibkr (OAuth 2.0)', ibkr1: 'ibkr (OAuth 1.0a)' };
  add('Broker', brokerNames[state.kind] || session.broker);
  if (session.broker === 'ibkr') {
    add('Authenticated', String(session.authenticated));
    add('Connected', String(session.connected));
    add('Competing', String(session.competing));
  } else {
    add('Account', session.accountId);
    add('Accounts', session.accounts.map((a) => `${a.accountId} (${a.accountName || a.accountType})`).join(', ') || '—');
    if (session.streamingEndpoint) add('Streaming', session.streamingEndpoint);
  }
  if (session.expiresAt) add('Token expires', new Date(session.expiresAt).toLocaleTimeString());

  const body = $('headers').tBodies[0];
  const headers = Object.entries(session.headers);
  body.replaceChildren(...headers.map(([name, value]) =>
    el('tr', {}, el('th', { scope: 'row' }, name), el('td', {}, el('code', {}, mask(name, value))))));
  $('headers').hidden = headers.length === 0;
  $('no-headers').hidden = headers.length !== 0;
  $('ibkr-calls').hidden = session.broker !== 'ibkr';
  renderAuthHeader();

  const accounts = session.accounts || [];
  $('switch-row').hidden = session.broker === 'ibkr' || accounts.length < 2;
  const select = $('account');
  select.replaceChildren(...accounts.map((a) =>
    el('option', { value: a.accountId, selected: a.accountId === session.accountId },
      `${a.accountId} — ${a.accountName || a.accountType}`)));
  $('tickle').hidden = session.broker !== 'ibkr';
  $('session').hidden = false;
}

function hideSession() {
  $('session').hidden = true;
  $('headers').tBodies[0].replaceChildren();
  $('session-summary').replaceChildren();
  state.authHeader = null;
  renderAuthHeader();
}

function setKeepAliveUI(on) {
  $('keepalive').setAttribute('aria-pressed', String(on));
  $('keepalive').textContent = on ? 'Keepalive: on' : 'Keepalive: off';
  $('keepalive-state').textContent = on ? '(a call every 10 s keeps the session alive)' : '(every 10 s when on)';
}

function stopKeepAlive() {
  if (state.keepAlive) {
    state.keepAlive.stop();
    state.keepAlive = null;
    traceLine('info', 'keepalive stopped', '');
  }
  setKeepAliveUI(false);
}

// busy runs one user action at a time, with its own trace clock.
async function busy(what, fn) {
  if (state.busy) return;
  state.busy = true;
  document.body.setAttribute('aria-busy', 'true');
  state.flowStart = performance.now();
  state.lastKeyAt = null;
  traceLine('start', what, '');
  try {
    clearError();
    await fn();
  } catch (err) {
    showError(err, what);
    $('status').textContent = `${what} failed${err instanceof BrokerAuthError ? `: ${err.code}` : ''}.`;
    traceLine('fail', `${what} failed`, err instanceof BrokerAuthError ? `${err.code} (${err.status})` : 'error');
  } finally {
    state.busy = false;
    document.body.removeAttribute('aria-busy');
  }
}

async function login() {
  const kind = broker();
  const missing = missingField(kind);
  if (missing) {
    clearError();
    showError(new Error(`${missing.labels[0].textContent.trim()} is empty.`), 'Log in');
    missing.focus();
    return;
  }
  const names = { ig2: 'IG v2', ig3: 'IG v3', capital: 'Capital.com', ibkr: 'IBKR OAuth 2.0', ibkr1: 'IBKR OAuth 1.0a' };
  await busy(`Log in (${names[kind]}, ${$('environment').selectedOptions[0].textContent})`, async () => {
    if (state.client) {
      stopKeepAlive();
      const old = state.client;
      state.client = null;
      hideSession();
      if (old.session) await old.logout().catch(() => {});
    }
    const opts = loginOptions(kind);
    const fam = family(kind);
    const client = fam === 'ig' ? state.ba.ig(opts) : fam === 'capital' ? state.ba.capital(opts) : state.ba.ibkr(opts);
    state.kind = kind;
    const session = await client.login();
    state.client = client;
    renderSession(session);
    $('status').textContent = `Logged in to ${session.broker}${session.accountId ? ` (account ${session.accountId})` : ''}.`;
    $('session-title').focus();
  });
}

async function main() {
  const started = performance.now();
  const [ba, creds, config] = await Promise.all([
    init(),
    plainFetch('/sim/credentials.json').then((r) => r.json()),
    plainFetch('/config.json').then((r) => (r.ok ? r.json() : { proxy: false })).catch(() => ({ proxy: false })),
  ]);
  Object.assign(state, { ba, creds, config });
  fillForm();
  $('login-button').disabled = false;
  $('lab-run').disabled = false;
  performance.mark('brokerauth-ready');
  $('status').textContent = `brokerauth ${ba.version} ready in ${Math.round(performance.now() - started)} ms.`;
  document.body.dataset.ready = 'true';
}

// ---- wiring --------------------------------------------------------------------

$('session-title').tabIndex = -1;
for (const input of document.querySelectorAll('input[name="broker"]')) input.addEventListener('change', fillForm);
$('environment').addEventListener('change', fillForm);
$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  login();
});

$('reveal').addEventListener('click', () => {
  state.reveal = !state.reveal;
  $('reveal').setAttribute('aria-pressed', String(state.reveal));
  $('reveal').textContent = state.reveal ? 'Hide secrets' : 'Reveal secrets';
  if (state.client && state.client.session) renderSession(state.client.session);
  else renderAuthHeader();
});

$('switch').addEventListener('click', () => busy(`Switch to ${$('account').value}`, async () => {
  const session = await state.client.switchAccount($('account').value);
  renderSession(session);
  $('status').textContent = `Switched to account ${session.accountId}.`;
}));

$('keepalive').addEventListener('click', () => {
  if (!state.client) return;
  if (state.keepAlive) {
    stopKeepAlive();
    return;
  }
  state.keepAlive = state.client.keepAlive({
    intervalMs: 10_000,
    onError: (err) => {
      showError(err, 'Keepalive');
      state.keepAlive = null;
      setKeepAliveUI(false);
    },
  });
  traceLine('info', 'keepalive started', 'every 10 s');
  setKeepAliveUI(true);
});

$('tickle').addEventListener('click', () => busy('Tickle', async () => {
  const t = await state.client.tickle();
  traceLine('info', 'tickle answered', `authenticated ${t.authenticated}, connected ${t.connected}, competing ${t.competing}`);
  $('status').textContent = `Tickled: authenticated ${t.authenticated}.`;
}));

$('ibkr-request').addEventListener('click', () => busy('GET /v1/api/portfolio/accounts', async () => {
  const accounts = await state.client.request('/v1/api/portfolio/accounts');
  const ids = Array.isArray(accounts) ? accounts.map((a) => a.accountId) : [];
  traceLine('info', 'accounts answered', `${ids.length} account(s): ${ids.join(', ') || '—'}`);
  $('status').textContent = `GET /v1/api/portfolio/accounts: ${ids.length} account(s).`;
}));

// The header for a call the page would send itself. It never goes to the
// trace; the session panel shows it masked unless "Reveal secrets".
$('auth-header-button').addEventListener('click', () => busy("authorizationHeader('GET', '/v1/api/tickle')", async () => {
  state.authHeader = await state.client.authorizationHeader('GET', '/v1/api/tickle');
  renderAuthHeader();
  const scheme = state.authHeader.split(' ', 1)[0];
  traceLine('info', 'authorization header', `${scheme} … for GET /v1/api/tickle, ${state.authHeader.length} characters; the value is never shown here`);
  $('status').textContent = `Authorization header ready (${scheme}).`;
}));

$('logout').addEventListener('click', () => busy('Log out', async () => {
  stopKeepAlive();
  await state.client.logout();
  state.client = null;
  hideSession();
  $('status').textContent = 'Logged out.';
  $('login-button').focus();
}));

$('clear-trace').addEventListener('click', () => $('trace').replaceChildren());

$('lab-form').addEventListener('submit', (event) => {
  event.preventDefault();
  state.inLab = true;
  busy('Padding lab', () => runLab({
    ba: state.ba,
    creds: state.creds,
    broker: $('lab-broker').value,
    table: $('lab-results'),
    status: $('lab-status'),
    why: $('lab-why'),
  })).finally(() => { state.inLab = false; });
});

main().catch((err) => {
  $('status').textContent = `brokerauth failed to start: ${err && err.code ? `${err.code}: ` : ''}${err && err.message}`;
  showError(err, 'Start');
});
