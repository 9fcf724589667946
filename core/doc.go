// Package core is brokerauth's broker-login logic in pure Go: the RSA password
// encryption IG and Capital.com demand, typed errors, and (in later files) the
// session flows and broker simulators.
//
// It never imports syscall/js, so it builds and tests natively; the wasm/
// package exposes it to JavaScript.
//
// The password recipe, from the brokers' own samples:
//
//	encryptedPassword = base64(RSAES-PKCS1-v1_5(key, base64(utf8(password + "|" + timeStamp))))
//
// The inner base64 and the PKCS#1 v1.5 padding (not OAEP) are the two steps
// hand-rolled clients miss; both make the broker answer
// error.security.invalid-details.
package core
