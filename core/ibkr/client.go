package ibkr

import (
	"context"
	"sync"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// CodeNotLoggedIn is the code of a call that needs a session before Login
// has succeeded, or after Logout.
const CodeNotLoggedIn = core.CodeNotLoggedIn

// Client is one IBKR OAuth 2.0 login. Create it with New.
type Client struct {
	cfg *settings

	mu      sync.Mutex
	sess    *core.Session // nil until Login, nil again after Logout
	bearer  string
	ip      string // the IP baked into the current bearer token
	gen     uint64 // bumped by every successful (re-)establish
	logouts uint64 // bumped by Logout, so a flight racing it is dropped
	flight  *flight
	ipCheck time.Time // when KeepAlive last looked up the public IP
}

// flight is one establish in progress; latecomers wait on done.
type flight struct {
	done chan struct{}
	err  error
}

// New checks cfg and parses the private key; it makes no call.
func New(cfg Config) (*Client, error) {
	s, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	return &Client{cfg: s}, nil
}

// Session returns a copy of the current session, nil before Login and
// after Logout. Its Headers hold the bearer token for one's own calls.
func (c *Client) Session() *core.Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess.Clone()
}

// current returns the bearer token and the generation it belongs to.
func (c *Client) current(step string) (bearer string, gen uint64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil {
		return "", 0, &core.Error{Code: CodeNotLoggedIn, Broker: core.BrokerIBKR, Step: step, Message: "no session: call Login first"}
	}
	return c.bearer, c.gen, nil
}

// notify hands OnSessionChange a copy; callers hold no lock.
func (c *Client) notify(s *core.Session) {
	if c.cfg.onChange != nil {
		c.cfg.onChange(s)
	}
}

// Login runs the whole flow (token, bearer, validate, init) and returns
// the new session. If a login or re-establish is already running, Login
// waits for it and returns its outcome instead of starting another.
func (c *Client) Login(ctx context.Context) (*core.Session, error) {
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	if err := c.establish(ctx, "token", gen, true); err != nil {
		return nil, err
	}
	return c.Session(), nil
}

// establish logs in again unless the generation moved on since the caller
// saw seen (someone else already did it), joining a flight in progress.
// force (Login) establishes even if the generation moved on.
func (c *Client) establish(ctx context.Context, step string, seen uint64, force bool) error {
	for {
		c.mu.Lock()
		if !force && c.gen != seen {
			c.mu.Unlock()
			return nil
		}
		if f := c.flight; f != nil {
			c.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return core.TransportError(ctx, core.BrokerIBKR, step, ctx.Err())
			}
			if f.err != nil && isCode(f.err, core.CodeCanceled) && ctx.Err() == nil {
				continue // the leader gave up, not the server: take over
			}
			return f.err
		}
		f := &flight{done: make(chan struct{})}
		c.flight = f
		logouts := c.logouts
		c.mu.Unlock()

		res, err := c.connectInFlight(ctx, f)

		c.mu.Lock()
		c.flight = nil
		var snap *core.Session
		if err == nil && c.logouts != logouts {
			err = &core.Error{Code: CodeNotLoggedIn, Broker: core.BrokerIBKR, Step: step, Message: "Logout was called while logging in"}
		}
		if err == nil {
			c.gen++
			c.sess, c.bearer, c.ip = res.session, res.bearer, res.ip
			c.ipCheck = c.cfg.clock.Now()
			snap = c.sess.Clone()
		}
		f.err = err
		c.mu.Unlock()
		close(f.done)
		if snap != nil {
			c.notify(snap)
		}
		return err
	}
}

// setFlags records authenticated/competing/connected from tickle or
// status, if they still describe the current bearer token.
func (c *Client) setFlags(gen uint64, authenticated, competing, connected bool) {
	c.mu.Lock()
	if c.sess == nil || c.gen != gen ||
		(c.sess.Authenticated == authenticated && c.sess.Competing == competing && c.sess.Connected == connected) {
		c.mu.Unlock()
		return
	}
	c.sess.Authenticated, c.sess.Competing, c.sess.Connected = authenticated, competing, connected
	snap := c.sess.Clone()
	c.mu.Unlock()
	c.notify(snap)
}

func isCode(err error, code core.Code) bool {
	e, ok := err.(*core.Error)
	return ok && e.Code == code
}

// connectInFlight runs connect as the leader of flight f. Should connect
// panic, it lands the flight first (waiters get an error, the next call
// starts a new flight) and then lets the panic go on: one bug must not
// wedge every later call on the client.
func (c *Client) connectInFlight(ctx context.Context, f *flight) (*established, error) {
	defer func() {
		if r := recover(); r != nil {
			c.mu.Lock()
			if c.flight == f {
				c.flight = nil
			}
			f.err = &core.Error{Code: "internal", Broker: core.BrokerIBKR, Message: "internal error while connecting"}
			c.mu.Unlock()
			close(f.done)
			panic(r)
		}
	}()
	return c.connect(ctx)
}
