package ibkr

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
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
)

// pathIP is the public-IP echo that stands in for api.ipify.org.
const pathIP = "/__sim/ip"

// Options configure the simulator. Zero fields take the defaults.
type Options struct {
	Clock core.Clock // default core.SystemClock
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
	clock core.Clock

	mu        sync.Mutex
	clients   map[string]*client // by client_key_id
	access    map[string]*accessToken
	bearers   map[string]*bearer
	stats     Stats
	ip        string
	competing bool
	dhFail    int
	issued    []string
	nextUser  int
}

type client struct {
	id, kid, credential string
	pub                 *rsa.PublicKey
	userID              int
}

type accessToken struct {
	client  *client
	expires time.Time
}

// bearer is one SSO session: the bearer token and the brokerage session
// (ssodh/init) riding on it.
type bearer struct {
	client        *client
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
	s := &Sim{clock: opts.Clock, clients: map[string]*client{}, nextUser: 1000001}
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
		},
	})
	s.reset()
	d := DemoClient()
	k, err := jws.ParsePrivateKey(d.PrivateKeyPEM)
	if err != nil {
		panic("ibkr: demo key does not parse: " + err.Error())
	}
	s.AddClient(d.ClientID, d.ClientKeyID, d.Credential, &k.PublicKey)
	return s
}

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
	s.nextUser++
	s.clients[clientKeyID] = &client{id: clientID, kid: clientKeyID, credential: credential, pub: pub, userID: s.nextUser}
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

// Tokens returns every access and bearer token the simulator has issued,
// so tests can check that none leaks into an error.
func (s *Sim) Tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}
