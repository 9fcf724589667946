package jws

import (
	"crypto/rsa"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/der"
	"github.com/brokerauth/brokerauth/core/internal/keytext"
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
	raw, ok := keytext.Decode(text)
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
	msgECKey      = "this is an EC key; IBKR needs an RSA key"
	msgEd25519Key = "this is an Ed25519 key; IBKR needs an RSA key"
	msgNotRSAKey  = "this is not an RSA key; IBKR needs an RSA key"
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
//
// The DER is read with cryptobyte. Its INTEGERs are read into []byte, where
// cryptobyte refuses negative, empty and non-minimal encodings and returns
// the magnitude without its sign byte (a single 0x00 for zero); into a
// *big.Int it would take negative numbers.
func parseDER(b []byte) (*rsa.PrivateKey, error) {
	in := cryptobyte.String(b)
	var body cryptobyte.String
	if !der.ReadOuter(&in, &body) || !in.Empty() {
		return nil, keyError(msgNotRSADER)
	}
	rest := body
	var version []byte
	if rest.ReadASN1Integer(&version) {
		switch {
		case rest.PeekASN1Tag(asn1.SEQUENCE):
			return parsePKCS8(body)
		case rest.PeekASN1Tag(asn1.INTEGER):
			return parsePKCS1(body)
		case rest.PeekASN1Tag(asn1.OCTET_STRING) && isSEC1(body):
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
func parsePKCS8(body cryptobyte.String) (*rsa.PrivateKey, error) {
	var version []byte
	var alg, oid, key cryptobyte.String
	if !body.ReadASN1Integer(&version) || len(version) != 1 || version[0] > 1 ||
		!body.ReadASN1(&alg, asn1.SEQUENCE) ||
		!alg.ReadASN1(&oid, asn1.OBJECT_IDENTIFIER) ||
		!body.ReadASN1(&key, asn1.OCTET_STRING) ||
		!body.SkipOptionalASN1(tagAttributes) ||
		!body.SkipOptionalASN1(tagPublicKey) ||
		!body.Empty() {
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
		return nil, keyError("this is an RSA-PSS key, restricted to PSS signatures; IBKR signs with RSA PKCS#1 v1.5 (RS256, RSA-SHA256) and needs a plain RSA key (openssl genpkey -algorithm RSA)")
	case oidEd448:
		return nil, keyError("this is an Ed448 key, not an RSA key; IBKR needs an RSA key")
	case oidX25519:
		return nil, keyError("this is an X25519 key, not an RSA key; IBKR needs an RSA key")
	case oidX448:
		return nil, keyError("this is an X448 key, not an RSA key; IBKR needs an RSA key")
	case oidDSA:
		return nil, keyError("this is a DSA key, not an RSA key; IBKR needs an RSA key")
	default:
		return nil, keyError(msgNotRSAKey)
	}
	// rsaEncryption parameters must be NULL (RFC 8017 A.1); some encoders
	// omit them.
	if !alg.Empty() {
		var null cryptobyte.String
		if !alg.ReadASN1(&null, asn1.NULL) || !null.Empty() || !alg.Empty() {
			return nil, keyError(msgNotRSADER)
		}
	}
	var rsaKey cryptobyte.String
	if !key.ReadASN1(&rsaKey, asn1.SEQUENCE) || !key.Empty() {
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
func parsePKCS1(body cryptobyte.String) (*rsa.PrivateKey, error) {
	if isRSAPublicKey(body) {
		return nil, keyError(msgPublicKey)
	}
	var version []byte
	if !body.ReadASN1Integer(&version) || len(version) != 1 || version[0] > 1 {
		return nil, keyError(msgNotRSADER)
	}
	var v [8][]byte // n, e, d, p, q, dP, dQ, qInv
	for i := range v {
		if !body.ReadASN1Integer(&v[i]) {
			return nil, keyError(msgNotRSADER)
		}
	}
	if version[0] == 1 {
		if !body.SkipASN1(asn1.SEQUENCE) || !body.Empty() {
			return nil, keyError(msgNotRSADER)
		}
		return nil, keyError("this is a multi-prime RSA key (more than two primes); IBKR needs a two-prime RSA key (openssl genrsa makes one)")
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
func isRSAPublicKey(body cryptobyte.String) bool {
	var n, e []byte
	return body.ReadASN1Integer(&n) && body.ReadASN1Integer(&e) && body.Empty()
}

// isSEC1 reports whether body is the contents of RFC 5915's ECPrivateKey:
//
//	SEQUENCE { INTEGER 1, OCTET STRING privateKey, [0] parameters OPTIONAL, [1] publicKey OPTIONAL }
func isSEC1(body cryptobyte.String) bool {
	var version []byte
	return body.ReadASN1Integer(&version) && len(version) == 1 && version[0] == 1 &&
		body.SkipASN1(asn1.OCTET_STRING) &&
		body.SkipOptionalASN1(tagECParameters) && body.SkipOptionalASN1(tagECPublicKey) && body.Empty()
}

// isSPKI reports whether body is the contents of RFC 5280's
// SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID, … }, BIT STRING }.
func isSPKI(body cryptobyte.String) bool {
	var alg cryptobyte.String
	return body.ReadASN1(&alg, asn1.SEQUENCE) && alg.SkipASN1(asn1.OBJECT_IDENTIFIER) &&
		body.SkipASN1(asn1.BIT_STRING) && body.Empty()
}

// isCertificate reports whether body is the contents of an RFC 5280
// Certificate, SEQUENCE { SEQUENCE tbsCertificate, SEQUENCE algorithm, BIT
// STRING signature }, of version 2 or 3 (tbsCertificate starts with an
// explicit [0] version; v1 certificates are too rare to be worth telling
// from other signed structures).
func isCertificate(body cryptobyte.String) bool {
	var tbs cryptobyte.String
	return body.ReadASN1(&tbs, asn1.SEQUENCE) && tbs.PeekASN1Tag(tagCertVersion) &&
		body.SkipASN1(asn1.SEQUENCE) && body.SkipASN1(asn1.BIT_STRING) && body.Empty()
}

// The context-specific tags read above.
var (
	tagAttributes   = asn1.Tag(0).ContextSpecific().Constructed() // PKCS#8 [0] IMPLICIT SET OF Attribute
	tagPublicKey    = asn1.Tag(1).ContextSpecific()               // PKCS#8 [1] IMPLICIT BIT STRING
	tagECParameters = asn1.Tag(0).ContextSpecific().Constructed() // SEC1 [0] EXPLICIT
	tagECPublicKey  = asn1.Tag(1).ContextSpecific().Constructed() // SEC1 [1] EXPLICIT
	tagCertVersion  = asn1.Tag(0).ContextSpecific().Constructed() // tbsCertificate [0] EXPLICIT version
)

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
