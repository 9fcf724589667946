package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// recorder stands in for the network behind the proxy.
type recorder struct{ got []*http.Request }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = append(r.got, req)
	return &http.Response{
		StatusCode: http.StatusOK,
		Header: http.Header{
			"Content-Type":                {"application/json"},
			"Cst":                         {"abc"},
			"Set-Cookie":                  {"tracking=1"},
			"Access-Control-Allow-Origin": {"*"},
		},
		Body:    io.NopCloser(strings.NewReader(`{}`)),
		Request: req,
	}, nil
}

func newTestHandler(t *testing.T, opts serverOptions) http.Handler {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/brokerauth.wasm", []byte("\x00asm"), 0o644); err != nil {
		t.Fatal(err)
	}
	return newHandler(dir, newSimulators(), opts)
}

func get(h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestProxyOffByDefault(t *testing.T) {
	h := newTestHandler(t, serverOptions{})
	if w := get(h, "GET", "/proxy/ig-demo/gateway/deal/session/encryptionKey", nil); w.Code != http.StatusNotFound {
		t.Fatalf("without -proxy: %d, want 404", w.Code)
	}
	var cfg pageConfig
	w := get(h, "GET", "/config.json", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &cfg); err != nil || cfg.Proxy {
		t.Fatalf("config.json = %s (%v), want proxy false", w.Body, err)
	}
}

func TestProxyForwardsToFixedHostsOnly(t *testing.T) {
	rec := &recorder{}
	h := newTestHandler(t, serverOptions{proxy: true, proxyTransport: rec})

	w := get(h, "POST", "/proxy/capital-live/api/v1/session?x=1", http.Header{
		"Cookie": {"a=b"}, "Origin": {"http://127.0.0.1:8080"}, "Referer": {"http://127.0.0.1:8080/"},
		"X-Cap-Api-Key": {"k"}, "X-Forwarded-For": {"10.0.0.1"},
	})
	if w.Code != http.StatusOK || len(rec.got) != 1 {
		t.Fatalf("status %d, %d forwarded", w.Code, len(rec.got))
	}
	out := rec.got[0]
	if out.URL.String() != "https://api-capital.backend-capital.com/api/v1/session?x=1" || out.Host != "api-capital.backend-capital.com" {
		t.Errorf("forwarded to %s (Host %s)", out.URL, out.Host)
	}
	for _, name := range []string{"Cookie", "Origin", "Referer", "X-Forwarded-For"} {
		if v := out.Header.Get(name); v != "" {
			t.Errorf("%s forwarded: %q", name, v)
		}
	}
	if out.Header.Get("X-Cap-Api-Key") != "k" {
		t.Error("the API key header was not forwarded")
	}
	if w.Header().Get("Set-Cookie") != "" || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("response headers leaked: %v", w.Header())
	}
	if w.Header().Get("Cst") != "abc" {
		t.Error("the CST header did not come back")
	}

	// Unknown prefixes and tricks with the path stay on this server.
	for _, target := range []string{"/proxy/evil.example.com/x", "/proxy/ig-demo@evil.example.com/x", "/proxy/../sim/credentials.json"} {
		before := len(rec.got)
		get(h, "GET", target, nil)
		if len(rec.got) != before {
			t.Errorf("%s was forwarded to %s", target, rec.got[len(rec.got)-1].URL)
		}
	}
	for _, r := range rec.got {
		if r.URL.Scheme != "https" {
			t.Errorf("forwarded over %s", r.URL.Scheme)
		}
	}

	var cfg pageConfig
	if err := json.Unmarshal(get(h, "GET", "/config.json", nil).Body.Bytes(), &cfg); err != nil || !cfg.Proxy || cfg.Prefixes["ibkr"] != "/proxy/ibkr" {
		t.Fatalf("config.json = %+v (%v)", cfg, err)
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	w := get(newTestHandler(t, serverOptions{}), "GET", "/", nil)
	csp := w.Header().Get("Content-Security-Policy")
	want := "connect-src 'self' https://demo-api.ig.com https://api.ig.com https://demo-api-capital.backend-capital.com https://api-capital.backend-capital.com https://api.ibkr.com;"
	if !strings.Contains(csp, want) || !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval';") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP = %q", csp)
	}
}
