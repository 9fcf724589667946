package cstsession

import (
	"context"
	"errors"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// Backoff after a failed keepalive round: 1 s, 2 s, 4 s … up to 30 s and
// never longer than the interval, so a network blip is bridged quickly
// without hammering the broker through an outage. (The IBKR client uses
// the same schedule.)
const (
	backoffBase = time.Second
	backoffMax  = 30 * time.Second
)

// KeepAlive calls once every interval on clock until ctx ends, then
// returns nil. A retryable failure (network, timeout, 5xx, 429) never stops
// it: once has already tried a new login, and the next round comes sooner.
// An error that trying again cannot fix (the broker refusing the
// credentials on re-login, say) ends it and is returned, so that the
// caller hears of it instead of pinging a dead session forever.
//
// onRound, if not nil, hears every round's outcome.
func KeepAlive(ctx context.Context, clock core.Clock, interval time.Duration, broker string, once func(context.Context) error, onRound func(error)) error {
	if interval <= 0 {
		return &core.Error{Code: core.CodeInvalidArgument, Broker: broker, Message: "keepalive interval must be positive"}
	}
	wait, failures := interval, 0
	for core.Sleep(ctx, clock, wait) == nil {
		err := once(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if onRound != nil {
			onRound(err)
		}
		if err == nil {
			wait, failures = interval, 0
			continue
		}
		var e *core.Error
		if !errors.As(err, &e) || !e.Retryable {
			return err
		}
		failures++
		wait = min(backoffBase<<min(failures-1, 10), backoffMax, interval)
	}
	return nil
}
