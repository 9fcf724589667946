package simkit

import (
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Config is what a broker tells the chassis about itself.
type Config struct {
	Name      string // core.BrokerIG, core.BrokerCapital or core.BrokerIBKR, for logs and errors
	APIPrefix string // where the broker's API lives: "/gateway/deal", "/api/v1", or "" for the root
	// StandIns are paths under /__sim/ that stand in for another service
	// (IBKR's /__sim/ip for api.ipify.org): they go to Route and faults
	// hit them, as they do the API.
	StandIns []string
	// Headers are set on every answer, preflights and the admin surface's
	// included (see CORS).
	Headers map[string]string
	JSON    JSON // how the broker writes JSON: the admin surface and faults write it so too
	// CST says the broker sends CST and X-SECURITY-TOKEN headers:
	// FaultMissingCST applies, and FaultMalformedJSON sends them too.
	CST bool
	// MethodOverride honours a _method header on POST, as IG does.
	MethodOverride bool
	Default5xx     int    // the status of a Fault5xxHTML without one
	MalformedJSON  string // the body of FaultMalformedJSON: truncated JSON
	// ErrorBody is the broker's error body for a FaultStatus without Body,
	// or nil for an empty body.
	ErrorBody func(status int, code string) any
	// Logf, if set, receives one line per request: method, path, status.
	// It never sees a password, token or key.
	Logf func(format string, args ...any)

	// NotFound answers a path outside APIPrefix.
	NotFound func(w http.ResponseWriter)
	// Count notes a request on its way to Route, before its fault (f, or
	// nil) is applied.
	Count func(rel string, f *Fault)
	// Route answers a request under APIPrefix; rel is the path after it.
	Route func(w http.ResponseWriter, r *http.Request, rel string)
	// Expire kills every session and token (accessOnly false), or only
	// what the broker calls access tokens, and says how many there were.
	Expire func(accessOnly bool) int
	// Reset forgets the broker's sessions, flags and stats.
	Reset func()
	// Stats is the broker's stats, for GET /__sim/stats.
	Stats func() any
	// Admin are the broker's own POST /__sim/<name> hooks: each gets the
	// request body (maybe empty) and says what is wrong with it, if
	// anything.
	Admin map[string]func(body []byte) error
}

// Base is the chassis of a simulator: its exported methods are the
// simulator's own. It is safe for concurrent use.
type Base struct {
	cfg       Config
	closed    chan struct{}
	closeOnce sync.Once

	mu     sync.Mutex
	faults []*Fault
}

// New returns the chassis for a broker.
func New(cfg Config) *Base {
	return &Base{cfg: cfg, closed: make(chan struct{})}
}

// ServeHTTP answers the broker's API under its prefix and the admin
// surface under /__sim/. Both work when the simulator is mounted under a
// prefix with http.StripPrefix.
func (b *Base) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if b.cfg.Logf != nil {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() { b.cfg.Logf("sim %s: %s %s → %d", b.cfg.Name, r.Method, r.URL.Path, sw.status) }()
		w = sw
	}
	for k, v := range b.cfg.Headers {
		w.Header().Set(k, v)
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/__sim/"); ok && !slices.Contains(b.cfg.StandIns, path) {
		b.admin(w, r, rest)
		return
	}
	rel, ok := strings.CutPrefix(path, b.cfg.APIPrefix)
	if !ok || (rel != "" && rel[0] != '/') {
		b.cfg.NotFound(w)
		return
	}
	// IG's own JavaScript sample tunnels DELETE through POST with a _method
	// header (some proxies drop DELETE bodies); IG honours it.
	if m := r.Header.Get("_method"); b.cfg.MethodOverride && m != "" && r.Method == http.MethodPost {
		r.Method = strings.ToUpper(m)
	}
	f := b.takeFault(r.Method, rel, path)
	b.cfg.Count(rel, f)
	if f != nil {
		if w = b.applyFault(f, w, r); w == nil {
			return
		}
	}
	b.cfg.Route(w, r, rel)
}

// InjectFault adds a fault; faults are matched in the order they were added.
func (b *Base) InjectFault(f Fault) error {
	if err := f.validate(&b.cfg); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.faults = append(b.faults, &f)
	return nil
}

// Reset forgets faults, sessions and stats (what else, the broker's Reset
// says).
func (b *Base) Reset() {
	b.mu.Lock()
	b.faults = nil
	b.mu.Unlock()
	b.cfg.Reset()
}

// ExpireAllSessions kills every session and token, as the broker's
// maintenance or idle timeout would; it returns how many sessions there
// were.
func (b *Base) ExpireAllSessions() int { return b.cfg.Expire(false) }

// Close releases requests held by FaultHang. The simulator keeps answering
// other requests.
func (b *Base) Close() {
	b.closeOnce.Do(func() { close(b.closed) })
}
