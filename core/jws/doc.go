// Package jws signs and verifies compact JSON Web Signatures with RS256
// (RSASSA-PKCS1-v1_5 over SHA-256, RFC 7515/7518), the only algorithm the
// Interactive Brokers Web API OAuth 2.0 flow uses.
//
// It is deliberately small: one algorithm, no JWK, no header-driven key
// selection, so that nothing a token says can change how it is checked
// ("alg":"none" and algorithm confusion are impossible by construction).
// Sign is what a client needs; Verify exists for the IBKR simulator and for
// tests.
//
// Every error is a *core.Error. Key errors carry core.CodeInvalidKey and
// token errors CodeInvalidToken; no message ever quotes key material or a
// token, since both are secrets.
package jws
