// encryptPassword as both modules expose it: the checks JavaScript alone
// can make, then one synchronous call into Go.

import { BrokerAuthError, describeType, invalidArgument, isWellFormed } from './errors.js';

// Inputs longer than these cannot be valid (a 16384-bit PEM key is ~3 KB;
// such a key carries at most ~1.5 KB of password), so they are refused
// before crossing into the wasm, whose memory never shrinks.
const maxKeyChars = 64 * 1024;
const maxPasswordChars = 4 * 1024;

/**
 * encryptPassword(encryptionKey, timeStamp, password) → base64 ciphertext,
 * on the namespace ns of a started module.
 */
export function encryptPasswordOf(ns, runtime) {
  /**
   * Encrypt a login password for IG (v2) or Capital.com.
   * @returns {string} base64 ciphertext for the "password" field
   */
  return function encryptPassword(encryptionKey, timeStamp, password) {
    if (typeof encryptionKey !== 'string') {
      throw invalidArgument(`encryptPassword: encryptionKey must be a string, got ${describeType(encryptionKey)}`);
    }
    if (encryptionKey.length > maxKeyChars) {
      throw new BrokerAuthError('invalid_key', `encryptPassword: encryptionKey is longer than any RSA public key (${encryptionKey.length} characters)`);
    }
    const ts = timeStampText(timeStamp);
    if (typeof password !== 'string') {
      throw invalidArgument(`encryptPassword: password must be a string, got ${describeType(password)}`);
    }
    if (password.length > maxPasswordChars) {
      throw new BrokerAuthError('password_too_long', `encryptPassword: password is longer than any broker key can carry (${password.length} characters)`);
    }
    if (!isWellFormed(password)) {
      // Go would receive U+FFFD in place of the lone surrogate and encrypt
      // a different password than the one the user typed.
      throw invalidArgument('encryptPassword: password contains an unpaired UTF-16 surrogate');
    }
    return runtime.callSync(ns.encryptPassword, [encryptionKey, ts, password], 'encryptPassword');
  };
}

// timeStampText accepts what a JSON parser hands back for the broker's
// timeStamp (a number) and what people store it as (a string or BigInt),
// and renders it in decimal for the Go side, which checks the digits.
function timeStampText(ts) {
  switch (typeof ts) {
    case 'string':
      return ts;
    case 'number':
      if (Number.isSafeInteger(ts) && ts >= 0) return String(ts);
      throw invalidArgument('encryptPassword: timeStamp must be a non-negative whole number no larger than Number.MAX_SAFE_INTEGER');
    case 'bigint':
      if (ts >= 0n) return ts.toString();
      throw invalidArgument('encryptPassword: timeStamp must not be negative');
    default:
      throw invalidArgument(`encryptPassword: timeStamp must be a number, a decimal string or a BigInt, got ${describeType(ts)}`);
  }
}
