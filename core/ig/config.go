package ig

import (
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// IG's hosts; both include the API root /gateway/deal.
const (
	DemoBaseURL = "https://demo-api.ig.com/gateway/deal"
	LiveBaseURL = "https://api.ig.com/gateway/deal"
)

// DefaultTimeout bounds each HTTP call unless Config.Timeout says otherwise.
const DefaultTimeout = 30 * time.Second

// refreshAhead is how long before a v3 access token's expiry the client
// refreshes it: IG's tokens last 60 s, and a call made in the last second
// could arrive after it died.
const refreshAhead = 5 * time.Second

// Config says whom to log in as and how.
type Config struct {
	APIKey, Identifier, Password string
	// Environment is "demo" (default) or "live".
	Environment string
	// BaseURL replaces the environment's base URL, /gateway/deal included.
	// It must be https unless the host is loopback (a simulator, a proxy).
	BaseURL string
	// Version is the login version: 2 (default, CST/X-SECURITY-TOKEN) or 3
	// (OAuth).
	Version int
	// Encrypt says whether to RSA-encrypt the password. Nil means true for
	// v2 and false for v3; true with v3 is an error, since v3 refuses it.
	Encrypt *bool
	// HTTPClient sends the requests; default core.DefaultHTTPClient()
	// (http.DefaultClient; required under GOOS=js).
	HTTPClient core.HTTPDoer
	// Clock times token expiry and keepalives; default core.SystemClock.
	Clock core.Clock
	// Timeout bounds each HTTP call; default DefaultTimeout. A call that
	// runs out fails with code "timeout".
	Timeout time.Duration
	// OnSessionChange is called after every login, refresh, switch and
	// logout (with nil), synchronously and outside the client's locks, with
	// a copy the callee may keep.
	OnSessionChange func(*core.Session)
}

// settings is a Config checked and filled with defaults.
type settings struct {
	Config
	base    string
	version int
	encrypt bool
}

func (cfg Config) check() (*settings, error) {
	bad := func(msg string) error {
		return &core.Error{Code: core.CodeInvalidArgument, Broker: core.BrokerIG, Message: msg}
	}
	switch {
	case cfg.APIKey == "":
		return nil, bad("APIKey is empty")
	case cfg.Identifier == "":
		return nil, bad("Identifier is empty")
	case cfg.Password == "":
		return nil, bad("Password is empty")
	case cfg.Timeout < 0:
		return nil, bad("Timeout is negative")
	}
	s := &settings{Config: cfg, version: cfg.Version}
	switch s.version {
	case 0:
		s.version = 2
	case 2, 3:
	default:
		return nil, bad("Version must be 2 or 3")
	}
	s.encrypt = s.version == 2
	if cfg.Encrypt != nil {
		s.encrypt = *cfg.Encrypt
	}
	if s.encrypt && s.version == 3 {
		return nil, bad("IG's v3 login takes no encrypted password; use Version 2 to encrypt")
	}
	raw := cfg.BaseURL
	if raw == "" {
		switch cfg.Environment {
		case "", "demo":
			raw = DemoBaseURL
		case "live":
			raw = LiveBaseURL
		default:
			return nil, bad(`Environment must be "demo" or "live"`)
		}
	}
	u, err := core.CheckBaseURL(core.BrokerIG, raw)
	if err != nil {
		return nil, err
	}
	s.base = u.String()
	if s.HTTPClient, err = core.HTTPClientOrDefault(core.BrokerIG, s.HTTPClient); err != nil {
		return nil, err
	}
	if s.Clock == nil {
		s.Clock = core.SystemClock
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	return s, nil
}
