//go:build js && wasm

package main

import (
	"context"
	"net/http"
	"slices"
	"strconv"
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
	KeepAlive(ctx context.Context, interval time.Duration, opts ...core.KeepAliveOption) error
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

// newClient(broker, options, onSessionChange?) → id
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
	return registry.next, nil
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

// clientCall(id, method, callId, settle, ...args) starts a call and hands
// its outcome to settle: settle(true, value) or settle(false, error). With
// a callId other than 0, cancelCall(callId) ends the call's context (the
// wrapper does so when the caller's AbortSignal fires); it then fails with
// code canceled. The method's own arguments come last, spread, rather than
// as one array: an array is one more JS reference, and its length and each
// element one more crossing each.
func clientCall(args []js.Value) (any, error) {
	if len(args) < 4 || args[3].Type() != js.TypeFunction {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Message: "the fourth argument must be the function that takes the outcome"}
	}
	settleFn := args[3]
	id, c, err := lookupClient(args)
	if err != nil {
		return nil, err
	}
	method, err := argString(args, 1, "method")
	if err != nil {
		return nil, err
	}
	callArgs := args[4:]
	// Only a call that JS may cancel gets a cancelable context, and it is
	// not canceled when the call returns: doing so made Chromium log
	// fetches that were still finishing as aborted.
	ctx := context.Background()
	callID := 0
	if args[2].Type() == js.TypeNumber && args[2].Int() != 0 {
		callID = args[2].Int()
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
	})
	return nil, nil
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

// switchAccount runs an account switch of the IG or Capital.com client
// (SwitchAccount, IG's SetDefaultAccount): args are [accountId].
func switchAccount(ctx context.Context, switchTo func(context.Context, string) (*core.Session, error), args []js.Value) (any, bool, error) {
	id, err := argString(args, 0, "accountId")
	if err != nil {
		return nil, true, err
	}
	s, err := switchTo(ctx, id)
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
		keys := jsObject.Call("keys", args[3])
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
	// new Array(a, b) is [a, b]: one crossing, where js.ValueOf of a
	// []any makes the array and then sets each element.
	return jsArray.New(status, string(respBody)), nil
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
	var onError, onEnd js.Value
	if len(args) > 2 && args[2].Type() == js.TypeFunction {
		onError = args[2]
	}
	if len(args) > 3 && args[3].Type() == js.TypeFunction {
		onEnd = args[3]
	}
	var opts []core.KeepAliveOption
	if len(args) > 4 && args[4].Type() == js.TypeFunction {
		onRound := args[4]
		opts = append(opts, core.OnRound(func(err error) {
			if err == nil {
				invokeSafely(onRound, nil)
			} else {
				invokeSafely(onRound, errorToJS(err))
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
		err := c.KeepAlive(ctx, interval, opts...)
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
// of which would cost a crossing of several microseconds. It is written by
// hand, without encoding/json (slow and ~230 KB under WebAssembly). nil is
// JS null.
func sessionToJS(s *core.Session) any {
	if s == nil {
		return nil
	}
	var j jsonObject
	j.str("broker", s.Broker)
	j.key("headers")
	names := make([]string, 0, len(s.Headers))
	for name := range s.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	var headers jsonObject
	for _, name := range names {
		headers.str(name, s.Headers[name])
	}
	j.b = append(j.b, headers.close()...)
	j.key("expiresAt")
	if s.ExpiresAt.IsZero() {
		j.b = append(j.b, "null"...)
	} else {
		j.b = strconv.AppendInt(j.b, s.ExpiresAt.UnixMilli(), 10)
	}
	if s.Broker == core.BrokerIBKR {
		j.boolean("authenticated", s.Authenticated)
		j.boolean("competing", s.Competing)
		j.boolean("connected", s.Connected)
		return string(j.close())
	}
	j.str("accountId", s.AccountID)
	j.key("accounts")
	j.b = append(j.b, '[')
	for i, a := range s.Accounts {
		if i > 0 {
			j.b = append(j.b, ',')
		}
		var acc jsonObject
		acc.str("accountId", a.ID)
		acc.str("accountName", a.Name)
		acc.str("accountType", a.Type)
		acc.boolean("preferred", a.Preferred)
		j.b = append(j.b, acc.close()...)
	}
	j.b = append(j.b, ']')
	j.str("streamingEndpoint", s.StreamingEndpoint)
	return string(j.close())
}

// jsonObject writes one JSON object member by member.
type jsonObject struct{ b []byte }

func (j *jsonObject) key(k string) {
	if len(j.b) == 0 {
		j.b = append(j.b, '{')
	} else {
		j.b = append(j.b, ',')
	}
	j.b = append(core.AppendJSONString(j.b, k), ':')
}

func (j *jsonObject) str(k, v string) {
	j.key(k)
	j.b = core.AppendJSONString(j.b, v)
}

func (j *jsonObject) boolean(k string, v bool) {
	j.key(k)
	j.b = strconv.AppendBool(j.b, v)
}

func (j *jsonObject) close() []byte {
	if len(j.b) == 0 {
		return []byte("{}")
	}
	return append(j.b, '}')
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
