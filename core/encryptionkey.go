package core

import (
	"crypto/rsa"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"
)

// Limits on the RSA keys brokerauth accepts. Brokers hand out 2048-bit keys;
// Go's crypto/rsa refuses keys under 1024 bits, and past 16384 bits the key
// is either a mistake or an attempt to burn CPU.
const (
	minKeyBits = 1024
	maxKeyBits = 16384
)

// The algorithm identifiers we recognise, so that an unsupported key gets a
// message that names what it is instead of "parse error".
var (
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidKnownNonRSA   = map[string]string{
		"1.2.840.113549.1.1.10": "an RSA-PSS key (signing only)",
		"1.2.840.10045.2.1":     "an EC key",
		"1.2.840.10040.4.1":     "a DSA key",
		"1.3.101.110":           "an X25519 key",
		"1.3.101.111":           "an X448 key",
		"1.3.101.112":           "an Ed25519 key",
		"1.3.101.113":           "an Ed448 key",
	}
)

// subjectPublicKeyInfo is RFC 5280's SubjectPublicKeyInfo, the DER inside the
// brokers' encryptionKey and inside PEM "PUBLIC KEY" blocks.
type subjectPublicKeyInfo struct {
	Algorithm struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue `asn1:"optional"`
	}
	PublicKey asn1.BitString
}

// pkcs1PublicKey is RFC 8017's RSAPublicKey, the DER inside PEM
// "RSA PUBLIC KEY" blocks and inside the SPKI bit string.
type pkcs1PublicKey struct {
	N *big.Int
	E *big.Int
}

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
// PKCS#1 RSAPublicKey is unambiguous and costs nothing to accept.
func parseDERKey(der []byte) (*rsa.PublicKey, error) {
	var spki subjectPublicKeyInfo
	if rest, err := asn1.Unmarshal(der, &spki); err == nil && len(rest) == 0 {
		return spkiToRSA(&spki)
	}
	var pk pkcs1PublicKey
	if rest, err := asn1.Unmarshal(der, &pk); err == nil && len(rest) == 0 {
		return checkRSAKey(&pk)
	}
	return nil, newError(CodeInvalidKey, "encryptionKey decodes from base64 but is not a DER public key (truncated or corrupted?)")
}

func parseSPKI(der []byte) (*rsa.PublicKey, error) {
	var spki subjectPublicKeyInfo
	rest, err := asn1.Unmarshal(der, &spki)
	if err != nil || len(rest) != 0 {
		return nil, newError(CodeInvalidKey, "PEM PUBLIC KEY does not hold a valid DER SubjectPublicKeyInfo")
	}
	return spkiToRSA(&spki)
}

func spkiToRSA(spki *subjectPublicKeyInfo) (*rsa.PublicKey, error) {
	oid := spki.Algorithm.Algorithm
	if !oid.Equal(oidRSAEncryption) {
		if what, ok := oidKnownNonRSA[oid.String()]; ok {
			return nil, newError(CodeUnsupportedKey, "encryptionKey is %s; IG and Capital.com use RSA", what)
		}
		return nil, newError(CodeUnsupportedKey, "encryptionKey uses public-key algorithm %s, not RSA", oid.String())
	}
	if spki.PublicKey.BitLength%8 != 0 {
		return nil, newError(CodeInvalidKey, "encryptionKey's RSA key bits are not whole bytes")
	}
	return parsePKCS1(spki.PublicKey.Bytes)
}

func parsePKCS1(der []byte) (*rsa.PublicKey, error) {
	var pk pkcs1PublicKey
	rest, err := asn1.Unmarshal(der, &pk)
	if err != nil || len(rest) != 0 {
		return nil, newError(CodeInvalidKey, "encryptionKey does not hold a valid DER RSAPublicKey")
	}
	return checkRSAKey(&pk)
}

// checkRSAKey refuses keys that crypto/rsa would refuse anyway, earlier and
// with a message that says why.
func checkRSAKey(pk *pkcs1PublicKey) (*rsa.PublicKey, error) {
	if pk.N == nil || pk.E == nil || pk.N.Sign() <= 0 || pk.E.Sign() <= 0 {
		return nil, newError(CodeInvalidKey, "encryptionKey's RSA modulus or exponent is not positive")
	}
	bits := pk.N.BitLen()
	if bits < minKeyBits || bits > maxKeyBits {
		return nil, newError(CodeUnsupportedKey, "encryptionKey is a %d-bit RSA key; brokerauth accepts %d to %d bits", bits, minKeyBits, maxKeyBits)
	}
	if pk.N.Bit(0) == 0 {
		return nil, newError(CodeInvalidKey, "encryptionKey's RSA modulus is even, so it is not an RSA modulus")
	}
	if !pk.E.IsInt64() || pk.E.Int64() < 3 || pk.E.Int64() > 1<<31-1 || pk.E.Bit(0) == 0 {
		return nil, newError(CodeUnsupportedKey, "encryptionKey's RSA public exponent is not an odd number from 3 to 2^31-1")
	}
	return &rsa.PublicKey{N: pk.N, E: int(pk.E.Int64())}, nil
}

// decodeBase64Loose decodes standard or URL-safe base64, padded or not, after
// dropping all ASCII white space.
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
