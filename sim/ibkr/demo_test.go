package ibkr

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rfc3526Group14 is the 2048-bit MODP prime of RFC 3526 §3.
const rfc3526Group14 = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
	"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
	"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9" +
	"DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AACAA68FFFFFFFFFFFFFFFF"

func parsePKCS8(t *testing.T, pemText string) *rsa.PrivateKey {
	t.Helper()
	require.True(t, strings.HasPrefix(pemText, "-----BEGIN PRIVATE KEY-----\n"), "PKCS#8 PEM")
	blk, rest := pem.Decode([]byte(pemText))
	require.NotNil(t, blk)
	require.Empty(t, rest)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	require.NoError(t, err)
	return k.(*rsa.PrivateKey)
}

// TestDemoOAuth1Consistent: the embedded demo values fit together, and New
// registers what they describe.
func TestDemoOAuth1Consistent(t *testing.T) {
	d := DemoOAuth1()
	assert.Len(t, d.ConsumerKey, 9)
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{20}$`), d.AccessToken)
	assert.Equal(t, "limited_poa", d.Realm)

	sig := parsePKCS8(t, d.SignatureKeyPEM)
	enc := parsePKCS8(t, d.EncryptionKeyPEM)
	assert.Equal(t, 2048, sig.N.BitLen())
	assert.Equal(t, 2048, enc.N.BitLen())
	assert.False(t, sig.PublicKey.Equal(&enc.PublicKey), "two distinct keys")

	ct, err := base64.StdEncoding.DecodeString(d.AccessTokenSecret)
	require.NoError(t, err)
	secret, err := rsa.DecryptPKCS1v15(nil, enc, ct)
	require.NoError(t, err, "the secret decrypts with the encryption key")
	assert.Equal(t, demoOAuth1SecretHex, hex.EncodeToString(secret))
	assert.Len(t, secret, 32)

	blk, rest := pem.Decode([]byte(d.DHParamsPEM))
	require.NotNil(t, blk)
	assert.Empty(t, rest)
	assert.Equal(t, "DH PARAMETERS", blk.Type)
	var params struct{ P, G *big.Int }
	tail, err := asn1.Unmarshal(blk.Bytes, &params)
	require.NoError(t, err)
	assert.Empty(t, tail)
	assert.Equal(t, d.DHPrimeHex, params.P.Text(16), "PEM prime == hex prime")
	assert.Equal(t, d.DHGenerator, params.G.String())
	assert.Equal(t, strings.ToLower(rfc3526Group14), d.DHPrimeHex)
	assert.Equal(t, 2048, params.P.BitLen())
	assert.True(t, params.P.ProbablyPrime(20))

	c := demoConsumer()
	assert.Equal(t, secret, c.AccessTokenSecret)
	assert.True(t, c.SignatureKey.Equal(&sig.PublicKey))
	assert.Equal(t, 0, c.DHPrime.Cmp(params.P))
	assert.Equal(t, 0, c.DHGenerator.Cmp(params.G))
	assert.Equal(t, DemoClient().Credential, c.Credential)

	s := New(Options{})
	defer s.Close()
	assert.Contains(t, s.consumers, d.ConsumerKey)
}
