package simkit

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The fault kinds every simulator takes, but FaultMissingCST, which only
// the brokers that hand out a CST header take (IG and Capital.com).
const (
	// FaultDrop closes the connection without answering. Go's
	// http.Transport silently retries an idempotent request (GET) once when
	// a reused connection drops, so tests of GET endpoints use Times >= 2.
	FaultDrop = "drop"
	// FaultHang never answers: the request is held until the client gives
	// up, the simulator is closed or maxHang passes, and the connection is
	// then dropped.
	FaultHang = "hang"
	// Fault5xxHTML answers Status (default: the broker's, 502 for IG and
	// Capital.com, 500 for IBKR) with an HTML error page, as a load
	// balancer or proxy in front of the broker does.
	Fault5xxHTML = "5xx_html"
	// FaultMalformedJSON answers 200 with a truncated JSON body shaped like
	// the broker's answer (and, at a CST broker, with token headers, so
	// that only the body is wrong).
	FaultMalformedJSON = "malformed_json"
	// FaultMissingCST runs the request normally but strips the CST header
	// from the answer.
	FaultMissingCST = "missing_cst"
	// FaultStatus answers Status with Body if set, else with the broker's
	// error shape (IG and Capital.com: {"errorCode": ErrorCode}, no body
	// when ErrorCode is empty; IBKR: {"error": ErrorCode or the status
	// text, "statusCode": Status}); and, if RetryAfter > 0, a Retry-After
	// header.
	FaultStatus = "status"
)

// maxHang bounds a hang when nobody gives up, so a forgotten fault cannot
// hold a test server open forever.
const maxHang = 2 * time.Minute

// Fault is one injected failure. It matches requests by Method (empty: any)
// and Path, which is relative to the broker's API root ("/session" matches
// IG's /gateway/deal/session and Capital.com's /api/v1/session); the full
// path works too, and "*" matches every path the API serves. Faults never
// hit the admin surface, but for the paths under /__sim/ that stand in for
// another service (IBKR's GET /__sim/ip).
type Fault struct {
	Method     string `json:"method,omitempty"`
	Path       string `json:"path"`
	Kind       string `json:"kind"`
	Status     int    `json:"status,omitempty"`     // FaultStatus, Fault5xxHTML
	ErrorCode  string `json:"errorCode,omitempty"`  // FaultStatus
	Body       string `json:"body,omitempty"`       // FaultStatus, sent as is
	RetryAfter int    `json:"retryAfter,omitempty"` // FaultStatus, seconds
	// Times is how many matching requests the fault hits: 0 means once, -1
	// means until Reset.
	Times int `json:"times,omitempty"`
}

// validate checks f and fills in its defaults.
func (f *Fault) validate(c *Config) error {
	switch f.Kind {
	case FaultDrop, FaultHang, FaultMalformedJSON:
	case FaultMissingCST:
		if !c.CST {
			return fmt.Errorf("missing_cst needs a broker that sends a CST header; %s does not", c.Name)
		}
	case Fault5xxHTML:
		if f.Status == 0 {
			f.Status = c.Default5xx
		}
		if f.Status < 500 || f.Status > 599 {
			return fmt.Errorf("5xx_html needs a 5xx status, got %d", f.Status)
		}
	case FaultStatus:
		if f.Status < 100 || f.Status > 599 {
			return fmt.Errorf("status fault needs a status from 100 to 599, got %d", f.Status)
		}
	default:
		return fmt.Errorf("unknown fault kind %q", f.Kind)
	}
	if f.Path != "*" && !strings.HasPrefix(f.Path, "/") {
		return fmt.Errorf("fault path must start with / (or be \"*\" for every path), got %q", f.Path)
	}
	if f.Times == 0 {
		f.Times = 1
	}
	if f.Times < -1 {
		return fmt.Errorf("fault times must be -1 (until Reset) or more, got %d", f.Times)
	}
	f.Method = strings.ToUpper(f.Method)
	return nil
}

func (f *Fault) matches(method, rel, full string) bool {
	if f.Method != "" && f.Method != method {
		return false
	}
	return f.Path == "*" || f.Path == rel || f.Path == full
}

// takeFault returns the first fault matching the request and uses up one of
// its times.
func (b *Base) takeFault(method, rel, full string) *Fault {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, f := range b.faults {
		if !f.matches(method, rel, full) {
			continue
		}
		hit := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				b.faults = append(b.faults[:i], b.faults[i+1:]...)
			}
		}
		return &hit
	}
	return nil
}

// applyFault answers the request as the fault says. It returns a
// ResponseWriter to continue with when the fault only alters the normal
// answer (FaultMissingCST), or nil when the request is done.
func (b *Base) applyFault(f *Fault, w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	switch f.Kind {
	case FaultDrop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return nil
			}
		}
		// HTTP/2 or a wrapped writer: abort the response instead.
		abort(w)
	case FaultHang:
		select {
		case <-r.Context().Done():
		case <-b.closed:
		case <-time.After(maxHang):
		}
		abort(w)
	case Fault5xxHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><h1>%s</h1><hr><center>nginx</center></body></html>\n",
			f.Status, http.StatusText(f.Status), http.StatusText(f.Status))
	case FaultMalformedJSON:
		if b.cfg.CST {
			w.Header().Set("CST", "sim-malformed-cst")
			w.Header().Set("X-SECURITY-TOKEN", "sim-malformed-xst")
		}
		w.Header().Set("Content-Type", b.cfg.JSON.Type)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(b.cfg.MalformedJSON))
	case FaultMissingCST:
		return &stripHeaderWriter{ResponseWriter: w, names: []string{"CST"}}
	case FaultStatus:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		if f.Body != "" {
			w.Header().Set("Content-Type", b.cfg.JSON.Type)
			w.WriteHeader(f.Status)
			_, _ = w.Write([]byte(f.Body))
			return nil
		}
		if body := b.cfg.ErrorBody(f.Status, f.ErrorCode); body != nil {
			b.cfg.JSON.Write(w, f.Status, body)
			return nil
		}
		w.WriteHeader(f.Status)
	}
	return nil
}

// abort ends the request without an answer: net/http closes the
// connection (HTTP/1) or resets the stream (HTTP/2), without logging.
func abort(w http.ResponseWriter) {
	if sw, ok := w.(*statusWriter); ok {
		sw.status = 0
	}
	panic(http.ErrAbortHandler)
}

// stripHeaderWriter removes headers just before they are sent.
type stripHeaderWriter struct {
	http.ResponseWriter
	names []string
	wrote bool
}

func (w *stripHeaderWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		for _, n := range w.names {
			w.Header().Del(n)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *stripHeaderWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}
