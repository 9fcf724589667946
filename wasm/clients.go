//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"syscall/js"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// sessionClient is what every broker client offers the bridge; the
// per-broker adapters (ig.go, capital.go, ibkr.go) add their own methods
// through extra.
type sessionClient interface {
	Login(ctx context.Context) (*core.Session, error)
	Session() *core.Session
	Logout(ctx context.Context) error
	KeepAlive(ctx context.Context, interval time.Duration) error
	request(ctx context.Context, method, path string, body []byte, header http.Header) (status int, respHeader http.Header, respBody []byte, err error)
	// extra runs a broker-specific method; ok is false for an unknown name.
	extra(ctx context.Context, method string, args []js.Value) (result any, ok bool, err error)
}

// clientFactory builds a client from the wrapper's options object.
type clientFactory func(opts js.Value, onSessionChange func(*core.Session)) (sessionClient, error)

var factories = map[string]clientFactory{}

// registry holds the Go clients JS has handles on, and their running
// keepalives. JS refers to both by number: no per-client js.Func is made,
// so nothing needs releasing when a client is dropped.
var registry = struct {
	sync.Mutex
	next       int
	clients    map[int]sessionClient
	keepAlives map[int]keepAlive
	calls      map[int]context.CancelFunc // calls JS may cancel (an AbortSignal)
}{clients: map[int]sessionClient{}, keepAlives: map[int]keepAlive{}, calls: map[int]context.CancelFunc{}}

type keepAlive struct {
	clientID int
	cancel   context.CancelFunc
}

func registerClientFuncs(ns js.Value) {
	ns.Set("newClient", syncFunc(newClient))
	ns.Set("clientSession", syncFunc(clientSession))
	ns.Set("clientCall", syncFunc(clientCall))
	ns.Set("keepAliveStart", syncFunc(keepAliveStart))
	ns.Set("keepAliveStop", syncFunc(keepAliveStop))
	ns.Set("closeClient", syncFunc(closeClient))
	ns.Set("cancelCall", syncFunc(cancelCall))
}

// newClient(broker, options, onSessionChange?) → {id}
func newClient(args []js.Value) (any, error) {
	broker, err := argString(args, 0, "broker")
	if err != nil {
		return nil, err
	}
	factory, ok := factories[broker]
	if !ok {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Message: "unknown broker"}
	}
	if len(args) < 2 || args[1].Type() != js.TypeObject {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Broker: broker, Message: "options must be an object"}
	}
	var listener func(*core.Session)
	if len(args) > 2 && args[2].Type() == js.TypeFunction {
		fn := args[2]
		listener = func(s *core.Session) { invokeSafely(fn, sessionToJS(s)) }
	}
	c, err := factory(args[1], listener)
	if err != nil {
		return nil, err
	}
	registry.Lock()
	defer registry.Unlock()
	registry.next++
	registry.clients[registry.next] = c
	return map[string]any{"id": registry.next}, nil
}

func lookupClient(args []js.Value) (int, sessionClient, error) {
	if len(args) == 0 || args[0].Type() != js.TypeNumber {
		return 0, nil, &core.Error{Code: core.CodeInvalidArgument, Message: "client id must be a number"}
	}
	id := args[0].Int()
	registry.Lock()
	defer registry.Unlock()
	c, ok := registry.clients[id]
	if !ok {
		return 0, nil, &core.Error{Code: core.CodeInvalidArgument, Message: "no such client"}
	}
	return id, c, nil
}

// clientSession(id) → session | null
func clientSession(args []js.Value) (any, error) {
	_, c, err := lookupClient(args)
	if err != nil {
		return nil, err
	}
	return sessionToJS(c.Session()), nil
}

// clientCall(id, method, args[], callId?) → Promise<{value}|{error}>. With
// a callId, cancelCall(callId) ends the call's context (the wrapper does so
// when the caller's AbortSignal fires); it then fails with code canceled.
func clientCall(args []js.Value) (any, error) {
	id, c, err := lookupClient(args)
	if err != nil {
		return nil, err
	}
	method, err := argString(args, 1, "method")
	if err != nil {
		return nil, err
	}
	var callArgs []js.Value
	if len(args) > 2 && args[2].InstanceOf(js.Global().Get("Array")) {
		for i := 0; i < args[2].Length(); i++ {
			callArgs = append(callArgs, args[2].Index(i))
		}
	}
	// Only a call that JS may cancel gets a cancelable context, and it is
	// not canceled when the call returns: doing so made Chromium log
	// fetches that were still finishing as aborted.
	ctx := context.Background()
	callID := 0
	if len(args) > 3 && args[3].Type() == js.TypeNumber {
		callID = args[3].Int()
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		registry.Lock()
		registry.calls[callID] = cancel
		registry.Unlock()
	}
	return makePromise(func() (any, error) {
		defer func() {
			if callID != 0 {
				registry.Lock()
				delete(registry.calls, callID)
				registry.Unlock()
			}
		}()
		switch method {
		case "login":
			s, err := c.Login(ctx)
			return sessionToJS(s), err
		case "logout":
			stopKeepAlivesOf(id)
			return nil, c.Logout(ctx)
		case "request":
			return doRequest(ctx, c, callArgs)
		}
		result, ok, err := c.extra(ctx, method, callArgs)
		if !ok {
			return nil, &core.Error{Code: core.CodeInvalidArgument, Message: "unknown method"}
		}
		return result, err
	}), nil
}

// cancelCall(callId) cancels a call started with that id, if it is still
// running.
func cancelCall(args []js.Value) (any, error) {
	if len(args) == 0 || args[0].Type() != js.TypeNumber {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Message: "call id must be a number"}
	}
	registry.Lock()
	cancel := registry.calls[args[0].Int()]
	registry.Unlock()
	if cancel != nil {
		cancel()
	}
	return nil, nil
}

// accountSwitcher is the IG and Capital.com clients' SwitchAccount.
type accountSwitcher interface {
	SwitchAccount(ctx context.Context, accountID string) (*core.Session, error)
}

// switchAccount runs the "switchAccount" method for either client: args
// are [accountId].
func switchAccount(ctx context.Context, c accountSwitcher, args []js.Value) (any, bool, error) {
	id, err := argString(args, 0, "accountId")
	if err != nil {
		return nil, true, err
	}
	s, err := c.SwitchAccount(ctx, id)
	return sessionToJS(s), true, err
}

// doRequest: args are [method, path, body string|null, headers object].
func doRequest(ctx context.Context, c sessionClient, args []js.Value) (any, error) {
	method, err := argString(args, 0, "method")
	if err != nil {
		return nil, err
	}
	path, err := argString(args, 1, "path")
	if err != nil {
		return nil, err
	}
	var body []byte
	if len(args) > 2 && args[2].Type() == js.TypeString {
		body = []byte(args[2].String())
	}
	header := http.Header{}
	if len(args) > 3 && args[3].Type() == js.TypeObject {
		keys := js.Global().Get("Object").Call("keys", args[3])
		for i := 0; i < keys.Length(); i++ {
			k := keys.Index(i).String()
			if v := args[3].Get(k); v.Type() == js.TypeString {
				header.Set(k, v.String())
			}
		}
	}
	status, _, respBody, err := c.request(ctx, method, path, body, header)
	if err != nil {
		return nil, err
	}
	// [status, body]: the wrapper parses the body and has no use for the
	// response headers; two values cross instead of an object of them.
	return []any{status, string(respBody)}, nil
}

// closeClient(id) forgets a client; the wrapper calls it when the JS handle
// has been garbage-collected. Calls still in flight and running keepalives
// hold their own reference, so they finish undisturbed.
func closeClient(args []js.Value) (any, error) {
	id, _, err := lookupClient(args)
	if err != nil {
		return nil, err
	}
	registry.Lock()
	delete(registry.clients, id)
	registry.Unlock()
	return nil, nil
}

// keepAliveStart(id, intervalMs, onError, onEnd) → keepalive id. onEnd is
// called once the loop has ended, however it ended, so that the wrapper
// can stop holding a Node process open for it.
func keepAliveStart(args []js.Value) (any, error) {
	id, c, err := lookupClient(args)
	if err != nil {
		return nil, err
	}
	if len(args) < 2 || args[1].Type() != js.TypeNumber || args[1].Float() < 1 {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Message: "intervalMs must be a positive number"}
	}
	interval := time.Duration(args[1].Float()) * time.Millisecond
	var onError, onEnd js.Value
	if len(args) > 2 && args[2].Type() == js.TypeFunction {
		onError = args[2]
	}
	if len(args) > 3 && args[3].Type() == js.TypeFunction {
		onEnd = args[3]
	}
	ctx, cancel := context.WithCancel(context.Background())
	registry.Lock()
	registry.next++
	kaID := registry.next
	registry.keepAlives[kaID] = keepAlive{clientID: id, cancel: cancel}
	registry.Unlock()
	go func() {
		defer func() {
			if r := recover(); r != nil && !onError.IsUndefined() {
				invokeSafely(onError, errorToJS(panicError(r)))
			}
			registry.Lock()
			delete(registry.keepAlives, kaID)
			registry.Unlock()
			cancel()
			if !onEnd.IsUndefined() {
				invokeSafely(onEnd, nil)
			}
		}()
		err := c.KeepAlive(ctx, interval)
		if err != nil && ctx.Err() == nil && !onError.IsUndefined() {
			invokeSafely(onError, errorToJS(err))
		}
	}()
	return kaID, nil
}

// keepAliveStop(keepalive id)
func keepAliveStop(args []js.Value) (any, error) {
	if len(args) == 0 || args[0].Type() != js.TypeNumber {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Message: "keepalive id must be a number"}
	}
	registry.Lock()
	defer registry.Unlock()
	if ka, ok := registry.keepAlives[args[0].Int()]; ok {
		ka.cancel()
		delete(registry.keepAlives, args[0].Int())
	}
	return nil, nil
}

// stopKeepAlivesOf ends every keepalive of a client: logout ends them.
func stopKeepAlivesOf(clientID int) {
	registry.Lock()
	defer registry.Unlock()
	for id, ka := range registry.keepAlives {
		if ka.clientID == clientID {
			ka.cancel()
			delete(registry.keepAlives, id)
		}
	}
}

// invokeSafely calls a JS callback from Go. The wrapper's callbacks catch
// their own errors; this guards against one that throws anyway, which
// would otherwise panic the calling goroutine.
func invokeSafely(fn js.Value, arg any) {
	defer func() { _ = recover() }()
	fn.Invoke(arg)
}

// sessionToJS renders a session in the shape the JS API documents, as JSON
// text that the wrapper parses (freezeSession in js/clients.js): one string
// crosses into JS instead of an object built one property at a time, each
// of which would cost a crossing of several microseconds. nil is JS null.
func sessionToJS(s *core.Session) any {
	if s == nil {
		return nil
	}
	out := jsSession{Broker: s.Broker, Headers: s.Headers}
	if out.Headers == nil {
		out.Headers = map[string]string{}
	}
	if !s.ExpiresAt.IsZero() {
		ms := s.ExpiresAt.UnixMilli()
		out.ExpiresAt = &ms
	}
	if s.Broker == core.BrokerIBKR {
		out.Authenticated, out.Competing, out.Connected = &s.Authenticated, &s.Competing, &s.Connected
	} else {
		accounts := make([]jsAccount, 0, len(s.Accounts))
		for _, a := range s.Accounts {
			accounts = append(accounts, jsAccount{ID: a.ID, Name: a.Name, Type: a.Type, Preferred: a.Preferred})
		}
		out.AccountID, out.Accounts, out.StreamingEndpoint = &s.AccountID, &accounts, &s.StreamingEndpoint
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil // unreachable: strings, numbers and booleans only
	}
	return string(b)
}

// jsSession is the JS session object; the pointer fields are present only
// for the brokers that have them (IBKR's status flags, IG and Capital.com's
// accounts).
type jsSession struct {
	Broker            string            `json:"broker"`
	Headers           map[string]string `json:"headers"`
	ExpiresAt         *int64            `json:"expiresAt"`
	Authenticated     *bool             `json:"authenticated,omitempty"`
	Competing         *bool             `json:"competing,omitempty"`
	Connected         *bool             `json:"connected,omitempty"`
	AccountID         *string           `json:"accountId,omitempty"`
	Accounts          *[]jsAccount      `json:"accounts,omitempty"`
	StreamingEndpoint *string           `json:"streamingEndpoint,omitempty"`
}

type jsAccount struct {
	ID        string `json:"accountId"`
	Name      string `json:"accountName"`
	Type      string `json:"accountType"`
	Preferred bool   `json:"preferred"`
}

// Option readers for the wrapper's options object: a missing option is the
// zero value; a present one of the wrong type is an error naming it (never
// its value).
type options struct {
	v      js.Value
	broker string
	err    error
}

func (o *options) str(name string) string {
	f := o.v.Get(name)
	switch f.Type() {
	case js.TypeUndefined, js.TypeNull:
		return ""
	case js.TypeString:
		return f.String()
	}
	o.fail(name + " must be a string")
	return ""
}

func (o *options) num(name string) float64 {
	f := o.v.Get(name)
	switch f.Type() {
	case js.TypeUndefined, js.TypeNull:
		return 0
	case js.TypeNumber:
		return f.Float()
	}
	o.fail(name + " must be a number")
	return 0
}

func (o *options) boolPtr(name string) *bool {
	f := o.v.Get(name)
	switch f.Type() {
	case js.TypeUndefined, js.TypeNull:
		return nil
	case js.TypeBoolean:
		b := f.Bool()
		return &b
	}
	o.fail(name + " must be a boolean")
	return nil
}

func (o *options) timeout() time.Duration {
	return time.Duration(o.num("timeoutMs") * float64(time.Millisecond))
}

func (o *options) fail(msg string) {
	if o.err == nil {
		o.err = &core.Error{Code: core.CodeInvalidArgument, Broker: o.broker, Message: msg}
	}
}
