package main

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
)

//go:embed static
var static embed.FS

// contentSecurityPolicy loads nothing from outside this origin (the machine
// may be offline, and a login page should not load third-party code),
// allows 'wasm-unsafe-eval' so that the page may compile brokerauth.wasm,
// and lets the page connect to this origin and to the brokers' own https
// API origins (and nothing else), for logins to the real brokers.
var contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self'; img-src 'self' data:; connect-src " + connectSources() + "; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"

// serverOptions are the demo server's switches.
type serverOptions struct {
	// proxy forwards /proxy/<broker>/… to the real brokers (opt-in).
	proxy bool
	// proxyTransport sends the proxied requests; nil is
	// http.DefaultTransport (tests swap in a recorder).
	proxyTransport http.RoundTripper
	logf           func(format string, args ...any)
}

func newHandler(npmDir string, sims *simulators, opts serverOptions) http.Handler {
	mux := http.NewServeMux()
	sims.mount(mux)
	if opts.proxy {
		logf := opts.logf
		if logf == nil {
			logf = func(string, ...any) {}
		}
		mountProxy(mux, opts.proxyTransport, logf)
	}
	mux.Handle("/config.json", configHandler(opts.proxy))
	page, _ := fs.Sub(static, "static")
	mux.Handle("/", getOnly(http.FileServerFS(page)))
	mux.Handle("/npm/", getOnly(http.StripPrefix("/npm/", &compressedFiles{dir: npmDir})))
	return securityHeaders(mux)
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// compressedFiles serves the npm build with the right types (application/
// wasm lets browsers compile while downloading) and gzips it for clients
// that accept gzip, caching each compressed file by its modification time.
type compressedFiles struct {
	dir   string
	mu    sync.Mutex
	cache map[string]gzipped
}

type gzipped struct {
	modTime int64
	body    []byte
}

var contentTypes = map[string]string{
	".wasm": "application/wasm",
	".mjs":  "text/javascript; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".cjs":  "text/javascript; charset=utf-8",
	".json": "application/json",
	".ts":   "text/plain; charset=utf-8",
	".mts":  "text/plain; charset=utf-8",
}

func (c *compressedFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := path.Clean("/" + r.URL.Path)[1:]
	ctype, ok := contentTypes[path.Ext(name)]
	if !ok || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	full := c.dir + "/" + name
	info, err := os.Stat(full)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r) {
		http.ServeFile(w, r, full)
		return
	}
	body, err := c.gzip(full, info.ModTime().UnixNano())
	if err != nil {
		http.Error(w, "cannot read "+name, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	http.ServeContent(w, r, "", info.ModTime(), bytes.NewReader(body))
}

func (c *compressedFiles) gzip(full string, modTime int64) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g, ok := c.cache[full]; ok && g.modTime == modTime {
		return g.body, nil
	}
	raw, err := os.ReadFile(full)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	if c.cache == nil {
		c.cache = map[string]gzipped{}
	}
	c.cache[full] = gzipped{modTime: modTime, body: buf.Bytes()}
	return buf.Bytes(), nil
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

// getOnly refuses everything but GET and HEAD for the static files. (Method
// patterns would conflict with the simulators' prefix patterns, which take
// every method.)
func getOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}
