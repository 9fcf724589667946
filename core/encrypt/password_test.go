package encrypt

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/internal/testkeys"
)

// TestPasswordDecryptsUnderCryptoRSA: every key size and form, decrypted by
// crypto/rsa, a PKCS#1 v1.5 implementation that is not the code under test
// (core's tests add OpenSSL).
func TestPasswordDecryptsUnderCryptoRSA(t *testing.T) {
	for _, bits := range []int{1024, 2048, 4096} {
		priv := testkeys.RSA(t, bits)
		for form, key := range testkeys.Forms(t, &priv.PublicKey) {
			for _, password := range []string{"1111qqqq", "pässwörd ✓", "with|pipe", strings.Repeat("x", MaxPasswordBytes(bits, "1647440528194"))} {
				out, err := Password(rand.Reader, key, "1647440528194", password)
				require.NoError(t, err, form)
				raw, err := base64.StdEncoding.DecodeString(out)
				require.NoError(t, err)
				require.Len(t, raw, bits/8)
				plain, err := rsa.DecryptPKCS1v15(nil, priv, raw)
				require.NoError(t, err, form)
				assert.Equal(t, base64.StdEncoding.EncodeToString([]byte(password+"|1647440528194")), string(plain), form)
			}
		}
	}
}

func TestParseKeyGivesTheKey(t *testing.T) {
	for _, bits := range []int{1024, 2048, 4096} {
		pub := testkeys.RSA(t, bits).PublicKey
		for form, text := range testkeys.Forms(t, &pub) {
			k, err := ParseKey(text)
			require.NoError(t, err, form)
			assert.Equal(t, pub.N.Bytes(), k.Modulus(), form)
			assert.Equal(t, pub.E, k.Exponent(), form)
			assert.Equal(t, pub.Size(), k.Size(), form)
			assert.Equal(t, pub.N.BitLen(), k.Bits(), form)
		}
	}
}

func TestPlaintextChecks(t *testing.T) {
	const canary = "Canary-Pw-81c2"
	for _, tt := range []struct {
		name, ts, password string
		code               Code
	}{
		{"empty timeStamp", "", canary, CodeInvalidArgument},
		{"negative timeStamp", "-1", canary, CodeInvalidArgument},
		{"21 digits", strings.Repeat("9", 21), canary, CodeInvalidArgument},
		{"password in the timeStamp slot", canary, canary, CodeInvalidArgument},
		{"empty password", "1", "", CodeInvalidArgument},
		{"invalid UTF-8", "1", "\xff" + canary, CodeInvalidArgument},
		{"too long", "1", strings.Repeat(canary, 20), CodePasswordTooLong},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Plaintext(2048, tt.ts, tt.password)
			assertCode(t, err, tt.code)
			assert.NotContains(t, err.Error(), "Canary")
		})
	}
	msg, err := Plaintext(2048, "1647440528194", "1111qqqq")
	require.NoError(t, err)
	assert.Equal(t, "MTExMXFxcXF8MTY0NzQ0MDUyODE5NA==", string(msg))
	_, err = Plaintext(2048, "1", strings.Repeat("a", MaxPasswordBytes(2048, "1")))
	require.NoError(t, err)
	_, err = Plaintext(2048, "1", strings.Repeat("a", MaxPasswordBytes(2048, "1")+1))
	assert.EqualError(t, err, "brokerauth: password_too_long: password is too long for this 2048-bit key: at most 181 UTF-8 bytes with this timeStamp")
}

// A random source that fails is an internal error, never a panic or a
// ciphertext with weak padding.
func TestPasswordWithFailingRandom(t *testing.T) {
	_, err := Password(failingReader{}, testkeys.CapitalGuideKey, "1", "pw")
	assertCode(t, err, CodeInternal)
	assert.ErrorIs(t, err, errNoRandom)
}

var errNoRandom = errors.New("no randomness")

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errNoRandom }

// The messages that name a number or a PEM type read as fmt would write
// them (they were fmt.Sprintf before this package dropped fmt).
func TestMessagesWithValues(t *testing.T) {
	_, err := ParseKey(strings.Repeat("A", 70000))
	assert.EqualError(t, err, "brokerauth: invalid_key: encryptionKey is 70000 bytes, longer than any RSA public key")
	_, err = ParseKey("-----BEGIN EC PARAMETERS-----\nAAAA\n-----END EC PARAMETERS-----\n")
	assert.EqualError(t, err, `brokerauth: unsupported_key: encryptionKey is a PEM "EC PARAMETERS" block, not a PUBLIC KEY or RSA PUBLIC KEY`)
	// A label that no one would write may be a secret in the wrong place:
	// not repeated.
	for _, label := range []string{`"ODD" KEY ✓`, "S3cretPassw0rd!", "lower case", strings.Repeat("A", 41)} {
		_, err = ParseKey("-----BEGIN " + label + "-----\nAAAA\n-----END " + label + "-----\n")
		assert.EqualError(t, err, "brokerauth: unsupported_key: encryptionKey is a PEM block of another kind, not a PUBLIC KEY or RSA PUBLIC KEY", label)
	}
	_, err = Plaintext(2048, strings.Repeat("1", 21), "pw")
	assert.EqualError(t, err, "brokerauth: invalid_argument: timeStamp is longer than 20 digits")
	e := &Error{Code: "error.x", Broker: "ig", Step: "login", Status: 401, Message: "m"}
	assert.Equal(t, "brokerauth: ig login: error.x (HTTP 401): m", e.Error())
}

// FuzzParseDERKey feeds arbitrary bytes to the DER key parser: it must
// never panic, and whatever it accepts must be a usable RSA key.
func FuzzParseDERKey(f *testing.F) {
	spki, _ := base64.StdEncoding.DecodeString(testkeys.CapitalGuideKey)
	f.Add(spki)
	f.Add(spki[24:]) // the bare PKCS#1 RSAPublicKey inside
	f.Add(spki[:40])
	f.Add([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x30, 0x81, 0x05, 0x02, 0x01, 0x01, 0x02, 0x00})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		key, err := parseDERKey(b)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("untyped error %T", err)
			}
			return
		}
		if key.Bits() < MinKeyBits || key.Bits() > MaxKeyBits || key.n[len(key.n)-1]&1 == 0 || key.e < 3 {
			t.Fatalf("accepted an unusable key")
		}
	})
}
