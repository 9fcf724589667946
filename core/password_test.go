package core

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/internal/testkeys"
)

// opensslDecrypt decrypts with OpenSSL, a PKCS#1 v1.5 implementation that is
// not the code under test.
func opensslDecrypt(t *testing.T, priv *rsa.PrivateKey, ciphertext []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.pem")
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	cmd := exec.Command("openssl", "pkeyutl", "-decrypt", "-inkey", keyFile, "-pkeyopt", "rsa_padding_mode:pkcs1")
	cmd.Stdin = bytes.NewReader(ciphertext)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "openssl: %s", stderr.String())
	return out
}

func TestEncryptPasswordRoundTripThroughOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	passwords := []string{"1111qqqq", "pässwörd ✓", "パスワード", "with|pipe|inside", "😀 emoji", " spaces "}
	for _, bits := range []int{1024, 2048, 4096} {
		priv := testkeys.RSA(t, bits)
		for form, key := range testkeys.Forms(t, &priv.PublicKey) {
			for i, password := range passwords {
				ts := "1647440528194"
				if i%2 == 1 {
					ts = "7" // a short timestamp is still a decimal timestamp
				}
				t.Run(form, func(t *testing.T) {
					got, err := EncryptPassword(key, ts, password)
					require.NoError(t, err)
					ciphertext, err := base64.StdEncoding.DecodeString(got)
					require.NoError(t, err, "outer layer must be standard base64")
					require.Len(t, ciphertext, bits/8)

					plain := opensslDecrypt(t, priv, ciphertext)
					assert.Equal(t, base64.StdEncoding.EncodeToString([]byte(password+"|"+ts)), string(plain),
						"plaintext must be base64(password|timeStamp)")
				})
			}
		}
	}
}

func TestEncryptPasswordIsRandomised(t *testing.T) {
	key := testkeys.Forms(t, &testkeys.RSA(t, 2048).PublicKey)["base64 SPKI"]
	a, err := EncryptPassword(key, "1", "pw")
	require.NoError(t, err)
	b, err := EncryptPassword(key, "1", "pw")
	require.NoError(t, err)
	assert.NotEqual(t, a, b, "PKCS#1 v1.5 type 2 padding is random")
}

func TestCapitalGuideVector(t *testing.T) {
	// Capital.com's guide: 2048-bit key, timestamp 1647440528194, password
	// 1111qqqq; the ciphertext is 256 bytes, 344 base64 characters.
	guideKeyAsPrinted := testkeys.WrapLines(testkeys.CapitalGuideKey, 76, "\n")
	got, err := EncryptPassword(guideKeyAsPrinted, "1647440528194", "1111qqqq")
	require.NoError(t, err)
	assert.Len(t, got, 344)
	raw, err := base64.StdEncoding.DecodeString(got)
	require.NoError(t, err)
	assert.Len(t, raw, 256)
}

func TestPasswordLengthLimit(t *testing.T) {
	for _, bits := range []int{1024, 2048} {
		priv := testkeys.RSA(t, bits)
		ts := "1647440528194"
		max := MaxPasswordBytes(&priv.PublicKey, ts)
		_, err := EncryptPasswordWithKey(&priv.PublicKey, ts, strings.Repeat("a", max))
		require.NoError(t, err, "%d bits: %d bytes must fit", bits, max)

		_, err = EncryptPasswordWithKey(&priv.PublicKey, ts, strings.Repeat("a", max+1))
		assertCode(t, err, CodePasswordTooLong)
	}
	// PROTOCOLS.md §1: about 183 bytes of password|timeStamp for 2048 bits.
	assert.Equal(t, 183-14, MaxPasswordBytes(&testkeys.RSA(t, 2048).PublicKey, "1647440528194"))
	// Multi-byte characters count in UTF-8 bytes.
	_, err := EncryptPasswordWithKey(&testkeys.RSA(t, 2048).PublicKey, "1647440528194", strings.Repeat("é", 85))
	assertCode(t, err, CodePasswordTooLong)
}

func TestEncryptPasswordBadInput(t *testing.T) {
	priv := testkeys.RSA(t, 2048)
	good := testkeys.Forms(t, &priv.PublicKey)["base64 SPKI"]
	spki, _ := base64.StdEncoding.DecodeString(good)

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	require.NoError(t, err)
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	edDER, err := x509.MarshalPKIXPublicKey(edPub)
	require.NoError(t, err)
	privDER := x509.MarshalPKCS1PrivateKey(priv)

	const password = "Canary-Pw-5f1e9a"
	tests := []struct {
		name, key, ts, password string
		code                    Code
	}{
		{"empty key", "", "1", password, CodeInvalidKey},
		{"white space key", " \n\t ", "1", password, CodeInvalidKey},
		{"not base64", "this is not a key!", "1", password, CodeInvalidKey},
		{"base64 of junk", base64.StdEncoding.EncodeToString([]byte("hello world")), "1", password, CodeInvalidKey},
		{"truncated key", good[:len(good)/2], "1", password, CodeInvalidKey},
		{"truncated DER", base64.StdEncoding.EncodeToString(spki[:len(spki)-3]), "1", password, CodeInvalidKey},
		{"trailing garbage", base64.StdEncoding.EncodeToString(append(append([]byte{}, spki...), 0, 1)), "1", password, CodeInvalidKey},
		{"broken PEM", "-----BEGIN PUBLIC KEY-----\nAAAA", "1", password, CodeInvalidKey},
		{"PEM with junk", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("junk")})), "1", password, CodeInvalidKey},
		{"EC key", base64.StdEncoding.EncodeToString(ecDER), "1", password, CodeUnsupportedKey},
		{"EC key PEM", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER})), "1", password, CodeUnsupportedKey},
		{"Ed25519 key", base64.StdEncoding.EncodeToString(edDER), "1", password, CodeUnsupportedKey},
		{"private key PEM", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: privDER})), "1", password, CodeUnsupportedKey},
		{"certificate PEM", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: spki})), "1", password, CodeUnsupportedKey},
		{"empty timeStamp", good, "", password, CodeInvalidArgument},
		{"negative timeStamp", good, "-1", password, CodeInvalidArgument},
		{"fractional timeStamp", good, "1.5", password, CodeInvalidArgument},
		{"exponent timeStamp", good, "1e12", password, CodeInvalidArgument},
		{"huge timeStamp", good, strings.Repeat("9", 21), password, CodeInvalidArgument},
		{"empty password", good, "1", "", CodeInvalidArgument},
		{"invalid UTF-8 password", good, "1", "\xff\xfe" + password, CodeInvalidArgument},
		{"too long password", good, "1", strings.Repeat(password, 20), CodePasswordTooLong},
		{"password in the key slot", password, "1", password, CodeInvalidKey},
		{"password in the timeStamp slot", good, password, password, CodeInvalidArgument},
	}
	// Both backends: crypto/rsa after ParseEncryptionKey (natively), and
	// encrypt.Password (under WebAssembly, and the encrypt-only wasm) end
	// with the same error.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errs []error
			for _, be := range backends {
				withRSAEnc(t, be.on)
				out, err := EncryptPassword(tt.key, tt.ts, tt.password)
				assert.Empty(t, out, be.name)
				assertCode(t, err, tt.code)
				assert.NotContains(t, err.Error(), password, "an error must never echo the password")
				assert.NotContains(t, err.Error(), "Canary", "an error must never echo the password")
				errs = append(errs, err)
			}
			assert.Equal(t, errs[0], errs[1], "both backends give the same error")
		})
	}
}

func TestRSAKeyChecks(t *testing.T) {
	// Hand-built PKCS#1 keys that Go's own marshaller would refuse to make.
	pub := testkeys.RSA(t, 2048).PublicKey
	tests := []struct {
		name string
		key  rsa.PublicKey
		code Code
	}{
		{"exponent 1", rsa.PublicKey{N: pub.N, E: 1}, CodeUnsupportedKey},
		{"even exponent", rsa.PublicKey{N: pub.N, E: 65536}, CodeUnsupportedKey},
		{"512-bit modulus", rsa.PublicKey{N: oddNumberOfBits(512), E: 65537}, CodeUnsupportedKey},
		{"16385-bit modulus", rsa.PublicKey{N: oddNumberOfBits(16385), E: 65537}, CodeUnsupportedKey},
		{"even modulus", rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 2047), E: 65537}, CodeInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der := x509.MarshalPKCS1PublicKey(&tt.key)
			_, err := ParseEncryptionKey(base64.StdEncoding.EncodeToString(der))
			assertCode(t, err, tt.code)
		})
	}
}

// oddNumberOfBits is 2^(bits-1)+1: not a real modulus, but it has the size
// and parity the key checks look at.
func oddNumberOfBits(bits int) *big.Int {
	n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	return n.Add(n, big.NewInt(1))
}

func TestErrorShape(t *testing.T) {
	_, err := EncryptPassword("", "1", "pw")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "brokerauth: invalid_key: encryptionKey is empty", e.Error())
	assert.True(t, errors.Is(err, &Error{Code: CodeInvalidKey}))
	assert.False(t, errors.Is(err, &Error{Code: CodeInvalidArgument}))

	flow := &Error{Code: "error.security.invalid-details", Broker: "ig", Step: "login", Status: 401, Message: "identifier or password rejected"}
	assert.Equal(t, "brokerauth: ig login: error.security.invalid-details (HTTP 401): identifier or password rejected", flow.Error())
}

func assertCode(t *testing.T, err error, code Code) {
	t.Helper()
	var e *Error
	if assert.ErrorAs(t, err, &e) {
		assert.Equal(t, code, e.Code, "message: %s", e.Message)
	}
}

// A key that is recognisably a SubjectPublicKeyInfo keeps the reason it
// failed in the message, rather than a generic "not a DER public key".
func TestMalformedSPKIKeepsItsReason(t *testing.T) {
	pub := testkeys.RSA(t, 2048).PublicKey
	spki, err := x509.MarshalPKIXPublicKey(&pub)
	require.NoError(t, err)
	// spki = 30 82 01 22 | 30 0d (OID 06 09 …, NULL 05 00) | 03 82 01 0f 00 <PKCS#1>
	withBits := func(pad byte) []byte {
		b := append([]byte{}, spki...)
		b[23] = pad // the BIT STRING's unused-bits byte
		return b
	}
	withParams := func() []byte {
		b := append([]byte{}, spki...)
		b[17], b[18] = 0x04, 0x00 // an empty OCTET STRING where NULL belongs
		return b
	}
	evenModulus := func() []byte {
		b := append([]byte{}, spki...)
		b[len(b)-6] &^= 1 // the modulus's last byte (before 02 03 01 00 01)
		return b
	}
	tests := []struct {
		name string
		der  []byte
		want string
	}{
		{"bits not whole bytes", withBits(3), "not whole bytes"},
		{"parameters not NULL", withParams(), "parameters are not NULL"},
		{"even modulus", evenModulus(), "modulus is even"},
		{"fields after the key", append(append([]byte{0x30, 0x82, 0x01, 0x24}, spki[4:]...), 0x05, 0x00), "fields follow the key BIT STRING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEncryptionKey(base64.StdEncoding.EncodeToString(tt.der))
			assertCode(t, err, CodeInvalidKey)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "truncated or corrupted")
		})
	}
}
