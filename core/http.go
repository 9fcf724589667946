package core

import (
	"context"
	"errors"
	"net/url"
	"strings"
)

// HTTP is the one I/O seam: every request brokerauth makes goes through
// it, with the answer's body read in full. Natively it is a net/http
// client (package core/nethttp); in WebAssembly, the host's fetch.
// Package core itself never imports net/http, so that a program that only
// encrypts passwords links no HTTP stack.
//
// Do fails only when there is no complete answer (refused, reset, timed
// out, canceled, a body over Request.Limit); any status is an answer.
type HTTP interface {
	Do(ctx context.Context, req *Request) (*Response, error)
}

// Request is one HTTP request to a broker.
type Request struct {
	Method string
	URL    string
	Header Header
	Body   []byte
	// Limit bounds the answer's body; a longer one makes Do fail with
	// ErrBodyTooLarge. Zero means DefaultLimit.
	Limit int64
	// HostRef is the host's handle on the call that makes this request
	// (the JavaScript wrapper's call id), for a transport that knows it:
	// bodies that Go has no use for stay with the host. The request body,
	// when HostBody says there is one, is the host's; and a 2xx answer's
	// body stays with the host too (Response.HostRef says so, and Body is
	// empty). A non-2xx body always comes back: the broker's error code is
	// in it. Other transports ignore HostRef.
	HostRef  any
	HostBody bool
}

// HasBody reports whether req sends a body, in Body or with the host.
func (req *Request) HasBody() bool { return len(req.Body) > 0 || req.HostBody }

// Response is a broker's answer, the one response type of every client.
type Response struct {
	Status int
	Header Header
	Body   []byte
	// HostRef is set when the host kept this 2xx answer's body (see
	// Request.HostRef): the JavaScript wrapper hands it to its caller
	// without a trip through Go.
	HostRef any
}

// OK reports a 2xx status.
func (r *Response) OK() bool { return r.Status >= 200 && r.Status <= 299 }

// Read limits: login and session answers are a few kilobytes; data calls
// made through Request (price history, portfolios) can be larger.
const (
	DefaultLimit = 1 << 20
	DataLimit    = 32 << 20
)

// ErrBodyTooLarge is what an HTTP returns for an answer past
// Request.Limit, wrapped in a *TooLarge when it knows the status.
var ErrBodyTooLarge = errors.New("the answer is larger than brokerauth reads")

// TooLarge is the error of an answer whose body went past Request.Limit.
type TooLarge struct{ Status int }

func (e *TooLarge) Error() string        { return ErrBodyTooLarge.Error() }
func (e *TooLarge) Is(target error) bool { return target == ErrBodyTooLarge }

// LimitOf is req's body limit, DefaultLimit when it sets none.
func LimitOf(req *Request) int64 {
	if req.Limit > 0 {
		return req.Limit
	}
	return DefaultLimit
}

// Header is an HTTP header keyed by canonical name ("X-Security-Token"). It
// has net/http's Header type underneath, so either converts to the other,
// and a map[string][]string parameter takes both.
type Header map[string][]string

// Get returns the first value of name.
func (h Header) Get(name string) string {
	if v := h[CanonicalHeaderKey(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set replaces the values of name.
func (h Header) Set(name, value string) { h[CanonicalHeaderKey(name)] = []string{value} }

// Add appends a value to name.
func (h Header) Add(name, value string) {
	k := CanonicalHeaderKey(name)
	h[k] = append(h[k], value)
}

// Del removes name.
func (h Header) Del(name string) { delete(h, CanonicalHeaderKey(name)) }

// Clone returns a copy; nil stays nil.
func (h Header) Clone() Header {
	if h == nil {
		return nil
	}
	c := make(Header, len(h))
	for k, v := range h {
		c[k] = append([]string(nil), v...)
	}
	return c
}

// HeaderOf copies m (an http.Header, say) into a Header with canonical
// names.
func HeaderOf(m map[string][]string) Header {
	h := make(Header, len(m))
	for k, v := range m {
		h[CanonicalHeaderKey(k)] = append(h[CanonicalHeaderKey(k)], v...)
	}
	return h
}

// CanonicalHeaderKey is net/http's canonical form of a header name: the
// first letter and each letter after a hyphen in upper case, the rest in
// lower case. A name that is not a token is returned as it is.
func CanonicalHeaderKey(s string) string {
	upper := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isTokenChar(c) {
			return s
		}
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			return canonicalize(s)
		}
		upper = c == '-'
	}
	return s
}

func canonicalize(s string) string {
	b := []byte(s)
	upper := true
	for i, c := range b {
		switch {
		case upper && 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case !upper && 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
		upper = c == '-'
	}
	return string(b)
}

// ValidHeaderName reports an RFC 9110 token.
func ValidHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	return c > ' ' && c < 0x7f && !strings.ContainsRune(`()<>@,;:\"/[]?={}`, rune(c))
}

// ValidHeaderValue is the one rule for a header value brokerauth sends:
// visible ASCII, spaces and tabs. Control characters break HTTP framing;
// bytes past ASCII are not sent the same by every host (fetch takes
// Latin-1, Go holds UTF-8). Tokens that arrive in JSON bodies are checked
// against it before they become headers.
func ValidHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

// JoinPath is the one guard for a caller's path: it must start with "/"
// and stay on base's host, since the session's tokens go with the
// request. It returns base + path.
func JoinPath(broker, base, path string) (string, error) {
	bad := &Error{Code: CodeInvalidArgument, Broker: broker, Step: "request", Message: `path must start with "/" and stay on the broker's host, like "/accounts"`}
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.ContainsAny(path, "\\#\r\n\x00") {
		return "", bad
	}
	b, err1 := url.Parse(base)
	u, err2 := url.Parse(base + path)
	if err1 != nil || err2 != nil || u.Host != b.Host || u.Scheme != b.Scheme || u.User != nil {
		return "", bad
	}
	return base + path, nil
}
