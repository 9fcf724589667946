// Package ibkrsim is a strict, in-process stand-in for the Interactive
// Brokers Web API's OAuth 2.0 login and session endpoints, as an
// http.Handler for httptest, the demo server and browser pages.
//
// Strict means it refuses what IBKR would refuse, and more: every JWS is
// verified against the public key registered for its "kid", every claim,
// content type and form field is checked, and tokens expire on the
// simulator's core.Clock. A client that logs in here has got the protocol
// right, not just the happy path.
//
// Beyond the protocol it offers hooks, both as Go methods and as an HTTP
// admin surface under /__sim/ (see admin.go), to expire sessions, drop the
// brokerage session, inject faults and read call counts; and a plain-text
// public-IP echo at GET /__sim/ip to stand in for api.ipify.org.
//
// Every response carries permissive CORS headers and OPTIONS is answered,
// since web pages call the simulator cross-origin.
//
// New registers the demo client (DemoClient) so that a page can log in
// with no setup. Its private key is public: it only works here.
package ibkrsim
