// Package ibkr logs in to the Interactive Brokers Web API with OAuth 2.0
// private-key JWT (the flow of the Python package ibauth) and keeps the
// session alive:
//
//  1. POST /oauth2/api/v1/token with a client assertion signed by the
//     registered RSA key → access token;
//  2. POST /gw/api/v1/sso-sessions with a JWS naming the user and the
//     caller's public IP → bearer token, sent on every later call;
//  3. GET /v1/api/sso/validate, then POST /v1/api/iserver/auth/ssodh/init →
//     brokerage session;
//  4. POST /v1/api/tickle about every minute; re-establish (1–3) when the
//     bearer token is refused or the brokerage session is gone.
//
// A Client is safe for concurrent use. Re-establishing is single-flight:
// however many calls find the session gone at once, one login is made and
// the others wait for it.
//
// Every error is a *core.Error with Broker "ibkr" and Step one of token,
// bearer, validate, init, tickle, status, request, logout, ip. Neither the
// private key, nor a token, nor a JWS ever appears in one: IBKR's own error
// text is included only after anything token-shaped has been redacted.
//
// All I/O goes through Config.HTTPClient, so the package runs unchanged in
// WebAssembly with a fetch-based client; under GOOS=js that client must be
// given (core.DefaultHTTPClient explains why).
package ibkr
