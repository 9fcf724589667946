//go:build js && wasm

package main

import (
	"context"
	"net/http"
	"syscall/js"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/ibkr"
)

func init() { factories[core.BrokerIBKR] = newIBKRClient }

type ibkrClient struct{ *ibkr.Client }

func newIBKRClient(v js.Value, onChange func(*core.Session)) (sessionClient, error) {
	o := &options{v: v, broker: core.BrokerIBKR}
	cfg := ibkr.Config{
		ClientID:        o.str("clientId"),
		ClientKeyID:     o.str("clientKeyId"),
		Credential:      o.str("credential"),
		PrivateKey:      o.str("privateKey"),
		Domain:          o.str("domain"),
		BaseURL:         o.str("baseURL"),
		IP:              o.str("ip"),
		IPLookupURL:     o.str("ipLookupURL"),
		Timeout:         o.timeout(),
		HTTPClient:      fetchClient,
		OnSessionChange: onChange,
	}
	if o.err != nil {
		return nil, o.err
	}
	c, err := ibkr.New(cfg)
	if err != nil {
		return nil, err
	}
	return ibkrClient{c}, nil
}

func (c ibkrClient) request(ctx context.Context, method, path string, body []byte, h http.Header) (int, http.Header, []byte, error) {
	r, err := c.Request(ctx, method, path, body, h)
	if err != nil {
		return 0, nil, nil, err
	}
	// The Go client hands back every status; JS request() resolves to a
	// body only for a success, like the IG and Capital.com clients.
	if err := r.Err(); err != nil {
		return 0, nil, nil, err
	}
	return r.Status, r.Header, r.Body, nil
}

func (c ibkrClient) extra(ctx context.Context, method string, _ []js.Value) (any, bool, error) {
	switch method {
	case "validate":
		body, err := c.Validate(ctx)
		return body, true, err
	case "tickle":
		t, err := c.Tickle(ctx)
		return tickleToJS(t, true), true, err
	case "status":
		t, err := c.Status(ctx)
		return tickleToJS(t, false), true, err
	}
	return nil, false, nil
}

func tickleToJS(t *ibkr.TickleResult, withSession bool) any {
	if t == nil {
		return nil
	}
	out := map[string]any{"authenticated": t.Authenticated, "competing": t.Competing, "connected": t.Connected}
	if withSession {
		out["session"] = t.Session
	}
	return out
}
