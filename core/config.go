package core

import "time"

// DefaultTimeout bounds each HTTP call unless a Config says otherwise.
const DefaultTimeout = 30 * time.Second

// NoHTTPMessage is the configuration error for a client with no HTTP to
// send through: natively the default is net/http's client, but under
// GOOS=js there is none (Go's own net/http turns fetch off under Node, and
// linking its transport would put TLS and X.509 into the wasm).
const NoHTTPMessage = "no HTTP transport: under GOOS=js, set Config.HTTP (the wasm package passes the host's fetch) " +
	"or Config.HTTPClient (a fetch-based client such as github.com/syumai/tinyutil/httputil's)"

// Common is the part of every client's configuration that is not its
// credentials; CheckCommon is the one checker of it.
type Common struct {
	// Environment picks a base URL from Environments; "" is "demo".
	Environment string
	// Environments maps environment names to the broker's base URLs.
	Environments map[string]string
	// BaseURL replaces the environment's base URL: https unless loopback.
	BaseURL string
	// HTTP sends the requests (required: the broker packages fill in
	// net/http's client natively).
	HTTP    HTTP
	Clock   Clock         // default SystemClock
	Timeout time.Duration // per HTTP call; default DefaultTimeout
	// OnSessionChange is called after every change of the session
	// (nil after a logout), outside the client's locks, with a copy.
	OnSessionChange func(*Session)

	// Identity names the account the client logs in as, for the store's
	// keys: a login name or a consumer key (hashed into the keys). The
	// broker package fills it in.
	Identity string
	Sharing
}

// Sharing says where a client keeps its session, and so whom it shares it
// with. Every broker's Config embeds it.
type Sharing struct {
	// Store is where the session lives, shared with every client given
	// the same store (other processes too, with core/redisstore); nil is
	// a MemoryStore of the client's own.
	Store Store
	// StoreFallback "local" logs in alone when the store cannot be
	// reached, rather than fail the call; "" fails it.
	StoreFallback string
	// OnStoreError hears what goes wrong with the store without failing a
	// call: an entry that does not open (it is replaced), a session that
	// could not be stored, and, with StoreFallback "local", a store that
	// cannot be reached.
	OnStoreError func(error)
}

// Settings are a Common checked and with its defaults.
type Settings struct {
	Broker          string
	Base            string // the base URL, without a trailing slash
	HTTP            HTTP
	Clock           Clock
	Timeout         time.Duration
	OnSessionChange func(*Session)
	Identity        string
	Sharing
}

// CheckCommon checks c for broker and fills in its defaults.
func CheckCommon(broker string, c Common) (*Settings, error) {
	bad := func(msg string) error { return &Error{Code: CodeInvalidArgument, Broker: broker, Message: msg} }
	s := &Settings{Broker: broker, HTTP: c.HTTP, Clock: c.Clock, Timeout: c.Timeout, OnSessionChange: c.OnSessionChange,
		Identity: c.Identity, Sharing: c.Sharing}
	raw := c.BaseURL
	if raw == "" {
		env := c.Environment
		if env == "" {
			env = "demo"
		}
		var ok bool
		if raw, ok = c.Environments[env]; !ok {
			return nil, bad(`Environment must be "demo" or "live"`)
		}
	}
	u, err := CheckBaseURL(broker, raw)
	if err != nil {
		return nil, err
	}
	s.Base = u.String()
	switch {
	case s.Timeout < 0:
		return nil, bad("Timeout is negative")
	case s.Timeout == 0:
		s.Timeout = DefaultTimeout
	}
	if s.Clock == nil {
		s.Clock = SystemClock
	}
	if s.HTTP == nil {
		return nil, bad(NoHTTPMessage)
	}
	if s.StoreFallback != "" && s.StoreFallback != "local" {
		return nil, bad(`StoreFallback must be "local" or empty`)
	}
	return s, nil
}

// Required returns invalid_argument naming the first of the name, value
// pairs whose value is empty, or nil.
func Required(broker string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return &Error{Code: CodeInvalidArgument, Broker: broker, Message: pairs[i] + " is empty"}
		}
	}
	return nil
}
