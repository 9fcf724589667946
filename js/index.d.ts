// Type definitions for brokerauth.

/** Options for {@link init}. Pass at most one of the two. */
export interface InitOptions {
  /**
   * Where to fetch brokerauth.wasm from. Default: the file next to the
   * module (`new URL('./brokerauth.wasm', import.meta.url)`); in Node, the
   * file bundled in the package. In Node a relative string resolves against
   * the package folder; in browsers against the page, as fetch does.
   */
  wasmURL?: string | URL;
  /** An already compiled brokerauth.wasm, e.g. from a bundler's wasm import. */
  wasmModule?: WebAssembly.Module;
}

/** Codes the library itself produces; broker error codes pass through as the broker sent them. */
export type BrokerAuthErrorCode =
  | 'invalid_key'
  | 'unsupported_key'
  | 'password_too_long'
  | 'invalid_argument'
  | 'network'
  | 'timeout'
  | 'canceled'
  | 'bad_response'
  | 'insecure_url'
  | 'not_logged_in'
  | 'invalid_token'
  | 'internal'
  | 'runtime_stopped'
  | 'version_mismatch'
  | 'wasm_load_failed'
  | `http_${number}`
  | (string & {});

/** Every brokerauth error. Never carries a password, token or key. */
export class BrokerAuthError extends Error {
  constructor(code: string, message: string, fields?: { broker?: string | null; step?: string | null; status?: number; retryable?: boolean });
  readonly name: 'BrokerAuthError';
  /** Stable, machine-readable code. */
  readonly code: BrokerAuthErrorCode;
  /** 'ig', 'capital' or 'ibkr' for session-flow errors; null for local errors. */
  readonly broker: string | null;
  /** The flow step that failed; null for local errors. */
  readonly step: string | null;
  /** HTTP status from the broker; 0 when there was no response. */
  readonly status: number;
  /** Whether the same call may succeed later (network, timeout, 5xx, 429). */
  readonly retryable: boolean;
  toJSON(): { name: string; code: string; message: string; broker: string | null; step: string | null; status: number; retryable: boolean };
}

/** One account a login can trade on (IG, Capital.com). */
export interface Account {
  readonly accountId: string;
  readonly accountName: string;
  readonly accountType: string;
  readonly preferred: boolean;
}

/** A live IG or Capital.com session. Frozen; persist it from onSessionChange. */
export interface CSTSession {
  readonly broker: 'ig' | 'capital';
  readonly accountId: string;
  readonly accounts: readonly Account[];
  /**
   * Exactly the headers to add to your own calls. IG v2: X-IG-API-KEY, CST,
   * X-SECURITY-TOKEN; IG v3: X-IG-API-KEY, Authorization, IG-ACCOUNT-ID;
   * Capital.com: X-CAP-API-KEY, CST, X-SECURITY-TOKEN.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** Epoch ms when the access token expires (IG v3), else null. */
  readonly expiresAt: number | null;
  /** IG's lightstreamerEndpoint or Capital.com's streamingHost. */
  readonly streamingEndpoint: string;
}

/** A live Interactive Brokers Web API session. */
export interface IBKRSession {
  readonly broker: 'ibkr';
  /** { Authorization: 'Bearer …' } */
  readonly headers: Readonly<Record<string, string>>;
  readonly authenticated: boolean;
  readonly competing: boolean;
  readonly connected: boolean;
  readonly expiresAt: number | null;
}

export type Session = CSTSession | IBKRSession;

/** Like fetch's RequestInit, for {@link BrokerClient.request}. */
export interface RequestInit {
  method?: string;
  headers?: Record<string, string> | Headers | [string, string][];
  /** A string is sent as is; an object is sent as JSON. */
  body?: string | object | null;
  /** Aborting it ends the call (and any HTTP request in flight) with code 'canceled'. */
  signal?: AbortSignal | null;
}

export interface KeepAliveOptions {
  /** Milliseconds between keepalive calls (IG, IBKR default 60 000; Capital.com 300 000). */
  intervalMs?: number;
  /**
   * Called once if the keepalive ends by itself: an error retrying cannot
   * fix (credentials refused on re-login, not_logged_in — keepalive needs a
   * session and never starts one), or runtime_stopped. Transient failures
   * are retried with backoff and not reported.
   */
  onError?: (err: BrokerAuthError) => void;
  /**
   * Called after every round with its outcome: null when it worked, else
   * the error, including the transient ones the loop retries. For logs and
   * health checks; it must not throw (what it throws is logged and dropped).
   */
  onRound?: (err: BrokerAuthError | null) => void;
}

export interface KeepAlive {
  stop(): void;
}

interface BrokerClient<S extends Session> {
  /** The current session, or null before login and after logout. */
  readonly session: S | null;
  login(): Promise<S>;
  /**
   * An authenticated call; `path` is relative to the base URL. Logs in when
   * there is no session; after a 401 token error logs in again once and
   * retries once. Resolves to the parsed JSON body (null when empty).
   */
  request<T = unknown>(path: string, init?: RequestInit): Promise<T>;
  logout(): Promise<void>;
  keepAlive(options?: KeepAliveOptions): KeepAlive;
}

interface CommonOptions<S extends Session> {
  /** Replaces the environment's base URL; https unless the host is loopback. */
  baseURL?: string;
  /** Per HTTP call; default 30 000. */
  timeoutMs?: number;
  /** Called on every login, refresh, switch and logout (null). */
  onSessionChange?: (session: S | null) => void;
}

export interface IGOptions extends CommonOptions<CSTSession> {
  apiKey: string;
  identifier: string;
  password: string;
  /** Default 'demo'. */
  environment?: 'demo' | 'live';
  /** Default 2. */
  version?: 2 | 3;
  /** Default true for v2; v3 takes no encrypted password. */
  encrypt?: boolean;
}

export interface CapitalOptions extends CommonOptions<CSTSession> {
  apiKey: string;
  identifier: string;
  password: string;
  environment?: 'demo' | 'live';
  /** Default true. */
  encrypt?: boolean;
}

export interface IBKROptions extends CommonOptions<IBKRSession> {
  clientId: string;
  clientKeyId: string;
  credential: string;
  /** RSA private key, PEM (PKCS#8 or PKCS#1). Keep it on a server. */
  privateKey: string;
  /** Default 'api.ibkr.com'. */
  domain?: string;
  /** The public IP baked into the bearer token; default: ask ipLookupURL. */
  ip?: string;
  /** Default 'https://api.ipify.org'. */
  ipLookupURL?: string;
}

/** IG's Lightstreamer login. Secrets, like the session headers. */
export interface StreamingCredentials {
  readonly endpoint: string;
  /** The Lightstreamer user name. */
  readonly accountId: string;
  readonly cst: string;
  readonly xst: string;
  /** 'CST-<cst>|XST-<xst>' */
  readonly password: string;
}

export interface IGClient extends BrokerClient<CSTSession> {
  /**
   * Switch to another account. v2: PUT /session (a new X-SECURITY-TOKEN);
   * v3: no request, IG-ACCOUNT-ID names the account on every later call. An
   * account the v2 login does not list is `invalid_argument`. The account
   * stays chosen across automatic re-logins; login() and logout() forget it.
   */
  switchAccount(accountId: string): Promise<CSTSession>;
  /** Switch and make the account IG's default for later logins (PUT /session with defaultAccount; v3 fetches CST/X-SECURITY-TOKEN for it). */
  setDefaultAccount(accountId: string): Promise<CSTSession>;
  /** The session's CST and X-SECURITY-TOKEN (v3: GET /session?fetchSessionTokens=true). Secrets. */
  sessionTokens(): Promise<{ readonly cst: string; readonly xst: string }>;
  /** v3: a new access token from the refresh token (a login if it is gone); v2: a new login. */
  refresh(): Promise<CSTSession>;
  /** The Lightstreamer login (v3 sessions fetch CST/X-SECURITY-TOKEN for it). */
  streamingCredentials(): Promise<StreamingCredentials>;
}

export interface CapitalClient extends BrokerClient<CSTSession> {
  switchAccount(accountId: string): Promise<CSTSession>;
  /** GET /api/v1/ping. */
  ping(): Promise<void>;
}

export interface TickleResult {
  readonly session: string;
  readonly authenticated: boolean;
  readonly competing: boolean;
  readonly connected: boolean;
}

export interface IBKRClient extends BrokerClient<IBKRSession> {
  /** GET /v1/api/sso/validate, parsed. */
  validate(): Promise<Record<string, unknown>>;
  tickle(): Promise<TickleResult>;
  status(): Promise<Omit<TickleResult, 'session'>>;
}

/** The started library, as resolved by {@link init}. */
export interface BrokerAuth {
  /** The package version; the wasm reported the same one at start-up. */
  readonly version: string;
  /** Diagnostics: bytes of WebAssembly memory held (it grows, never shrinks). */
  readonly wasmMemoryBytes: number;
  ig(options: IGOptions): IGClient;
  capital(options: CapitalOptions): CapitalClient;
  ibkr(options: IBKROptions): IBKRClient;
  /**
   * Encrypt a login password the way IG (v2) and Capital.com require:
   * base64(RSA-PKCS#1-v1.5(key, base64(password + "|" + timeStamp))).
   *
   * @param encryptionKey `encryptionKey` from GET /session/encryptionKey
   *   (base64 DER; PEM `PUBLIC KEY` / `RSA PUBLIC KEY` also accepted)
   * @param timeStamp `timeStamp` from the same response
   * @param password the account password
   * @returns base64 ciphertext for the login body's `password` field
   * @throws {BrokerAuthError} `invalid_key`, `unsupported_key`,
   *   `password_too_long`, `invalid_argument`, `runtime_stopped`
   */
  encryptPassword(encryptionKey: string, timeStamp: number | string | bigint, password: string): string;
}

/**
 * Load and start brokerauth.wasm. Single flight: every call returns the same
 * promise (options of later calls are ignored once a start is under way or
 * done); after a failure the next call tries again.
 */
export function init(options?: InitOptions): Promise<BrokerAuth>;

/** The package version. */
export const version: string;
