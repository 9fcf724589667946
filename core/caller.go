package core

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// Caller sends a flow's requests through the client's HTTP: one call at a
// time with the per-call timeout, every failure a *Error naming the broker
// and the step, and non-2xx answers judged by the flow.
type Caller struct {
	broker  string
	base    string
	http    HTTP
	timeout time.Duration
	clock   Clock
	errorOf func(step string, r *Response) *Error
}

// NewCaller returns a Caller with settings s that judges non-2xx answers
// with errorOf (a Flow's Error). An Engine makes its own; this is for
// code that sends without one.
func NewCaller(s *Settings, errorOf func(step string, r *Response) *Error) *Caller {
	return &Caller{broker: s.Broker, base: s.Base, http: s.HTTP, timeout: s.Timeout, clock: s.Clock, errorOf: errorOf}
}

// Base is the client's base URL, without a trailing slash.
func (c *Caller) Base() string { return c.base }

// Clock is the client's clock.
func (c *Caller) Clock() Clock { return c.clock }

// Broker is the client's broker name.
func (c *Caller) Broker() string { return c.broker }

// Do sends req and returns the answer, whatever its status. It fails only
// when there is no usable answer: no response (network, timeout,
// canceled) or a body over req.Limit.
func (c *Caller) Do(ctx context.Context, step string, req *Request) (*Response, error) {
	if ctx.Err() != nil {
		return nil, TransportError(ctx, c.broker, step, ctx.Err())
	}
	callCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.http.Do(callCtx, req)
	if err != nil {
		return nil, TransportError(ctx, c.broker, step, err)
	}
	return resp, nil
}

// Expect is Do that also turns a non-2xx answer into the flow's error. The
// answer comes back with it.
func (c *Caller) Expect(ctx context.Context, step string, req *Request) (*Response, error) {
	r, err := c.Do(ctx, step, req)
	if err != nil {
		return nil, err
	}
	if !r.OK() {
		return r, c.errorOf(step, r)
	}
	return r, nil
}

// Sleep waits d on the client's clock, or until ctx ends (a typed error
// then).
func (c *Caller) Sleep(ctx context.Context, step string, d time.Duration) error {
	if err := Sleep(ctx, c.clock, d); err != nil {
		return TransportError(ctx, c.broker, step, err)
	}
	return nil
}

// Spaced runs fn after waiting its turn and until spacing has passed since
// the previous fn with the same key finished, across the whole process:
// Capital.com allows one POST /session per second per API key, and two
// clients sharing a key must not trip it. Measuring from when the previous
// answer arrived guarantees the broker saw the two requests at least
// spacing apart. key is hashed, so that no API key sits in a global.
func (c *Caller) Spaced(ctx context.Context, step, key string, spacing time.Duration, fn func() error) error {
	g := gateFor(key)
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return TransportError(ctx, c.broker, step, ctx.Err())
	}
	defer func() { <-g.sem }()
	wait := time.Duration(0)
	if g.used {
		// Clamped to spacing: a client on another (fake) clock may have
		// stamped a time this clock sees as far in the future.
		wait = min(spacing, g.last.Add(spacing).Sub(c.clock.Now()))
	}
	if wait > 0 {
		if err := c.Sleep(ctx, step, wait); err != nil {
			return err
		}
	}
	err := fn()
	g.last, g.used = c.clock.Now(), true
	return err
}

// gates are Spaced's process-wide gates by hashed key.
var gates sync.Map // [32]byte → *gate

// gate is one key's turn (sem, a one-slot semaphore that honours the
// caller's context) and when its last spaced call's answer arrived; last
// and used are read and written only while holding the turn.
type gate struct {
	sem  chan struct{}
	last time.Time
	used bool
}

func gateFor(key string) *gate {
	g, _ := gates.LoadOrStore(sha256.Sum256([]byte(key)), &gate{sem: make(chan struct{}, 1)})
	return g.(*gate)
}
