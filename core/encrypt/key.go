package encrypt

import (
	"encoding/pem"
	"math/bits"
	"strconv"
	"strings"

	"github.com/brokerauth/brokerauth/core/internal/der"
	"github.com/brokerauth/brokerauth/core/internal/keytext"
)

// Limits on the RSA keys brokerauth accepts. Brokers hand out 2048-bit keys;
// Go's crypto/rsa refuses keys under 1024 bits, and past 16384 bits the key
// is either a mistake or an attempt to burn CPU.
const (
	MinKeyBits = 1024
	MaxKeyBits = 16384
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

// Key is an RSA public key as ParseKey accepts it: 1024 to 16384 bits, an
// odd modulus, an odd public exponent from 3 to 2^31-1.
type Key struct {
	n []byte // the modulus, big-endian, no leading zero byte
	e int
}

// Modulus returns a copy of the key's modulus, big-endian.
func (k *Key) Modulus() []byte { return append([]byte(nil), k.n...) }

// Exponent returns the key's public exponent.
func (k *Key) Exponent() int { return k.e }

// Size returns the modulus length in bytes: the length of a ciphertext.
func (k *Key) Size() int { return len(k.n) }

// Bits returns the modulus length in bits.
func (k *Key) Bits() int { return bitLen(k.n) }

// ParseKey parses the encryptionKey a broker hands out with
// GET /session/encryptionKey, or a key a user pasted.
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
func ParseKey(encryptionKey string) (*Key, error) {
	if len(encryptionKey) > maxKeyText {
		return nil, newError(CodeInvalidKey, "encryptionKey is "+strconv.Itoa(len(encryptionKey))+" bytes, longer than any RSA public key")
	}
	text := strings.TrimSpace(encryptionKey)
	if text == "" {
		return nil, newError(CodeInvalidKey, "encryptionKey is empty")
	}
	if strings.HasPrefix(text, "-----BEGIN") {
		return parsePEMKey(text)
	}
	b, ok := keytext.Decode(text)
	if !ok {
		return nil, newError(CodeInvalidKey, "encryptionKey is neither base64 DER nor PEM")
	}
	return parseDERKey(b)
}

func parsePEMKey(text string) (*Key, error) {
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
	if !pemLabel(block.Type) {
		// Not a label anyone would write (RFC 7468 labels are upper-case
		// words): it may be a secret pasted into the wrong place, so it is
		// not repeated.
		return nil, newError(CodeUnsupportedKey, "encryptionKey is a PEM block of another kind, not a PUBLIC KEY or RSA PUBLIC KEY")
	}
	return nil, newError(CodeUnsupportedKey, "encryptionKey is a PEM "+strconv.Quote(block.Type)+" block, not a PUBLIC KEY or RSA PUBLIC KEY")
}

// pemLabel says whether t reads as a PEM label: upper-case letters, digits
// and single spaces, at most 40 characters.
func pemLabel(t string) bool {
	if t == "" || len(t) > 40 || t[0] == ' ' || t[len(t)-1] == ' ' || strings.Contains(t, "  ") {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ') {
			return false
		}
	}
	return true
}

// parseDERKey takes DER of unknown kind: the brokers send SPKI, but a bare
// PKCS#1 RSAPublicKey is unambiguous and costs nothing to accept. The two
// differ in their first member (SPKI's is the algorithm SEQUENCE, PKCS#1's
// the modulus INTEGER), so a key of either shape keeps the specific reason
// it failed for.
func parseDERKey(b []byte) (*Key, error) {
	in := b
	var outer, first []byte
	if der.ReadOuter(&in, &outer) {
		if der.Read(&outer, &first, der.TagSequence) {
			return parseSPKI(b)
		}
		return parsePKCS1(b)
	}
	return nil, newError(CodeInvalidKey, "encryptionKey decodes from base64 but is not a DER public key (truncated or corrupted?)")
}

// Parse failures are built only when they happen, and fresh each time,
// since callers may fill in Broker and Step.
func errNotSPKI(what string) *Error {
	return newError(CodeInvalidKey, "encryptionKey is not a valid DER SubjectPublicKeyInfo: "+what)
}

func errNotPKCS1() *Error {
	return newError(CodeInvalidKey, "encryptionKey does not hold a valid DER RSAPublicKey")
}

// parseSPKI reads RFC 5280's SubjectPublicKeyInfo:
//
//	SEQUENCE { SEQUENCE { OID algorithm, parameters ANY OPTIONAL }, BIT STRING key }
func parseSPKI(b []byte) (*Key, error) {
	in := b
	var spki, alg, oid, keyBits []byte
	if !der.ReadOuter(&in, &spki) {
		return nil, errNotSPKI("its outer SEQUENCE is cut short (truncated?)")
	}
	if len(in) != 0 {
		return nil, errNotSPKI("bytes follow its outer SEQUENCE")
	}
	if !der.Read(&spki, &alg, der.TagSequence) {
		return nil, errNotSPKI("its algorithm identifier is malformed")
	}
	// The OID is compared byte for byte (DER has one encoding per OID) and
	// named by oidString, which renders any contents, so that a key with an
	// unusual one (arcs of 2^31 and more, non-minimal arcs) still gets its
	// "not RSA" message.
	if !der.Read(&alg, &oid, der.TagOID) {
		return nil, errNotSPKI("its algorithm identifier has no object identifier")
	}
	// Read whole: bits that are not whole bytes get their own message,
	// after the algorithm's.
	if !der.Read(&spki, &keyBits, der.TagBitString) || len(keyBits) == 0 {
		return nil, errNotSPKI("the key BIT STRING after the algorithm identifier is missing or malformed")
	}
	if len(spki) != 0 {
		return nil, errNotSPKI("fields follow the key BIT STRING")
	}
	if string(oid) != oidRSAEncryptionDER {
		name := oidString(oid)
		if what, known := oidKnownNonRSA[name]; known {
			return nil, newError(CodeUnsupportedKey, "encryptionKey is "+what+"; IG and Capital.com use RSA")
		}
		return nil, newError(CodeUnsupportedKey, "encryptionKey uses public-key algorithm "+name+", not RSA")
	}
	// RSA parameters must be NULL (RFC 3279); some encoders omit them.
	if len(alg) != 0 {
		var null []byte
		if !der.Read(&alg, &null, der.TagNull) || len(null) != 0 || len(alg) != 0 {
			return nil, errNotSPKI("the RSA algorithm parameters are not NULL")
		}
	}
	if keyBits[0] != 0 {
		return nil, newError(CodeInvalidKey, "encryptionKey's RSA key bits are not whole bytes")
	}
	return parsePKCS1(keyBits[1:])
}

// parsePKCS1 reads RFC 8017's RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e }.
// der.ReadInteger refuses negative, empty and non-minimal INTEGERs and
// returns the magnitude without its sign byte (a single 0x00 for zero).
func parsePKCS1(b []byte) (*Key, error) {
	in := b
	var seq, n, e []byte
	if !der.ReadOuter(&in, &seq) || len(in) != 0 ||
		!der.ReadInteger(&seq, &n) || !der.ReadInteger(&seq, &e) || len(seq) != 0 {
		return nil, errNotPKCS1()
	}
	return checkRSAKey(n, e)
}

// checkRSAKey refuses keys that crypto/rsa would refuse anyway, earlier and
// with a message that says why. n and e are minimal big-endian magnitudes.
func checkRSAKey(n, e []byte) (*Key, error) {
	if n[0] == 0 {
		n = n[1:] // zero
	}
	if b := bitLen(n); b < MinKeyBits || b > MaxKeyBits {
		return nil, newError(CodeUnsupportedKey, "encryptionKey is a "+strconv.Itoa(b)+"-bit RSA key; brokerauth accepts "+
			strconv.Itoa(MinKeyBits)+" to "+strconv.Itoa(MaxKeyBits)+" bits")
	}
	if n[len(n)-1]&1 == 0 {
		return nil, newError(CodeInvalidKey, "encryptionKey's RSA modulus is even, so it is not an RSA modulus")
	}
	var E uint64
	for _, c := range e {
		E = E<<8 | uint64(c)
	}
	if len(e) > 4 || E < 3 || E > 1<<31-1 || E&1 == 0 {
		return nil, newError(CodeUnsupportedKey, "encryptionKey's RSA public exponent is not an odd number from 3 to 2^31-1")
	}
	return &Key{n: n, e: int(E)}, nil
}

// bitLen is the length in bits of the big-endian n, which has no leading
// zero byte.
func bitLen(n []byte) int {
	if len(n) == 0 {
		return 0
	}
	return 8*(len(n)-1) + bits.Len8(n[0])
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
