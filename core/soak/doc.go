// Package soak holds the keepalive soak tests: each broker client's
// KeepAlive loop runs for days of simulated time against its simulator,
// both on one core.FakeClock, through scheduled outages (5xx, dropped
// connections, hangs, logins failing), forced expiries and each broker's
// own habits (IG's weekend token wipe, IBKR's daily reset and competing
// sessions, Capital.com's 10-minute idle expiry).
//
// The tests assert that the loop never stops on a transient failure, that
// a keepalive call succeeds again within one interval of every outage's
// end, and that logins stay within what the brokers allow: only when a
// session is gone, and for Capital.com never two POST /session within a
// second.
//
// `go test` runs a 6-hour soak per broker; BROKERAUTH_SOAK=long (make
// soak) runs 72 hours. Both take seconds of real time: the driver moves
// the fake clock in one-second steps and waits for the loop to park on it,
// never sleeping.
package soak
