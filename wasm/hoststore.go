//go:build js && wasm

package main

import (
	"context"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// hostStore is a core.Store kept by JavaScript: a client's `store` option
// (brokerauth/redis's redisStore, or the caller's own). The wrapper lends a
// runner, run(id, op, key, a, b), that calls the store's method and
// answers through ns.storeDone(id, ok, value, timedOut); Go waits for the answer on
// a channel, as the fetch helper's (hostfetch.go). Values cross as
// strings: they are sealed (core.Seal), so ASCII.
type hostStore struct {
	run js.Value
}

// storeReplies are the store calls waiting for their answer, by id, for
// every hostStore of the runtime (ns.storeDone is one function).
var storeReplies = struct {
	sync.Mutex
	next    int
	waiting map[int]chan storeReply
}{waiting: map[int]chan storeReply{}}

type storeReply struct {
	ok       bool
	value    js.Value // the method's result, or the error's message
	timedOut bool     // the error is a TimeoutError
}

// storeDone(id, ok, value, timedOut) is how the wrapper answers a store call. An
// answer nobody waits for (the call's context ended) is dropped.
func storeDone(_ js.Value, args []js.Value) any {
	defer func() { _ = recover() }() // a malformed call must not stop the runtime
	if len(args) < 3 || args[0].Type() != js.TypeNumber {
		return nil
	}
	storeReplies.Lock()
	ch := storeReplies.waiting[args[0].Int()]
	delete(storeReplies.waiting, args[0].Int())
	storeReplies.Unlock()
	if ch != nil {
		ch <- storeReply{ok: args[1].Truthy(), value: args[2], timedOut: len(args) > 3 && args[3].Truthy()}
	}
	return nil
}

// call runs op on the JS store and waits for its answer or ctx.
func (h *hostStore) call(ctx context.Context, op, key string, a, b any) (js.Value, error) {
	storeReplies.Lock()
	storeReplies.next++
	id := storeReplies.next
	ch := make(chan storeReply, 1)
	storeReplies.waiting[id] = ch
	storeReplies.Unlock()
	defer func() {
		storeReplies.Lock()
		delete(storeReplies.waiting, id)
		storeReplies.Unlock()
	}()
	h.run.Invoke(id, op, key, a, b)
	select {
	case <-ctx.Done():
		if ctx.Err() == context.DeadlineExceeded {
			return js.Undefined(), &core.Error{Code: core.CodeTimeout, Step: "store", Retryable: true, Message: "the session store did not answer " + op + " in time"}
		}
		return js.Undefined(), ctx.Err()
	case r := <-ch:
		if !r.ok {
			return js.Undefined(), storeFailure(op, r.value, r.timedOut)
		}
		return r.value, nil
	}
}

// storeFailure is a store method's rejection as a typed error, retryable:
// a timeout when the store says so (a TimeoutError), else a network error;
// with the first line of the store's message. The
// brokerauth stores' messages name the server, never its credentials; a
// caller's own store is responsible for its messages.
func storeFailure(op string, v js.Value, timedOut bool) error {
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
	code := core.CodeNetwork
	if timedOut {
		code = core.CodeTimeout
	}
	return &core.Error{Code: code, Step: "store", Retryable: true, Message: "the session store: " + msg}
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
		sh.OnStoreError = func(err error) { invokeSafely(fn, errorToJS(err)) }
	}
	return sh, nil
}
