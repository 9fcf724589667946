package capital_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/brokerauth/brokerauth/core/capital"
	capsim "github.com/brokerauth/brokerauth/sim/capital"
)

// Log in to Capital.com (here its simulator), switch account and keep the
// session alive with a ping.
func Example() {
	broker := capsim.New(capsim.Options{})
	srv := httptest.NewServer(broker)
	defer srv.Close()

	c, err := capital.New(capital.Config{
		APIKey:     capsim.DemoAPIKey,
		Identifier: capsim.DemoIdentifier,
		Password:   capsim.DemoPassword,
		BaseURL:    srv.URL, // omit for Capital.com's demo environment
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	session, err := c.Login(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("logged in on", session.AccountID)
	session, err = c.SwitchAccount(ctx, session.Accounts[1].ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("switched to", session.AccountID)
	fmt.Println("ping:", c.Ping(ctx))
	// Output:
	// logged in on 250316283046346693
	// switched to 250316283046346694
	// ping: <nil>
}
