// Package sim holds strict stand-ins for the IG and Capital.com REST login
// APIs, as http.Handlers. Go tests, the JavaScript tests and the demo server
// run brokerauth's flows against them instead of the real brokers, whose demo
// accounts are rate limited, need real credentials and cannot be made to
// fail on purpose.
//
// "Strict" is the point: a simulator that accepts what the broker refuses
// hides the bugs that matter. The simulators really decrypt the password with
// the RSA key they hand out (PKCS#1 v1.5 only, inner base64 required, the
// timeStamp must be one they issued and still fresh), rotate tokens the way
// the brokers do, and answer with the brokers' paths, headers, bodies and
// error codes as PROTOCOLS.md lists them. Where a code or status is not
// documented anywhere, the constant says it is a guess.
//
// Each simulator also has a fault-injection API (InjectFault) and, for
// clients that only speak HTTP, an admin surface under /__sim/ (see
// admin.go). Both work when the simulator is mounted under a prefix with
// http.StripPrefix.
//
// The simulators never log passwords, tokens or keys: Options.Logf only ever
// receives the method, path and status of a request.
package sim
