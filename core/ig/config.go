package ig

import (
	"strconv"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/nethttp"
)

// IG's hosts; both include the API root /gateway/deal.
const (
	DemoBaseURL = "https://demo-api.ig.com/gateway/deal"
	LiveBaseURL = "https://api.ig.com/gateway/deal"
)

// DefaultTimeout bounds each HTTP call unless Config.Timeout says otherwise.
const DefaultTimeout = core.DefaultTimeout

// refreshAhead is how long before a v3 access token's expiry the client
// refreshes it: IG's tokens last 60 s, and a call made in the last second
// could arrive after it died.
const refreshAhead = 5 * time.Second

// maxExpiresIn caps a v3 expires_in: IG's tokens last a minute, and a huge
// value would overflow into an expiry in the past.
const maxExpiresIn = 24 * time.Hour

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
	// HTTP sends the requests (the one I/O seam); HTTPClient, a net/http
	// client, is the other way to say it. Natively the default is
	// http.DefaultClient; under GOOS=js one of them is required.
	HTTP       core.HTTP
	HTTPClient nethttp.Doer
	// Clock times token expiry and keepalives; default core.SystemClock.
	Clock core.Clock
	// Timeout bounds each HTTP call; default DefaultTimeout. A call that
	// runs out fails with code "timeout".
	Timeout time.Duration
	// OnSessionChange is called after every login, refresh, switch and
	// logout (with nil), synchronously and outside the client's locks, with
	// a copy the callee may keep.
	OnSessionChange func(*core.Session)
	// Sharing says where the session lives: with a Store shared by other
	// clients (other processes too), they log in once for all.
	core.Sharing
}

// check checks cfg and returns the flow it describes and the engine's
// settings.
func (cfg Config) check() (*flow, *core.Settings, error) {
	bad := func(msg string) error {
		return &core.Error{Code: core.CodeInvalidArgument, Broker: core.BrokerIG, Message: msg}
	}
	if err := core.Required(core.BrokerIG, "APIKey", cfg.APIKey, "Identifier", cfg.Identifier, "Password", cfg.Password); err != nil {
		return nil, nil, err
	}
	f := &flow{apiKey: cfg.APIKey, identifier: cfg.Identifier, password: cfg.Password, version: cfg.Version}
	switch f.version {
	case 0:
		f.version = 2
	case 2, 3:
	default:
		return nil, nil, bad("Version must be 2 or 3")
	}
	f.encrypt = f.version == 2
	if cfg.Encrypt != nil {
		f.encrypt = *cfg.Encrypt
	}
	if f.encrypt && f.version == 3 {
		return nil, nil, bad("IG's v3 login takes no encrypted password; use Version 2 to encrypt")
	}
	s, err := core.CheckCommon(core.BrokerIG, core.Common{
		Environment:     cfg.Environment,
		Environments:    map[string]string{"demo": DemoBaseURL, "live": LiveBaseURL},
		BaseURL:         cfg.BaseURL,
		HTTP:            nethttp.Or(cfg.HTTP, cfg.HTTPClient),
		Clock:           cfg.Clock,
		Timeout:         cfg.Timeout,
		OnSessionChange: cfg.OnSessionChange,
		Identity:        cfg.Identifier + " v" + strconv.Itoa(f.version),
		Sharing:         cfg.Sharing,
	})
	if err != nil {
		return nil, nil, err
	}
	f.base = s.Base
	return f, s, nil
}
