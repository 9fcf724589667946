package main

// The Go side of `make bench`'s session store figures (bench/store.bench.mjs
// runs this with BENCH_IG, the IG simulator's credentials as JSON, and
// BROKERAUTH_TEST_REDIS; without them it is skipped): obtaining a session in
// a new client by a fresh IG v2 login, or from a Redis store that holds
// one, and a Redis GET alone.

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/brokerauth/brokerauth/core/ig"
	"github.com/brokerauth/brokerauth/core/redisstore"
)

func BenchmarkObtainSession(b *testing.B) {
	var creds struct{ BaseURL, APIKey, Identifier, Password string }
	url := os.Getenv("BROKERAUTH_TEST_REDIS")
	if json.Unmarshal([]byte(os.Getenv("BENCH_IG")), &creds) != nil || url == "" {
		b.Skip("needs BENCH_IG and BROKERAUTH_TEST_REDIS: bench/store.bench.mjs sets them")
	}
	prefix := "gobench-" + strconv.Itoa(os.Getpid()) + ":"
	store, err := redisstore.New(redisstore.Options{URL: url, EncryptionKey: make([]byte, 32), KeyPrefix: prefix})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = store.Close()
		o, _ := redis.ParseURL(url)
		c := redis.NewClient(o)
		defer c.Close()
		if keys, _ := c.Keys(context.Background(), prefix+"*").Result(); len(keys) > 0 {
			c.Del(context.Background(), keys...)
		}
	})
	ctx := context.Background()
	cfg := ig.Config{APIKey: creds.APIKey, Identifier: creds.Identifier, Password: creds.Password, BaseURL: creds.BaseURL}
	login := func(b *testing.B, cfg ig.Config) {
		c, err := ig.New(cfg)
		if err == nil {
			_, err = c.Login(ctx)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	shared := cfg
	shared.Store = store
	login(b, shared) // the store holds the account's session from here on

	b.Run("fresh login", func(b *testing.B) {
		for b.Loop() {
			login(b, cfg)
		}
	})
	b.Run("from the Redis store", func(b *testing.B) {
		for b.Loop() {
			login(b, shared)
		}
	})
	b.Run("Redis GET alone", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.Get(ctx, "session:none"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
