package core

import (
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/internal/testkeys"
)

// withRSAEnc runs the rest of a test with core/internal/rsaenc switched on
// or off, whatever the architecture's default. Tests in this package do not
// run in parallel, so flipping the switch is safe.
func withRSAEnc(t testing.TB, on bool) {
	t.Helper()
	old := useRSAEnc
	useRSAEnc = on
	t.Cleanup(func() { useRSAEnc = old })
}

var backends = []struct {
	name string
	on   bool
}{{"crypto/rsa", false}, {"rsaenc", true}}

// TestEncryptPasswordBackends runs the public path with each RSA backend and
// decrypts the result with crypto/rsa and, where installed, OpenSSL.
func TestEncryptPasswordBackends(t *testing.T) {
	_, lookErr := exec.LookPath("openssl")
	haveOpenSSL := lookErr == nil
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			withRSAEnc(t, be.on)
			for _, bits := range []int{1024, 2048, 4096} {
				priv := testkeys.RSA(t, bits)
				key := testkeys.Forms(t, &priv.PublicKey)["base64 SPKI"]
				for _, password := range []string{"1111qqqq", "pässwörd ✓", strings.Repeat("x", MaxPasswordBytes(&priv.PublicKey, "1647440528194"))} {
					got, err := EncryptPassword(key, "1647440528194", password)
					require.NoError(t, err)
					ciphertext, err := base64.StdEncoding.DecodeString(got)
					require.NoError(t, err)
					require.Len(t, ciphertext, bits/8)
					want := base64.StdEncoding.EncodeToString([]byte(password + "|1647440528194"))

					plain, err := rsa.DecryptPKCS1v15(nil, priv, ciphertext)
					require.NoError(t, err)
					assert.Equal(t, want, string(plain))
					if haveOpenSSL {
						assert.Equal(t, want, string(opensslDecrypt(t, priv, ciphertext)))
					}
				}
			}
		})
	}
}

// TestRSAEncFallsBackToCryptoRSA: EncryptPasswordWithKey takes any
// *rsa.PublicKey, including hand-built ones ParseEncryptionKey would refuse.
// Those must meet crypto/rsa exactly as before, whichever backend is on.
func TestRSAEncFallsBackToCryptoRSA(t *testing.T) {
	n := testkeys.RSA(t, 2048).N
	tests := []struct {
		name string
		key  *rsa.PublicKey
	}{
		{"even exponent", &rsa.PublicKey{N: n, E: 65536}},
		{"exponent 1", &rsa.PublicKey{N: n, E: 1}},
		{"exponent above 2^31-1", &rsa.PublicKey{N: n, E: 1<<31 + 1}},
		{"512-bit modulus", &rsa.PublicKey{N: oddNumberOfBits(512), E: 65537}},
		{"even modulus", &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 2047), E: 65537}},
		{"16385-bit modulus", &rsa.PublicKey{N: oddNumberOfBits(16385), E: 65537}},
		{"negative modulus", &rsa.PublicKey{N: new(big.Int).Neg(n), E: 65537}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.False(t, rsaencTakes(tt.key))
			results := map[bool]error{}
			for _, be := range backends {
				withRSAEnc(t, be.on)
				out, err := EncryptPasswordWithKey(tt.key, "1", "pw")
				if err == nil {
					raw, derr := base64.StdEncoding.DecodeString(out)
					require.NoError(t, derr)
					assert.Len(t, raw, tt.key.Size())
				}
				results[be.on] = err
			}
			assert.Equal(t, results[false], results[true], "both backends must end the same way")
		})
	}
}

// TestRSAEncTakesParsedKeys: every key ParseEncryptionKey returns is within
// rsaenc's limits, so under WebAssembly no parsed key falls back.
func TestRSAEncTakesParsedKeys(t *testing.T) {
	keys := []string{testkeys.CapitalGuideKey}
	for _, bits := range []int{1024, 2048, 4096} {
		keys = append(keys, testkeys.Forms(t, &testkeys.RSA(t, bits).PublicKey)["base64 SPKI"])
	}
	for _, e := range []int{3, 1<<31 - 1} {
		pub := rsa.PublicKey{N: testkeys.RSA(t, 2048).N, E: e}
		keys = append(keys, testkeys.Forms(t, &pub)["base64 PKCS#1"])
	}
	for _, k := range keys {
		key, err := ParseEncryptionKey(k)
		require.NoError(t, err)
		assert.True(t, rsaencTakes(key), "%d-bit key, e=%d", key.N.BitLen(), key.E)
	}
}
