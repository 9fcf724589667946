package core

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strconv"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/brokerauth/brokerauth/core/internal/der"
)

// Limits on the RSA keys brokerauth accepts. Brokers hand out 2048-bit keys;
// Go's crypto/rsa refuses keys under 1024 bits, and past 16384 bits the key
// is either a mistake or an attempt to burn CPU.
const (
	minKeyBits = 1024
	maxKeyBits = 16384
	// maxKeyText bounds the text parsed: a 16384-bit key in PEM is ~3 KB.
	maxKeyText = 64 << 10
)

// The algorithm identifiers we recognise, so that an unsupported key gets a
// message that names what it is instead of "parse error".
var (
	oidRSAEncryptionDER = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01" // 1.2.840.113549.1.1.1
	oidKnownNonRSA      = map[string]string{
		"1.2.840.113549.1.1.10": "an RSA-PSS key (signing only)",
		"1.2.840.10045.2.1":     "an EC key",
		"1.2.840.10040.4.1":     "a DSA key",
		"1.3.101.110":           "an X25519 key",
		"1.3.101.111":           "an X448 key",
		"1.3.101.112":           "an Ed25519 key",
		"1.3.101.113":           "an Ed448 key",
	}
)

// ParseEncryptionKey parses the encryptionKey a broker hands out with
// GET /session/encryptionKey, or a key a user pasted, into an RSA public key.
//
// Accepted forms:
//   - standard base64 (padded or not) of a DER SubjectPublicKeyInfo, as IG and
//     Capital.com send it; white space and line breaks anywhere are ignored,
//     since Capital.com's guide prints its key broken over lines;
//   - base64 of a DER PKCS#1 RSAPublicKey;
//   - PEM "PUBLIC KEY" and PEM "RSA PUBLIC KEY".
//
// Errors are *Error with CodeInvalidKey (not a key at all) or
// CodeUnsupportedKey (a key, but not an RSA public key brokerauth can use).
// Messages never quote the input: a swapped argument could put a password
// here.
func ParseEncryptionKey(encryptionKey string) (*rsa.PublicKey, error) {
	if len(encryptionKey) > maxKeyText {
		return nil, newError(CodeInvalidKey, "encryptionKey is %d bytes, longer than any RSA public key", len(encryptionKey))
	}
	text := strings.TrimSpace(encryptionKey)
	if text == "" {
		return nil, newError(CodeInvalidKey, "encryptionKey is empty")
	}
	if strings.HasPrefix(text, "-----BEGIN") {
		return parsePEMKey(text)
	}
	der, ok := decodeBase64Loose(text)
	if !ok {
		return nil, newError(CodeInvalidKey, "encryptionKey is neither base64 DER nor PEM")
	}
	return parseDERKey(der)
}

func parsePEMKey(text string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, newError(CodeInvalidKey, "encryptionKey looks like PEM but its block does not decode")
	}
	switch block.Type {
	case "PUBLIC KEY":
		return parseSPKI(block.Bytes)
	case "RSA PUBLIC KEY":
		return parsePKCS1(block.Bytes)
	case "CERTIFICATE":
		return nil, newError(CodeUnsupportedKey, "encryptionKey is a certificate; pass the public key itself")
	}
	if strings.Contains(block.Type, "PRIVATE KEY") {
		return nil, newError(CodeUnsupportedKey, "encryptionKey is a private key; pass the broker's public encryptionKey")
	}
	return nil, newError(CodeUnsupportedKey, "encryptionKey is a PEM %q block, not a PUBLIC KEY or RSA PUBLIC KEY", truncate(block.Type, 40))
}

// parseDERKey takes DER of unknown kind: the brokers send SPKI, but a bare
// PKCS#1 RSAPublicKey is unambiguous and costs nothing to accept. The two
// differ in their first member (SPKI's is the algorithm SEQUENCE, PKCS#1's
// the modulus INTEGER), so a key of either shape keeps the specific reason
// it failed for.
func parseDERKey(b []byte) (*rsa.PublicKey, error) {
	in := cryptobyte.String(b)
	var outer cryptobyte.String
	if der.ReadOuter(&in, &outer) {
		if outer.SkipASN1(asn1.SEQUENCE) {
			return parseSPKI(b)
		}
		return parsePKCS1(b)
	}
	return nil, newError(CodeInvalidKey, "encryptionKey decodes from base64 but is not a DER public key (truncated or corrupted?)")
}

// Parse failures are built only when they happen (no fmt on the success
// path, which runs on every login), and fresh each time, since callers may
// fill in Broker and Step.
func errNotSPKI(what string) *Error {
	return &Error{Code: CodeInvalidKey, Message: "encryptionKey is not a valid DER SubjectPublicKeyInfo: " + what}
}

func errNotPKCS1() *Error {
	return &Error{Code: CodeInvalidKey, Message: "encryptionKey does not hold a valid DER RSAPublicKey"}
}

// parseSPKI reads RFC 5280's SubjectPublicKeyInfo:
//
//	SEQUENCE { SEQUENCE { OID algorithm, parameters ANY OPTIONAL }, BIT STRING key }
func parseSPKI(b []byte) (*rsa.PublicKey, error) {
	in := cryptobyte.String(b)
	var spki, alg, oid, bits cryptobyte.String
	if !der.ReadOuter(&in, &spki) {
		return nil, errNotSPKI("its outer SEQUENCE is cut short (truncated?)")
	}
	if !in.Empty() {
		return nil, errNotSPKI("bytes follow its outer SEQUENCE")
	}
	if !spki.ReadASN1(&alg, asn1.SEQUENCE) {
		return nil, errNotSPKI("its algorithm identifier is malformed")
	}
	// The OID is compared byte for byte (DER has one encoding per OID) and
	// named by oidString, which renders any contents. cryptobyte's
	// ReadASN1ObjectIdentifier would refuse some (arcs of 2^31 and more,
	// non-minimal arcs), and a key with one still gets its "not RSA"
	// message.
	if !alg.ReadASN1(&oid, asn1.OBJECT_IDENTIFIER) {
		return nil, errNotSPKI("its algorithm identifier has no object identifier")
	}
	// Read whole, not with ReadASN1BitStringAsBytes: bits that are not
	// whole bytes get their own message, after the algorithm's.
	if !spki.ReadASN1(&bits, asn1.BIT_STRING) || len(bits) == 0 {
		return nil, errNotSPKI("the key BIT STRING after the algorithm identifier is missing or malformed")
	}
	if !spki.Empty() {
		return nil, errNotSPKI("fields follow the key BIT STRING")
	}
	if string(oid) != oidRSAEncryptionDER {
		name := oidString(oid)
		if what, known := oidKnownNonRSA[name]; known {
			return nil, newError(CodeUnsupportedKey, "encryptionKey is %s; IG and Capital.com use RSA", what)
		}
		return nil, newError(CodeUnsupportedKey, "encryptionKey uses public-key algorithm %s, not RSA", name)
	}
	// RSA parameters must be NULL (RFC 3279); some encoders omit them.
	if !alg.Empty() {
		var null cryptobyte.String
		if !alg.ReadASN1(&null, asn1.NULL) || !null.Empty() || !alg.Empty() {
			return nil, errNotSPKI("the RSA algorithm parameters are not NULL")
		}
	}
	if bits[0] != 0 {
		return nil, newError(CodeInvalidKey, "encryptionKey's RSA key bits are not whole bytes")
	}
	return parsePKCS1(bits[1:])
}

// parsePKCS1 reads RFC 8017's RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e }.
//
// The INTEGERs are read into []byte, where cryptobyte refuses negative,
// empty and non-minimal encodings and returns the magnitude without its
// sign byte (a single 0x00 for zero). Into a *big.Int it would take
// negative numbers.
func parsePKCS1(b []byte) (*rsa.PublicKey, error) {
	in := cryptobyte.String(b)
	var seq cryptobyte.String
	var n, e []byte
	if !der.ReadOuter(&in, &seq) || !in.Empty() ||
		!seq.ReadASN1Integer(&n) || !seq.ReadASN1Integer(&e) || !seq.Empty() {
		return nil, errNotPKCS1()
	}
	return checkRSAKey(n, e)
}

// checkRSAKey refuses keys that crypto/rsa would refuse anyway, earlier and
// with a message that says why.
func checkRSAKey(n, e []byte) (*rsa.PublicKey, error) {
	N := new(big.Int).SetBytes(n)
	bits := N.BitLen()
	if bits < minKeyBits || bits > maxKeyBits {
		return nil, newError(CodeUnsupportedKey, "encryptionKey is a %d-bit RSA key; brokerauth accepts %d to %d bits", bits, minKeyBits, maxKeyBits)
	}
	if N.Bit(0) == 0 {
		return nil, newError(CodeInvalidKey, "encryptionKey's RSA modulus is even, so it is not an RSA modulus")
	}
	var E uint64
	for _, c := range e {
		E = E<<8 | uint64(c)
	}
	if len(e) > 4 || E < 3 || E > 1<<31-1 || E&1 == 0 {
		return nil, newError(CodeUnsupportedKey, "encryptionKey's RSA public exponent is not an odd number from 3 to 2^31-1")
	}
	return &rsa.PublicKey{N: N, E: int(E)}, nil
}

// oidString renders the contents of an OBJECT IDENTIFIER in dotted form,
// for error messages. Malformed contents render as "(malformed)" or
// "(empty)" rather than failing.
func oidString(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	var parts []string
	var v uint64
	first := true
	for _, x := range b {
		v = v<<7 | uint64(x&0x7f)
		if x&0x80 != 0 {
			if v > 1<<56 {
				return "(malformed)"
			}
			continue
		}
		if first {
			arc := min(v/40, 2)
			parts = append(parts, strconv.FormatUint(arc, 10), strconv.FormatUint(v-40*arc, 10))
			first = false
		} else {
			parts = append(parts, strconv.FormatUint(v, 10))
		}
		v = 0
	}
	return strings.Join(parts, ".")
}

func isCode(err error, code Code) bool {
	e, ok := err.(*Error)
	return ok && e.Code == code
}

// decodeBase64Loose decodes standard or URL-safe base64, padded or not, after
// dropping all ASCII white space.
func decodeBase64Loose(s string) ([]byte, bool) {
	if strings.ContainsAny(s, " \t\n\r\v\f") {
		s = stripSpace(s)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) > 0 {
			return b, true
		}
	}
	return nil, false
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			return -1
		}
		return r
	}, s)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
