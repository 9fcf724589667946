package sim

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/brokerauth/brokerauth/core"
)

// maxBody bounds what a simulator reads from a request body.
const maxBody = 64 << 10

// broker is what each simulator adds to the shared base.
type broker interface {
	// route answers a request under the API root; rel is the path after it.
	route(w http.ResponseWriter, r *http.Request, rel string)
	// expire kills sessions: every session (all), or only v3 access tokens.
	expire(accessOnly bool) int
	resetSessions()
	activeSessions() int
}

// base is what both simulators share: the key ring, faults, stats, CORS and
// the admin surface. Every field below mu is guarded by it.
type base struct {
	name      string // "ig" or "capital", for logs
	apiPrefix string // "/gateway/deal" or "/api/v1"
	clock     core.Clock
	logf      func(format string, args ...any)
	closed    chan struct{}
	closeOnce sync.Once

	mu     sync.Mutex
	keys   *keyring
	faults []*Fault
	stats  Stats
}

func (b *base) init(name, prefix string, clock core.Clock, logf func(string, ...any), keys *keyring) {
	if clock == nil {
		clock = core.SystemClock
	}
	b.name, b.apiPrefix, b.clock, b.logf, b.keys = name, prefix, clock, logf, keys
	b.closed = make(chan struct{})
	b.stats = newStats()
}

// Stats counts what a simulator has seen since it started or was Reset.
type Stats struct {
	Requests       int            `json:"requests"`
	EncryptionKeys int            `json:"encryptionKeys"`
	LoginAttempts  map[string]int `json:"loginAttempts"` // POST /session per API key
	Logins         map[string]int `json:"logins"`        // successful logins per API key
	Refreshes      int            `json:"refreshes"`     // IG v3 refresh-token grants
	Switches       int            `json:"switches"`
	Logouts        int            `json:"logouts"`
	Pings          int            `json:"pings"` // Capital.com GET /ping, IG GET /session
	RateLimited    int            `json:"rateLimited"`
	FaultsFired    int            `json:"faultsFired"`
	Errors         map[string]int `json:"errors"` // errorCode → how often it was answered
	ActiveSessions int            `json:"activeSessions"`
}

func newStats() Stats {
	return Stats{LoginAttempts: map[string]int{}, Logins: map[string]int{}, Errors: map[string]int{}}
}

func (b *base) snapshot(br broker) Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stats
	s.LoginAttempts = maps.Clone(b.stats.LoginAttempts)
	s.Logins = maps.Clone(b.stats.Logins)
	s.Errors = maps.Clone(b.stats.Errors)
	s.ActiveSessions = br.activeSessions()
	return s
}

// InjectFault adds a fault; faults are matched in the order they were added.
func (b *base) InjectFault(f Fault) error {
	if err := f.validate(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.faults = append(b.faults, &f)
	return nil
}

// Close releases requests held by FaultHang. The simulator keeps answering
// other requests.
func (b *base) Close() {
	b.closeOnce.Do(func() { close(b.closed) })
}

func (b *base) reset(br broker) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.faults = nil
	b.stats = newStats()
	b.keys.issued = map[int64]time.Time{}
	br.resetSessions()
}

// serve is the ServeHTTP shared by both simulators.
func (b *base) serve(w http.ResponseWriter, r *http.Request, br broker) {
	if b.logf != nil {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() { b.logf("sim %s: %s %s → %d", b.name, r.Method, r.URL.Path, sw.status) }()
		w = sw
	}
	setCORS(w.Header())
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/__sim/"); ok {
		b.admin(w, r, rest, br)
		return
	}
	rel, ok := strings.CutPrefix(path, b.apiPrefix)
	if !ok || (rel != "" && rel[0] != '/') {
		b.fail(w, http.StatusNotFound, codeNotFound)
		return
	}
	// IG's own JavaScript sample tunnels DELETE through POST with a _method
	// header (some proxies drop DELETE bodies); IG honours it.
	method := r.Method
	if m := r.Header.Get("_method"); m != "" && method == http.MethodPost {
		method = strings.ToUpper(m)
		r.Method = method
	}
	b.mu.Lock()
	b.stats.Requests++
	f := b.takeFault(method, rel, path)
	b.mu.Unlock()
	if f != nil {
		if w = b.applyFault(f, w, r); w == nil {
			return
		}
	}
	br.route(w, r, rel)
}

// Codes the simulators answer that no broker document lists; they are
// guesses at what the brokers say.
const (
	codeNotFound         = "error.not-found"          // guess
	codeMethodNotAllowed = "error.method-not-allowed" // guess
)

// fail answers {"errorCode": code} and counts it.
func (b *base) fail(w http.ResponseWriter, status int, code string) {
	b.mu.Lock()
	b.stats.Errors[code]++
	b.mu.Unlock()
	writeError(w, status, code)
}

func writeError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"errorCode": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readJSON decodes a bounded request body; ok is false when it is not one
// JSON value of the right shape.
func readJSON(r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return false
	}
	return jsonUnmarshal(body, v)
}

func jsonUnmarshal(body []byte, v any) bool { return json.Unmarshal(body, v) == nil }

// corsHeaders are every request header the brokers' clients send.
const corsHeaders = "Content-Type, Accept, Version, X-IG-API-KEY, X-CAP-API-KEY, CST, X-SECURITY-TOKEN, Authorization, IG-ACCOUNT-ID, _method"

// setCORS makes the simulators callable from any web page: IG's own
// JavaScript sample calls the API cross-origin and reads the token headers.
func setCORS(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", corsHeaders)
	h.Set("Access-Control-Expose-Headers", "CST, X-SECURITY-TOKEN, Retry-After")
	h.Set("Access-Control-Max-Age", "600")
}

// newToken returns n random bytes in hex, like IG's CST and XST.
func newToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter records the status for the log line; it passes Hijack
// through so that FaultDrop still works when logging is on.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
		w.status = 0
		return hj.Hijack()
	}
	return nil, nil, errors.New("sim: response writer cannot hijack")
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// allowed answers 404 for a path the broker does not have (methods empty)
// and 405 for a method it does not take there (methods lists them, space
// separated), and reports whether the request may go on.
func (b *base) allowed(w http.ResponseWriter, r *http.Request, methods string) bool {
	if methods == "" {
		b.fail(w, http.StatusNotFound, codeNotFound)
		return false
	}
	if !slices.Contains(strings.Fields(methods), r.Method) {
		b.fail(w, http.StatusMethodNotAllowed, codeMethodNotAllowed)
		return false
	}
	return true
}
