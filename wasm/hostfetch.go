//go:build js && wasm

package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall/js"
)

// hostTransport is the http.RoundTripper the wasm uses when the JS wrapper
// lends it a fetch helper (js/hostfetch.js). It exists for speed: every
// js.Value that crosses between Go and JS costs several microseconds, and
// tinyutil's fetch transport, a copy of Go's own, crosses once per request
// header, several times per response header and per body chunk, which
// made a login 1.7× slower than the same requests written by hand in JS.
// Here a request crosses three times (the request line and headers as one
// string, the body as one Uint8Array, the call), and the answer once (the
// status and lengths are numbers, which cross for free, and the response
// headers and body come as one Uint8Array).
//
// The helper reads the whole body in JS (up to maxHostBody) before it
// answers, so a body that stalls is ended by the request's context like a
// slow header is: Go asks the helper to abort.
type hostTransport struct {
	fetch js.Value // host.fetch(id, head, body)
	abort js.Value // host.abort(id)

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan hostReply
}

func newHostTransport() *hostTransport {
	return &hostTransport{waiting: map[int]chan hostReply{}}
}

// maxHostBody bounds a response body the helper buffers. It is above every
// limit the flows read with (cstsession.DataLimit, ibkr's maxRequestBody),
// so they still see "larger than brokerauth reads" for a body past theirs.
const maxHostBody = 64 << 20

type hostReply struct {
	status   int
	header   http.Header
	body     []byte
	tooLarge bool   // the body went past maxHostBody and was cut there
	failure  string // no response: a fixed phrase from failureKinds
}

// errBodyTooLarge ends a body the helper cut at maxHostBody.
var errBodyTooLarge = errors.New("the response body is larger than brokerauth reads")

// adopt takes the helper from what the wrapper's start-up callback
// returned, reporting false (and the wasm keeps tinyutil's own transport)
// when there is none: under `go test` the wasm runs without the wrapper.
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

func (t *hostTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	head, err := requestHead(req)
	if err != nil {
		return nil, err
	}
	body := js.Null()
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		if len(b) > 0 {
			body = uint8Array.New(len(b))
			js.CopyBytesToJS(body, b)
		}
	}

	id, replies := t.register()
	defer t.forget(id)
	t.fetch.Invoke(id, head, body)

	ctx := req.Context()
	select {
	case <-ctx.Done():
		t.abort.Invoke(id)
		return nil, ctx.Err()
	case r := <-replies:
		if r.failure != "" {
			return nil, errors.New("fetch() failed: " + r.failure)
		}
		var body io.ReadCloser = &memBody{Reader: bytes.NewReader(r.body), b: r.body}
		if r.tooLarge {
			body = io.NopCloser(io.MultiReader(bytes.NewReader(r.body), errReader{errBodyTooLarge}))
		}
		return &http.Response{
			Status:        strconv.Itoa(r.status) + " " + http.StatusText(r.status),
			StatusCode:    r.status,
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        r.header,
			Body:          body,
			ContentLength: -1,
			Request:       req,
		}, nil
	}
}

var uint8Array = js.Global().Get("Uint8Array")

// requestHead is "METHOD URL\n" then one "Name:value\n" per header value.
// guardedFetch has already refused names and values that could break this
// framing (or that fetch would refuse).
func requestHead(req *http.Request) (string, error) {
	if req.URL == nil {
		return "", errors.New("the request has no URL")
	}
	var b strings.Builder
	b.WriteString(req.Method)
	b.WriteByte(' ')
	b.WriteString(req.URL.String())
	b.WriteByte('\n')
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

func (t *hostTransport) register() (int, chan hostReply) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nextID++
	ch := make(chan hostReply, 1)
	t.waiting[t.nextID] = ch
	return t.nextID, ch
}

func (t *hostTransport) forget(id int) {
	t.mu.Lock()
	delete(t.waiting, id)
	t.mu.Unlock()
}

// done is called by the helper: done(id, status, headLen, totalLen, packed,
// tooLarge) with packed = response header lines then body, or done(id, 0,
// failureKind) when there was no response. Replies for requests Go has
// stopped waiting for (canceled) are dropped.
func (t *hostTransport) done(_ js.Value, args []js.Value) any {
	defer func() { _ = recover() }() // a malformed call must not stop the runtime
	if len(args) < 3 {
		return nil
	}
	id := args[0].Int()
	t.mu.Lock()
	ch := t.waiting[id]
	delete(t.waiting, id)
	t.mu.Unlock()
	if ch == nil {
		return nil
	}
	status := args[1].Int()
	if status == 0 || len(args) < 6 {
		ch <- hostReply{failure: failureKind(args[2])}
		return nil
	}
	headLen, total := args[2].Int(), args[3].Int()
	if headLen < 0 || total < headLen || total > maxHostBody+(1<<20) {
		ch <- hostReply{failure: "malformed answer"}
		return nil
	}
	packed := make([]byte, total)
	js.CopyBytesToGo(packed, args[4])
	ch <- hostReply{
		status:   status,
		header:   parseHeaderLines(packed[:headLen]),
		body:     packed[headLen:],
		tooLarge: args[5].Truthy(),
	}
	return nil
}

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
// the names in canonical form (fetch gives them in lower case; Header.Get
// looks up the canonical form) and values carry no line breaks.
func parseHeaderLines(b []byte) http.Header {
	h := http.Header{}
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

// memBody is a response body the helper read in full. Nothing can stall
// it, so guardedFetch does not tie it to the request's context, and Bytes
// lets a reader that wants it all (core.ReadBody) take it without a
// copy.
type memBody struct {
	*bytes.Reader
	b []byte
}

func (*memBody) Close() error { return nil }

// Bytes returns the unread part of the body, and marks it read.
func (m *memBody) Bytes() []byte {
	rest := m.b[len(m.b)-m.Len():]
	m.Reset(nil)
	return rest
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
