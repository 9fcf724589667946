package simkit

import (
	"errors"
	"net/http"
)

// The admin surface lets clients that only speak HTTP (the JavaScript
// tests, the demo page) drive the same hooks as the Go API. It lives under
// /__sim/ at the simulator's root, next to the broker's API root, and is
// the same at every simulator:
//
//	POST /__sim/expire  {"scope": "all"|"access"}  → {"expired": n, "ok": true}
//	     "all" (default) kills every session and token; "access" only
//	     expires IG v3 access tokens, so refresh tokens still work (0 at
//	     the other brokers).
//	POST /__sim/fault   a Fault as JSON            → {"ok": true}
//	POST /__sim/reset                              → {"ok": true}
//	     drops sessions, faults and stats (and what else the broker's
//	     Reset says).
//	GET  /__sim/stats                              → the broker's Stats as JSON
//	POST /__sim/<hook>  the broker's own hooks (Config.Admin) → {"ok": true}
//
// Errors are {"error": "…"} with status 400, 404 or 405.
func (b *Base) admin(w http.ResponseWriter, r *http.Request, what string) {
	hook, isHook := b.cfg.Admin[what]
	want := http.MethodPost
	switch {
	case what == "stats":
		want = http.MethodGet
	case what == "expire", what == "fault", what == "reset", isHook:
	default:
		b.cfg.JSON.Write(w, http.StatusNotFound, map[string]string{"error": "unknown admin endpoint"})
		return
	}
	if r.Method != want {
		b.cfg.JSON.Write(w, http.StatusMethodNotAllowed, map[string]string{"error": "use " + want})
		return
	}
	switch what {
	case "expire":
		var body struct {
			Scope string `json:"scope"`
		}
		if !readOptionalJSON(r, &body) || (body.Scope != "" && body.Scope != "all" && body.Scope != "access") {
			b.cfg.JSON.Write(w, http.StatusBadRequest, map[string]string{"error": `body must be {"scope": "all"|"access"} or empty`})
			return
		}
		n := b.cfg.Expire(body.Scope == "access")
		b.cfg.JSON.Write(w, http.StatusOK, map[string]any{"expired": n, "ok": true})
	case "fault":
		var f Fault
		if !ReadJSON(r, &f) {
			b.cfg.JSON.Write(w, http.StatusBadRequest, map[string]string{"error": "body must be a Fault as JSON"})
			return
		}
		Answer(w, b.cfg.JSON, b.InjectFault(f))
	case "reset":
		b.Reset()
		Answer(w, b.cfg.JSON, nil)
	case "stats":
		b.cfg.JSON.Write(w, http.StatusOK, b.cfg.Stats())
	default:
		RunHook(w, r, b.cfg.JSON, hook)
	}
}

// Answer is an admin POST's answer: {"ok": true}, or 400 {"error": …}.
func Answer(w http.ResponseWriter, j JSON, err error) {
	if err != nil {
		j.Write(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	j.Write(w, http.StatusOK, map[string]bool{"ok": true})
}

// RunHook runs an admin hook on the request's body and answers for it.
func RunHook(w http.ResponseWriter, r *http.Request, j JSON, hook func(body []byte) error) {
	body, ok := ReadBody(r)
	if !ok {
		Answer(w, j, errors.New("body too large"))
		return
	}
	Answer(w, j, hook(body))
}

// DecodeOptional decodes an admin hook's body into v; an empty body
// leaves v as it is.
func DecodeOptional(body []byte, v any) error {
	if len(body) > 0 && !jsonUnmarshal(body, v) {
		return errors.New("body is not the expected JSON")
	}
	return nil
}
