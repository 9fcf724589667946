// Package ibkr logs in to the Interactive Brokers Web API and keeps the
// session alive, with either of IBKR's OAuth modes (Config says which):
//
// OAuth 2.0, private-key JWT (the flow of the Python package ibauth;
// docs/PROTOCOLS.md §4):
//
//  1. POST /oauth2/api/v1/token with a client assertion signed by the
//     registered RSA key → access token;
//  2. POST /gw/api/v1/sso-sessions with a JWS naming the user and the
//     caller's public IP → bearer token, sent on every later call;
//  3. GET /v1/api/sso/validate, then POST /v1/api/iserver/auth/ssodh/init →
//     brokerage session.
//
// OAuth 1.0a, live session token (the flow of the Python package ibind;
// docs/IBKR-OAUTH1.md):
//
//  1. decrypt the access token secret with the encryption key (once, in
//     New);
//  2. POST /v1/api/oauth/live_session_token with a Diffie-Hellman
//     challenge, signed RSA-SHA256 → the live session token, derived from
//     IBKR's answer and checked against its signature;
//  3. POST /v1/api/iserver/auth/ssodh/init → brokerage session; every
//     request is signed HMAC-SHA256 with the live session token.
//
// Either way, POST /v1/api/tickle about every minute keeps the session,
// and the session is re-established when IBKR refuses it (401), the
// brokerage session is gone, or (OAuth 1.0a) the live session token nears
// its expiry.
//
// A Client is safe for concurrent use. Re-establishing is single-flight:
// however many calls find the session gone at once, one login is made and
// the others wait for it.
//
// Every error is a *core.Error with Broker "ibkr" and Step one of token,
// bearer, live_session_token, validate, init, tickle, status, request,
// logout, ip. No key, secret, token or signature ever appears in one:
// IBKR's own error text is included only after anything token-shaped (and,
// for OAuth 1.0a, the access token) has been redacted.
//
// All I/O goes through Config.HTTP (or Config.HTTPClient), so the package
// runs unchanged in WebAssembly with the host's fetch; under GOOS=js one of
// them must be given.
package ibkr
