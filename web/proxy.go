package main

import (
	"encoding/json"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// brokerHosts are the only places the opt-in proxy forwards to: one fixed
// https origin per prefix under /proxy/. Nothing else is reachable through
// it, whatever the request says.
var brokerHosts = []struct{ prefix, origin string }{
	{"ig-demo", "https://demo-api.ig.com"},
	{"ig-live", "https://api.ig.com"},
	{"capital-demo", "https://demo-api-capital.backend-capital.com"},
	{"capital-live", "https://api-capital.backend-capital.com"},
	{"ibkr", "https://api.ibkr.com"},
}

// connectSources is the CSP connect-src list: this origin plus the brokers'
// https origins, so that the page may call real brokers directly.
func connectSources() string {
	seen := map[string]bool{}
	srcs := []string{"'self'"}
	for _, h := range brokerHosts {
		if !seen[h.origin] {
			seen[h.origin] = true
			srcs = append(srcs, h.origin)
		}
	}
	return strings.Join(srcs, " ")
}

// mountProxy forwards /proxy/<prefix>/… to the fixed broker origin. The
// demo listens on loopback only (run refuses anything else), so only the
// user's own browser can use it. Cookies go neither way, the browser's
// Origin and Referer are not passed on, and nothing about a request but
// its method, prefix and status is ever logged.
func mountProxy(mux *http.ServeMux, transport http.RoundTripper, logf func(format string, args ...any)) {
	for _, h := range brokerHosts {
		target, err := url.Parse(h.origin)
		if err != nil || target.Scheme != "https" || target.Host == "" {
			panic("bad broker origin " + h.origin)
		}
		prefix := "/proxy/" + h.prefix
		rp := &httputil.ReverseProxy{
			Transport: transport, // nil: http.DefaultTransport
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target) // fixed scheme and host; the path follows the prefix
				pr.Out.Host = target.Host
				for _, name := range []string{"Cookie", "Origin", "Referer", "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
					pr.Out.Header.Del(name)
				}
			},
			ModifyResponse: func(res *http.Response) error {
				res.Header.Del("Set-Cookie")
				res.Header.Del("Set-Cookie2")
				// The broker's own CORS headers are meaningless on this origin.
				for name := range res.Header {
					if strings.HasPrefix(strings.ToLower(name), "access-control-") {
						res.Header.Del(name)
					}
				}
				logf("proxy %s %s → %d", res.Request.Method, h.prefix, res.StatusCode)
				return nil
			},
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				logf("proxy %s %s → no answer from the broker", r.Method, h.prefix)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = w.Write([]byte(`{"errorCode":"proxy.unreachable"}`))
			},
			ErrorLog: log.New(discard{}, "", 0), // errors may quote URLs; ErrorHandler reports them instead
		}
		mux.Handle(prefix+"/", http.StripPrefix(prefix, rp))
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// pageConfig is what the page learns from /config.json.
type pageConfig struct {
	Proxy    bool              `json:"proxy"`
	Prefixes map[string]string `json:"proxyPrefixes,omitempty"`
}

func configHandler(proxy bool) http.Handler {
	cfg := pageConfig{Proxy: proxy}
	if proxy {
		cfg.Prefixes = map[string]string{}
		for _, h := range brokerHosts {
			cfg.Prefixes[h.prefix] = "/proxy/" + h.prefix
		}
	}
	body, _ := json.Marshal(cfg)
	return getOnly(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	}))
}
