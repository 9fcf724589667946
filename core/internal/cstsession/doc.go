// Package cstsession is the machinery the IG and Capital.com clients share.
// IG's v2 login and Capital.com's login are the same protocol with other
// paths and header names (an API key header, an optional RSA-encrypted
// password, CST + X-SECURITY-TOKEN answers), and both clients need the same
// session bookkeeping: one login at a time however many calls find the
// session dead, a callback on every change, bounded reads, typed errors.
//
// Nothing here stores a context, and nothing puts a password, token or key
// into an error: errors come from core.StatusError, core.TransportError and
// core.BadResponse, whose messages are fixed text plus a host name.
package cstsession
