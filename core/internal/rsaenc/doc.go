// Package rsaenc is the RSA public-key operation for RSAES-PKCS1-v1_5
// encryption (RFC 8017 §7.2.1), written for GOARCH=wasm, where brokerauth
// encrypts a password on every login. core uses it there instead of
// crypto/rsa; on other architectures crypto/rsa's assembly is faster.
//
// crypto/rsa is correct but slow under WebAssembly: its Montgomery
// multiplication works on 64-bit limbs, and WebAssembly has no 64×64→128-bit
// multiply, so every limb product is emulated with four 32-bit ones plus the
// carry juggling; it also recomputes R² mod N with a long constant-time
// doubling chain on every call, and runs FIPS 140 checks. This package uses
// 32-bit limbs in 64-bit arithmetic (one native i64.mul per limb product),
// the multiplication and the reduction fused into one hand-unrolled loop
// (mont.go), a squaring that skips the repeated products, and R² mod N by
// one long division (rSquared). It links neither math/big nor crypto/rand
// (the caller passes the randomness), which keeps the encrypt-only wasm
// small. A 2048-bit encryption with e = 65537, key set-up included, takes
// about half of crypto/rsa's time under WebAssembly and about three times
// its time natively (BENCHMARKS.md).
//
// Side channels: the message (it carries a password) is secret, so the
// Montgomery arithmetic runs in time that depends only on the modulus size:
// fixed loop bounds, and the final subtraction is chosen by mask, never by a
// branch or a table index. The modulus and exponent are public, so key
// set-up may take time that depends on them and the exponentiation may walk
// the exponent's bits with branches.
package rsaenc
