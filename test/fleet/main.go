// Command fleet is one Go process of the fleet tests (test/js/fleet.test.mjs):
// a Capital.com or IBKR OAuth 2.0 client whose session lives in a Redis
// shared with the other processes (core/redisstore), speaking the same
// line protocol as the Node processes (test/js/fixtures/fleet-worker.mjs).
//
// It reads its settings as JSON from FLEET_CONFIG, prints
// {"ev":"ready"}, waits for a line on stdin if asked to (so that the whole
// fleet logs in at once), logs in, makes its calls, and prints one JSON
// line per event: login, call, storeError, done. Session headers are
// never printed, only a fingerprint to compare processes by.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/capital"
	"github.com/brokerauth/brokerauth/core/ibkr"
	"github.com/brokerauth/brokerauth/core/redisstore"
)

// config is FLEET_CONFIG; options are the client's, by their JavaScript
// names (the Node processes get the same object).
type config struct {
	Broker   string            `json:"broker"` // capital, ibkr
	Redis    string            `json:"redis"`
	StoreKey string            `json:"storeKey"`
	Prefix   string            `json:"prefix"`
	Options  map[string]string `json:"options"`
	Path     string            `json:"path"`
	Calls    int               `json:"calls"`
	EveryMs  int               `json:"everyMs"`
	Barrier  bool              `json:"barrier"`
}

type client interface {
	Login(ctx context.Context) (*core.Session, error)
	Request(ctx context.Context, method, path string, body []byte, header map[string][]string) (*core.Response, error)
	Session() *core.Session
}

var outMu sync.Mutex

func out(ev map[string]any) {
	b, _ := json.Marshal(ev)
	outMu.Lock()
	defer outMu.Unlock()
	os.Stdout.Write(append(b, '\n'))
}

func main() {
	var cfg config
	if err := json.Unmarshal([]byte(os.Getenv("FLEET_CONFIG")), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "fleet: FLEET_CONFIG:", err)
		os.Exit(2)
	}
	key, err := core.ParseStoreKey(cfg.StoreKey)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(2)
	}
	store, err := redisstore.New(redisstore.Options{URL: cfg.Redis, EncryptionKey: key, KeyPrefix: cfg.Prefix})
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(2)
	}
	defer store.Close()
	sharing := core.Sharing{Store: store, OnStoreError: func(err error) { out(map[string]any{"ev": "storeError", "error": describe(err)}) }}

	o := cfg.Options
	var c client
	switch cfg.Broker {
	case "capital":
		c, err = capital.New(capital.Config{APIKey: o["apiKey"], Identifier: o["identifier"], Password: o["password"], BaseURL: o["baseURL"], Sharing: sharing})
	case "ibkr":
		c, err = ibkr.New(ibkr.Config{ClientID: o["clientId"], ClientKeyID: o["clientKeyId"], Credential: o["credential"],
			PrivateKey: o["privateKey"], BaseURL: o["baseURL"], IP: o["ip"], Sharing: sharing})
	default:
		err = errors.New("unknown broker " + cfg.Broker)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(2)
	}

	// Connected before "ready", as the Node processes are.
	c0 := time.Now()
	if _, err := store.Get(context.Background(), "fleet-warm-up"); err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(2)
	}
	out(map[string]any{"ev": "ready", "connectMs": float64(time.Since(c0).Microseconds()) / 1e3})
	if cfg.Barrier {
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	}
	ctx := context.Background()
	t0 := time.Now()
	s, err := c.Login(ctx)
	ms := float64(time.Since(t0).Microseconds()) / 1e3
	if err != nil {
		out(map[string]any{"ev": "login", "ok": false, "ms": ms, "error": describe(err)})
	} else {
		out(map[string]any{"ev": "login", "ok": true, "ms": ms, "session": fingerprint(s)})
	}
	for i := range cfg.Calls {
		_, err := c.Request(ctx, "GET", cfg.Path, nil, nil)
		ev := map[string]any{"ev": "call", "i": i, "ok": err == nil, "t": time.Now().UnixMilli()}
		if err != nil {
			ev["error"] = describe(err)
		}
		out(ev)
		if cfg.EveryMs > 0 {
			time.Sleep(time.Duration(cfg.EveryMs) * time.Millisecond)
		}
	}
	out(map[string]any{"ev": "done", "session": fingerprint(c.Session())})
}

// describe is what the test sees of an error: its code, step and every
// text it carries (a secret in any of them fails the test).
func describe(err error) map[string]any {
	d := map[string]any{"message": err.Error(), "text": fmt.Sprintf("%+v", err)}
	var ce *core.Error
	if errors.As(err, &ce) {
		d["code"], d["step"], d["retryable"] = string(ce.Code), ce.Step, ce.Retryable
	}
	return d
}

// fingerprint names a session without showing it: a hash of its headers.
func fingerprint(s *core.Session) string {
	if s == nil {
		return ""
	}
	names := make([]string, 0, len(s.Headers))
	for k := range s.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, k := range names {
		fmt.Fprintf(h, "%s\x00%s\x00", k, s.Headers[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}
