package redisstore_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/capital"
	"github.com/brokerauth/brokerauth/core/redisstore"
	"github.com/brokerauth/brokerauth/sim"
	capsim "github.com/brokerauth/brokerauth/sim/capital"
)

var key = bytes.Repeat([]byte{0x42}, 32)

// redisURL is the throwaway server `make test` starts (test/with-redis.sh).
func redisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("BROKERAUTH_TEST_REDIS")
	if u == "" {
		t.Skip("BROKERAUTH_TEST_REDIS is not set: make test starts a redis-server for these tests")
	}
	return u
}

// newStore returns a store under a prefix of the test's own, emptied
// after it.
func newStore(t *testing.T, opts redisstore.Options) *redisstore.Store {
	t.Helper()
	if opts.URL == "" {
		opts.URL = redisURL(t)
	}
	if opts.EncryptionKey == nil {
		opts.EncryptionKey = key
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "test:" + t.Name() + ":"
	}
	s, err := redisstore.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		o, _ := redis.ParseURL(redisURL(t))
		c := redis.NewClient(o)
		keys, _ := c.Keys(context.Background(), opts.KeyPrefix+"*").Result()
		if len(keys) > 0 {
			c.Del(context.Background(), keys...)
		}
		_ = c.Close()
		_ = s.Close()
	})
	return s
}

func TestStoreOperations(t *testing.T) {
	s := newStore(t, redisstore.Options{})
	ctx := context.Background()
	v, err := s.Get(ctx, "session:x")
	require.NoError(t, err)
	assert.Nil(t, v)

	require.NoError(t, s.Put(ctx, "session:x", []byte("one"), time.Minute))
	v, err = s.Get(ctx, "session:x")
	require.NoError(t, err)
	assert.Equal(t, "one", string(v))

	require.NoError(t, s.Delete(ctx, "session:x", []byte("another")))
	v, _ = s.Get(ctx, "session:x")
	assert.Equal(t, "one", string(v), "compare-and-delete leaves a value that changed")
	require.NoError(t, s.Delete(ctx, "session:x", []byte("one")))
	v, _ = s.Get(ctx, "session:x")
	assert.Nil(t, v)

	require.NoError(t, s.Put(ctx, "session:ttl", []byte("short"), 50*time.Millisecond))
	time.Sleep(120 * time.Millisecond)
	v, _ = s.Get(ctx, "session:ttl")
	assert.Nil(t, v, "a value lives its ttl")

	ok, err := s.Lock(ctx, "lock:x", "a", 200*time.Millisecond)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, _ = s.Lock(ctx, "lock:x", "b", time.Second)
	assert.False(t, ok, "held by a")
	ok, _ = s.Lock(ctx, "lock:x", "a", 200*time.Millisecond)
	assert.True(t, ok, "its holder extends it")
	require.NoError(t, s.Unlock(ctx, "lock:x", "b"))
	ok, _ = s.Lock(ctx, "lock:x", "b", time.Second)
	assert.False(t, ok, "only the holder releases it")
	time.Sleep(300 * time.Millisecond)
	ok, _ = s.Lock(ctx, "lock:x", "b", time.Second)
	assert.True(t, ok, "a lease runs out")
	require.NoError(t, s.Unlock(ctx, "lock:x", "b"))
	ok, _ = s.Lock(ctx, "lock:x", "c", time.Second)
	assert.True(t, ok)
}

// The store holds sealed entries: nothing in Redis reads as a token.
func TestStoreSealsWhatItStores(t *testing.T) {
	s := newStore(t, redisstore.Options{KeyPrefix: "test:sealed:"})
	require.NoError(t, s.Put(context.Background(), "session:x", []byte(`{"CST":"secret-token"}`), time.Minute))
	o, _ := redis.ParseURL(redisURL(t))
	c := redis.NewClient(o)
	defer c.Close()
	raw, err := c.Get(context.Background(), "test:sealed:session:x").Result()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(raw, "ba1."))
	assert.NotContains(t, raw, "secret-token")
}

// Five Capital.com clients sharing the store log in once, at once: one
// POST /session, no 429.
func TestCapitalClientsShareOneLogin(t *testing.T) {
	k, err := sim.SharedKey()
	require.NoError(t, err)
	simulator := capsim.New(capsim.Options{Key: k})
	srv := httptest.NewServer(simulator)
	defer srv.Close()
	store := newStore(t, redisstore.Options{})
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := capital.New(capital.Config{
				APIKey: capsim.DemoAPIKey, Identifier: capsim.DemoIdentifier, Password: capsim.DemoPassword,
				BaseURL: srv.URL, Sharing: core.Sharing{Store: store},
			})
			require.NoError(t, err)
			_, err = c.Login(context.Background())
			assert.NoError(t, err)
			_, err = c.Request(context.Background(), "GET", "/api/v1/accounts", nil, nil)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	st := simulator.Stats()
	assert.Equal(t, 1, st.LoginAttempts[capsim.DemoAPIKey], "one POST /session for all five")
	assert.Zero(t, st.RateLimited)
}

// A server that cannot be reached is a typed network error naming the
// store, without the URL's password; it does not hang.
func TestStoreUnreachable(t *testing.T) {
	s, err := redisstore.New(redisstore.Options{URL: "redis://user:hunter2@127.0.0.1:1/0", EncryptionKey: key})
	require.NoError(t, err)
	defer s.Close()
	start := time.Now()
	_, err = s.Get(context.Background(), "session:x")
	var ce *core.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, core.CodeNetwork, ce.Code)
	assert.Equal(t, "store", ce.Step)
	assert.True(t, ce.Retryable)
	assert.Contains(t, ce.Message, "127.0.0.1:1")
	assert.NotContains(t, ce.Error(), "hunter2")
	assert.Less(t, time.Since(start), 5*time.Second)
}

// A Redis that answers with an error reply cannot work as set up: an
// invalid_argument with the reason, not retryable (no login alone), as
// brokerauth/redis reports it in Node.
func TestStoreSetUpWrongly(t *testing.T) {
	url := redisURL(t)
	s, err := redisstore.New(redisstore.Options{URL: url + "/99", EncryptionKey: key})
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Get(context.Background(), "session:x")
	var ce *core.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, core.CodeInvalidArgument, ce.Code)
	assert.False(t, ce.Retryable)
	assert.Regexp(t, `Redis at 127\.0\.0\.1:\d+\): it has no such database: the URL's /db number$`, ce.Message)
}

func TestNewRefusesWhatCannotWork(t *testing.T) {
	for _, opts := range []redisstore.Options{
		{URL: "redis://127.0.0.1:6379"},
		{URL: "redis://127.0.0.1:6379", EncryptionKey: []byte("short")},
		{URL: "http://127.0.0.1:6379", EncryptionKey: key},
	} {
		_, err := redisstore.New(opts)
		var ce *core.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, core.CodeInvalidArgument, ce.Code)
	}
	k, err := core.ParseStoreKey("  QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=\n")
	require.NoError(t, err)
	assert.Equal(t, key, k)
	_, err = core.ParseStoreKey("c2hvcnQ=")
	assert.Error(t, err)
}
