package jws

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"

	"github.com/brokerauth/brokerauth/core"
)

// AlgRS256 is the one algorithm this package signs and verifies.
const AlgRS256 = "RS256"

// Header is the protected JOSE header of a token. The field order is the
// order of the JSON ({"alg","typ","kid"}), which keeps signatures
// reproducible for a given key and claims.
type Header struct {
	Alg string `json:"alg"`           // must be "RS256" (empty means RS256)
	Typ string `json:"typ,omitempty"` // empty means "JWT"
	Kid string `json:"kid,omitempty"` // the key id the verifier registered (IBKR client_key_id)
}

var b64 = base64.RawURLEncoding

// Sign returns the compact serialization header.payload.signature, each part
// base64url without padding, signed with RSASSA-PKCS1-v1_5 SHA-256.
// PKCS#1 v1.5 signatures are deterministic, so the same key, header and
// claims always give the same token.
//
// Claims are written as encoding/json would write them (keys sorted), for
// values that are strings, booleans, integers, finite float64s or nil;
// any other value is a core.CodeInvalidArgument error.
func Sign(key *rsa.PrivateKey, h Header, claims map[string]any) (string, error) {
	if key == nil {
		return "", &core.Error{Code: core.CodeInvalidArgument, Message: "no signing key"}
	}
	if _, err := checkSize(key); err != nil {
		return "", err
	}
	if h.Alg == "" {
		h.Alg = AlgRS256
	}
	if h.Alg != AlgRS256 {
		return "", &core.Error{Code: core.CodeInvalidArgument, Message: "only RS256 is supported"}
	}
	if h.Typ == "" {
		h.Typ = "JWT"
	}
	hj := appendHeader(nil, h)
	cj, ok := appendClaims(nil, claims)
	if !ok {
		// Neither the claim's name nor its value: the message stays fixed.
		return "", &core.Error{Code: core.CodeInvalidArgument, Message: "the claims do not encode as JSON (values must be strings, booleans, numbers or nil)"}
	}
	signingInput := b64.EncodeToString(hj) + "." + b64.EncodeToString(cj)
	sum := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", &core.Error{Code: core.CodeInvalidKey, Message: "the private key cannot sign (inconsistent key?)"}
	}
	return signingInput + "." + b64.EncodeToString(sig), nil
}
