package capital

import (
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// Capital.com's hosts. Paths are under /api/v1.
const (
	DemoBaseURL = "https://demo-api-capital.backend-capital.com"
	LiveBaseURL = "https://api-capital.backend-capital.com"
)

// DefaultTimeout bounds each HTTP call unless Config.Timeout says otherwise.
const DefaultTimeout = 30 * time.Second

// LoginSpacing is the least time between two logins with one API key: the
// broker's limit is one per second, plus a margin for jitter between
// sending and arrival.
const LoginSpacing = 1100 * time.Millisecond

// Backoff after a 429 on login: at most maxLoginRetries more tries, waiting
// Retry-After (capped) or 1 s, 2 s, 4 s.
const (
	maxLoginRetries = 3
	maxRetryAfter   = 10 * time.Second
)

// Config says whom to log in as and how.
type Config struct {
	APIKey, Identifier, Password string
	// Environment is "demo" (default) or "live".
	Environment string
	// BaseURL replaces the environment's origin (paths are /api/v1/...). It
	// must be https unless the host is loopback.
	BaseURL string
	// Encrypt says whether to RSA-encrypt the password; nil means true.
	Encrypt *bool
	// HTTPClient sends the requests; default core.DefaultHTTPClient()
	// (http.DefaultClient; required under GOOS=js).
	HTTPClient core.HTTPDoer
	// Clock times login spacing, backoff and keepalives; default
	// core.SystemClock.
	Clock core.Clock
	// Timeout bounds each HTTP call; default DefaultTimeout.
	Timeout time.Duration
	// OnSessionChange is called after every login, switch and logout (with
	// nil), synchronously and outside the client's locks.
	OnSessionChange func(*core.Session)
}

type settings struct {
	Config
	base    string
	encrypt bool
}

func (cfg Config) check() (*settings, error) {
	bad := func(msg string) error {
		return &core.Error{Code: core.CodeInvalidArgument, Broker: core.BrokerCapital, Message: msg}
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
	s := &settings{Config: cfg, encrypt: cfg.Encrypt == nil || *cfg.Encrypt}
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
	u, err := core.CheckBaseURL(core.BrokerCapital, raw)
	if err != nil {
		return nil, err
	}
	s.base = u.String()
	if s.HTTPClient, err = core.HTTPClientOrDefault(core.BrokerCapital, s.HTTPClient); err != nil {
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
