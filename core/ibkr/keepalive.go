package ibkr

import (
	"context"
	"net/http"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// Backoff after a failed keepalive round: 1 s, 2 s, 4 s … up to 30 s (and
// never longer than the interval), so a network blip is bridged quickly
// without hammering IBKR during an outage.
const (
	backoffBase = time.Second
	backoffMax  = 30 * time.Second
)

// KeepAliveOnce is one keepalive round: every IPCheckInterval (when
// Config.IP is empty) look up the public IP and, if it changed, get a new
// session for it; then tickle, and re-establish the session once if IBKR
// answers 401 or says the brokerage session is not authenticated.
//
// A failed IP lookup is not an error here (the lookup service being down
// says nothing about IBKR); it is tried again next round.
func (c *Client) KeepAliveOnce(ctx context.Context) error {
	_, gen, err := c.current("tickle")
	if err != nil {
		return err
	}
	if c.ipCheckDue() {
		if ip, err := c.publicIP(ctx); err == nil {
			c.mu.Lock()
			changed := ip != c.ip && c.gen == gen
			c.ipCheck = c.cfg.clock.Now()
			c.mu.Unlock()
			if changed {
				return c.establish(ctx, "tickle", gen, false)
			}
		}
	}
	res, err := c.Tickle(ctx)
	if err != nil {
		// 401: the session is gone; 410 "gone": IBKR moved it (a new
		// session elsewhere, or another host). Both need a new one.
		if e, ok := err.(*core.Error); ok && (e.Status == http.StatusUnauthorized || e.Status == http.StatusGone) {
			return c.establish(ctx, "tickle", gen, false)
		}
		return err
	}
	if !res.Authenticated {
		return c.establish(ctx, "tickle", gen, false)
	}
	return nil
}

func (c *Client) ipCheckDue() bool {
	if c.cfg.fixedIP != "" {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.cfg.clock.Now().Before(c.ipCheck.Add(IPCheckInterval))
}

// KeepAlive runs KeepAliveOnce every interval (DefaultKeepAliveInterval if
// interval <= 0) on the Clock, starting one interval from now, until ctx
// is done; then it returns ctx.Err().
//
// Retryable failures (network, timeouts, 5xx, 429) never stop it: the
// next round comes sooner, with bounded backoff. It returns early only on
// an error that trying again cannot fix: credentials IBKR refuses
// (invalid_client …), or not_logged_in before Login or after Logout
// (checked at once, so a KeepAlive started without a session returns
// immediately).
//
// core.OnRound hears every round's outcome.
func (c *Client) KeepAlive(ctx context.Context, interval time.Duration, opts ...core.KeepAliveOption) error {
	o := core.ApplyKeepAliveOptions(opts)
	if interval <= 0 {
		interval = DefaultKeepAliveInterval
	}
	if _, _, err := c.current("tickle"); err != nil {
		return err
	}
	wait := interval
	failures := 0
	for {
		// core.Sleep, not clock.After: its timer stops with ctx (under
		// wasm a leftover timer is a setTimeout holding Node open).
		if err := core.Sleep(ctx, c.cfg.clock, wait); err != nil {
			return err
		}
		err := c.KeepAliveOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if o.OnRound != nil {
			o.OnRound(err)
		}
		if err == nil {
			failures, wait = 0, interval
			continue
		}
		if e, ok := err.(*core.Error); !ok || !e.Retryable {
			return err
		}
		failures++
		wait = min(backoffBase<<min(failures-1, 10), backoffMax, interval)
	}
}
