package ig_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/capital"
	"github.com/brokerauth/brokerauth/core/ig"
	"github.com/brokerauth/brokerauth/sim"
	capsim "github.com/brokerauth/brokerauth/sim/capital"
	igsim "github.com/brokerauth/brokerauth/sim/ig"
)

// Canary secrets: none of these, nor any token the simulators hand out,
// may appear in an error or a log line.
const (
	canaryKey = "CANARY-APIKEY-b1e7"
	canaryID  = "CANARY-IDENT-c2f8"
	canaryPW  = "CANARY-PASSWORD-d3a9"
	canaryBad = "CANARY-WRONGPW-e4b0"
)

var canaryFaults = []sim.Fault{
	{Method: "POST", Path: "/session", Kind: sim.FaultDrop},
	{Method: "POST", Path: "/session", Kind: sim.FaultHang},
	{Method: "POST", Path: "/session", Kind: sim.Fault5xxHTML},
	{Method: "POST", Path: "/session", Kind: sim.FaultMalformedJSON},
	{Method: "POST", Path: "/session", Kind: sim.FaultMissingCST},
	{Method: "POST", Path: "/session", Kind: sim.FaultStatus, Status: 401, ErrorCode: "error.security.invalid-details"},
	{Path: "/session/encryptionKey", Kind: sim.FaultMalformedJSON},
	{Path: "/session/encryptionKey", Kind: sim.FaultDrop, Times: 3},
	{Path: "/accounts", Kind: sim.FaultStatus, Status: 401, ErrorCode: "error.security.client-token-invalid", Times: -1},
}

// flows is one broker's client surface, so one canary run covers both.
type flows struct {
	login, refresh func(context.Context) (*core.Session, error)
	request        func(context.Context, string) error
	switchTo       func(context.Context, string) (*core.Session, error)
	keepAlive      func(context.Context) error
	logout         func(context.Context) error
}

func TestNoSecretInErrorsOrLogs(t *testing.T) {
	key, err := sim.SharedKey()
	require.NoError(t, err)
	var logMu sync.Mutex
	var logs strings.Builder
	logf := func(format string, args ...any) {
		logMu.Lock()
		fmt.Fprintf(&logs, format+"\n", args...)
		logMu.Unlock()
	}
	var errs []error
	var tokens []string
	keep := func(s *core.Session) {
		if s == nil {
			return
		}
		for k, v := range s.Headers {
			if k != "IG-ACCOUNT-ID" {
				tokens = append(tokens, strings.TrimPrefix(v, "Bearer "))
			}
		}
	}
	exercise := func(mk func(password string) flows, inject func(sim.Fault), expire func()) {
		ctx := context.Background()
		good := mk(canaryPW)
		s, err := good.login(ctx)
		require.NoError(t, err)
		keep(s)
		s, err = good.refresh(ctx)
		require.NoError(t, err)
		keep(s)
		s, _ = good.switchTo(ctx, "NO-SUCH-ACCOUNT")
		keep(s)
		errs = append(errs, good.request(ctx, "/no-such-path"))
		expire()
		errs = append(errs, good.request(ctx, "/accounts"))
		keep(s)
		for _, f := range canaryFaults {
			inject(f)
			_, err := good.login(ctx)
			errs = append(errs, err, good.request(ctx, "/accounts"), good.keepAlive(ctx))
		}
		inject(sim.Fault{Path: "*", Kind: sim.FaultStatus, Status: 500, Times: -1})
		errs = append(errs, good.keepAlive(ctx), good.logout(ctx))
		bad := mk(canaryBad)
		_, err = bad.login(ctx)
		errs = append(errs, err, bad.request(ctx, "/accounts"))
	}

	for _, version := range []int{2, 3} {
		s := igsim.New(igsim.Options{APIKey: canaryKey, Identifier: canaryID, Password: canaryPW, Key: key, Logf: logf})
		srv := httptest.NewServer(s)
		exercise(func(pw string) flows {
			c, err := ig.New(ig.Config{APIKey: canaryKey, Identifier: canaryID, Password: pw, Version: version,
				BaseURL: srv.URL + igsim.APIPrefix, HTTPClient: srv.Client(), Timeout: 100 * time.Millisecond})
			require.NoError(t, err)
			return flows{c.Login, c.Refresh, func(ctx context.Context, p string) error {
				_, err := c.Request(ctx, "GET", p, nil, nil)
				return err
			}, c.SwitchAccount, c.KeepAliveOnce, c.Logout}
		}, func(f sim.Fault) { s.Reset(); require.NoError(t, s.InjectFault(f)) }, func() { s.ExpireAllSessions() })
		s.Close()
		srv.Close()
	}

	clock := core.NewFakeClock(time.UnixMilli(1_700_000_000_000))
	stop := make(chan struct{})
	go func() { // login spacing on fake time
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Microsecond):
				if clock.Waiters() > 0 {
					clock.Advance(time.Second)
				}
			}
		}
	}()
	defer close(stop)
	cs := capsim.New(capsim.Options{APIKey: canaryKey, Identifier: canaryID, Password: canaryPW, Key: key, Logf: logf, Clock: clock})
	srv := httptest.NewServer(cs)
	defer srv.Close()
	defer cs.Close()
	exercise(func(pw string) flows {
		c, err := capital.New(capital.Config{APIKey: canaryKey, Identifier: canaryID, Password: pw,
			BaseURL: srv.URL, HTTPClient: srv.Client(), Timeout: 100 * time.Millisecond, Clock: clock})
		require.NoError(t, err)
		return flows{c.Login, c.Refresh, func(ctx context.Context, p string) error {
			_, err := c.Request(ctx, "GET", "/api/v1"+p, nil, nil)
			return err
		}, c.SwitchAccount, c.KeepAliveOnce, c.Logout}
	}, func(f sim.Fault) { cs.Reset(); require.NoError(t, cs.InjectFault(f)) }, func() { cs.ExpireAllSessions() })

	require.NotEmpty(t, tokens)
	secrets := append([]string{canaryKey, canaryID, canaryPW, canaryBad}, tokens...)
	checked := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		checked++
		var e *core.Error
		assert.True(t, errors.As(err, &e), "not a *core.Error: %T", err)
		texts := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
		for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
			texts = append(texts, u.Error())
		}
		for _, text := range texts {
			for _, secret := range secrets {
				assert.NotContains(t, text, secret)
			}
		}
	}
	assert.Greater(t, checked, 30)
	logMu.Lock()
	defer logMu.Unlock()
	require.NotEmpty(t, logs.String())
	for _, secret := range secrets {
		assert.NotContains(t, logs.String(), secret)
	}
}
