package simkit_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/sim/capital"
	"github.com/brokerauth/brokerauth/sim/ibkr"
	"github.com/brokerauth/brokerauth/sim/ig"
	"github.com/brokerauth/brokerauth/sim/internal/simkit"
	"github.com/brokerauth/brokerauth/sim/internal/simtest"
)

var call = simtest.Call

// subject is one simulator with a path that answers 200 without a login.
type subject struct {
	name string
	sim  simtest.Simulator
	path string // the full path
	rel  string // the path a Fault names
	hdr  []string
}

func subjects(t *testing.T) []subject {
	return []subject{
		{"ig", ig.New(ig.Options{Key: simtest.Key(t)}), "/gateway/deal/session/encryptionKey", "/session/encryptionKey", []string{"X-IG-API-KEY", ig.DemoAPIKey}},
		{"capital", capital.New(capital.Options{Key: simtest.Key(t)}), "/api/v1/time", "/time", nil},
		{"ibkr", ibkr.New(ibkr.Options{}), "/__sim/ip", "/__sim/ip", nil},
	}
}

// TestSameAdminSurface: every simulator answers the same admin endpoints
// with the same shapes.
func TestSameAdminSurface(t *testing.T) {
	for _, s := range subjects(t) {
		t.Run(s.name, func(t *testing.T) {
			url := simtest.Serve(t, s.sim)
			st := call(t, url, "GET", "/__sim/stats", nil)
			assert.Equal(t, 200, st.Status)
			assert.NotEmpty(t, st.Body)
			assert.Equal(t, 405, call(t, url, "POST", "/__sim/stats", nil).Status)

			for _, body := range []any{nil, map[string]string{}, map[string]string{"scope": "all"}, map[string]string{"scope": "access"}} {
				r := call(t, url, "POST", "/__sim/expire", body)
				assert.Equal(t, 200, r.Status, "%v", body)
				assert.Equal(t, true, r.Body["ok"])
				assert.IsType(t, float64(0), r.Body["expired"])
			}
			assert.Equal(t, 400, call(t, url, "POST", "/__sim/expire", map[string]string{"scope": "some"}).Status)
			assert.Equal(t, 405, call(t, url, "GET", "/__sim/expire", nil).Status)

			r := call(t, url, "POST", "/__sim/fault", simkit.Fault{Path: s.rel, Kind: simkit.FaultStatus, Status: 503})
			assert.Equal(t, map[string]any{"ok": true}, r.Body)
			assert.Equal(t, 503, call(t, url, "GET", s.path, nil, s.hdr...).Status)
			assert.Equal(t, 200, call(t, url, "GET", s.path, nil, s.hdr...).Status, "a fault hits once by default")
			bad := call(t, url, "POST", "/__sim/fault", map[string]string{"path": s.rel, "kind": "explode"})
			assert.Equal(t, 400, bad.Status)
			assert.Contains(t, bad.Body["error"], "unknown fault kind")
			assert.Equal(t, 400, call(t, url, "POST", "/__sim/fault", nil).Status)

			require.NoError(t, s.sim.(interface{ InjectFault(simkit.Fault) error }).InjectFault(simkit.Fault{Path: "*", Kind: simkit.FaultStatus, Status: 500, Times: -1}))
			assert.Equal(t, 500, call(t, url, "GET", s.path, nil, s.hdr...).Status)
			r = call(t, url, "POST", "/__sim/reset", nil)
			assert.Equal(t, 200, r.Status)
			assert.Equal(t, map[string]any{"ok": true}, r.Body)
			assert.Equal(t, 200, call(t, url, "GET", s.path, nil, s.hdr...).Status, "reset drops faults")
			assert.Equal(t, 405, call(t, url, "GET", "/__sim/reset", nil).Status)

			nope := call(t, url, "POST", "/__sim/nope", nil)
			assert.Equal(t, 404, nope.Status)
			assert.NotEmpty(t, nope.Body["error"])
		})
	}
}

// TestSameFaultKinds: every simulator takes the same fault kinds, by the
// same JSON, with the same effect at the wire.
func TestSameFaultKinds(t *testing.T) {
	for _, s := range subjects(t) {
		t.Run(s.name, func(t *testing.T) {
			url := simtest.Serve(t, s.sim)
			// A fresh connection each time: http.Transport retries a GET
			// once when a reused connection drops.
			get := func() (*http.Response, []byte, error) {
				c := &http.Client{Timeout: 300 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
				req, _ := http.NewRequest("GET", url+s.path, nil)
				for i := 0; i+1 < len(s.hdr); i += 2 {
					req.Header.Set(s.hdr[i], s.hdr[i+1])
				}
				resp, err := c.Do(req)
				if err != nil {
					return nil, nil, err
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				return resp, b, err
			}
			inject := func(f map[string]any) {
				f["path"] = s.rel
				r := call(t, url, "POST", "/__sim/fault", f)
				require.Equal(t, 200, r.Status, "%v", r.Body)
			}

			for _, kind := range []string{simkit.FaultDrop, simkit.FaultHang} {
				inject(map[string]any{"kind": kind})
				_, _, err := get()
				assert.Error(t, err, kind)
			}

			inject(map[string]any{"kind": "5xx_html", "status": 503})
			resp, _, err := get()
			require.NoError(t, err)
			assert.Equal(t, 503, resp.StatusCode)
			assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")

			inject(map[string]any{"kind": "malformed_json"})
			resp, body, err := get()
			require.NoError(t, err)
			assert.Equal(t, 200, resp.StatusCode)
			assert.Contains(t, resp.Header.Get("Content-Type"), "application/json")
			assert.False(t, json.Valid(body))

			inject(map[string]any{"kind": "status", "status": 429, "retryAfter": 1, "body": `{"x":1}`})
			resp, body, err = get()
			require.NoError(t, err)
			assert.Equal(t, 429, resp.StatusCode)
			assert.Equal(t, "1", resp.Header.Get("Retry-After"))
			assert.JSONEq(t, `{"x":1}`, string(body))

			inject(map[string]any{"kind": "status", "status": 418, "times": 2})
			for range 2 {
				resp, _, err = get()
				require.NoError(t, err)
				assert.Equal(t, 418, resp.StatusCode)
			}
			resp, _, err = get()
			require.NoError(t, err)
			assert.Equal(t, 200, resp.StatusCode, "every fault used up")

			cst := call(t, url, "POST", "/__sim/fault", map[string]any{"path": s.rel, "kind": "missing_cst"})
			if s.name == "ibkr" {
				assert.Equal(t, 400, cst.Status, "IBKR sends no CST")
			} else {
				assert.Equal(t, 200, cst.Status)
			}
			for _, bad := range []map[string]any{
				{"path": "relative", "kind": "drop"},
				{"path": s.rel, "kind": "status"},
				{"path": s.rel, "kind": "5xx_html", "status": 404},
				{"path": s.rel, "kind": "drop", "times": -2},
			} {
				assert.Equal(t, 400, call(t, url, "POST", "/__sim/fault", bad).Status, "%v", bad)
			}
		})
	}
}

func TestFaultsAdminCORSAndPrefix(t *testing.T) {
	s := ig.New(ig.Options{Key: simtest.Key(t)})
	c := capital.New(capital.Options{Key: simtest.Key(t)})
	mux := http.NewServeMux()
	mux.Handle("/ig/", http.StripPrefix("/ig", s))
	mux.Handle("/capital/", http.StripPrefix("/capital", c))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { s.Close(); c.Close(); srv.Close() })
	igURL, capURL := srv.URL+"/ig", srv.URL+"/capital"

	// Preflight from a web page.
	pre := call(t, igURL, "OPTIONS", "/gateway/deal/session", nil, "Origin", "https://example.com", "Access-Control-Request-Method", "POST")
	assert.Equal(t, 204, pre.Status)
	assert.Equal(t, "*", pre.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, pre.Header.Get("Access-Control-Allow-Headers"), "X-IG-API-KEY")
	assert.Contains(t, pre.Header.Get("Access-Control-Expose-Headers"), "X-SECURITY-TOKEN")

	fault := func(base string, f simkit.Fault) {
		r := call(t, base, "POST", "/__sim/fault", f)
		require.Equal(t, 200, r.Status, r.Body)
	}
	loginIG := func() simtest.Reply {
		return call(t, igURL, "POST", "/gateway/deal/session",
			map[string]any{"identifier": ig.DemoIdentifier, "password": ig.DemoPassword}, "X-IG-API-KEY", ig.DemoAPIKey, "Version", "2")
	}
	fault(igURL, simkit.Fault{Method: "POST", Path: "/session", Kind: simkit.FaultStatus, Status: 504, ErrorCode: "error.security.authentication.timeout"})
	r := loginIG()
	assert.Equal(t, 504, r.Status)
	assert.Equal(t, "error.security.authentication.timeout", r.Code())
	fault(igURL, simkit.Fault{Path: "/gateway/deal/session", Kind: simkit.FaultMissingCST})
	r = loginIG()
	assert.Equal(t, 200, r.Status)
	assert.Empty(t, r.Header.Get("CST"))
	assert.NotEmpty(t, r.Header.Get("X-SECURITY-TOKEN"))
	fault(igURL, simkit.Fault{Path: "*", Kind: simkit.Fault5xxHTML})
	r = loginIG()
	assert.Equal(t, 502, r.Status)
	assert.Equal(t, 200, loginIG().Status, "a fault hits once by default")

	bad := call(t, igURL, "POST", "/__sim/fault", map[string]string{"path": "/session", "kind": "bogus"})
	assert.Equal(t, 400, bad.Status)

	st := call(t, igURL, "GET", "/__sim/stats", nil)
	assert.Equal(t, float64(2), st.Body["logins"].(map[string]any)[ig.DemoAPIKey])
	assert.Equal(t, float64(3), st.Body["faultsFired"])
	assert.Equal(t, float64(2), st.Body["activeSessions"])
	assert.Equal(t, float64(2), call(t, igURL, "POST", "/__sim/expire", nil).Body["expired"])
	assert.Equal(t, 200, call(t, igURL, "POST", "/__sim/reset", nil).Status)
	assert.Equal(t, float64(0), call(t, igURL, "GET", "/__sim/stats", nil).Body["requests"])
	assert.Equal(t, 405, call(t, igURL, "GET", "/__sim/reset", nil).Status)

	// Capital under its prefix, with a 429 fault carrying Retry-After.
	fault(capURL, simkit.Fault{Method: "GET", Path: "/time", Kind: simkit.FaultStatus, Status: 429, ErrorCode: capital.CodeTooManyRequests, RetryAfter: 2})
	r = call(t, capURL, "GET", "/api/v1/time", nil)
	assert.Equal(t, 429, r.Status)
	assert.Equal(t, "2", r.Header.Get("Retry-After"))
	assert.Equal(t, 200, call(t, capURL, "GET", "/api/v1/time", nil).Status)
	assert.Equal(t, 404, call(t, capURL, "GET", "/api/v2/time", nil).Status)
}
