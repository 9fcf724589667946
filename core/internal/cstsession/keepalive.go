package cstsession

import (
	"context"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// KeepAlive calls once every interval on clock until ctx ends, then
// returns nil. A failed round is not fatal: once has already tried a new
// login, and the next round tries again.
func KeepAlive(ctx context.Context, clock core.Clock, interval time.Duration, broker string, once func(context.Context) error) error {
	if interval <= 0 {
		return &core.Error{Code: core.CodeInvalidArgument, Broker: broker, Message: "keepalive interval must be positive"}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-clock.After(interval):
			_ = once(ctx)
		}
	}
}
