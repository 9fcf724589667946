//go:build js && wasm

package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/syumai/tinyutil/httputil"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/nethttp"
)

// transport is the wasm's one core.HTTP. main swaps in the wrapper's lean
// fetch helper (hostfetch.go); without the wrapper (go test) it is
// tinyutil's httputil client, the fetch transport of Go's own net/http
// copied, through net/http's adapter, with three guards that transport
// lacks:
//
//   - Header values JS refuses (CR/LF, characters outside Latin-1, e.g. an
//     API key pasted with smart quotes) make Headers.append throw, which
//     is a Go panic. They are refused first, by header name only: the
//     value may be a secret.
//   - Anything else that throws inside the transport is recovered into a
//     plain error, without the JS message (which may quote a header).
//   - tinyutil watches the request's context only until the response
//     headers arrive; a server that then stalls the body would hang the
//     call forever. The body is closed when the context ends, and a read
//     cut short that way reports the context's error (so: timeout).
var transport core.HTTP = nethttp.Transport{Client: guardedFetch{inner: httputil.DefaultClient}}

type guardedFetch struct{ inner nethttp.Doer }

var errFetchThrew = errors.New("fetch() threw")

func (g guardedFetch) Do(req *http.Request) (resp *http.Response, err error) {
	if err := checkHeaders(req.Header); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			resp, err = nil, hostError(req, errFetchThrew)
		}
	}()
	resp, err = g.inner.Do(req)
	if err != nil {
		return nil, hostError(req, err)
	}
	ctx := req.Context()
	body := resp.Body
	stop := context.AfterFunc(ctx, func() { _ = body.Close() })
	resp.Body = &contextBody{body: body, ctx: ctx, stop: stop}
	return resp, nil
}

// hostError wraps a transport failure in a *url.Error naming the request's
// origin, as net/http's Client does (tinyutil's does not), so that the
// error the flows build says which host could not be reached. Only scheme
// and host: a query or path could carry something private.
func hostError(req *http.Request, err error) error {
	var typed *core.Error
	if errors.As(err, &typed) || req.URL == nil {
		return err
	}
	return &url.Error{Op: req.Method, URL: req.URL.Scheme + "://" + req.URL.Host, Err: err}
}

// contextBody ends a body read when its request's context ends.
type contextBody struct {
	body io.ReadCloser
	ctx  context.Context
	stop func() bool
	eof  bool
}

func (b *contextBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if err != nil && b.ctx.Err() != nil {
		return n, b.ctx.Err()
	}
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

// Close cancels the body stream only if it was not read to the end:
// tinyutil's Close calls reader.cancel(), and a cancel that lands just
// after the last chunk can make the browser log a finished request as
// aborted (net::ERR_ABORTED).
func (b *contextBody) Close() error {
	b.stop()
	if b.eof {
		return nil
	}
	return b.body.Close()
}
