// Package simkit is what the IG, Capital.com and IBKR simulators share: the
// chassis every simulator is built on (Base: CORS, request logging, the one
// fault model, the admin surface under /__sim/), the JSON helpers, and the
// machinery IG and Capital.com have in common (Desk: the RSA key ring with
// its timeStamps, the login check, the stats and the {"errorCode"} answers;
// Account and its answer blocks).
//
// A broker package embeds *Base through an unexported alias, so that the
// simulator's public methods (ServeHTTP, InjectFault, Reset,
// ExpireAllSessions, Close) are written once, here, and nothing else of
// simkit leaks into the broker's API.
package simkit
