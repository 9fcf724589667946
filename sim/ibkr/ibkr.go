package ibkr

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/jws"
	"github.com/brokerauth/brokerauth/sim/internal/simkit"
)

// Lifetimes and tolerances. IBKR documents none of them; these are strict
// enough to catch a client that gets its clock arithmetic wrong.
const (
	// AccessTokenTTL is how long an access token from /oauth2/api/v1/token
	// may be used to ask for a bearer token.
	AccessTokenTTL = 10 * time.Minute
	// ClockSkew is how far in the future an "iat" may be.
	ClockSkew = 30 * time.Second
	// MaxAssertionTTL bounds "exp" of the token call's client assertion
	// (ibauth and brokerauth send iat+30 s).
	MaxAssertionTTL = 5 * time.Minute
	// MaxBearerTTL bounds "exp" of the sso-sessions JWS (clients send
	// now+86400).
	MaxBearerTTL = 24*time.Hour + 5*time.Minute
	// DefaultIP is what GET /__sim/ip answers until SetIP.
	DefaultIP = "203.0.113.7"
	// DefaultLSTTTL is how long an OAuth 1.0a live session token lives:
	// 24 hours (docs/IBKR-OAUTH1.md, [S §6]).
	DefaultLSTTTL = 24 * time.Hour
	// TimestampWindow is how far an OAuth 1.0a oauth_timestamp (Unix
	// seconds) may be from the simulator's clock, either way. IBKR
	// documents no window; five minutes lets a sane clock through and
	// catches milliseconds or a stale, replayed request.
	TimestampWindow = 5 * time.Minute
)

// pathIP is the public-IP echo that stands in for api.ipify.org.
const pathIP = "/__sim/ip"

// Options configure the simulator. Zero fields take the defaults.
type Options struct {
	Clock core.Clock // default core.SystemClock
	// LSTTTL is the lifetime of an OAuth 1.0a live session token; default
	// DefaultLSTTTL.
	LSTTTL time.Duration
	// Logf, if set, receives one line per request: method, path, status.
	Logf func(format string, args ...any)
}

// kit is the chassis; embedded, it gives Sim its shared methods.
type kit = simkit.Base

// Sim is the simulator. Create it with New; use it as an http.Handler; it
// is safe for concurrent use.
// Its shared methods are ServeHTTP, InjectFault, Reset, ExpireAllSessions
// and Close (which releases requests held by sim.FaultHang).
type Sim struct {
	*kit
	clock  core.Clock
	lstTTL time.Duration

	mu        sync.Mutex
	users     map[string]*user     // by credential
	clients   map[string]*client   // by client_key_id
	consumers map[string]*consumer // by consumer key
	access    map[string]*accessToken
	bearers   map[string]*bearer // OAuth 2.0 sessions, by bearer token
	lsts      map[string]*bearer // OAuth 1.0a sessions, by base64 live session token
	stats     Stats
	ip        string
	competing bool
	dhFail    int
	issued    []string
	nextUser  int
}

// user is an IBKR user name. The OAuth 2.0 clients and OAuth 1.0a
// consumers registered for the same credential log into the same user,
// with the same user ID and account.
type user struct {
	credential string
	id         int
}

type client struct {
	id, kid string
	user    *user
	pub     *rsa.PublicKey
}

type accessToken struct {
	client  *client
	expires time.Time
}

// bearer is one SSO session and the brokerage session (ssodh/init) riding
// on it. An OAuth 2.0 bearer token opens one; so does an OAuth 1.0a live
// session token, which then sets consumer and lst. Both kinds follow the
// same session rules.
type bearer struct {
	user          *user
	consumer      *consumer // OAuth 1.0a only
	lst           []byte    // OAuth 1.0a only: the live session token
	ip            string
	issued        time.Time
	expires       time.Time
	session       string
	authenticated bool
	connected     bool
	competing     bool
	loggedOut     bool // POST /logout was called with it
}

// ibkrJSON is how IBKR writes JSON: no charset, no trailing newline.
var ibkrJSON = simkit.JSON{Type: "application/json"}

var writeJSON = ibkrJSON.Write

// New returns a simulator with the demo client registered.
func New(opts Options) *Sim {
	if opts.Clock == nil {
		opts.Clock = core.SystemClock
	}
	simkit.Default(&opts.LSTTTL, DefaultLSTTTL)
	s := &Sim{
		clock: opts.Clock, lstTTL: opts.LSTTTL, nextUser: 1000001,
		users: map[string]*user{}, clients: map[string]*client{}, consumers: map[string]*consumer{},
	}
	headers := simkit.CORS("GET, POST, DELETE, OPTIONS", "Authorization, Content-Type, Accept", "Retry-After")
	headers["Cache-Control"] = "no-store"
	s.kit = simkit.New(simkit.Config{
		Name:          core.BrokerIBKR,
		StandIns:      []string{pathIP},
		Headers:       headers,
		JSON:          ibkrJSON,
		Default5xx:    http.StatusInternalServerError,
		MalformedJSON: `{"access_token": "tru`,
		ErrorBody:     errorBody,
		Logf:          opts.Logf,
		Count:         s.count,
		Route:         s.route,
		Expire:        s.expire,
		Reset:         s.reset,
		Stats:         func() any { return s.Stats() },
		Admin: map[string]func([]byte) error{
			"drop-authenticated": func([]byte) error { s.DropAuthenticated(); return nil },
			"competing":          s.competingHook,
			"dh-fail":            s.dhFailHook,
			"expire-lst":         func([]byte) error { s.ExpireLiveSessionTokens(); return nil },
		},
	})
	s.reset()
	d := DemoClient()
	k, err := jws.ParsePrivateKey(d.PrivateKeyPEM)
	if err != nil {
		panic("ibkr: demo key does not parse: " + err.Error())
	}
	s.AddClient(d.ClientID, d.ClientKeyID, d.Credential, &k.PublicKey)
	s.AddConsumer(demoConsumer())
	return s
}

// demoConsumer is the Consumer IBKR would hold for DemoOAuth1: the
// plaintext secret, the signature public key and the DH parameters. It is
// made once; AddConsumer copies what it keeps.
var demoConsumer = sync.OnceValue(func() Consumer {
	d := DemoOAuth1()
	der, _ := pem.Decode([]byte(d.SignatureKeyPEM))
	if der == nil {
		panic("ibkr: demo signature key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(der.Bytes)
	sig, ok := k.(*rsa.PrivateKey)
	if err != nil || !ok {
		panic("ibkr: demo signature key does not parse")
	}
	secret, err := hex.DecodeString(demoOAuth1SecretHex)
	p, okP := new(big.Int).SetString(d.DHPrimeHex, 16)
	g, okG := new(big.Int).SetString(d.DHGenerator, 10)
	if err != nil || !okP || !okG {
		panic("ibkr: demo consumer constants do not parse")
	}
	return Consumer{
		ConsumerKey: d.ConsumerKey, AccessToken: d.AccessToken, AccessTokenSecret: secret,
		SignatureKey: &sig.PublicKey, DHPrime: p, DHGenerator: g, Realm: d.Realm, Credential: d.Credential,
	}
})

// errorBody is IBKR's error shape, for a status fault without a body.
func errorBody(status int, code string) any {
	if code == "" {
		code = http.StatusText(status)
	}
	return map[string]any{"error": code, "statusCode": status}
}

// AddClient registers an OAuth client as IBKR does after one sends them a
// public key. A second registration of the same clientKeyID replaces the
// first.
func (s *Sim) AddClient(clientID, clientKeyID, credential string, pub *rsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[clientKeyID] = &client{id: clientID, kid: clientKeyID, user: s.userLocked(credential), pub: pub}
}

// userLocked returns the user of a credential, made on first use.
// Callers hold s.mu.
func (s *Sim) userLocked(credential string) *user {
	u := s.users[credential]
	if u == nil {
		s.nextUser++
		u = &user{credential: credential, id: s.nextUser}
		s.users[credential] = u
	}
	return u
}

// route answers the IBKR endpoints and the public-IP echo.
func (s *Sim) route(w http.ResponseWriter, r *http.Request, path string) {
	if path == pathIP {
		s.serveIP(w, r)
		return
	}
	rt, ok := routes[path]
	if !ok {
		if strings.HasPrefix(path, "/v1/api/") {
			// Everything under /v1/api wants a bearer first, as at IBKR,
			// and /iserver a brokerage session.
			b, ok := s.authorize(w, r)
			if !ok || strings.HasPrefix(path, "/v1/api/iserver/") && !s.iserverReady(w, b) {
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not found", "statusCode": 404})
		return
	}
	if !rt.methods[r.Method] {
		w.Header().Set("Allow", strings.Join(keys(rt.methods), ", "))
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "method not allowed", "statusCode": 405})
		return
	}
	rt.handle(s, w, r)
}

type route struct {
	methods map[string]bool
	handle  func(*Sim, http.ResponseWriter, *http.Request)
}

func methods(ms ...string) map[string]bool {
	m := map[string]bool{}
	for _, x := range ms {
		m[x] = true
	}
	return m
}

const pathInit = "/v1/api/iserver/auth/ssodh/init"

var routes = map[string]route{
	"/oauth2/api/v1/token":        {methods("POST"), (*Sim).handleToken},
	"/gw/api/v1/sso-sessions":     {methods("POST"), (*Sim).handleSSOSessions},
	"/v1/api/sso/validate":        {methods("GET"), (*Sim).handleValidate},
	pathInit:                      {methods("POST"), (*Sim).handleInit},
	"/v1/api/tickle":              {methods("GET", "POST"), (*Sim).handleTickle},
	"/v1/api/iserver/auth/status": {methods("GET", "POST"), (*Sim).handleStatus},
	"/v1/api/logout":              {methods("POST"), (*Sim).handleLogout},
	"/v1/api/portfolio/accounts":  {methods("GET"), (*Sim).handlePortfolioAccounts},
	"/v1/api/iserver/accounts":    {methods("GET"), (*Sim).handleIserverAccounts},
	pathLST:                       {methods("POST"), (*Sim).handleLST},
}

func keys(m map[string]bool) []string {
	var out []string
	for _, k := range []string{"GET", "POST", "DELETE"} {
		if m[k] {
			out = append(out, k)
		}
	}
	return out
}

// oauthError answers in RFC 6749 §5.2 form.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": description})
}

// newToken returns an opaque random token and remembers it for Tokens.
// Callers hold s.mu.
func (s *Sim) newToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	t := base64.RawURLEncoding.EncodeToString(b)
	s.issued = append(s.issued, t)
	return t
}

// Tokens returns every access token, bearer token and live session token
// (base64) the simulator has issued, so tests can check that none leaks
// into an error.
func (s *Sim) Tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}
