package jws

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/der"
)

// Limits on the RSA signing keys ParsePrivateKey accepts. IBKR suggests
// 3072 bits; 2048 is the smallest size NIST still allows for RSA signatures,
// so anything smaller is refused here rather than by IBKR after a network
// round trip. Past 16384 bits a key is a mistake (and each signature would
// cost seconds under WebAssembly).
const (
	MinKeyBits = 2048
	MaxKeyBits = 16384
)

// ParsePrivateKey parses an RSA private key as people hold it:
//   - PEM "PRIVATE KEY" (PKCS#8, what `openssl genrsa` writes since 3.0),
//   - PEM "RSA PRIVATE KEY" (PKCS#1, older OpenSSL),
//   - bare base64 (standard or URL alphabet, padded or not, white space
//     ignored) of the DER of either.
//
// A mislabeled PEM block is still parsed if its DER is the other format.
// Encrypted keys, public keys, certificates, non-RSA keys (RSA-PSS and
// multi-prime RSA keys included) and RSA keys outside MinKeyBits..MaxKeyBits
// are refused with core.CodeInvalidKey.
// Messages say what the input is, never what it contains.
func ParsePrivateKey(pemText string) (*rsa.PrivateKey, error) {
	text := strings.TrimSpace(pemText)
	if text == "" {
		return nil, keyError("the private key is empty")
	}
	if strings.Contains(text, "-----BEGIN") {
		return parsePEM(text)
	}
	raw, ok := decodeBase64Loose(text)
	if !ok {
		return nil, keyError("the private key is neither PEM nor base64 DER")
	}
	return parseDER(raw)
}

func parsePEM(text string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, keyError("the private key looks like PEM but its block does not decode (cut short or line breaks lost?)")
	}
	if strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") || block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, keyError("the private key is encrypted; decrypt it first (openssl pkey -in key.pem -out plain.pem)")
	}
	switch block.Type {
	case "PRIVATE KEY", "RSA PRIVATE KEY":
		return parseDER(block.Bytes)
	case "PUBLIC KEY", "RSA PUBLIC KEY":
		return nil, keyError(msgPublicKey)
	case "CERTIFICATE":
		return nil, keyError(msgCert)
	case "EC PRIVATE KEY":
		return nil, keyError(msgECKey)
	case "OPENSSH PRIVATE KEY":
		return nil, keyError("this is an OpenSSH key; convert it to PEM (ssh-keygen -p -m PKCS8 -f key) or make an RSA key with openssl genrsa")
	}
	return nil, keyError(fmt.Sprintf("this is a PEM %q block, not PRIVATE KEY or RSA PRIVATE KEY", truncate(block.Type, 40)))
}

// Object identifiers of the PKCS#8 algorithms people are likely to paste,
// as the DER contents of the OID (compared byte for byte: DER has one
// encoding per OID).
const (
	oidRSAEncryption = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01" // 1.2.840.113549.1.1.1
	oidRSAPSS        = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a" // 1.2.840.113549.1.1.10
	oidECPublicKey   = "\x2a\x86\x48\xce\x3d\x02\x01"         // 1.2.840.10045.2.1
	oidDSA           = "\x2a\x86\x48\xce\x38\x04\x01"         // 1.2.840.10040.4.1
	oidX25519        = "\x2b\x65\x6e"                         // 1.3.101.110
	oidX448          = "\x2b\x65\x6f"                         // 1.3.101.111
	oidEd25519       = "\x2b\x65\x70"                         // 1.3.101.112
	oidEd448         = "\x2b\x65\x71"                         // 1.3.101.113
)

// Messages used more than once.
const (
	msgNotRSADER  = "the private key's DER is neither PKCS#8 nor PKCS#1 RSA (truncated or corrupted?)"
	msgPublicKey  = "this is a public key; pass the private key (the public one is what IBKR holds)"
	msgCert       = "this is a certificate; pass the RSA private key"
	msgECKey      = "this is an EC key; IBKR's OAuth 2.0 needs an RSA key"
	msgEd25519Key = "this is an Ed25519 key; IBKR's OAuth 2.0 needs an RSA key"
	msgNotRSAKey  = "this is not an RSA key; IBKR's OAuth 2.0 needs an RSA key"
)

// parseDER tells the formats apart by shape, since people relabel PEM
// blocks by hand often enough that the label is only a hint. Inside the
// outer SEQUENCE:
//
//	PKCS#8 PrivateKeyInfo  INTEGER version, SEQUENCE algorithm, OCTET STRING key, …
//	PKCS#1 RSAPrivateKey   INTEGER version, INTEGER n, INTEGER e, …
//	PKCS#1 RSAPublicKey    INTEGER n, INTEGER e
//	SEC1 ECPrivateKey      INTEGER 1, OCTET STRING key, …
//	SubjectPublicKeyInfo   SEQUENCE algorithm, BIT STRING key
//	Certificate            SEQUENCE tbsCertificate, SEQUENCE algorithm, BIT STRING signature
//
// Parsing is strict DER (no trailing bytes, minimal lengths and integers),
// so it accepts a subset of what crypto/x509 accepts, and it returns the
// same key x509 would (FuzzParsePrivateKeyDER checks both). Messages come
// from a fixed set: nothing from the input reaches them but the key size.
func parseDER(b []byte) (*rsa.PrivateKey, error) {
	in := der.Cursor(b)
	body, ok := in.Read(der.Sequence)
	if !ok || !in.Empty() {
		return nil, keyError(msgNotRSADER)
	}
	rest := body
	if _, ok := rest.ReadUnsigned(); ok {
		switch {
		case rest.Peek(der.Sequence):
			return parsePKCS8(body)
		case rest.Peek(der.Integer):
			return parsePKCS1(body)
		case rest.Peek(der.OctetString) && isSEC1(body):
			return nil, keyError(msgECKey)
		}
		return nil, keyError(msgNotRSADER)
	}
	if isSPKI(body) {
		return nil, keyError(msgPublicKey)
	}
	if isCertificate(body) {
		return nil, keyError(msgCert)
	}
	return nil, keyError(msgNotRSADER)
}

// parsePKCS8 reads the contents of RFC 5208's PrivateKeyInfo (RFC 5958's
// OneAsymmetricKey):
//
//	SEQUENCE {
//	  INTEGER version (0, or 1 when publicKey may be present),
//	  SEQUENCE { OID algorithm, parameters ANY OPTIONAL },
//	  OCTET STRING privateKey,
//	  [0] IMPLICIT attributes OPTIONAL,
//	  [1] IMPLICIT BIT STRING publicKey OPTIONAL }
func parsePKCS8(body der.Cursor) (*rsa.PrivateKey, error) {
	version, ok := body.ReadUnsigned()
	if !ok || len(version) != 1 || version[0] > 1 {
		return nil, keyError(msgNotRSADER)
	}
	alg, ok := body.Read(der.Sequence)
	if !ok {
		return nil, keyError(msgNotRSADER)
	}
	oid, ok := alg.Read(der.OID)
	if !ok {
		return nil, keyError(msgNotRSADER)
	}
	key, ok := body.Read(der.OctetString)
	if !ok || !readOptional(&body, der.Context0) || !readOptional(&body, der.ContextPrimitive1) || !body.Empty() {
		return nil, keyError(msgNotRSADER)
	}
	switch string(oid) {
	case oidRSAEncryption:
	case oidECPublicKey:
		return nil, keyError(msgECKey)
	case oidEd25519:
		return nil, keyError(msgEd25519Key)
	case oidRSAPSS:
		// x509 refuses these too. A PSS-restricted key must not make
		// PKCS#1 v1.5 (RS256) signatures.
		return nil, keyError("this is an RSA-PSS key, restricted to PSS signatures; IBKR's OAuth 2.0 signs with RS256 and needs a plain RSA key (openssl genpkey -algorithm RSA)")
	case oidEd448:
		return nil, keyError("this is an Ed448 key, not an RSA key; IBKR's OAuth 2.0 needs an RSA key")
	case oidX25519:
		return nil, keyError("this is an X25519 key, not an RSA key; IBKR's OAuth 2.0 needs an RSA key")
	case oidX448:
		return nil, keyError("this is an X448 key, not an RSA key; IBKR's OAuth 2.0 needs an RSA key")
	case oidDSA:
		return nil, keyError("this is a DSA key, not an RSA key; IBKR's OAuth 2.0 needs an RSA key")
	default:
		return nil, keyError(msgNotRSAKey)
	}
	// rsaEncryption parameters must be NULL (RFC 8017 A.1); some encoders
	// omit them.
	if !alg.Empty() {
		if null, ok := alg.Read(der.Null); !ok || !null.Empty() || !alg.Empty() {
			return nil, keyError(msgNotRSADER)
		}
	}
	inner := der.Cursor(key)
	rsaKey, ok := inner.Read(der.Sequence)
	if !ok || !inner.Empty() {
		return nil, keyError(msgNotRSADER)
	}
	return parsePKCS1(rsaKey)
}

// parsePKCS1 reads the contents of RFC 8017's RSAPrivateKey:
//
//	SEQUENCE {
//	  INTEGER version (0: two primes; 1: more, in otherPrimeInfos),
//	  INTEGER n, e, d, p, q, dP, dQ, qInv,
//	  SEQUENCE otherPrimeInfos (version 1 only) }
//
// Like x509.ParsePKCS1PrivateKey it keeps the CRT values from the input,
// then Precompute and Validate check all of them against n, e and d.
func parsePKCS1(body der.Cursor) (*rsa.PrivateKey, error) {
	if isRSAPublicKey(body) {
		return nil, keyError(msgPublicKey)
	}
	version, ok := body.ReadUnsigned()
	if !ok || len(version) != 1 || version[0] > 1 {
		return nil, keyError(msgNotRSADER)
	}
	var v [8][]byte // n, e, d, p, q, dP, dQ, qInv
	for i := range v {
		if v[i], ok = body.ReadUnsigned(); !ok {
			return nil, keyError(msgNotRSADER)
		}
	}
	if version[0] == 1 {
		if _, ok := body.Read(der.Sequence); !ok || !body.Empty() {
			return nil, keyError(msgNotRSADER)
		}
		return nil, keyError("this is a multi-prime RSA key (more than two primes); IBKR's OAuth 2.0 needs a two-prime RSA key (openssl genrsa makes one)")
	}
	if !body.Empty() {
		return nil, keyError(msgNotRSADER)
	}
	n, e := v[0], v[1]
	// The size first: validating a huge key would take long.
	N := new(big.Int).SetBytes(n)
	if err := checkBits(N.BitLen()); err != nil {
		return nil, err
	}
	for i, x := range v {
		if i == 1 {
			continue // e, below
		}
		if len(x) == 1 && x[0] == 0 {
			return nil, keyError(msgNotRSADER) // zero, as x509 refuses
		}
		// Every value but e is below n, as Validate checks; checking the
		// length now keeps a huge p or d from costing seconds first.
		if len(x) > len(n) {
			return nil, keyError(msgNotRSADER)
		}
	}
	// crypto/rsa refuses e below 2, even e, and e above 2^31-1 (so as not
	// to depend on the size of int).
	var E uint64
	for _, c := range e {
		E = E<<8 | uint64(c)
	}
	if len(e) > 4 || E < 3 || E > 1<<31-1 || E&1 == 0 {
		return nil, keyError("the private key's RSA public exponent is not an odd number from 3 to 2^31-1")
	}
	k := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: N, E: int(E)},
		D:         new(big.Int).SetBytes(v[2]),
		Primes:    []*big.Int{new(big.Int).SetBytes(v[3]), new(big.Int).SetBytes(v[4])},
		Precomputed: rsa.PrecomputedValues{
			Dp:   new(big.Int).SetBytes(v[5]),
			Dq:   new(big.Int).SetBytes(v[6]),
			Qinv: new(big.Int).SetBytes(v[7]),
		},
	}
	k.Precompute()
	if k.Validate() != nil {
		// The numbers do not make a key: most likely bytes were corrupted
		// inside them. rsa's error is not wrapped: it is about arithmetic,
		// and keeping it out guarantees no key byte reaches a message.
		return nil, keyError(msgNotRSADER)
	}
	return k, nil
}

// isRSAPublicKey reports whether body is the contents of RFC 8017's
// RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e }.
func isRSAPublicKey(body der.Cursor) bool {
	_, ok1 := body.ReadUnsigned()
	_, ok2 := body.ReadUnsigned()
	return ok1 && ok2 && body.Empty()
}

// isSEC1 reports whether body is the contents of RFC 5915's ECPrivateKey:
//
//	SEQUENCE { INTEGER 1, OCTET STRING privateKey, [0] parameters OPTIONAL, [1] publicKey OPTIONAL }
func isSEC1(body der.Cursor) bool {
	version, ok := body.ReadUnsigned()
	if !ok || len(version) != 1 || version[0] != 1 {
		return false
	}
	_, ok = body.Read(der.OctetString)
	return ok && readOptional(&body, der.Context0) && readOptional(&body, der.Context1) && body.Empty()
}

// isSPKI reports whether body is the contents of RFC 5280's
// SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID, … }, BIT STRING }.
func isSPKI(body der.Cursor) bool {
	alg, ok := body.Read(der.Sequence)
	if !ok {
		return false
	}
	if _, ok := alg.Read(der.OID); !ok {
		return false
	}
	_, ok = body.Read(der.BitString)
	return ok && body.Empty()
}

// isCertificate reports whether body is the contents of an RFC 5280
// Certificate, SEQUENCE { SEQUENCE tbsCertificate, SEQUENCE algorithm, BIT
// STRING signature }, of version 2 or 3 (tbsCertificate starts with an
// explicit [0] version; v1 certificates are too rare to be worth telling
// from other signed structures).
func isCertificate(body der.Cursor) bool {
	tbs, ok := body.Read(der.Sequence)
	if !ok || !tbs.Peek(der.Context0) {
		return false
	}
	if _, ok := body.Read(der.Sequence); !ok {
		return false
	}
	_, ok = body.Read(der.BitString)
	return ok && body.Empty()
}

// readOptional consumes the next element if it has the given tag. It
// fails only if the element is there but malformed.
func readOptional(c *der.Cursor, tag byte) bool {
	if !c.Peek(tag) {
		return true
	}
	_, ok := c.Read(tag)
	return ok
}

func checkSize(k *rsa.PrivateKey) (*rsa.PrivateKey, error) {
	if err := checkBits(k.N.BitLen()); err != nil {
		return nil, err
	}
	return k, nil
}

func checkBits(bits int) error {
	if bits < MinKeyBits || bits > MaxKeyBits {
		return keyError(fmt.Sprintf("the private key is a %d-bit RSA key; %d to %d bits are accepted (IBKR suggests 3072)", bits, MinKeyBits, MaxKeyBits))
	}
	return nil
}

func keyError(msg string) *core.Error {
	return &core.Error{Code: core.CodeInvalidKey, Message: msg}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// decodeBase64Loose decodes standard or URL-safe base64, padded or not,
// after dropping all ASCII white space (keys get pasted with line breaks).
func decodeBase64Loose(s string) ([]byte, bool) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			return -1
		}
		return r
	}, s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) > 0 {
			return b, true
		}
	}
	return nil, false
}
