// Package sim holds what the IG (sim/ig), Capital.com (sim/capital) and
// IBKR (sim/ibkr) simulators have in common for their users: the one fault
// model, the accounts a simulated login owns, and the RSA keys the IG and
// Capital.com simulators hand out.
//
// Each simulator is an http.Handler with the same admin methods
// (InjectFault, Reset, ExpireAllSessions, Close) and the same surface under
// /__sim/; docs/PROTOCOLS.md lists the rules each one follows and their
// public sources.
package sim

import (
	"crypto/rsa"

	"github.com/brokerauth/brokerauth/sim/internal/simkit"
)

// Fault is one injected failure: {Method, Path, Kind, Status, ErrorCode,
// Body, RetryAfter, Times}. It matches requests by Method (empty: any; at
// IG, after its _method tunnel) and Path, relative to the simulator's API
// prefix ("/session" matches IG's /gateway/deal/session) or in full
// ("/v1/api/tickle"; "*" matches every path). Times is how many requests
// it hits (0: once, -1: until Reset).
type Fault = simkit.Fault

// The kinds a Fault takes.
const (
	FaultDrop          = simkit.FaultDrop          // close the connection without answering
	FaultHang          = simkit.FaultHang          // never answer (until Close)
	Fault5xxHTML       = simkit.Fault5xxHTML       // an HTML error page; Status, default 502 (IBKR: 500)
	FaultMalformedJSON = simkit.FaultMalformedJSON // 200 (with token headers at IG and Capital.com), truncated JSON
	FaultMissingCST    = simkit.FaultMissingCST    // the normal answer without its CST header; IBKR, which sends none, refuses it
	// FaultStatus answers Status with Body, else with the broker's error
	// body for ErrorCode ({"errorCode": …} at IG and Capital.com,
	// {"error": …, "statusCode": Status} at IBKR), else with no body.
	FaultStatus = simkit.FaultStatus
)

// Account is one trading account a simulated IG or Capital.com login owns:
// IG's are of Type CFD, SPREADBET or PHYSICAL, Capital.com's all CFD.
type Account = simkit.Account

// KeyBits is the size of the RSA keys the simulators generate, as IG's and
// Capital.com's.
const KeyBits = simkit.KeyBits

// DefaultKeyTTL is how long an issued timeStamp stays usable for a login.
const DefaultKeyTTL = simkit.DefaultKeyTTL

// GenerateKey makes a fresh 2048-bit RSA key for a simulator.
func GenerateKey() (*rsa.PrivateKey, error) { return simkit.GenerateKey() }

// SharedKey returns one key per process, generated on first use. Pass it
// in the simulators' Options.Key so that each new simulator does not spend
// a key generation of its own.
func SharedKey() (*rsa.PrivateKey, error) { return simkit.SharedKey() }
