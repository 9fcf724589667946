//go:build js && wasm

package main

import (
	"context"
	"strings"
	"syscall/js"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/wasm/internal/bridge"
)

// hostStore is a core.Store kept by JavaScript: a client's `store` option
// (brokerauth/redis's redisStore, or the caller's own). The wrapper lends a
// runner, run(id, op, key, a, b), that calls the store's method and
// answers through ns.storeDone(id, ok, value, code); Go waits for the
// answer as for the fetch helper's (replies.go). Values cross as strings:
// they are sealed (core.Seal), so ASCII.
type hostStore struct {
	run js.Value
}

// storeReplies are the store calls waiting for their answer, for every
// hostStore of the runtime (ns.storeDone is one function).
var storeReplies replies[storeReply]

type storeReply struct {
	ok    bool
	value js.Value // the method's result, or the error's message
	code  string   // of a failure: "timeout", "invalid_argument" or ""
}

// storeDone(id, ok, value, code) is how the wrapper answers a store call.
func storeDone(_ js.Value, args []js.Value) any {
	defer func() { _ = recover() }() // a malformed call must not stop the runtime
	if len(args) < 3 || args[0].Type() != js.TypeNumber {
		return nil
	}
	if ch := storeReplies.take(args[0].Int()); ch != nil {
		r := storeReply{ok: args[1].Truthy(), value: args[2]}
		if len(args) > 3 && args[3].Type() == js.TypeString {
			r.code = args[3].String()
		}
		ch <- r
	}
	return nil
}

// call runs op on the JS store and waits for its answer or ctx; the engine
// types a context's end (core.Engine's storeError).
func (h *hostStore) call(ctx context.Context, op, key string, a, b any) (js.Value, error) {
	if err := ctx.Err(); err != nil {
		return js.Undefined(), err // a late lock would hold the account for nothing
	}
	id, ch := storeReplies.register()
	defer storeReplies.forget(id)
	h.run.Invoke(id, op, key, a, b)
	select {
	case <-ctx.Done():
		return js.Undefined(), ctx.Err()
	case r := <-ch:
		if !r.ok {
			return js.Undefined(), storeFailure(op, r.value, r.code)
		}
		return r.value, nil
	}
}

// storeFailure is a store method's rejection as a typed error with the
// first line of the store's message: invalid_argument when the store says
// it cannot work as set up (brokerauth/redis without the redis package), a
// timeout when it says so (a TimeoutError), else a network error. The
// brokerauth stores' messages name the server, never its credentials; a
// caller's own store is responsible for its messages.
func storeFailure(op string, v js.Value, code string) error {
	msg := ""
	if v.Type() == js.TypeString {
		msg = v.String()
	}
	msg, _, _ = strings.Cut(msg, "\n")
	if r := []rune(msg); len(r) > 200 {
		msg = string(r[:200]) + "…"
	}
	if msg == "" {
		msg = op + " failed"
	}
	e := &core.Error{Code: core.CodeNetwork, Step: "store", Retryable: true, Message: "the session store: " + msg}
	switch code {
	case "timeout":
		e.Code = core.CodeTimeout
	case "invalid_argument":
		e.Code, e.Retryable = core.CodeInvalidArgument, false
	}
	return e
}

func (h *hostStore) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := h.call(ctx, "get", key, nil, nil)
	if err != nil || v.Type() != js.TypeString {
		return nil, err
	}
	return []byte(v.String()), nil
}

func (h *hostStore) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	_, err := h.call(ctx, "put", key, string(value), ttl.Milliseconds())
	return err
}

func (h *hostStore) Delete(ctx context.Context, key string, old []byte) error {
	var o any
	if old != nil {
		o = string(old)
	}
	_, err := h.call(ctx, "delete", key, o, nil)
	return err
}

func (h *hostStore) Lock(ctx context.Context, key, token string, lease time.Duration) (bool, error) {
	v, err := h.call(ctx, "lock", key, token, lease.Milliseconds())
	return err == nil && v.Truthy(), err
}

func (h *hostStore) Unlock(ctx context.Context, key, token string) error {
	_, err := h.call(ctx, "unlock", key, token, nil)
	return err
}

// sharingOf reads a client's store arguments: newClient's runner (a
// function, or absent for the client's own memory), the sealing key as
// base64, the onStoreError listener, and the fallback option.
func sharingOf(broker string, o *optionValues, args []js.Value) (core.Sharing, error) {
	sh := core.Sharing{StoreFallback: o.str("fallback")}
	if len(args) > 3 && args[3].Type() == js.TypeFunction {
		text := ""
		if len(args) > 4 && args[4].Type() == js.TypeString {
			text = args[4].String()
		}
		key, err := core.ParseStoreKey(text)
		if err != nil {
			e := err.(*core.Error)
			e.Broker, e.Message = broker, "store.encryptionKey must be 32 random bytes, as a Uint8Array or base64 (openssl rand -base64 32): sessions are not shared in clear"
			return sh, e
		}
		if sh.Store, err = core.Seal(&hostStore{run: args[3]}, key); err != nil {
			return sh, err
		}
	}
	if len(args) > 5 && args[5].Type() == js.TypeFunction {
		fn := args[5]
		sh.OnStoreError = func(err error) { invokeSafely(fn, bridge.ErrorToJS(err)) }
	}
	return sh, nil
}
