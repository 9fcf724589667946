// Package capital is a strict stand-in for Capital.com's REST login API,
// as an http.Handler. Go tests, the JavaScript tests and the demo server
// run brokerauth's flows against it instead of Capital.com, whose demo
// accounts are rate limited, need real credentials and cannot be made to
// fail on purpose.
//
// "Strict" is the point: a simulator that accepts what the broker refuses
// hides the bugs that matter. The simulator really decrypts the password
// with the RSA key it hands out (PKCS#1 v1.5 only, inner base64 required,
// the timeStamp must be one it issued and still fresh), allows one login a
// second per API key, ends sessions after ten idle minutes, and answers
// with Capital.com's paths, headers, bodies and error codes as
// docs/PROTOCOLS.md lists them. Where a code or status is not documented
// anywhere, the constant says it is a guess.
//
// Like the IG and IBKR simulators (packages ig and ibkr), it has a
// fault-injection API (InjectFault, with the same sim.Fault and kinds) and,
// for clients that only speak HTTP, the same admin surface under /__sim/:
// POST /__sim/expire, POST /__sim/fault, POST /__sim/reset, GET
// /__sim/stats. Both work when the simulator is mounted under a prefix
// with http.StripPrefix.
//
// The simulator never logs passwords, tokens or keys: Options.Logf only
// ever receives the method, path and status of a request.
package capital
