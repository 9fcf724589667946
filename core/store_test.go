package core_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
)

// sharedEngine is an Engine over store, as a client in another process
// sharing it would be.
func sharedEngine(t *testing.T, f core.Flow, h core.HTTP, store core.Store, sharing ...func(*core.Common)) *core.Engine {
	t.Helper()
	c := core.Common{BaseURL: "https://broker.test", HTTP: h, Identity: "user-1"}
	c.Store = store
	for _, m := range sharing {
		m(&c)
	}
	s, err := core.CheckCommon("fake", c)
	require.NoError(t, err)
	return core.NewEngine(f, s)
}

// tokenFlow logs in with a new token each time and makes it the one the
// fake broker accepts.
func tokenFlow(h *tokenHTTP, delay time.Duration) *fakeFlow {
	f := &fakeFlow{}
	f.login = func(n int32) (*core.Session, error) {
		time.Sleep(delay)
		tok := "tok-" + string(rune('a'+n))
		h.current.Store(tok)
		return &core.Session{Broker: "fake", AccountID: "A", Headers: map[string]string{"Token": tok}}, nil
	}
	return f
}

// Ten clients sharing a store that log in at once cause one login; all of
// them then call with its session.
func TestStoreOneLoginForEveryClient(t *testing.T) {
	h := &tokenHTTP{}
	f := tokenFlow(h, 30*time.Millisecond)
	store := core.NewMemoryStore()
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := sharedEngine(t, f, h, store)
			s, err := e.Login(context.Background())
			if !assert.NoError(t, err) {
				return
			}
			assert.Equal(t, "tok-b", s.Headers["Token"])
			r, err := e.Request(context.Background(), "GET", "/x", nil, nil)
			assert.NoError(t, err)
			assert.Equal(t, 200, r.Status)
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), f.logins.Load())
}

// A session the broker refuses is replaced once, by the first client that
// sees the refusal; the others take the replacement.
func TestStoreReplacesARefusedSessionOnce(t *testing.T) {
	h := &tokenHTTP{}
	f := tokenFlow(h, 10*time.Millisecond)
	store := core.NewMemoryStore()
	a, b := sharedEngine(t, f, h, store), sharedEngine(t, f, h, store)
	_, err := a.Login(context.Background())
	require.NoError(t, err)
	_, err = b.Login(context.Background())
	require.NoError(t, err)
	require.Equal(t, int32(1), f.logins.Load())

	h.current.Store("the broker ended it")
	for _, e := range []*core.Engine{a, b, a, b} {
		_, err := e.Request(context.Background(), "GET", "/x", nil, nil)
		require.NoError(t, err)
	}
	assert.Equal(t, int32(2), f.logins.Load(), "one replacement for both clients")
	assert.Equal(t, a.Session().Headers, b.Session().Headers)
}

// A login the broker refuses is not asked again by the clients that waited
// for it: they take its error. The client that failed tries again when
// asked.
func TestStoreSharesARefusedLogin(t *testing.T) {
	store := core.NewMemoryStore()
	var calls atomic.Int32
	f := &fakeFlow{login: func(int32) (*core.Session, error) {
		calls.Add(1)
		time.Sleep(50 * time.Millisecond)
		return nil, &core.Error{Code: "error.security.invalid-details", Broker: "fake", Status: 401, Message: "wrong password"}
	}}
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := sharedEngine(t, f, &tokenHTTP{}, store).Login(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		var ce *core.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, core.Code("error.security.invalid-details"), ce.Code)
	}
	assert.Equal(t, int32(1), calls.Load())
}

// A client that dies holding the login lock holds up the others no longer
// than the lease.
func TestStoreLockOfADeadClientExpires(t *testing.T) {
	defer core.SetStoreTimings(300*time.Millisecond, 5*time.Second)()
	h := &tokenHTTP{}
	f := tokenFlow(h, 0)
	store := core.NewMemoryStore()
	_, lock, _ := core.StoreKeysFor("fake", "https://broker.test", "user-1")
	ok, err := store.Lock(context.Background(), lock, "a client that died", 300*time.Millisecond)
	require.NoError(t, err)
	require.True(t, ok)
	start := time.Now()
	_, err = sharedEngine(t, f, h, store).Login(context.Background())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond)
	assert.Less(t, time.Since(start), 2*time.Second)
}

// The wait for another client's login is bounded.
func TestStoreWaitIsBounded(t *testing.T) {
	defer core.SetStoreTimings(10*time.Second, 200*time.Millisecond)()
	store := core.NewMemoryStore()
	_, lock, _ := core.StoreKeysFor("fake", "https://broker.test", "user-1")
	_, _ = store.Lock(context.Background(), lock, "a slow client", 10*time.Second)
	_, err := sharedEngine(t, &fakeFlow{}, &tokenHTTP{}, store).Login(context.Background())
	var ce *core.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, core.CodeTimeout, ce.Code)
	assert.Equal(t, "store", ce.Step)
	assert.True(t, ce.Retryable)
}

// Sealed entries: each client with the key reads the others' sessions; one
// with another key, a tampered entry or an entry copied under another key
// is not used, is reported, and a login replaces it.
func TestStoreSealedEntries(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	other := bytes.Repeat([]byte{8}, 32)
	inner := core.NewMemoryStore()
	sealedA, err := core.Seal(inner, key)
	require.NoError(t, err)
	sealedB, _ := core.Seal(inner, key)
	sealedWrong, _ := core.Seal(inner, other)

	h := &tokenHTTP{}
	f := tokenFlow(h, 0)
	_, err = sharedEngine(t, f, h, sealedA).Login(context.Background())
	require.NoError(t, err)
	_, err = sharedEngine(t, f, h, sealedB).Login(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int32(1), f.logins.Load(), "the second client opened the first one's session")

	sessionKey, _, _ := core.StoreKeysFor("fake", "https://broker.test", "user-1")
	raw, _ := inner.Get(context.Background(), sessionKey)
	assert.True(t, strings.HasPrefix(string(raw), "ba1."))
	assert.NotContains(t, string(raw), "tok-", "the token is not readable in the store")

	var reported []error
	var mu sync.Mutex
	onErr := func(c *core.Common) {
		c.OnStoreError = func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() }
	}
	_, err = sharedEngine(t, f, h, sealedWrong, onErr).Login(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int32(2), f.logins.Load(), "a client with another key logs in anew")
	require.Len(t, reported, 1, "the entry is reported once, though read twice before the login replaced it")
	var ce *core.Error
	require.ErrorAs(t, reported[0], &ce)
	assert.Equal(t, core.CodeStoreEntry, ce.Code)

	// Tampered, and copied under another account's key: neither opens.
	for _, bad := range [][]byte{append(bytes.Clone(raw[:len(raw)-2]), 'A', 'A'), []byte("not even sealed")} {
		require.NoError(t, inner.Put(context.Background(), sessionKey, bad, time.Hour))
		_, err := sealedA.Get(context.Background(), sessionKey)
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, core.CodeStoreEntry, ce.Code)
	}
	require.NoError(t, sealedA.Put(context.Background(), "another key", []byte(`{"v":1}`), time.Hour))
	moved, _ := inner.Get(context.Background(), "another key")
	require.NoError(t, inner.Put(context.Background(), sessionKey, moved, time.Hour))
	_, err = sealedA.Get(context.Background(), sessionKey)
	require.ErrorAs(t, err, &ce)

	_, err = core.Seal(inner, []byte("short"))
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, core.CodeInvalidArgument, ce.Code)
}

// failingStore is a store whose every call fails with err.
type failingStore struct{ err error }

func (s failingStore) Get(context.Context, string) ([]byte, error) { return nil, s.err }
func (s failingStore) Put(context.Context, string, []byte, time.Duration) error {
	return s.err
}
func (s failingStore) Delete(context.Context, string, []byte) error { return s.err }
func (s failingStore) Lock(context.Context, string, string, time.Duration) (bool, error) {
	return false, s.err
}
func (s failingStore) Unlock(context.Context, string, string) error { return s.err }

// A store that fails fails the call with a typed error, step "store". With
// StoreFallback "local" the client logs in alone when the store cannot be
// reached or does not answer, but not when the store cannot work as set up.
func TestStoreFailures(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		code     core.Code
		fallback bool
	}{
		{"unreachable", errors.New("connection refused"), core.CodeNetwork, true},
		{"no answer in time", context.DeadlineExceeded, core.CodeTimeout, true},
		{"a store that cannot work", &core.Error{Code: core.CodeInvalidArgument, Message: "needs the redis package"}, core.CodeInvalidArgument, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &tokenHTTP{}
			f := tokenFlow(h, 0)
			_, err := sharedEngine(t, f, h, failingStore{tc.err}).Login(context.Background())
			var ce *core.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.code, ce.Code)
			assert.Equal(t, "store", ce.Step)
			assert.Equal(t, tc.fallback, ce.Retryable)
			assert.Equal(t, int32(0), f.logins.Load())

			var reported atomic.Int32
			e := sharedEngine(t, f, h, failingStore{tc.err}, func(c *core.Common) {
				c.StoreFallback = "local"
				c.OnStoreError = func(error) { reported.Add(1) }
			})
			_, err = e.Login(context.Background())
			if !tc.fallback {
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tc.code, ce.Code)
				assert.Equal(t, int32(0), f.logins.Load(), "no login alone")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, int32(1), f.logins.Load())
			assert.Positive(t, reported.Load())
		})
	}

	h := &tokenHTTP{}
	_, err := core.CheckCommon("fake", core.Common{BaseURL: "https://broker.test", HTTP: h, Sharing: core.Sharing{StoreFallback: "remote"}})
	var ce *core.Error
	require.ErrorAs(t, err, &ce)
}

// Logout removes the stored session, but not a newer one another client
// stored meanwhile.
func TestStoreLogout(t *testing.T) {
	h := &tokenHTTP{}
	f := tokenFlow(h, 0)
	store := core.NewMemoryStore()
	sessionKey, _, _ := core.StoreKeysFor("fake", "https://broker.test", "user-1")
	a := sharedEngine(t, f, h, store)
	_, err := a.Login(context.Background())
	require.NoError(t, err)
	require.NoError(t, a.Logout(context.Background()))
	raw, _ := store.Get(context.Background(), sessionKey)
	assert.Nil(t, raw)

	b, c := sharedEngine(t, f, h, store), sharedEngine(t, f, h, store)
	_, err = b.Login(context.Background())
	require.NoError(t, err)
	_, err = c.Login(context.Background()) // takes b's
	require.NoError(t, err)
	h.current.Store("ended")
	_, err = c.Request(context.Background(), "GET", "/x", nil, nil) // replaces it
	require.NoError(t, err)
	require.NoError(t, b.Logout(context.Background())) // b's is not the stored one any more
	raw, _ = store.Get(context.Background(), sessionKey)
	assert.NotNil(t, raw, "c's session stays for the others")
}

// Clients of different accounts, or of different base URLs, do not share.
func TestStoreKeysSeparateAccounts(t *testing.T) {
	h := &tokenHTTP{}
	f := tokenFlow(h, 0)
	store := core.NewMemoryStore()
	_, err := sharedEngine(t, f, h, store).Login(context.Background())
	require.NoError(t, err)
	_, err = sharedEngine(t, f, h, store, func(c *core.Common) { c.Identity = "user-2" }).Login(context.Background())
	require.NoError(t, err)
	_, err = sharedEngine(t, f, h, store, func(c *core.Common) { c.BaseURL = "https://other.test" }).Login(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int32(3), f.logins.Load())
	s1, _, _ := core.StoreKeysFor("fake", "https://broker.test", "user-1")
	assert.NotContains(t, s1, "user-1", "the key does not show whose session it is")
}
