package encrypt

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/internal/testkeys"
)

var (
	rsaAlgorithmDER = testkeys.DER(0x30, testkeys.DER(0x06, []byte(oidRSAEncryptionDER)), []byte{0x05, 0x00})
	exponentDER     = []byte{0x02, 0x03, 0x01, 0x00, 0x01}
)

// spkiOf wraps an RSAPublicKey's DER in a SubjectPublicKeyInfo.
func spkiOf(pkcs1 []byte) []byte {
	return testkeys.DER(0x30, rsaAlgorithmDER, testkeys.DER(0x03, []byte{0}, pkcs1))
}

// TestPKCS1IntegerEncodings: the modulus and exponent must be DER
// INTEGERs that are not negative, with no padding byte but the one that
// keeps a positive number positive, as cryptobyte reads them into []byte
// (der.ReadInteger); into a *big.Int it would take the negative ones.
func TestPKCS1IntegerEncodings(t *testing.T) {
	n := testkeys.RSA(t, 2048).N.Bytes() // 256 bytes, top bit set
	require.Len(t, n, 256)
	require.NotZero(t, n[0]&0x80)
	modulus := testkeys.DER(0x02, []byte{0}, n)
	const notPKCS1 = "does not hold a valid DER RSAPublicKey"
	tests := []struct {
		name string
		n, e []byte
		code Code
		want string // "" means accepted
	}{
		{"as x509 writes it", modulus, exponentDER, "", ""},
		{"modulus negative (no sign byte)", testkeys.DER(0x02, n), exponentDER, CodeInvalidKey, notPKCS1},
		{"modulus with two zero bytes", testkeys.DER(0x02, []byte{0, 0}, n), exponentDER, CodeInvalidKey, notPKCS1},
		{"modulus sign-extended with 0xff", testkeys.DER(0x02, []byte{0xff}, n), exponentDER, CodeInvalidKey, notPKCS1},
		{"modulus empty", []byte{0x02, 0x00}, exponentDER, CodeInvalidKey, notPKCS1},
		{"modulus as OCTET STRING", testkeys.DER(0x04, []byte{0}, n), exponentDER, CodeInvalidKey, notPKCS1},
		{"modulus as ENUMERATED", testkeys.DER(0x0a, []byte{0}, n), exponentDER, CodeInvalidKey, notPKCS1},
		{"modulus with a non-minimal length", append([]byte{0x02, 0x83, 0x00, 0x01, 0x01}, modulus[4:]...), exponentDER, CodeInvalidKey, notPKCS1},
		{"exponent with a leading zero", modulus, []byte{0x02, 0x04, 0x00, 0x01, 0x00, 0x01}, CodeInvalidKey, notPKCS1},
		{"exponent negative", modulus, []byte{0x02, 0x03, 0x81, 0x00, 0x01}, CodeInvalidKey, notPKCS1},
		{"exponent -1", modulus, []byte{0x02, 0x01, 0xff}, CodeInvalidKey, notPKCS1},
		{"exponent -1 padded with 0xff", modulus, []byte{0x02, 0x02, 0xff, 0xff}, CodeInvalidKey, notPKCS1},
		{"exponent empty", modulus, []byte{0x02, 0x00}, CodeInvalidKey, notPKCS1},
		{"exponent zero", modulus, []byte{0x02, 0x01, 0x00}, CodeUnsupportedKey, "public exponent is not an odd number"},
		{"exponent 2^31+1, sign byte", modulus, []byte{0x02, 0x05, 0x00, 0x80, 0x00, 0x00, 0x01}, CodeUnsupportedKey, "public exponent is not an odd number"},
		{"exponent 2^31-1", modulus, []byte{0x02, 0x04, 0x7f, 0xff, 0xff, 0xff}, "", ""},
	}
	for _, tt := range tests {
		pkcs1 := testkeys.DER(0x30, tt.n, tt.e)
		for form, der := range map[string][]byte{"PKCS#1": pkcs1, "SPKI": spkiOf(pkcs1)} {
			t.Run(tt.name+", "+form, func(t *testing.T) {
				key, err := ParseKey(base64.StdEncoding.EncodeToString(der))
				if tt.want == "" {
					require.NoError(t, err)
					assert.Equal(t, testkeys.RSA(t, 2048).N.Bytes(), key.Modulus())
					return
				}
				assertCode(t, err, tt.code)
				assert.Contains(t, err.Error(), tt.want)
			})
		}
	}
}

// TestDERLengthLimit: lengths take at most 3 bytes (16 MiB), where
// der.Read (as cryptobyte) alone would read 4. Keys that big come only through
// parseDERKey, parseSPKI and parsePKCS1 (ParseKey stops at
// 64 KiB of text), so they are called directly.
func TestDERLengthLimit(t *testing.T) {
	// A BIT STRING of 16 MiB of zeros inside a SPKI: the outer length takes
	// 4 bytes, which is refused before anything inside is looked at.
	huge := spkiOf(make([]byte, 1<<24))
	require.Equal(t, []byte{0x30, 0x84}, huge[:2])
	_, err := parseDERKey(huge)
	assertCode(t, err, CodeInvalidKey)
	assert.Contains(t, err.Error(), "is not a DER public key")
	_, err = parseSPKI(huge)
	assertCode(t, err, CodeInvalidKey)
	assert.Contains(t, err.Error(), "its outer SEQUENCE is cut short")
	_, err = parsePKCS1(testkeys.DER(0x30, make([]byte, 1<<24)))
	assertCode(t, err, CodeInvalidKey)
	assert.Contains(t, err.Error(), "does not hold a valid DER RSAPublicKey")

	// A 3-byte length is read: this one fails further in, on the zeros.
	long := spkiOf(make([]byte, 1<<16))
	require.Equal(t, []byte{0x30, 0x83}, long[:2])
	_, err = parseDERKey(long)
	assertCode(t, err, CodeInvalidKey)
	assert.Contains(t, err.Error(), "does not hold a valid DER RSAPublicKey")
}

// TestUnknownAlgorithmNamed: an algorithm OID is named in the message
// whatever its arcs, including ones an OBJECT IDENTIFIER reader such as
// cryptobyte's refuses (2^31 and more).
func TestUnknownAlgorithmNamed(t *testing.T) {
	pkcs1 := testkeys.DER(0x30, testkeys.DER(0x02, []byte{0}, testkeys.RSA(t, 2048).N.Bytes()), exponentDER)
	for oid, want := range map[string]string{
		"\x2a\x03\x04":             "1.2.3.4",
		"\x2a\x90\x80\x80\x80\x00": "1.2.4294967296",
		"":                         "(empty)",
	} {
		der := testkeys.DER(0x30, testkeys.DER(0x30, testkeys.DER(0x06, []byte(oid))), testkeys.DER(0x03, []byte{0}, pkcs1))
		_, err := ParseKey(base64.StdEncoding.EncodeToString(der))
		assertCode(t, err, CodeUnsupportedKey)
		assert.Contains(t, err.Error(), "uses public-key algorithm "+want+", not RSA")
	}
}

func TestOIDString(t *testing.T) {
	cases := map[string]struct {
		in   []byte
		want string
	}{
		"rsaEncryption":  {[]byte("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"), "1.2.840.113549.1.1.1"},
		"ecPublicKey":    {[]byte("\x2a\x86\x48\xce\x3d\x02\x01"), "1.2.840.10045.2.1"},
		"Ed25519":        {[]byte{0x2b, 0x65, 0x70}, "1.3.101.112"},
		"joint-iso 2.5":  {[]byte{0x55}, "2.5"},
		"2.999":          {[]byte{0x88, 0x37}, "2.999"},
		"empty":          {nil, "(empty)"},
		"huge arc":       {bytes.Repeat([]byte{0xff}, 10), "(malformed)"},
		"unterminated":   {[]byte{0x2a, 0x86}, "1.2"},
		"zero first arc": {[]byte{0x00}, "0.0"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, c.want, oidString(c.in))
		})
	}
}
