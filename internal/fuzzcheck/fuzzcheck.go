// Package fuzzcheck is what the fuzz tests of the broker clients share: a
// fake core.HTTP that answers from a script (so fuzzed status codes,
// headers and bodies reach the client exactly where bytes come in), a
// clock that never blocks, and the checks every fuzzed outcome must pass:
// a failure is a *core.Error with a code and no token-shaped text, a
// session is complete and carries only header values a transport can send.
//
// Only tests import it; nothing in the library depends on it.
package fuzzcheck

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// Request is what a Route sees of a request.
type Request struct {
	Method string
	URL    *url.URL
	Header core.Header
	Body   []byte
}

// Answer is one scripted response. Err, if set, is returned by Do instead
// (a transport failure).
type Answer struct {
	Status int
	Header core.Header
	Body   []byte
	Err    error
}

// JSON is a 200 answer with body b.
func JSON(b string) *Answer { return &Answer{Status: 200, Body: []byte(b)} }

// Doer is a core.HTTP whose Route answers each request. Like Go's own
// transport it refuses to send a request whose header values are not
// valid (a token with a line break, say): BadRequestHeader then records
// it, since a client that builds such a request has installed a token it
// should have refused.
type Doer struct {
	Route func(req *Request) *Answer

	mu      sync.Mutex
	badSent string
	calls   int
}

// Do answers req from Route, its body read up to the request's limit.
func (d *Doer) Do(_ context.Context, req *core.Request) (*core.Response, error) {
	d.mu.Lock()
	d.calls++
	d.mu.Unlock()
	for k, vs := range req.Header {
		for _, v := range vs {
			if !core.ValidHeaderValue(v) {
				d.mu.Lock()
				d.badSent = k
				d.mu.Unlock()
				return nil, errors.New("net/http: invalid header field value for " + k)
			}
		}
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, err
	}
	a := d.Route(&Request{Method: req.Method, URL: u, Header: req.Header, Body: req.Body})
	if a == nil {
		a = &Answer{Status: 404, Body: []byte(`{"errorCode":"error.not-found"}`)}
	}
	if a.Err != nil {
		return nil, a.Err
	}
	h := core.Header{}
	for k, vs := range a.Header {
		for _, v := range vs {
			// What net/textproto does when it reads a response: trim,
			// and refuse a header line with control characters.
			v = strings.Trim(v, " \t")
			if !core.ValidHeaderValue(v) {
				return nil, errors.New("net/http: malformed MIME header line")
			}
			h.Add(k, v)
		}
	}
	if a.Status < 100 || a.Status > 999 {
		// net/http refuses a status line without a 3-digit code.
		return nil, errors.New("net/http: malformed HTTP status code")
	}
	if int64(len(a.Body)) > core.LimitOf(req) {
		return nil, &core.TooLarge{Status: a.Status}
	}
	return &core.Response{Status: a.Status, Header: h, Body: bytes.Clone(a.Body)}, nil
}

// BadRequestHeader returns the name of a header the client tried to send
// with an invalid value, or "".
func (d *Doer) BadRequestHeader() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.badSent
}

// Calls is how many requests the client made.
func (d *Doer) Calls() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls
}

// Clock is a core.Clock whose After fires at once, moving the clock on by
// the duration: a backoff or login spacing costs no real time. It only
// moves forward, so it can be shared by every iteration of a fuzz target
// (Capital.com's login gate remembers the last login across clients).
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After moves the clock on by d and returns a channel that has fired.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.After(d) }

// tokenish is a run that could be a token, a JWS or key material: 24 or
// more token characters with a digit or mixed case. It is the rule the
// IBKR client redacts server text by; the fixed messages of every client
// have no such run.
var tokenish = regexp.MustCompile(`[A-Za-z0-9+/=_.~-]{24,}`)

// dotted is a run of digits and dots: an OID the key parser names
// ("public-key algorithm 1.2.840.10045.2.1"), deliberately shown, not a
// token.
var dotted = regexp.MustCompile(`^[0-9.]+$`)

// TokenShaped returns the token-shaped runs of s.
func TokenShaped(s string) []string {
	var out []string
	for _, run := range tokenish.FindAllString(s, -1) {
		if dotted.MatchString(run) {
			continue
		}
		if strings.ContainsAny(run, "0123456789") || (strings.ToLower(run) != run && strings.ToUpper(run) != run) {
			out = append(out, run)
		}
	}
	return out
}

// Error checks a failure: a *core.Error (at the top, not only wrapped)
// with a code, the broker named, and a message (and cause) with nothing
// token-shaped and none of secrets. The code itself is the broker's own
// errorCode when the body had one (IG's "error.switch.accountId-must-be-
// different" is token-shaped by the rule above), so it is exempt here and
// checked against the client's sanitising rule by the callers.
func Error(t *testing.T, err error, broker string, secrets ...string) *core.Error {
	t.Helper()
	e, ok := err.(*core.Error)
	if !ok {
		t.Fatalf("error is %T, not *core.Error: %v", err, err)
	}
	if e.Code == "" {
		t.Fatalf("error without a code: %#v", e)
	}
	if e.Broker != broker {
		t.Fatalf("error names broker %q, want %q: %v", e.Broker, broker, e)
	}
	if runs := TokenShaped(e.Message); len(runs) > 0 {
		t.Fatalf("error message carries token-shaped text %q: %v", runs, e)
	}
	text := e.Message
	for x := e.Err; x != nil; x = errors.Unwrap(x) {
		text += "\n" + x.Error()
	}
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(text, s) {
			t.Fatalf("error echoes a secret: %v", e)
		}
	}
	return e
}

// Headers checks that every header of a session is one a transport can
// send, and that want (name → value, "" for any non-empty value) are
// exactly its headers.
func Headers(t *testing.T, s *core.Session, want map[string]string) {
	t.Helper()
	if len(s.Headers) != len(want) {
		t.Fatalf("session headers %v, want exactly %v", keys(s.Headers), keys(want))
	}
	for k, w := range want {
		v, ok := s.Headers[k]
		switch {
		case !ok || v == "":
			t.Fatalf("session lacks header %s", k)
		case w != "" && v != w:
			t.Fatalf("session header %s = %q, want %q", k, v, w)
		case !core.ValidHeaderValue(v):
			t.Fatalf("session header %s holds a value no transport can send: %q", k, v)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
