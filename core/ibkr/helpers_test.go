package ibkr_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/ibkr"
	ibkrsim "github.com/brokerauth/brokerauth/sim/ibkr"
)

var t0 = time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)

// env is one simulator, its server and a client configured for it.
type env struct {
	sim     *ibkrsim.Sim
	srv     *httptest.Server
	clock   *core.FakeClock
	cfg     ibkr.Config
	changes *recorder
}

// recorder keeps every OnSessionChange call.
type recorder struct {
	mu   sync.Mutex
	seen []*core.Session
}

func (r *recorder) record(s *core.Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, s)
}

func (r *recorder) all() []*core.Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*core.Session(nil), r.seen...)
}

func newEnv(t *testing.T, mutate ...func(*ibkr.Config)) *env {
	t.Helper()
	clock := core.NewFakeClock(t0)
	sim := ibkrsim.New(ibkrsim.Options{Clock: clock})
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); srv.Close() })
	d := ibkrsim.DemoClient()
	e := &env{sim: sim, srv: srv, clock: clock, changes: &recorder{}}
	e.cfg = ibkr.Config{
		ClientID:        d.ClientID,
		ClientKeyID:     d.ClientKeyID,
		Credential:      d.Credential,
		PrivateKey:      d.PrivateKeyPEM,
		BaseURL:         srv.URL,
		IPLookupURL:     srv.URL + "/__sim/ip",
		HTTPClient:      srv.Client(),
		Clock:           clock,
		Timeout:         5 * time.Second,
		OnSessionChange: e.changes.record,
	}
	for _, m := range mutate {
		m(&e.cfg)
	}
	return e
}

func (e *env) client(t *testing.T) *ibkr.Client {
	t.Helper()
	c, err := ibkr.New(e.cfg)
	require.NoError(t, err)
	return c
}

func (e *env) login(t *testing.T) *ibkr.Client {
	t.Helper()
	c := e.client(t)
	_, err := c.Login(context.Background())
	require.NoError(t, err)
	return c
}

func asError(t *testing.T, err error) *core.Error {
	t.Helper()
	var e *core.Error
	require.True(t, errors.As(err, &e), "want *core.Error, got %T %v", err, err)
	return e
}

var (
	keyOnce sync.Once
	keyPEM  string
	keyPub  *rsa.PublicKey
)

// otherKey is a second 2048-bit key, made once per test binary.
func otherKey(t *testing.T) (string, *rsa.PublicKey) {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(k)
		keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		keyPub = &k.PublicKey
	})
	return keyPEM, keyPub
}

// longRun finds anything token- or key-shaped.
var longRun = regexp.MustCompile(`[A-Za-z0-9+/=_-]{32,}`)

// assertNoSecrets is the canary: an error must not carry a token the
// simulator issued, a window of the private key, or anything token-shaped.
func assertNoSecrets(t *testing.T, sim *ibkrsim.Sim, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var texts []string
	for e := err; e != nil; e = errors.Unwrap(e) {
		texts = append(texts, e.Error())
	}
	all := strings.Join(texts, "\n")
	for _, tok := range sim.Tokens() {
		require.NotContains(t, all, tok[:16], "error carries a token")
	}
	for _, pemText := range []string{ibkrsim.DemoClient().PrivateKeyPEM, keyPEM} {
		for _, line := range strings.Split(pemText, "\n") {
			if len(line) < 60 || strings.HasPrefix(line, "-----") {
				continue
			}
			for i := 0; i+12 <= len(line); i += 4 {
				require.NotContains(t, all, line[i:i+12], "error carries private key text")
			}
		}
	}
	require.Empty(t, longRun.FindAllString(all, -1), "error carries something token-shaped: %s", all)
}
