//go:build js && wasm

package main

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

// The JavaScript API is declared once, here: each broker's options and
// methods, with their TypeScript types and documentation. The namespace
// dispatches calls by this table (clients.go), the wrapper builds its
// client classes from it at start-up (describe), and the build writes the
// published TypeScript declarations from it (js/build.mjs). Adding a
// method to a broker's client means its Go method and one entry below.

// option is one client option: its name in JavaScript, its kind, TypeScript
// type and documentation. The wrapper hands the options over as one JSON
// text; an option the table does not know is refused there and here.
type option struct {
	name string
	// kind is "string", "number", "boolean", or "integer": a decimal
	// string or a JSON number without fraction, read as a decimal string
	// (a Diffie-Hellman generator may exceed any number type).
	kind     string
	ts       string // TypeScript type; default the kind
	required bool   // required (in its mode, if it has one)
	// mode is the broker mode the option belongs to (IBKR: "OAuth2" or
	// "OAuth1"); empty for an option of every mode.
	mode string
	doc  string
	// min and max bound a number.
	min, max float64
}

// param is one argument of a method: a non-empty string.
type param struct {
	name, ts string
}

// method is one broker-specific method of a client, beyond the ones every
// client has (login, refresh, logout, request, keepAlive, session).
type method[C any] struct {
	name   string
	params []param
	// result is the TypeScript type the method's Promise resolves to.
	result string
	// returns says how the value crosses: "session" (a core.Session, as
	// sessionToJS writes it), "json" (JSON text the wrapper parses) or
	// "void".
	returns string
	doc     string
	run     func(ctx context.Context, c *C, args []string) (any, error)
}

// brokerAPI is one broker's entry of the table; broker[C] builds it.
type brokerAPI interface {
	// newClient builds a client from the options.
	newClient(opts *optionValues, x clientHooks) (apiClient, error)
	// describe appends the entry as JSON.
	describe(w *jsonlite.ObjectWriter)
}

// apiClient is a client the namespace holds: the common contract of every
// broker (the core.Engine), plus its own methods by name.
type apiClient interface {
	engine() *core.Engine
	call(ctx context.Context, name string, args []string) (result any, returns string, ok bool, err error)
}

// mode is one of the ways a broker's client logs in, each with its own
// options (IBKR: OAuth 2.0 or OAuth 1.0a). The TypeScript options type is
// then a union with one member per mode.
type mode struct {
	name string // its TypeScript suffix: IBKROAuth2Options
	doc  string
}

// broker is a broker's table entry for its client type C.
type broker[C any] struct {
	name string
	doc  string
	// modes, when the broker has several; each option names its own.
	modes []mode
	// ts names the broker's TypeScript interfaces (IGOptions, IGClient);
	// session is the TypeScript type of its sessions.
	ts, session string
	// keepAliveMs is keepAlive()'s default interval.
	keepAliveMs int64
	options     []option
	build       func(o *optionValues, x clientHooks) (*C, *core.Engine, error)
	methods     []method[C]
}

type clientOf[C any] struct {
	c       *C
	e       *core.Engine
	methods []method[C]
}

// clientHooks are what a client takes from the wrapper besides its
// options: the session listener, and where its session lives.
type clientHooks struct {
	onChange func(*core.Session)
	sharing  core.Sharing
}

func (b *broker[C]) newClient(o *optionValues, x clientHooks) (apiClient, error) {
	if err := o.check(b.name, b.options); err != nil {
		return nil, err
	}
	c, e, err := b.build(o, x)
	if err != nil {
		return nil, err
	}
	return &clientOf[C]{c: c, e: e, methods: b.methods}, nil
}

func (c *clientOf[C]) engine() *core.Engine { return c.e }

func (c *clientOf[C]) call(ctx context.Context, name string, args []string) (any, string, bool, error) {
	for _, m := range c.methods {
		if m.name != name {
			continue
		}
		if len(args) != len(m.params) {
			return nil, "", true, &core.Error{Code: core.CodeInvalidArgument, Message: name + " takes " + strconv.Itoa(len(m.params)) + " arguments"}
		}
		for i, a := range args {
			if a == "" {
				return nil, "", true, &core.Error{Code: core.CodeInvalidArgument, Message: m.params[i].name + " must be a non-empty string"}
			}
		}
		v, err := m.run(ctx, c.c, args)
		return v, m.returns, true, err
	}
	return nil, "", false, nil
}

func (b *broker[C]) describe(w *jsonlite.ObjectWriter) {
	var e jsonlite.ObjectWriter
	e.String("doc", b.doc)
	e.String("ts", b.ts)
	e.String("session", b.session)
	e.Int("keepAliveMs", b.keepAliveMs)
	e.Raw("options", jsonArray(len(b.options), func(i int, o *jsonlite.ObjectWriter) {
		opt := b.options[i]
		ts := opt.ts
		if ts == "" {
			ts = opt.kind
		}
		o.String("name", opt.name)
		o.String("kind", opt.kind)
		o.String("ts", ts)
		o.Bool("required", opt.required)
		o.String("mode", opt.mode)
		o.String("doc", opt.doc)
	}))
	e.Raw("modes", jsonArray(len(b.modes), func(i int, o *jsonlite.ObjectWriter) {
		o.String("name", b.modes[i].name)
		o.String("doc", b.modes[i].doc)
	}))
	e.Raw("methods", jsonArray(len(b.methods), func(i int, o *jsonlite.ObjectWriter) {
		m := b.methods[i]
		o.String("name", m.name)
		o.Raw("params", jsonArray(len(m.params), func(j int, p *jsonlite.ObjectWriter) {
			p.String("name", m.params[j].name)
			p.String("ts", m.params[j].ts)
		}))
		o.String("result", m.result)
		o.String("returns", m.returns)
		o.String("doc", m.doc)
	}))
	w.Raw(b.name, e.Bytes())
}

// jsonArray writes n objects, each by fn.
func jsonArray(n int, fn func(i int, o *jsonlite.ObjectWriter)) []byte {
	b := []byte{'['}
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		var o jsonlite.ObjectWriter
		fn(i, &o)
		b = append(b, o.Bytes()...)
	}
	return append(b, ']')
}

// describeAPI is the whole table as JSON, for the wrapper and the build.
func describeAPI() string {
	var w jsonlite.ObjectWriter
	var brokers jsonlite.ObjectWriter
	for _, name := range brokerNames {
		apis[name].describe(&brokers)
	}
	w.Raw("brokers", brokers.Bytes())
	return string(w.Bytes())
}

// optionValues are a client's options as the wrapper sent them (one JSON
// object), read by the table.
type optionValues struct {
	strs  map[string]string
	nums  map[string]float64
	bools map[string]bool
	kinds map[string]jsonlite.Kind
}

// parseOptions reads the wrapper's JSON text.
func parseOptions(broker, text string) (*optionValues, error) {
	o := &optionValues{strs: map[string]string{}, nums: map[string]float64{}, bools: map[string]bool{}, kinds: map[string]jsonlite.Kind{}}
	err := jsonlite.Parse([]byte(text), func(v jsonlite.Value) error {
		return v.Object(func(key []byte, v jsonlite.Value) error {
			k := string(key)
			o.kinds[k] = v.Kind()
			switch v.Kind() {
			case jsonlite.String:
				s, _ := v.String()
				o.strs[k] = s
			case jsonlite.Number:
				f, ok := v.Float64()
				if !ok {
					return jsonlite.ErrType
				}
				o.nums[k] = f
			case jsonlite.Bool:
				o.bools[k], _ = v.Bool()
			}
			return nil
		})
	})
	if err != nil {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Broker: broker, Message: "options must be a JSON object"}
	}
	return o, nil
}

// check refuses an option the table does not know (naming the known ones)
// and one of the wrong kind or out of range; null means absent.
func (o *optionValues) check(broker string, table []option) error {
	bad := func(msg string) error {
		return &core.Error{Code: core.CodeInvalidArgument, Broker: broker, Message: msg}
	}
	known := map[string]*option{}
	names := make([]string, 0, len(table))
	for i := range table {
		known[table[i].name] = &table[i]
		names = append(names, table[i].name)
	}
	for k, kind := range o.kinds {
		opt := known[k]
		switch {
		case opt == nil:
			return bad(`unknown option "` + k + `" (known: ` + strings.Join(names, ", ") + ")")
		case kind == jsonlite.Null:
		case opt.kind == "string" && kind != jsonlite.String,
			opt.kind == "number" && kind != jsonlite.Number,
			opt.kind == "boolean" && kind != jsonlite.Bool:
			return bad(k + " must be a " + opt.kind)
		case opt.kind == "integer" && kind == jsonlite.Number:
			if f := o.nums[k]; f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return bad(k + " must be an integer (a decimal string for larger ones)")
			}
			o.strs[k] = strconv.FormatFloat(o.nums[k], 'f', -1, 64)
		case opt.kind == "integer" && kind != jsonlite.String:
			return bad(k + " must be an integer or a decimal string")
		case opt.kind == "number" && (o.nums[k] < opt.min || o.nums[k] > opt.max):
			return bad(k + " must be from " + strconv.FormatFloat(opt.min, 'f', -1, 64) + " to " + strconv.FormatFloat(opt.max, 'f', -1, 64))
		}
	}
	return nil
}

func (o *optionValues) str(name string) string { return o.strs[name] }

func (o *optionValues) num(name string) float64 { return o.nums[name] }

// boolPtr is nil for an absent option.
func (o *optionValues) boolPtr(name string) *bool {
	if b, ok := o.bools[name]; ok {
		return &b
	}
	return nil
}
