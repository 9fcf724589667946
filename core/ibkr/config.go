package ibkr

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/jws"
	"github.com/brokerauth/brokerauth/core/nethttp"
)

// Defaults for Config fields left empty.
const (
	DefaultDomain      = "api.ibkr.com"
	DefaultIPLookupURL = "https://api.ipify.org"
	DefaultTimeout     = core.DefaultTimeout
	// DefaultKeepAliveInterval is IBKR's advice: tickle about once a
	// minute; sessions time out after a few idle minutes.
	DefaultKeepAliveInterval = 60 * time.Second
)

// Config is everything a Client needs. ClientID, ClientKeyID and Credential
// come from IBKR after one registers the public half of PrivateKey.
type Config struct {
	ClientID    string // OAuth client_id: iss and sub of the client assertion
	ClientKeyID string // client_key_id: the "kid" of every JWS
	Credential  string // the IBKR user name the bearer token is for
	PrivateKey  string // PEM (PKCS#8 or PKCS#1) or base64 DER; see jws.ParsePrivateKey

	// Domain is "api.ibkr.com" (the default) or a numbered host
	// "N.api.ibkr.com"; anything else is refused, so a typo cannot send
	// the key's signatures elsewhere.
	Domain string
	// BaseURL replaces "https://<Domain>" entirely (a simulator, a
	// proxy). It must be https unless the host is loopback.
	BaseURL string

	// IP is the public IP to bake into the bearer token. If empty, it is
	// looked up at IPLookupURL before every bearer token and checked
	// every IPCheckInterval by KeepAlive.
	IP string
	// IPLookupURL answers the caller's public IP as plain text; default
	// https://api.ipify.org. https unless loopback.
	IPLookupURL string

	// HTTP sends the requests (the one I/O seam); HTTPClient, a net/http
	// client, is the other way to say it. Natively the default is
	// http.DefaultClient; under GOOS=js one of them is required.
	HTTP       core.HTTP
	HTTPClient nethttp.Doer
	Clock      core.Clock    // default core.SystemClock
	Timeout    time.Duration // per HTTP call, default 30 s
	// OnSessionChange is called, synchronously and outside the client's
	// locks, whenever Session() would return something different: login,
	// re-establishing, a new bearer token for a new IP, a change of the
	// authenticated/competing/connected flags, and logout (with nil). It
	// may call the Client's methods. Concurrent changes may call it from
	// different goroutines.
	OnSessionChange func(*core.Session)
}

// isIBKRDomain: IBKR's own host or one of its numbered hosts.
// (The regexp ^([0-9]{1,3}\.)?api\.ibkr\.com$, without the regexp package.)
func isIBKRDomain(domain string) bool {
	host, ok := strings.CutSuffix(domain, "api.ibkr.com")
	if !ok {
		return false
	}
	if host == "" {
		return true
	}
	digits, ok := strings.CutSuffix(host, ".")
	if !ok || len(digits) < 1 || len(digits) > 3 {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

func configError(msg string) *core.Error {
	return &core.Error{Code: core.CodeInvalidArgument, Broker: core.BrokerIBKR, Message: msg}
}

// check checks cfg, parses the private key, and returns the flow it
// describes and the engine's settings.
func (cfg Config) check() (*flow, *core.Settings, error) {
	for _, f := range [][2]string{{"ClientID", cfg.ClientID}, {"ClientKeyID", cfg.ClientKeyID}, {"Credential", cfg.Credential}} {
		if strings.TrimSpace(f[1]) == "" {
			return nil, nil, configError(f[0] + " is required")
		}
	}
	key, err := jws.ParsePrivateKey(cfg.PrivateKey)
	if err != nil {
		var e *core.Error
		if errors.As(err, &e) {
			e.Broker = core.BrokerIBKR
		}
		return nil, nil, err
	}
	domain := strings.ToLower(strings.TrimSpace(cfg.Domain))
	if domain == "" {
		domain = DefaultDomain
	}
	if !isIBKRDomain(domain) {
		return nil, nil, configError(`Domain must be "api.ibkr.com" or "N.api.ibkr.com"; use BaseURL for anything else`)
	}
	base := cfg.BaseURL
	if base == "" {
		base = "https://" + domain
	}
	s, err := core.CheckCommon(core.BrokerIBKR, core.Common{
		BaseURL:         base,
		HTTP:            nethttp.Or(cfg.HTTP, cfg.HTTPClient),
		Clock:           cfg.Clock,
		Timeout:         cfg.Timeout,
		OnSessionChange: cfg.OnSessionChange,
	})
	if err != nil {
		return nil, nil, err
	}
	f := &flow{clientID: cfg.ClientID, kid: cfg.ClientKeyID, credential: cfg.Credential, key: key, base: s.Base}
	if cfg.IP != "" {
		ip, ok := parseIP(cfg.IP)
		if !ok {
			return nil, nil, configError("IP is not an IP address")
		}
		f.fixedIP = ip
	} else {
		f.ipURL = cfg.IPLookupURL
		if f.ipURL == "" {
			f.ipURL = DefaultIPLookupURL
		}
		if err := checkLookupURL(f.ipURL); err != nil {
			return nil, nil, err
		}
	}
	return f, s, nil
}

// checkLookupURL is core.CheckBaseURL's rule (https unless loopback) but
// allows a query, since IP services take ?format=text and the like. A
// spoofed answer would only bind the bearer token to the wrong IP, yet
// there is no reason to allow plain http to the internet.
func checkLookupURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return configError("IPLookupURL must be an absolute http(s) URL without credentials")
	}
	if u.Scheme == "http" && !core.IsLoopbackHost(u.Hostname()) {
		return &core.Error{Code: core.CodeInsecureURL, Broker: core.BrokerIBKR, Message: "IPLookupURL must use https unless the host is loopback"}
	}
	return nil
}

// parseIP accepts an IPv4 or IPv6 address without zone and returns its
// canonical form.
func parseIP(s string) (string, bool) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || a.Zone() != "" {
		return "", false
	}
	return a.Unmap().String(), true
}
