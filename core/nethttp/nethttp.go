// Package nethttp connects brokerauth's one I/O seam, core.HTTP, to
// net/http: a Transport sends each request with an *http.Client (or
// anything with its Do method). The broker packages use it for
// Config.HTTPClient and, natively, as the default.
package nethttp

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
)

// Doer sends one net/http request; *http.Client is one.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Transport is a core.HTTP that sends through Client.
type Transport struct{ Client Doer }

// Do sends req with t.Client and reads the answer's body, up to its limit.
func (t Transport) Do(ctx context.Context, req *core.Request) (*core.Response, error) {
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		// Only a malformed method or URL gets here; the message echoes
		// neither.
		return nil, &core.Error{Code: core.CodeInvalidArgument, Message: "the request cannot be built (bad method or URL)"}
	}
	if req.Header != nil {
		hreq.Header = http.Header(req.Header.Clone())
	}
	resp, err := t.Client.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	limit := core.LimitOf(req)
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &core.TooLarge{Status: resp.StatusCode}
	}
	return &core.Response{Status: resp.StatusCode, Header: core.Header(resp.Header), Body: b}, nil
}

// Or is the seam a client configuration means: h if set, else a Transport
// over client if set, else Default (nil under GOOS=js, which the config
// check then refuses with core.NoHTTPMessage).
func Or(h core.HTTP, client Doer) core.HTTP {
	switch {
	case h != nil:
		return h
	case client != nil:
		return Transport{Client: client}
	}
	return Default()
}
