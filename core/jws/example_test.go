package jws_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/brokerauth/brokerauth/core/jws"
)

// Sign the client assertion of IBKR's token call, then check it as IBKR
// would.
func Example() {
	k, _ := rsa.GenerateKey(rand.Reader, 2048) // normally: the PEM file you registered
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))

	key, err := jws.ParsePrivateKey(pemText)
	if err != nil {
		fmt.Println(err)
		return
	}
	token, err := jws.Sign(key, jws.Header{Kid: "my-client-key-id"}, map[string]any{
		"iss": "my-client-id", "sub": "my-client-id", "aud": "/token",
		"iat": 1700000000 - 10, "exp": 1700000000 + 20,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	header, claims, err := jws.Verify(token, &key.PublicKey)
	fmt.Println(header["alg"], header["kid"], claims["aud"], err)
	// Output: RS256 my-client-key-id /token <nil>
}
