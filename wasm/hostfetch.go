//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"syscall/js"

	"github.com/brokerauth/brokerauth/core"
)

// hostTransport is the core.HTTP the wasm uses when the JS wrapper lends it
// a fetch helper (js/hostfetch.js): every js.Value that crosses between Go
// and JS costs several microseconds, so a request crosses three times (the
// request line and headers as one string, the body as one Uint8Array, the
// call) and the answer once (status and lengths as numbers, the response
// headers and body as one Uint8Array). Bodies Go has no use for do not
// cross at all: a request() body and its 2xx answer stay with the wrapper
// (core.Request.HostRef).
//
// The helper reads the whole body in JS before it answers, so a body that
// stalls is ended by the request's context like a slow header is: Go asks
// the helper to abort.
type hostTransport struct {
	fetch js.Value // host.fetch(id, head, body, callRef, hostBody)
	abort js.Value // host.abort(id)

	replies replies[hostReply]
}

func newHostTransport() *hostTransport {
	return &hostTransport{}
}

type hostReply struct {
	status  int
	header  core.Header
	body    []byte
	kept    bool   // the 2xx body stayed with the wrapper
	failure string // no response: a fixed phrase from failureKinds
	large   bool   // the body went past the request's limit
}

// adopt takes the helper from what the wrapper's start-up callback
// returned, reporting false (and the wasm keeps tinyutil's transport) when
// there is none: under `go test` the wasm runs without the wrapper.
func (t *hostTransport) adopt(host js.Value) bool {
	if host.Type() != js.TypeObject {
		return false
	}
	fetch, abort := host.Get("fetch"), host.Get("abort")
	if fetch.Type() != js.TypeFunction || abort.Type() != js.TypeFunction {
		return false
	}
	t.fetch, t.abort = fetch, abort
	return true
}

// Do sends req through the helper.
func (t *hostTransport) Do(ctx context.Context, req *core.Request) (*core.Response, error) {
	head, err := requestHead(req)
	if err != nil {
		return nil, err
	}
	body := js.Null()
	if len(req.Body) > 0 {
		body = uint8Array.New(len(req.Body))
		js.CopyBytesToJS(body, req.Body)
	}
	callRef := 0
	if ref, ok := req.HostRef.(int); ok {
		callRef = ref
	}
	id, replies := t.replies.register()
	defer t.replies.forget(id)
	t.fetch.Invoke(id, head, body, callRef, req.HostBody, float64(core.LimitOf(req)))

	select {
	case <-ctx.Done():
		t.abort.Invoke(id)
		return nil, ctx.Err()
	case r := <-replies:
		if r.failure != "" {
			return nil, &url.Error{Op: req.Method, URL: origin(req.URL), Err: errors.New("fetch() failed: " + r.failure)}
		}
		if r.large {
			return nil, &core.TooLarge{Status: r.status}
		}
		resp := &core.Response{Status: r.status, Header: r.header, Body: r.body}
		if r.kept {
			resp.HostRef = callRef
		}
		return resp, nil
	}
}

// origin is scheme://host of a URL, for an error: a path or query could
// carry something private.
func origin(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Scheme + "://" + u.Host
	}
	return ""
}

var uint8Array = js.Global().Get("Uint8Array")

// requestHead is "METHOD URL\n" then one "Name:value\n" per header value.
// Names and values that could break this framing (or that fetch refuses)
// are refused first, by name only: a value may be a secret.
func requestHead(req *core.Request) (string, error) {
	var b strings.Builder
	b.WriteString(req.Method)
	b.WriteByte(' ')
	b.WriteString(req.URL)
	b.WriteByte('\n')
	if err := checkHeaders(req.Header); err != nil {
		return "", err
	}
	for name, values := range req.Header {
		for _, v := range values {
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}

// checkHeaders refuses a header that fetch would refuse, or that could
// break requestHead's framing, by its name only: a value may be a secret.
// Both ways out (the lent helper and tinyutil's client) check with it.
func checkHeaders(h map[string][]string) error {
	for name, values := range h {
		for _, v := range values {
			if !core.ValidHeaderName(name) || !core.ValidHeaderValue(v) {
				return &core.Error{Code: core.CodeInvalidArgument,
					Message: "the " + safeHeaderName(name) + " header holds characters an HTTP header cannot carry (line breaks or non-ASCII characters such as smart quotes)"}
			}
		}
	}
	return nil
}

// safeHeaderName is the name to put in an error: header names are fixed
// strings, but a caller's odd name is shown only if it is a clean token.
func safeHeaderName(name string) string {
	if core.ValidHeaderName(name) && len(name) <= 40 {
		return name
	}
	return "(unnamed)"
}

// done is called by the helper: done(id, status, headLen, totalLen, packed,
// large, kept) with packed = response header lines then body (no body when
// kept), or done(id, 0, failureKind) when there was no response. Replies
// for requests Go has stopped waiting for (canceled) are dropped.
func (t *hostTransport) done(_ js.Value, args []js.Value) any {
	defer func() { _ = recover() }() // a malformed call must not stop the runtime
	if len(args) < 3 {
		return nil
	}
	ch := t.replies.take(args[0].Int())
	if ch == nil {
		return nil
	}
	status := args[1].Int()
	if status == 0 || len(args) < 7 {
		ch <- hostReply{failure: failureKind(args[2])}
		return nil
	}
	headLen, total := args[2].Int(), args[3].Int()
	if headLen < 0 || total < headLen || total > maxHostBody {
		ch <- hostReply{failure: "malformed answer"}
		return nil
	}
	packed := make([]byte, total)
	js.CopyBytesToGo(packed, args[4])
	ch <- hostReply{
		status: status,
		header: parseHeaderLines(packed[:headLen]),
		body:   packed[headLen:],
		large:  args[5].Truthy(),
		kept:   args[6].Truthy(),
	}
	return nil
}

// maxHostBody bounds what the helper may hand over: above core.DataLimit,
// the largest limit a request has.
const maxHostBody = core.DataLimit + 1<<20

// failureKinds are the phrases the helper may report; core.TransportError
// recognises them. Anything else becomes the generic one, so nothing the
// JS side says (an error message could quote a URL) reaches Go errors.
var failureKinds = map[string]bool{
	"connection refused":     true,
	"connection reset":       true,
	"no such host":           true,
	"network is unreachable": true,
}

func failureKind(v js.Value) string {
	if v.Type() == js.TypeString {
		if s := v.String(); failureKinds[s] {
			return s
		}
	}
	return "network error"
}

// parseHeaderLines reads "Name:value\n" lines. The helper has already put
// the names in canonical form (fetch gives them in lower case) and values
// carry no line breaks.
func parseHeaderLines(b []byte) core.Header {
	h := core.Header{}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		name := string(line[:colon])
		h[name] = append(h[name], string(line[colon+1:]))
	}
	return h
}
