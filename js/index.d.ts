// Type definitions for brokerauth.

/** Options for {@link init}. Pass at most one of the two. */
export interface InitOptions {
  /**
   * Where to fetch brokerauth.wasm from. Default: the file next to the
   * module (`new URL('./brokerauth.wasm', import.meta.url)`); in Node, the
   * file bundled in the package. Relative strings resolve against that.
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
  | 'internal'
  | 'runtime_stopped'
  | 'version_mismatch'
  | 'wasm_load_failed'
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

/** The started library, as resolved by {@link init}. */
export interface BrokerAuth {
  /** The package version; the wasm reported the same one at start-up. */
  readonly version: string;
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
 * promise; after a failure the next call tries again.
 */
export function init(options?: InitOptions): Promise<BrokerAuth>;

/** The package version. */
export const version: string;
