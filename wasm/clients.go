//go:build js && wasm

package main

import (
	"context"
	"slices"
	"sync"
	"syscall/js"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/internal/jsonlite"
	"github.com/brokerauth/brokerauth/wasm/internal/bridge"
)

// registry holds the Go clients JS has handles on, and their running
// keepalives. JS refers to both by number: no per-client js.Func is made,
// so nothing needs releasing when a client is dropped.
var registry = struct {
	sync.Mutex
	next       int
	clients    map[int]apiClient
	keepAlives map[int]keepAlive
	calls      map[int]context.CancelFunc // calls JS may cancel (an AbortSignal)
}{clients: map[int]apiClient{}, keepAlives: map[int]keepAlive{}, calls: map[int]context.CancelFunc{}}

type keepAlive struct {
	clientID int
	cancel   context.CancelFunc
}

func registerClientFuncs(ns js.Value) {
	ns.Set("describe", bridge.SyncFunc(func([]js.Value) (any, error) { return describeAPI(), nil }))
	ns.Set("newClient", bridge.SyncFunc(newClient))
	ns.Set("clientSession", bridge.SyncFunc(clientSession))
	ns.Set("clientCall", bridge.SyncFunc(clientCall))
	ns.Set("keepAliveStart", bridge.SyncFunc(keepAliveStart))
	ns.Set("keepAliveStop", bridge.SyncFunc(keepAliveStop))
	ns.Set("closeClient", bridge.SyncFunc(closeClient))
	ns.Set("cancelCall", bridge.SyncFunc(cancelCall))
	ns.Set("storeDone", js.FuncOf(storeDone))
}

// newClient(broker, optionsJSON, onSessionChange?, storeRunner?,
// storeKey?, onStoreError?) → id. The options cross as one JSON text, the
// password with them: once per client; a store's runner and key, once too
// (hoststore.go).
func newClient(args []js.Value) (any, error) {
	broker, err := bridge.ArgString(args, 0, "broker")
	if err != nil {
		return nil, err
	}
	api, ok := apis[broker]
	if !ok {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Message: "unknown broker"}
	}
	text, err := bridge.ArgString(args, 1, "options")
	if err != nil {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Broker: broker, Message: "options must be JSON text"}
	}
	opts, err := parseOptions(broker, text)
	if err != nil {
		return nil, err
	}
	var listener func(*core.Session)
	if len(args) > 2 && args[2].Type() == js.TypeFunction {
		fn := args[2]
		listener = func(s *core.Session) { invokeSafely(fn, sessionToJS(s)) }
	}
	sharing, err := sharingOf(broker, opts, args)
	if err != nil {
		return nil, err
	}
	c, err := api.newClient(opts, clientHooks{onChange: listener, sharing: sharing})
	if err != nil {
		return nil, err
	}
	registry.Lock()
	defer registry.Unlock()
	registry.next++
	registry.clients[registry.next] = c
	return registry.next, nil
}

func lookupClient(args []js.Value) (int, apiClient, error) {
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

// clientSession(id) → session JSON | null
func clientSession(args []js.Value) (any, error) {
	_, c, err := lookupClient(args)
	if err != nil {
		return nil, err
	}
	return sessionToJS(c.engine().Session()), nil
}

// clientCall(id, method, callId, settle, ...args) starts a call and hands
// its outcome to settle: settle(true, value) or settle(false, error). The
// call id is the wrapper's handle on the call: cancelCall(callId) ends its
// context (the wrapper does so when the caller's AbortSignal fires), and
// request() bodies stay with the wrapper under it. The method's own
// arguments come last, spread: an array would be one more JS reference.
func clientCall(args []js.Value) (any, error) {
	if len(args) < 4 || args[3].Type() != js.TypeFunction {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Message: "the fourth argument must be the function that takes the outcome"}
	}
	settleFn := args[3]
	id, c, err := lookupClient(args)
	if err != nil {
		return nil, err
	}
	method, err := bridge.ArgString(args, 1, "method")
	if err != nil {
		return nil, err
	}
	callID := 0
	if args[2].Type() == js.TypeNumber {
		callID = args[2].Int()
	}
	callArgs := make([]string, 0, len(args)-4)
	for _, a := range args[4:] {
		if a.Type() != js.TypeString {
			return nil, &core.Error{Code: core.CodeInvalidArgument, Message: "arguments must be strings"}
		}
		callArgs = append(callArgs, a.String())
	}
	// Only a call that JS may cancel gets a cancelable context, and it is
	// not canceled when the call returns: doing so made Chromium log
	// fetches that were still finishing as aborted.
	ctx := context.Background()
	if callID != 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		registry.Lock()
		registry.calls[callID] = cancel
		registry.Unlock()
	}
	startAsync(settleFn, func() (any, error) {
		defer func() {
			if callID != 0 {
				registry.Lock()
				delete(registry.calls, callID)
				registry.Unlock()
			}
		}()
		return dispatch(ctx, id, c, method, callID, callArgs)
	})
	return nil, nil
}

// dispatch runs one method: the common contract's on the engine, the
// broker's own by the table.
func dispatch(ctx context.Context, id int, c apiClient, method string, callID int, args []string) (any, error) {
	e := c.engine()
	switch method {
	case "login":
		s, err := e.Login(ctx)
		return sessionToJS(s), err
	case "refresh":
		s, err := e.Refresh(ctx)
		return sessionToJS(s), err
	case "logout":
		stopKeepAlivesOf(id)
		return nil, e.Logout(ctx)
	case "request":
		return request(ctx, e, callID, args)
	}
	v, returns, ok, err := c.call(ctx, method, args)
	if !ok {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Message: "unknown method"}
	}
	if returns == "session" {
		s, _ := v.(*core.Session)
		return sessionToJS(s), err
	}
	return v, err
}

// request: args are [method, path, headers as JSON text, body mode, body
// text]. The body mode is "" (no body), "kept" (the body stays with the
// wrapper under the call id, core.Request.HostRef: Go has no use for it)
// or "go" (the body text is the fifth argument: a form-encoded body, whose
// fields an OAuth 1.0a signature covers). A 2xx answer's body stays with
// the wrapper too. The result is [status, kept, body text]: kept says the
// wrapper holds the answer's body.
func request(ctx context.Context, e *core.Engine, callID int, args []string) (any, error) {
	if len(args) != 5 || (args[3] != "" && args[3] != "kept" && args[3] != "go") {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Message: "request takes 5 arguments"}
	}
	header := core.Header{}
	err := jsonlite.Unmarshal([]byte(args[2]), func(k []byte, v jsonlite.Value) error {
		s, ok := v.String()
		if !ok {
			return jsonlite.ErrType
		}
		header.Set(string(k), s)
		return nil
	})
	if err != nil {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Step: "request", Message: "headers must be a JSON object of strings"}
	}
	req := &core.Request{Method: args[0], URL: args[1], Header: header, HostBody: args[3] == "kept"}
	if args[3] == "go" {
		req.Body = []byte(args[4])
	}
	if callID != 0 {
		req.HostRef = callID
	}
	r, err := e.Send(ctx, req)
	if err != nil {
		return nil, err
	}
	if r.HostRef != nil {
		return jsArray.New(r.Status, true), nil
	}
	return jsArray.New(r.Status, false, string(r.Body)), nil
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

// keepAliveStart(id, intervalMs, onError, onEnd, onRound?) → keepalive id.
// onEnd is called once the loop has ended, however it ended, so that the
// wrapper can stop holding a Node process open for it; onRound, if given,
// after every round with null or the round's error.
func keepAliveStart(args []js.Value) (any, error) {
	id, c, err := lookupClient(args)
	if err != nil {
		return nil, err
	}
	if len(args) < 2 || args[1].Type() != js.TypeNumber || args[1].Float() < 1 {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Message: "intervalMs must be a positive number"}
	}
	interval := time.Duration(args[1].Float()) * time.Millisecond
	fn := func(i int) js.Value {
		if len(args) > i && args[i].Type() == js.TypeFunction {
			return args[i]
		}
		return js.Undefined()
	}
	onError, onEnd, onRound := fn(2), fn(3), fn(4)
	var opts []core.KeepAliveOption
	if !onRound.IsUndefined() {
		opts = append(opts, core.OnRound(func(err error) {
			if err == nil {
				invokeSafely(onRound, nil)
			} else {
				invokeSafely(onRound, bridge.ErrorToJS(err))
			}
		}))
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
				invokeSafely(onError, bridge.ErrorToJS(bridge.PanicError(r)))
			}
			registry.Lock()
			delete(registry.keepAlives, kaID)
			registry.Unlock()
			cancel()
			if !onEnd.IsUndefined() {
				invokeSafely(onEnd, nil)
			}
		}()
		err := c.engine().KeepAlive(ctx, interval, opts...)
		if err != nil && ctx.Err() == nil && !onError.IsUndefined() {
			invokeSafely(onError, bridge.ErrorToJS(err))
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
// crosses into JS instead of an object built one property at a time. nil
// is JS null.
func sessionToJS(s *core.Session) any {
	if s == nil {
		return nil
	}
	var w jsonlite.ObjectWriter
	w.String("broker", s.Broker)
	var headers jsonlite.ObjectWriter
	for _, name := range sortedKeys(s.Headers) {
		headers.String(name, s.Headers[name])
	}
	w.Raw("headers", headers.Bytes())
	if s.ExpiresAt.IsZero() {
		w.Raw("expiresAt", []byte("null"))
	} else {
		w.Int("expiresAt", s.ExpiresAt.UnixMilli())
	}
	if s.Broker == core.BrokerIBKR {
		w.Bool("authenticated", s.Authenticated)
		w.Bool("competing", s.Competing)
		w.Bool("connected", s.Connected)
		return string(w.Bytes())
	}
	w.String("accountId", s.AccountID)
	w.Raw("accounts", jsonArray(len(s.Accounts), func(i int, acc *jsonlite.ObjectWriter) {
		a := s.Accounts[i]
		acc.String("accountId", a.ID)
		acc.String("accountName", a.Name)
		acc.String("accountType", a.Type)
		acc.Bool("preferred", a.Preferred)
	}))
	w.String("streamingEndpoint", s.StreamingEndpoint)
	return string(w.Bytes())
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
