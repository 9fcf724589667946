package sim

import (
	"io"
	"net/http"
)

// The admin surface lets clients that only speak HTTP (the JavaScript
// tests, the demo page) drive the same hooks as the Go API. It lives under
// /__sim/ at the simulator's root, next to the broker's API root:
//
//	POST /__sim/expire  {"scope": "all"|"access"}  → {"expired": n}
//	     "all" (default) kills every session and token; "access" only
//	     expires IG v3 access tokens, so refresh tokens still work.
//	POST /__sim/fault   a Fault as JSON            → {"ok": true}
//	POST /__sim/reset                              → {"ok": true}
//	     drops sessions, faults, issued timeStamps, rate-limit memory, stats.
//	GET  /__sim/stats                              → Stats as JSON
//
// Errors are {"error": "…"} with status 400, 404 or 405.
func (b *base) admin(w http.ResponseWriter, r *http.Request, what string, br broker) {
	want := http.MethodPost
	if what == "stats" {
		want = http.MethodGet
	}
	switch what {
	case "expire", "fault", "reset", "stats":
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown admin endpoint"})
		return
	}
	if r.Method != want {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use " + want})
		return
	}
	switch what {
	case "expire":
		var body struct {
			Scope string `json:"scope"`
		}
		if !readOptionalJSON(r, &body) || (body.Scope != "" && body.Scope != "all" && body.Scope != "access") {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"scope": "all"|"access"} or empty`})
			return
		}
		b.mu.Lock()
		n := br.expire(body.Scope == "access")
		b.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]int{"expired": n})
	case "fault":
		var f Fault
		if !readJSON(r, &f) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be a Fault as JSON"})
			return
		}
		if err := b.InjectFault(f); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	case "reset":
		b.reset(br)
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	case "stats":
		writeJSON(w, http.StatusOK, b.snapshot(br))
	}
}

// readOptionalJSON is readJSON that also accepts an empty body.
func readOptionalJSON(r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return false
	}
	if len(body) == 0 {
		return true
	}
	return jsonUnmarshal(body, v)
}
