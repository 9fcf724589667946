package core_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
)

// fakeFlow is a Flow whose logins and pings a test scripts; its requests
// go to a fake HTTP that answers 200, or 401 for a token another login
// replaced.
type fakeFlow struct {
	mu     sync.Mutex
	logins atomic.Int32
	login  func(n int32) (*core.Session, error)
	panics bool
}

func (f *fakeFlow) Login(context.Context, *core.Caller) (*core.Session, error) {
	n := f.logins.Add(1)
	if f.panics {
		panic("boom")
	}
	if f.login != nil {
		return f.login(n)
	}
	return &core.Session{Broker: "fake", AccountID: "A", Headers: map[string]string{"Token": string(rune('0' + n))}}, nil
}

func (f *fakeFlow) Authorize(req *core.Request, s *core.Session) error {
	req.Header.Set("Token", s.Headers["Token"])
	return nil
}

func (f *fakeFlow) Expired(r *core.Response) bool { return r.Status == 401 }

func (f *fakeFlow) Error(step string, r *core.Response) *core.Error {
	return core.StatusError("fake", step, r.Status, "")
}

func (f *fakeFlow) Ping(_ context.Context, _ *core.Caller, s *core.Session) (*core.Session, bool, error) {
	return s, false, nil
}

func (f *fakeFlow) Logout(context.Context, *core.Caller, *core.Session) error { return nil }

// tokenHTTP answers 200 for the current token, 401 for any other.
type tokenHTTP struct {
	current atomic.Value // string
	calls   atomic.Int32
}

func (h *tokenHTTP) Do(_ context.Context, req *core.Request) (*core.Response, error) {
	h.calls.Add(1)
	if tok, _ := h.current.Load().(string); req.Header.Get("Token") != tok {
		return &core.Response{Status: 401}, nil
	}
	return &core.Response{Status: 200, Body: []byte(`{}`)}, nil
}

func newFakeEngine(t *testing.T, f core.Flow, h core.HTTP, notify func(*core.Session)) *core.Engine {
	t.Helper()
	s, err := core.CheckCommon("fake", core.Common{BaseURL: "https://broker.test", HTTP: h, OnSessionChange: notify})
	require.NoError(t, err)
	return core.NewEngine(f, s)
}

// Twenty calls that find the session dead cause one login.
func TestEngineRenewsOnceForConcurrentCalls(t *testing.T) {
	h := &tokenHTTP{}
	f := &fakeFlow{}
	f.login = func(n int32) (*core.Session, error) {
		tok := string(rune('0' + n))
		h.current.Store(tok)
		return &core.Session{Broker: "fake", Headers: map[string]string{"Token": tok}}, nil
	}
	e := newFakeEngine(t, f, h, nil)
	_, err := e.Login(context.Background())
	require.NoError(t, err)
	h.current.Store("replaced elsewhere")
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.Request(context.Background(), "GET", "/x", nil, nil)
			assert.NoError(t, err)
			assert.Equal(t, 200, r.Status)
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(2), f.logins.Load())
}

// A login that fails is asked once, not once per waiting caller.
func TestEngineSharesAFailedRenewal(t *testing.T) {
	f := &fakeFlow{login: func(int32) (*core.Session, error) {
		time.Sleep(20 * time.Millisecond)
		return nil, &core.Error{Code: "refused", Broker: "fake", Status: 401}
	}}
	e := newFakeEngine(t, f, &tokenHTTP{}, nil)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.Request(context.Background(), "GET", "/x", nil, nil)
			assert.Equal(t, core.Code("refused"), err.(*core.Error).Code)
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, f.logins.Load(), int32(2), "callers that waited took the failure")
}

// A panic in a flow (a bug) is recovered at the wasm boundary; it must not
// leave the change lock taken, or every later call would wait forever.
func TestEnginePanicReleasesTheLock(t *testing.T) {
	f := &fakeFlow{panics: true}
	e := newFakeEngine(t, f, &tokenHTTP{}, nil)
	assert.Panics(t, func() { _, _ = e.Login(context.Background()) })
	assert.Panics(t, func() { _, _ = e.Request(context.Background(), "GET", "/x", nil, nil) })
	f.panics = false
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := e.Login(ctx)
	require.NoError(t, err, "the lock was released")
	assert.Equal(t, "fake", s.Broker)
}

// The one rule for a non-2xx answer: the Response and a *core.Error.
func TestEngineNon2xxComesWithAnError(t *testing.T) {
	h := &tokenHTTP{}
	f := &fakeFlow{}
	f.login = func(int32) (*core.Session, error) {
		return &core.Session{Broker: "fake", Headers: map[string]string{"Token": "t"}}, nil
	}
	e := newFakeEngine(t, f, h, nil)
	r, err := e.Request(context.Background(), "GET", "/x", nil, nil)
	var ce *core.Error
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, 401, r.Status)
	assert.Equal(t, "request", ce.Step)
	assert.Equal(t, int32(2), f.logins.Load(), "one renewal, one retry, then the answer")
}

// Logout keeps the session when the broker cannot be reached, so that it
// can be tried again; OnSessionChange hears every change.
func TestEngineLogoutKeepsTheSessionOnATransportFailure(t *testing.T) {
	var changes []*core.Session
	var mu sync.Mutex
	f := &fakeFlow{}
	e := newFakeEngine(t, f, &tokenHTTP{}, func(s *core.Session) { mu.Lock(); changes = append(changes, s); mu.Unlock() })
	_, err := e.Login(context.Background())
	require.NoError(t, err)
	assert.NoError(t, e.Logout(context.Background()))
	assert.Nil(t, e.Session())
	mu.Lock()
	assert.Len(t, changes, 2)
	assert.Nil(t, changes[1])
	mu.Unlock()

	failing := &logoutFlow{fakeFlow: &fakeFlow{}, err: &core.Error{Code: core.CodeNetwork, Broker: "fake", Retryable: true}}
	g := newFakeEngine(t, failing, &tokenHTTP{}, nil)
	_, err = g.Login(context.Background())
	require.NoError(t, err)
	assert.Equal(t, core.CodeNetwork, g.Logout(context.Background()).(*core.Error).Code)
	assert.NotNil(t, g.Session(), "kept: Logout can be tried again")
	failing.err = &core.Error{Code: "error.something", Broker: "fake", Status: 400}
	assert.Error(t, g.Logout(context.Background()))
	assert.Nil(t, g.Session(), "any other refusal forgets it all the same")
}

type logoutFlow struct {
	*fakeFlow
	err error
}

func (f *logoutFlow) Logout(context.Context, *core.Caller, *core.Session) error { return f.err }
