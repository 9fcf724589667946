package cstsession

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// gates space logins per (host, API key) across the whole process:
// Capital.com allows one POST /session per second per API key, and two
// clients sharing a key must not trip it. The key is hashed so that no API
// key sits in a global.
var gates sync.Map // [32]byte → *Gate

// Gate lets one login through at a time, at least Spacing apart.
type Gate struct {
	sem  chan struct{}
	mu   sync.Mutex
	last time.Time // when the last gated call's answer arrived
	used bool
}

// LoginGate returns the process-wide gate for host and apiKey.
func LoginGate(host, apiKey string) *Gate {
	k := sha256.Sum256([]byte(host + "\x00" + apiKey))
	g, _ := gates.LoadOrStore(k, &Gate{sem: make(chan struct{}, 1)})
	return g.(*Gate)
}

// Run waits its turn and until spacing has passed since the previous gated
// call finished (on clock), then runs fn. Measuring from when the previous
// answer arrived guarantees the broker saw the two requests at least
// spacing apart.
func (g *Gate) Run(ctx context.Context, clock core.Clock, spacing time.Duration, broker, step string, fn func() error) error {
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return core.TransportError(ctx, broker, step, ctx.Err())
	}
	defer func() { <-g.sem }()
	g.mu.Lock()
	wait := time.Duration(0)
	if g.used {
		// Clamped to spacing: a client on another (fake) clock may have
		// stamped a time this clock sees as far in the future.
		wait = min(spacing, g.last.Add(spacing).Sub(clock.Now()))
	}
	g.mu.Unlock()
	if wait > 0 {
		if err := Sleep(ctx, clock, wait, broker, step); err != nil {
			return err
		}
	}
	err := fn()
	g.mu.Lock()
	g.last, g.used = clock.Now(), true
	g.mu.Unlock()
	return err
}

// Sleep waits d on clock, or until ctx ends (a typed error then).
func Sleep(ctx context.Context, clock core.Clock, d time.Duration, broker, step string) error {
	if err := core.Sleep(ctx, clock, d); err != nil {
		return core.TransportError(ctx, broker, step, err)
	}
	return nil
}
