//go:build js && wasm

package main

import (
	"context"
	"net/http"
	"syscall/js"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/capital"
)

func init() { factories[core.BrokerCapital] = newCapitalClient }

type capitalClient struct{ *capital.Client }

func newCapitalClient(v js.Value, onChange func(*core.Session)) (sessionClient, error) {
	o := &options{v: v, broker: core.BrokerCapital}
	cfg := capital.Config{
		APIKey:          o.str("apiKey"),
		Identifier:      o.str("identifier"),
		Password:        o.str("password"),
		Environment:     o.str("environment"),
		BaseURL:         o.str("baseURL"),
		Encrypt:         o.boolPtr("encrypt"),
		Timeout:         o.timeout(),
		HTTPClient:      fetchClient,
		OnSessionChange: onChange,
	}
	if o.err != nil {
		return nil, o.err
	}
	c, err := capital.New(cfg)
	if err != nil {
		return nil, err
	}
	return capitalClient{c}, nil
}

func (c capitalClient) request(ctx context.Context, method, path string, body []byte, h http.Header) (int, http.Header, []byte, error) {
	r, err := c.Request(ctx, method, path, body, h)
	if err != nil {
		return 0, nil, nil, err
	}
	return r.Status, r.Header, r.Body, nil
}

func (c capitalClient) extra(ctx context.Context, method string, args []js.Value) (any, bool, error) {
	switch method {
	case "switchAccount":
		return switchAccount(ctx, c.SwitchAccount, args)
	case "ping":
		return nil, true, c.Ping(ctx)
	}
	return nil, false, nil
}
