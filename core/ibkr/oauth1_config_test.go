package ibkr

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
)

// vectorConfig is IBKR's TESTCONS consumer from the worked example.
func vectorConfig(t *testing.T) Config {
	v := loadVectors(t)
	return Config{
		ConsumerKey:       v.ConsumerKey,
		AccessToken:       v.LiveSessionToken.Params["oauth_token"],
		AccessTokenSecret: v.AccessTokenSecret.EncryptedBase64,
		SignatureKey:      v.Keys.SigningPrivateKeyPkcs8,
		EncryptionKey:     v.Keys.EncryptionPrivateKeyPkcs8,
		DHParams:          v.DH.DHParamsPem,
		BaseURL:           "http://127.0.0.1:1",
	}
}

func TestOAuth1ConfigFromTheWorkedExample(t *testing.T) {
	v := loadVectors(t)
	m, s, err := vectorConfig(t).check()
	require.NoError(t, err)
	f, ok := m.(*oauth1)
	require.True(t, ok)
	assert.Equal(t, TestRealm, f.realm, "TESTCONS defaults to test_realm")
	assert.Equal(t, v.AccessTokenSecret.PrependHex, f.prepend)
	assert.Equal(t, "http://127.0.0.1:1", s.Base)

	cfg := vectorConfig(t)
	cfg.ConsumerKey, cfg.DHParams, cfg.DHPrime, cfg.DHGenerator = "ABCDEFGHI", "", "0x"+v.DH.PrimeHex, v.DH.GeneratorDecimal
	m, _, err = cfg.check()
	require.NoError(t, err)
	assert.Equal(t, DefaultRealm, m.(*oauth1).realm)

	// openssl dhparam -text prints the prime with colons and line breaks.
	var spaced strings.Builder
	for i := 0; i < len(v.DH.PrimeHex); i += 2 {
		spaced.WriteString(v.DH.PrimeHex[i:min(i+2, len(v.DH.PrimeHex))] + ":")
		if i%30 == 28 {
			spaced.WriteString("\n    ")
		}
	}
	cfg.DHPrime, cfg.DHGenerator = spaced.String(), ""
	m, _, err = cfg.check()
	require.NoError(t, err)
	assert.Equal(t, int64(2), m.(*oauth1).dh.g.Int64(), "the generator defaults to 2")
}

func TestOAuth1ConfigRefusals(t *testing.T) {
	v := loadVectors(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	require.NoError(t, err)
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}))
	sigKey, err := parseKey("SignatureKey", v.Keys.SigningPrivateKeyPkcs8)
	require.NoError(t, err)
	pubDER, err := x509.MarshalPKIXPublicKey(&sigKey.PublicKey)
	require.NoError(t, err)
	pubPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))

	for _, tc := range []struct {
		name   string
		change func(*Config)
		code   core.Code
		says   string
	}{
		{"both modes", func(c *Config) { c.ClientID = "x" }, core.CodeInvalidArgument, "both set"},
		{"neither mode", func(c *Config) { c.ConsumerKey = " " }, core.CodeInvalidArgument, "set ConsumerKey"},
		{"an OAuth 2.0 setting", func(c *Config) { c.PrivateKey = "x" }, core.CodeInvalidArgument, "PrivateKey is an OAuth 2.0 setting"},
		{"no access token", func(c *Config) { c.AccessToken = "" }, core.CodeInvalidArgument, "AccessToken is required"},
		{"no secret", func(c *Config) { c.AccessTokenSecret = "" }, core.CodeInvalidArgument, "AccessTokenSecret is required"},
		{"malformed PEM", func(c *Config) { c.SignatureKey = "-----BEGIN PRIVATE KEY-----\nMIIE\n" }, core.CodeInvalidKey, "SignatureKey: "},
		{"EC key", func(c *Config) { c.EncryptionKey = ecPEM }, core.CodeInvalidKey, "EncryptionKey: this is an EC key"},
		{"public key", func(c *Config) { c.SignatureKey = pubPEM }, core.CodeInvalidKey, "SignatureKey: this is a public key"},
		{"secret not base64", func(c *Config) { c.AccessTokenSecret = "not base64!" }, core.CodeInvalidArgument, "AccessTokenSecret is not base64"},
		{"secret for another key", func(c *Config) { c.EncryptionKey = c.SignatureKey }, core.CodeInvalidKey, "does not decrypt with EncryptionKey"},
		{"both DH forms", func(c *Config) { c.DHPrime = "ff" }, core.CodeInvalidArgument, "both set"},
		{"generator with DHParams", func(c *Config) { c.DHGenerator = "2" }, core.CodeInvalidArgument, "DHGenerator goes with DHPrime"},
		{"no DH at all", func(c *Config) { c.DHParams = "" }, core.CodeInvalidArgument, "DHPrime is empty"},
		{"non-hex prime", func(c *Config) { c.DHParams, c.DHPrime = "", "12xz" }, core.CodeInvalidArgument, "DHPrime is not hex"},
		{"tiny prime", func(c *Config) { c.DHParams, c.DHPrime = "", "2" }, core.CodeInvalidArgument, "smaller than 3"},
		{"bad generator", func(c *Config) { c.DHParams, c.DHPrime, c.DHGenerator = "", "ff", "two" }, core.CodeInvalidArgument, "DHGenerator is not a decimal"},
		{"generator 1", func(c *Config) { c.DHParams, c.DHPrime, c.DHGenerator = "", "ff", "1" }, core.CodeInvalidArgument, "generator is smaller than 2"},
		{"DHParams not PEM", func(c *Config) { c.DHParams = "MIIBCAKCAQEA" }, core.CodeInvalidArgument, "DHParams is not PEM"},
		{"DHParams a key", func(c *Config) { c.DHParams = c.SignatureKey }, core.CodeInvalidArgument, "PRIVATE KEY PEM block"},
		{"DHParams bad DER", func(c *Config) {
			c.DHParams = string(pem.EncodeToMemory(&pem.Block{Type: "DH PARAMETERS", Bytes: []byte{0x30, 0x03, 0x02, 0x01}}))
		}, core.CodeInvalidArgument, "not PKCS#3"},
		{"bad domain", func(c *Config) { c.BaseURL, c.Domain = "", "evil.example" }, core.CodeInvalidArgument, "Domain must be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := vectorConfig(t)
			tc.change(&cfg)
			_, _, err := cfg.check()
			var e *core.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, core.BrokerIBKR, e.Broker)
			assert.Contains(t, e.Message, tc.says)
			for _, secret := range []string{v.AccessTokenSecret.PrependHex, v.AccessTokenSecret.DecryptedBase64, v.AccessTokenSecret.EncryptedBase64[:40], "MIIE"} {
				assert.NotContains(t, e.Error(), secret)
			}
		})
	}
}

// Hex and decimal of any length; an even prime is refused.
func TestDHNumbers(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{{"f", true}, {"0fff", true}, {"", false}, {"xz", false}, {"-1", false}} {
		x, ok := parseHex(tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
		if ok {
			want, _ := new(big.Int).SetString(tc.in, 16)
			assert.Equal(t, want, x)
		}
	}
	long := strings.Repeat("1234567890", 40)
	for _, tc := range []struct {
		in string
		ok bool
	}{{"2", true}, {long, true}, {"12345678901234567890", true}, {"+2", false}, {"-2", false}, {"1e3", false}, {"12 3", false}} {
		x, ok := parseDecimal(tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
		if ok {
			want, _ := new(big.Int).SetString(tc.in, 10)
			assert.Equal(t, want, x)
		}
	}
	_, err := parseDHPrime("fffffffffffffffffffffffe", "5")
	var e *core.Error
	require.ErrorAs(t, err, &e)
	assert.Contains(t, e.Message, "the prime is even")
	d, err := parseDHPrime("ffffffffffffffffffffffff", "5")
	require.NoError(t, err)
	a := big.NewInt(123456789)
	assert.Equal(t, new(big.Int).Exp(big.NewInt(5), a, d.p), d.exp(d.g, a))
}
