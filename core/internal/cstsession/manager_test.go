package cstsession

import (
	"context"
	"testing"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A panic in a login (a bug, or the wasm fetch client throwing) is
// recovered at the wasm boundary; it must not leave the change lock taken,
// or every later call on the client would wait forever.
func TestPanicInAChangeReleasesTheLock(t *testing.T) {
	m := NewManager(nil)
	boom := func(context.Context, *core.Session) (*core.Session, error) { panic("boom") }
	ok := func(context.Context, *core.Session) (*core.Session, error) {
		return &core.Session{Broker: core.BrokerIG}, nil
	}

	assert.Panics(t, func() { _, _ = m.Change(context.Background(), "ig", "login", boom) })
	assert.Panics(t, func() { _, _, _ = m.Renew(context.Background(), "ig", "login", 0, boom) })

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := m.Change(ctx, "ig", "login", ok)
	require.NoError(t, err, "the lock was released")
	assert.Equal(t, core.BrokerIG, s.Broker)
	_, g := m.Snapshot()
	_, _, err = m.Renew(ctx, "ig", "login", g, ok)
	require.NoError(t, err)
}
