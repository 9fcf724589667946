package ibkr_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// panicOnce is an HTTPDoer whose first request panics, as the wasm fetch
// client did on a header value JS refuses.
type panicOnce struct {
	next  *http.Client
	fired atomic.Bool
}

func (p *panicOnce) Do(r *http.Request) (*http.Response, error) {
	if p.fired.CompareAndSwap(false, true) {
		panic("transport exploded")
	}
	return p.next.Do(r)
}

// A panic in the middle of connecting is recovered at the wasm boundary;
// the flight it led must land, or every later call would wait on it.
func TestPanicWhileConnectingDoesNotWedgeTheClient(t *testing.T) {
	e := newEnv(t)
	e.cfg.HTTPClient = &panicOnce{next: e.srv.Client()}
	c := e.client(t)

	assert.Panics(t, func() { _, _ = c.Login(context.Background()) })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.Login(ctx)
	require.NoError(t, err, "a second login runs its own flight")
	assert.True(t, s.Authenticated)
}
