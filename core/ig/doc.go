// Package ig logs in to IG's REST Trading API and keeps the session alive.
//
// A Client does IG's v2 login (CST and X-SECURITY-TOKEN, with the password
// RSA-encrypted by default) or v3 login (OAuth access and refresh tokens,
// plain password: v3 takes no encrypted one), and makes logged-in calls
// through Request, which logs in on first use and, when IG says the
// session's tokens are dead, logs in again once and retries once. Any number
// of concurrent calls share a single new login.
//
// Every error is a *core.Error naming the broker ("ig"), the step and, when
// IG sent one, IG's own errorCode. No error, panic or log line carries the
// password, the API key or a token.
//
// The package only talks through Config.HTTPClient, so it runs unchanged in
// WebAssembly with a fetch-based client; under GOOS=js that client must be
// given (core.DefaultHTTPClient explains why).
package ig
