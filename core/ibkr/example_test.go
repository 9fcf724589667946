package ibkr_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/brokerauth/brokerauth/core/ibkr"
	ibkrsim "github.com/brokerauth/brokerauth/sim/ibkr"
)

// Log in to the simulator with its demo client, call the API, log out.
// Against IBKR, leave BaseURL and IPLookupURL empty and use your own
// client id, key id, credential and PEM key.
func Example() {
	sim := ibkrsim.New(ibkrsim.Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()

	demo := ibkrsim.DemoClient()
	client, err := ibkr.New(ibkr.Config{
		ClientID:    demo.ClientID,
		ClientKeyID: demo.ClientKeyID,
		Credential:  demo.Credential,
		PrivateKey:  demo.PrivateKeyPEM,
		BaseURL:     srv.URL,
		IPLookupURL: srv.URL + "/__sim/ip",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	session, err := client.Login(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(session.Broker, "authenticated:", session.Authenticated)

	// A bot would now run `go client.KeepAlive(ctx, 0)`.
	resp, err := client.Request(ctx, "GET", "/v1/api/portfolio/accounts", nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("accounts:", resp.Status)
	fmt.Println("logout:", client.Logout(ctx))
	// Output:
	// ibkr authenticated: true
	// accounts: 200
	// logout: <nil>
}

// OAuth 1.0a: the values IBKR's self-service portal issues (ibind's
// consumer_key, access_token, access_token_secret, the two private keys
// and dhparam.pem), here the simulator's demo consumer. Each request is
// signed; AuthorizationHeader signs one the caller sends itself.
func ExampleNew_oauth1() {
	sim := ibkrsim.New(ibkrsim.Options{})
	srv := httptest.NewServer(sim)
	defer srv.Close()

	demo := ibkrsim.DemoOAuth1()
	client, err := ibkr.New(ibkr.Config{
		ConsumerKey:       demo.ConsumerKey,
		AccessToken:       demo.AccessToken,
		AccessTokenSecret: demo.AccessTokenSecret,
		SignatureKey:      demo.SignatureKeyPEM,
		EncryptionKey:     demo.EncryptionKeyPEM,
		DHParams:          demo.DHParamsPEM,
		BaseURL:           srv.URL,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	resp, err := client.Request(ctx, "GET", "/v1/api/portfolio/accounts", nil, nil) // logs in first
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("accounts:", resp.Status)
	header, err := client.AuthorizationHeader(ctx, "GET", "/v1/api/tickle")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(header[:len(`OAuth realm="limited_poa"`)])
	fmt.Println("logout:", client.Logout(ctx))
	// Output:
	// accounts: 200
	// OAuth realm="limited_poa"
	// logout: <nil>
}
