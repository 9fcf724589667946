package ibkr

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
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

// Config is everything a Client needs. It describes one of IBKR's two
// OAuth modes: OAuth 2.0 (ClientID set) or OAuth 1.0a (ConsumerKey set);
// setting both, or neither, is invalid_argument.
type Config struct {
	// OAuth 2.0 (private-key JWT, as ibauth does it). ClientID,
	// ClientKeyID and Credential come from IBKR after one registers the
	// public half of PrivateKey.
	ClientID    string // OAuth client_id: iss and sub of the client assertion
	ClientKeyID string // client_key_id: the "kid" of every JWS
	Credential  string // the IBKR user name the bearer token is for
	PrivateKey  string // PEM (PKCS#8 or PKCS#1) or base64 DER; see jws.ParsePrivateKey

	// OAuth 1.0a (live session token, as ibind does it): what IBKR's
	// self-service portal issues after one uploads the public halves of
	// SignatureKey and EncryptionKey and the Diffie-Hellman parameters
	// (docs/IBKR-OAUTH1.md).
	ConsumerKey string // oauth_consumer_key, e.g. TESTCONS
	AccessToken string // oauth_token
	// AccessTokenSecret is base64, as IBKR issues it: encrypted to
	// EncryptionKey's public half. New decrypts it.
	AccessTokenSecret string
	SignatureKey      string // RSA private key, PEM (PKCS#8 or PKCS#1): signs the live session token request
	EncryptionKey     string // RSA private key, PEM (PKCS#8 or PKCS#1): decrypts AccessTokenSecret
	// DHParams is the dhparam.pem registered with IBKR, as text; or give
	// DHPrime, the prime as hex (ibind's dh_prime), and DHGenerator, the
	// generator in decimal (default 2).
	DHParams    string
	DHPrime     string
	DHGenerator string
	// Realm is "limited_poa" (the default) or "test_realm" (the default
	// for the TESTCONS consumer).
	Realm string

	// Domain is "api.ibkr.com" (the default) or a numbered host
	// "N.api.ibkr.com"; anything else is refused, so a typo cannot send
	// the key's signatures elsewhere.
	Domain string
	// BaseURL replaces "https://<Domain>" entirely (a simulator, a
	// proxy). It must be https unless the host is loopback.
	BaseURL string

	// IP is the public IP to bake into the OAuth 2.0 bearer token. If empty, it is
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
	// Sharing says where the session lives: with a Store shared by other
	// clients (other processes too), they log in once for all and keep one
	// brokerage session.
	core.Sharing
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

// check checks cfg, parses the keys, and returns the mode it describes
// and the engine's settings.
func (cfg Config) check() (mode, *core.Settings, error) {
	oauth1 := strings.TrimSpace(cfg.ConsumerKey) != ""
	oauth2 := strings.TrimSpace(cfg.ClientID) != ""
	switch {
	case oauth1 && oauth2:
		return nil, nil, configError("ConsumerKey (OAuth 1.0a) and ClientID (OAuth 2.0) are both set: a client uses one of IBKR's OAuth modes")
	case !oauth1 && !oauth2:
		return nil, nil, configError("set ConsumerKey for OAuth 1.0a (the self-service portal's consumer key) or ClientID for OAuth 2.0")
	}
	if oauth2 {
		for _, f := range [][2]string{{"ConsumerKey", cfg.ConsumerKey}, {"AccessToken", cfg.AccessToken}, {"AccessTokenSecret", cfg.AccessTokenSecret},
			{"SignatureKey", cfg.SignatureKey}, {"EncryptionKey", cfg.EncryptionKey}, {"DHParams", cfg.DHParams}, {"DHPrime", cfg.DHPrime},
			{"DHGenerator", cfg.DHGenerator}, {"Realm", cfg.Realm}} {
			if f[1] != "" {
				return nil, nil, configError(f[0] + " is an OAuth 1.0a setting; this client uses OAuth 2.0 (ClientID)")
			}
		}
	} else {
		for _, f := range [][2]string{{"ClientKeyID", cfg.ClientKeyID}, {"Credential", cfg.Credential}, {"PrivateKey", cfg.PrivateKey},
			{"IP", cfg.IP}, {"IPLookupURL", cfg.IPLookupURL}} {
			if f[1] != "" {
				return nil, nil, configError(f[0] + " is an OAuth 2.0 setting; this client uses OAuth 1.0a (ConsumerKey)")
			}
		}
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
		Identity:        identity(cfg, oauth1),
		Sharing:         cfg.Sharing,
	})
	if err != nil {
		return nil, nil, err
	}
	if oauth1 {
		f, err := cfg.oauth1(s)
		if err != nil {
			return nil, nil, err
		}
		return f, s, nil
	}
	f, err := cfg.oauth2(s)
	if err != nil {
		return nil, nil, err
	}
	return f, s, nil
}

// oauth2 checks the OAuth 2.0 settings and parses the private key.
func (cfg Config) oauth2(s *core.Settings) (*oauth2, error) {
	for _, f := range [][2]string{{"ClientKeyID", cfg.ClientKeyID}, {"Credential", cfg.Credential}} {
		if strings.TrimSpace(f[1]) == "" {
			return nil, configError(f[0] + " is required")
		}
	}
	key, err := parseKey("PrivateKey", cfg.PrivateKey)
	if err != nil {
		return nil, err
	}
	f := &oauth2{webAPI: webAPI{base: s.Base}, clientID: cfg.ClientID, kid: cfg.ClientKeyID, credential: cfg.Credential, key: key}
	f.authorize = f.Authorize
	if cfg.IP != "" {
		ip, ok := parseIP(cfg.IP)
		if !ok {
			return nil, configError("IP is not an IP address")
		}
		f.fixedIP = ip
	} else {
		f.ipURL = cfg.IPLookupURL
		if f.ipURL == "" {
			f.ipURL = DefaultIPLookupURL
		}
		if err := checkLookupURL(f.ipURL); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// oauth1 checks the OAuth 1.0a settings, parses both keys and the
// Diffie-Hellman group, and decrypts the access token secret: every
// mistake in them shows here, before any request.
func (cfg Config) oauth1(s *core.Settings) (*oauth1, error) {
	for _, f := range [][2]string{{"AccessToken", cfg.AccessToken}, {"AccessTokenSecret", cfg.AccessTokenSecret},
		{"SignatureKey", cfg.SignatureKey}, {"EncryptionKey", cfg.EncryptionKey}} {
		if strings.TrimSpace(f[1]) == "" {
			return nil, configError(f[0] + " is required for OAuth 1.0a")
		}
	}
	sigKey, err := parseKey("SignatureKey", cfg.SignatureKey)
	if err != nil {
		return nil, err
	}
	encKey, err := parseKey("EncryptionKey", cfg.EncryptionKey)
	if err != nil {
		return nil, err
	}
	var dh *dhGroup
	switch {
	case cfg.DHParams != "" && cfg.DHPrime != "":
		return nil, configError("DHParams and DHPrime are both set: give the dhparam.pem text or the prime, not both")
	case cfg.DHParams != "":
		if cfg.DHGenerator != "" {
			return nil, configError("DHGenerator goes with DHPrime; DHParams holds its own generator")
		}
		dh, err = parseDHParams(cfg.DHParams)
	default:
		dh, err = parseDHPrime(cfg.DHPrime, cfg.DHGenerator)
	}
	if err != nil {
		return nil, err
	}
	secret, err := decryptSecret(encKey, cfg.AccessTokenSecret)
	if err != nil {
		return nil, err
	}
	consumer, token := strings.TrimSpace(cfg.ConsumerKey), strings.TrimSpace(cfg.AccessToken)
	realm := strings.TrimSpace(cfg.Realm)
	if realm == "" {
		realm = defaultRealm(consumer)
	}
	f := &oauth1{
		webAPI:      webAPI{base: s.Base},
		consumerKey: consumer, accessToken: token, realm: realm,
		secret: secret, prepend: hex.EncodeToString(secret),
		sigKey: sigKey, dh: dh, clock: s.Clock, random: rand.Reader,
	}
	f.authorize = f.Authorize
	return f, nil
}

// parseKey parses one of the RSA private keys; its errors name the field.
func parseKey(field, text string) (*rsa.PrivateKey, error) {
	key, err := jws.ParsePrivateKey(text)
	if err != nil {
		var e *core.Error
		if errors.As(err, &e) {
			e.Broker = core.BrokerIBKR
			if field != "PrivateKey" {
				e.Message = field + ": " + e.Message
			}
		}
		return nil, err
	}
	return key, nil
}

// decryptSecret decrypts the access token secret (RSA PKCS#1 v1.5 with the
// encryption key, docs/IBKR-OAUTH1.md "Live session token" step 1).
func decryptSecret(key *rsa.PrivateKey, secretB64 string) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(strings.TrimSpace(secretB64))
	if err != nil {
		return nil, configError("AccessTokenSecret is not base64: pass it as IBKR issued it")
	}
	secret, err := rsa.DecryptPKCS1v15(nil, key, ct)
	if err != nil || len(secret) == 0 {
		return nil, &core.Error{Code: core.CodeInvalidKey, Broker: core.BrokerIBKR,
			Message: "AccessTokenSecret does not decrypt with EncryptionKey: is EncryptionKey the private half of the encryption key registered with IBKR, and the secret the one issued for it?"}
	}
	return secret, nil
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

// identity names the account for the store's keys (which hash it): the
// OAuth 2.0 client and user, or the OAuth 1.0a consumer and access token.
func identity(cfg Config, oauth1 bool) string {
	if oauth1 {
		return "oauth1 " + strings.TrimSpace(cfg.ConsumerKey) + " " + strings.TrimSpace(cfg.AccessToken)
	}
	return "oauth2 " + cfg.ClientID + " " + cfg.Credential
}
