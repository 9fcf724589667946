//go:build js && wasm

package main

import (
	"context"
	"net/http"
	"syscall/js"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/ig"
)

func init() { factories[core.BrokerIG] = newIGClient }

type igClient struct{ *ig.Client }

func newIGClient(v js.Value, onChange func(*core.Session)) (sessionClient, error) {
	o := &options{v: v, broker: core.BrokerIG}
	cfg := ig.Config{
		APIKey:          o.str("apiKey"),
		Identifier:      o.str("identifier"),
		Password:        o.str("password"),
		Environment:     o.str("environment"),
		BaseURL:         o.str("baseURL"),
		Version:         int(o.num("version")),
		Encrypt:         o.boolPtr("encrypt"),
		Timeout:         o.timeout(),
		HTTPClient:      fetchClient,
		OnSessionChange: onChange,
	}
	if o.err != nil {
		return nil, o.err
	}
	c, err := ig.New(cfg)
	if err != nil {
		return nil, err
	}
	return igClient{c}, nil
}

func (c igClient) request(ctx context.Context, method, path string, body []byte, h http.Header) (int, http.Header, []byte, error) {
	r, err := c.Request(ctx, method, path, body, h)
	if err != nil {
		return 0, nil, nil, err
	}
	return r.Status, r.Header, r.Body, nil
}

func (c igClient) extra(ctx context.Context, method string, args []js.Value) (any, bool, error) {
	switch method {
	case "switchAccount":
		return switchAccount(ctx, c.SwitchAccount, args)
	case "setDefaultAccount":
		return switchAccount(ctx, c.SetDefaultAccount, args)
	case "sessionTokens":
		cst, xst, err := c.SessionTokens(ctx)
		if err != nil {
			return nil, true, err
		}
		return map[string]any{"cst": cst, "xst": xst}, true, nil
	case "refresh":
		s, err := c.Refresh(ctx)
		return sessionToJS(s), true, err
	case "streamingCredentials":
		sc, err := c.StreamingCredentials(ctx)
		if err != nil {
			return nil, true, err
		}
		return map[string]any{"endpoint": sc.Endpoint, "accountId": sc.AccountID, "cst": sc.CST, "xst": sc.XST, "password": sc.Password}, true, nil
	}
	return nil, false, nil
}
