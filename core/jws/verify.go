package jws

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"strings"

	"github.com/brokerauth/brokerauth/core"
)

// CodeInvalidToken is the code of every Verify and DecodeHeader failure.
const CodeInvalidToken core.Code = "invalid_token"

// MaxTokenLen bounds the tokens Verify reads, so a hostile request cannot
// make the simulator decode megabytes.
const MaxTokenLen = 64 << 10

// Verify checks a compact RS256 token against pub and returns its header and
// claims. It is strict: exactly three parts, each canonical base64url
// without padding (no '=', no white space, no stray bits), header and
// claims JSON objects, alg exactly "RS256", no "crit" header, and a valid
// signature. Claim semantics (exp, aud, …) are the caller's business.
//
// Errors are *core.Error with CodeInvalidToken; messages never quote the
// token.
func Verify(token string, pub *rsa.PublicKey) (header, claims map[string]any, err error) {
	if pub == nil {
		return nil, nil, &core.Error{Code: core.CodeInvalidArgument, Message: "no verification key"}
	}
	parts, err := split(token)
	if err != nil {
		return nil, nil, err
	}
	header, err = decodeHeader(parts[0])
	if err != nil {
		return nil, nil, err
	}
	claims, err = decodeObject(parts[1], "claims")
	if err != nil {
		return nil, nil, err
	}
	sig, err := decodePart(parts[2], "signature")
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil {
		return nil, nil, tokenError("the signature does not verify with this key")
	}
	return header, claims, nil
}

// DecodeHeader returns the header of a token without checking its
// signature, with the same strictness as Verify. It exists to pick the
// verification key by "kid"; nothing else in an unverified header may be
// trusted.
func DecodeHeader(token string) (map[string]any, error) {
	parts, err := split(token)
	if err != nil {
		return nil, err
	}
	return decodeHeader(parts[0])
}

func split(token string) ([]string, error) {
	if len(token) > MaxTokenLen {
		return nil, tokenError("the token is too long")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, tokenError("a compact JWS has three dot-separated parts")
	}
	return parts, nil
}

func decodeHeader(part string) (map[string]any, error) {
	h, err := decodeObject(part, "header")
	if err != nil {
		return nil, err
	}
	if alg, _ := h["alg"].(string); alg != AlgRS256 {
		return nil, tokenError(`the header's "alg" must be "RS256"`)
	}
	if _, ok := h["crit"]; ok {
		return nil, tokenError(`the header has "crit" extensions, which are not supported`)
	}
	if kid, ok := h["kid"]; ok {
		if _, isString := kid.(string); !isString {
			return nil, tokenError(`the header's "kid" is not a string`)
		}
	}
	return h, nil
}

func decodeObject(part, what string) (map[string]any, error) {
	raw, err := decodePart(part, what)
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, tokenError("the " + what + " is not a JSON object")
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, tokenError("the " + what + " is not valid JSON")
	}
	return m, nil
}

// decodePart accepts only the base64url alphabet: Go's decoders skip '\r'
// and '\n', which a strict verifier must not.
func decodePart(part, what string) ([]byte, error) {
	if part == "" {
		return nil, tokenError("the " + what + " is empty")
	}
	for i := 0; i < len(part); i++ {
		c := part[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return nil, tokenError("the " + what + " is not base64url without padding")
		}
	}
	b, err := b64.Strict().DecodeString(part)
	if err != nil {
		return nil, tokenError("the " + what + " is not canonical base64url")
	}
	return b, nil
}

func tokenError(msg string) *core.Error {
	return &core.Error{Code: CodeInvalidToken, Message: msg}
}
