package capital

import (
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/nethttp"
)

// Capital.com's hosts. Paths are under /api/v1.
const (
	DemoBaseURL = "https://demo-api-capital.backend-capital.com"
	LiveBaseURL = "https://api-capital.backend-capital.com"
)

// DefaultTimeout bounds each HTTP call unless Config.Timeout says otherwise.
const DefaultTimeout = core.DefaultTimeout

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
	// HTTP sends the requests (the one I/O seam); HTTPClient, a net/http
	// client, is the other way to say it. Natively the default is
	// http.DefaultClient; under GOOS=js one of them is required.
	HTTP       core.HTTP
	HTTPClient nethttp.Doer
	// Clock times login spacing, backoff and keepalives; default
	// core.SystemClock.
	Clock core.Clock
	// Timeout bounds each HTTP call; default DefaultTimeout.
	Timeout time.Duration
	// OnSessionChange is called after every login, switch and logout (with
	// nil), synchronously and outside the client's locks.
	OnSessionChange func(*core.Session)
	// Sharing says where the session lives: with a Store shared by other
	// clients (other processes too), they log in once for all.
	core.Sharing
}

func (cfg Config) check() (*flow, *core.Settings, error) {
	if err := core.Required(core.BrokerCapital, "APIKey", cfg.APIKey, "Identifier", cfg.Identifier, "Password", cfg.Password); err != nil {
		return nil, nil, err
	}
	s, err := core.CheckCommon(core.BrokerCapital, core.Common{
		Environment:     cfg.Environment,
		Environments:    map[string]string{"demo": DemoBaseURL, "live": LiveBaseURL},
		BaseURL:         cfg.BaseURL,
		HTTP:            nethttp.Or(cfg.HTTP, cfg.HTTPClient),
		Clock:           cfg.Clock,
		Timeout:         cfg.Timeout,
		OnSessionChange: cfg.OnSessionChange,
		Identity:        cfg.Identifier,
		Sharing:         cfg.Sharing,
	})
	if err != nil {
		return nil, nil, err
	}
	return &flow{apiKey: cfg.APIKey, identifier: cfg.Identifier, password: cfg.Password,
		encrypt: cfg.Encrypt == nil || *cfg.Encrypt, base: s.Base, api: s.Base + "/api/v1"}, s, nil
}
