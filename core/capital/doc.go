// Package capital logs in to Capital.com's public REST API and keeps the
// session alive.
//
// A Client logs in with the API key, identifier and (by default
// RSA-encrypted) password, and gets CST and X-SECURITY-TOKEN. Capital.com
// has no refresh token and ends a session after 10 minutes without a call,
// so KeepAlive pings, and Request logs in again (once) when the session has
// died. Capital.com allows one login per second per API key: the package
// spaces its own logins per API key across the whole process, and backs
// off (a bounded number of times, honouring Retry-After) when the server
// answers 429 anyway.
//
// Every error is a *core.Error naming the broker ("capital"), the step and,
// when Capital.com sent one, its errorCode. No error, panic or log line
// carries the password, the API key or a token.
package capital
