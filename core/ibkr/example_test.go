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
