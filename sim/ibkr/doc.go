// Package ibkr is a strict, in-process stand-in for the Interactive
// Brokers Web API's login and session endpoints, as an http.Handler for
// httptest, the demo server and browser pages. It speaks both of IBKR's
// logins: OAuth 2.0 with private-key JWTs (AddClient), and OAuth 1.0a with
// a live session token got by Diffie-Hellman (AddConsumer; POST
// /v1/api/oauth/live_session_token, then every call signed HMAC-SHA256).
// Either opens the same kind of SSO session, under the same rules.
//
// Strict means it refuses what IBKR would refuse, and more: every JWS is
// verified against the public key registered for its "kid", every OAuth
// 1.0a signature is recomputed over the base string the request makes,
// every claim, content type, form field, timestamp and nonce is checked,
// and tokens expire on the simulator's core.Clock. A client that logs in
// here has got the protocol right, not just the happy path.
// docs/PROTOCOLS.md §6.3–6.4 lists the rules and their sources.
//
// Beyond the protocol it offers hooks, both as Go methods and as an HTTP
// admin surface under /__sim/, to expire sessions, drop the brokerage
// session, inject faults and read call counts; and a plain-text public-IP
// echo at GET /__sim/ip to stand in for api.ipify.org. The fault model
// (InjectFault, sim.Fault and its kinds) and the admin surface's common part
// (POST /__sim/expire, /__sim/fault, /__sim/reset, GET /__sim/stats) are
// those of the IG and Capital.com simulators (packages ig and capital);
// IBKR adds:
//
//	POST /__sim/drop-authenticated brokerage sessions drop (tickle says authenticated:false)
//	POST /__sim/competing          {"competing":true|false} (default true)
//	POST /__sim/dh-fail            {"times":n} (default 1): the next n ssodh/init with compete:true
//	                               answer 500 {"error":"failed to generate sso dh token"}
//	POST /__sim/expire-lst         every OAuth 1.0a live session token expires (bearer tokens stay)
//	GET  /__sim/ip                 the "public IP", text/plain; faults hit it as they hit the API
//	POST /__sim/ip                 {"ip":"198.51.100.9"} sets it
//
// Every POST takes an optional JSON body and answers {"ok":true} or 400
// {"error":"…"}.
//
// Every response carries permissive CORS headers and OPTIONS is answered,
// since web pages call the simulator cross-origin.
//
// New registers the demo client (DemoClient) and the demo OAuth 1.0a
// consumer (DemoOAuth1) so that a page can log in with no setup. Their
// private keys are public: they only work here.
package ibkr
