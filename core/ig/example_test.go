package ig_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/ig"
	igsim "github.com/brokerauth/brokerauth/sim/ig"
)

// Log in to IG (here its simulator) with an encrypted password, make a
// call, and see what a wrong password looks like.
func Example() {
	broker := igsim.New(igsim.Options{})
	srv := httptest.NewServer(broker)
	defer srv.Close()

	c, err := ig.New(ig.Config{
		APIKey:     igsim.DemoAPIKey,
		Identifier: igsim.DemoIdentifier,
		Password:   igsim.DemoPassword,
		BaseURL:    srv.URL + "/gateway/deal", // omit for IG's demo environment
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
	fmt.Println("logged in on", session.AccountID, "with", len(session.Headers), "headers")

	resp, err := c.Request(ctx, "GET", "/accounts", nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("GET /accounts:", resp.Status)

	wrong, _ := ig.New(ig.Config{APIKey: igsim.DemoAPIKey, Identifier: igsim.DemoIdentifier, Password: "nope", BaseURL: srv.URL + "/gateway/deal"})
	_, err = wrong.Login(ctx)
	var e *core.Error
	if errors.As(err, &e) {
		fmt.Println(e.Step, e.Status, e.Code)
	}
	// Output:
	// logged in on Z3SIM1 with 3 headers
	// GET /accounts: 200
	// login 401 error.security.invalid-details
}
