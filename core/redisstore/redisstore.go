// Package redisstore is a core.Store on Redis (or Valkey, which speaks the
// same protocol), for a fleet of processes trading one broker account: give
// every client the same store (Sharing: core.Sharing{Store: store} in the
// Config of core/ig, core/capital or core/ibkr) and they log in once per
// account, wait for each other's logins, and replace a session the broker
// refuses once. The JavaScript package's brokerauth/redis stores the same
// entries the same way, so Go and Node processes share sessions too.
//
// Sessions are sealed (AES-256-GCM, core.Seal) with Options.EncryptionKey
// before they reach Redis: the store holds no token in clear, and an entry
// written with another key, or altered, is refused and replaced.
//
// Keys are Options.KeyPrefix followed by the Engine's key names
// ("session:…", "lock:…", "failed:…"), which hash the account's identity.
// The login lock is SET NX PX with a random token, extended and released
// by Lua scripts that check the token, so that only its holder extends or
// releases it and a dead holder's lock expires with its lease.
//
// This package is the only one of brokerauth that imports a Redis client:
// importing core alone links none.
package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/brokerauth/brokerauth/core"
)

// DefaultKeyPrefix starts every key the store writes.
const DefaultKeyPrefix = "brokerauth:"

// Options configure a Store.
type Options struct {
	// URL is the server: redis://[user:password@]host:port[/db], or
	// rediss:// for TLS. The password never appears in an error.
	URL string
	// EncryptionKey seals the sessions: 32 random bytes, the same in every
	// process of the fleet (core.ParseStoreKey reads the base64 that
	// `openssl rand -base64 32` prints). Required.
	EncryptionKey []byte
	// KeyPrefix starts every key; default DefaultKeyPrefix.
	KeyPrefix string
	// Client is a go-redis client to use instead of one made from URL
	// (Close then leaves it open).
	Client redis.UniversalClient
}

// Store is a core.Store on Redis. Close it when done.
type Store struct {
	core.Store // the sealed view of raw
	raw        *raw
}

// New checks opts and returns the store. It connects lazily: a server that
// cannot be reached shows on the first call, as a network error naming
// the store.
func New(opts Options) (*Store, error) {
	bad := func(msg string) error {
		return &core.Error{Code: core.CodeInvalidArgument, Step: "store", Message: msg}
	}
	if len(opts.EncryptionKey) == 0 {
		return nil, bad("a Redis store needs EncryptionKey, 32 random bytes shared by the fleet (openssl rand -base64 32 makes one): sessions are not stored in clear")
	}
	r := &raw{prefix: opts.KeyPrefix, client: opts.Client}
	if r.prefix == "" {
		r.prefix = DefaultKeyPrefix
	}
	if r.client == nil {
		o, err := redis.ParseURL(opts.URL)
		if err != nil {
			return nil, bad("the Redis URL is not redis://host:port or rediss://host:port")
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = 2*time.Second, 2*time.Second, 2*time.Second
		o.MaxRetries = 1
		r.client, r.owned = redis.NewClient(o), true
		r.where = o.Addr
	} else {
		r.where = "the given client"
	}
	sealed, err := core.Seal(r, opts.EncryptionKey)
	if err != nil {
		return nil, err
	}
	return &Store{Store: sealed, raw: r}, nil
}

// Close closes the connection New made.
func (s *Store) Close() error {
	if s.raw.owned {
		return s.raw.client.Close()
	}
	return nil
}

// raw is the store on Redis without sealing.
type raw struct {
	client redis.UniversalClient
	owned  bool
	prefix string
	where  string // host:port, for errors
}

// The scripts, shared with the JavaScript store (js/build.mjs copies
// them into brokerauth/redis): compare-and-delete, and take-or-extend a
// lock.
var (
	//go:embed delete_if_equal.lua
	deleteIfEqualLua string
	//go:embed lock.lua
	lockLua string

	deleteIfEqual = redis.NewScript(deleteIfEqualLua)
	lock          = redis.NewScript(lockLua)
)

func (r *raw) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := r.client.Get(ctx, r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return v, r.fail(err)
}

func (r *raw) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return r.fail(r.client.Set(ctx, r.prefix+key, value, ttl).Err())
}

func (r *raw) Delete(ctx context.Context, key string, old []byte) error {
	if old == nil {
		return r.fail(r.client.Del(ctx, r.prefix+key).Err())
	}
	return r.fail(deleteIfEqual.Run(ctx, r.client, []string{r.prefix + key}, old).Err())
}

func (r *raw) Lock(ctx context.Context, key, token string, lease time.Duration) (bool, error) {
	n, err := lock.Run(ctx, r.client, []string{r.prefix + key}, token, lease.Milliseconds()).Int()
	return n == 1, r.fail(err)
}

func (r *raw) Unlock(ctx context.Context, key, token string) error {
	return r.fail(deleteIfEqual.Run(ctx, r.client, []string{r.prefix + key}, token).Err())
}

// fail types a Redis failure, naming the server by host and port only
// (the URL's password stays out), as brokerauth/redis does in Node: a
// network error, retryable, for a server that cannot be reached or is
// busy; invalid_argument, not retryable, for one that cannot work as set
// up (credentials, database number, a key prefix holding other data). A
// context's end is returned as it is: the engine types it.
func (r *raw) fail(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	text := err.Error()
	var ne net.Error
	var reply redis.Error // an error reply from the server
	why := ""
	switch {
	case errors.As(err, &ne) || strings.Contains(text, "connection refused") || errors.Is(err, redis.ErrClosed):
		why = "it cannot be reached (not running, wrong host or port, or a firewall)"
	case strings.HasPrefix(text, "LOADING"), strings.HasPrefix(text, "BUSY"):
		why = "it is starting or busy"
	case !errors.As(err, &reply):
		why = "it failed: " + firstLine(text)
	}
	if why != "" {
		return &core.Error{Code: core.CodeNetwork, Step: "store", Retryable: true,
			Message: "the session store (Redis at " + r.where + "): " + why}
	}
	switch {
	case strings.HasPrefix(text, "NOAUTH"):
		why = "it wants a password: redis://user:password@host:port"
	case strings.HasPrefix(text, "WRONGPASS"):
		why = "it refused the user name or password in the URL"
	case strings.HasPrefix(text, "WRONGTYPE"):
		why = `a key under the prefix "` + r.prefix + `" holds something else: give brokerauth a KeyPrefix of its own`
	case strings.Contains(text, "DB index"):
		why = "it has no such database: the URL's /db number"
	default:
		why = "it refused the command: " + firstLine(text)
	}
	return &core.Error{Code: core.CodeInvalidArgument, Step: "store",
		Message: "the session store (Redis at " + r.where + "): " + why}
}

// firstLine is a server's message, short: Redis's error replies never
// carry the client's credentials.
func firstLine(text string) string {
	text, _, _ = strings.Cut(text, "\n")
	if len(text) > 160 {
		text = text[:160] + "…"
	}
	return text
}
