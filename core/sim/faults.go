package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// FaultKind names one way a broker (or the network in front of it) fails.
type FaultKind string

// The faults a test can inject.
const (
	// FaultDrop closes the connection without answering. Note that Go's
	// http.Transport silently retries an idempotent request (GET) once when
	// a reused connection drops, so tests of GET endpoints use Times >= 2.
	FaultDrop FaultKind = "drop"
	// FaultHang never answers; the handler waits until the request's context
	// ends (the client gave up) or the simulator is closed.
	FaultHang FaultKind = "hang"
	// Fault5xxHTML answers Status (default 502) with an HTML error page, as
	// a load balancer in front of the broker does.
	Fault5xxHTML FaultKind = "5xx_html"
	// FaultMalformedJSON answers 200 with a truncated JSON body (and, on a
	// login, with token headers, so that only the body is wrong).
	FaultMalformedJSON FaultKind = "malformed_json"
	// FaultMissingCST runs the request normally but strips the CST header
	// from the answer.
	FaultMissingCST FaultKind = "missing_cst"
	// FaultStatus answers Status with {"errorCode": ErrorCode} (no body when
	// ErrorCode is empty) and, if RetryAfter > 0, a Retry-After header.
	FaultStatus FaultKind = "status"
)

// Fault is one injected failure. It matches requests by Method (empty: any)
// and Path, which is relative to the broker's API root ("/session" matches
// IG's /gateway/deal/session and Capital.com's /api/v1/session; the full
// path works too; "*" matches every path).
type Fault struct {
	Method     string    `json:"method,omitempty"`
	Path       string    `json:"path"`
	Kind       FaultKind `json:"kind"`
	Status     int       `json:"status,omitempty"`
	ErrorCode  string    `json:"errorCode,omitempty"`
	RetryAfter int       `json:"retryAfter,omitempty"` // seconds
	// Times is how many matching requests the fault hits: 0 means once, a
	// negative number means until Reset.
	Times int `json:"times,omitempty"`
}

func (f *Fault) validate() error {
	switch f.Kind {
	case FaultDrop, FaultHang, FaultMalformedJSON, FaultMissingCST:
	case Fault5xxHTML:
		if f.Status == 0 {
			f.Status = http.StatusBadGateway
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
	if f.Path == "" {
		return fmt.Errorf("fault needs a path (use \"*\" for every path)")
	}
	if f.Times == 0 {
		f.Times = 1
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
// its times. The caller holds the lock.
func (b *base) takeFault(method, rel, full string) *Fault {
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
		b.stats.FaultsFired++
		return &hit
	}
	return nil
}

// applyFault answers the request as the fault says. It returns a
// ResponseWriter to continue with when the fault only alters the normal
// answer (FaultMissingCST), or nil when the request is done.
func (b *base) applyFault(f *Fault, w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	switch f.Kind {
	case FaultDrop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return nil
			}
		}
		// HTTP/2 or a wrapped writer: abort the response instead.
		panic(http.ErrAbortHandler)
	case FaultHang:
		select {
		case <-r.Context().Done():
		case <-b.closed:
		}
		return nil
	case Fault5xxHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><h1>%s</h1><hr><center>nginx</center></body></html>\n",
			f.Status, http.StatusText(f.Status), http.StatusText(f.Status))
		return nil
	case FaultMalformedJSON:
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.Header().Set("CST", "sim-malformed-cst")
		w.Header().Set("X-SECURITY-TOKEN", "sim-malformed-xst")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"accountType":"CFD","currentAccountId":"ABC`))
		return nil
	case FaultMissingCST:
		return &stripHeaderWriter{ResponseWriter: w, names: []string{"CST"}}
	case FaultStatus:
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		if f.ErrorCode == "" {
			w.WriteHeader(f.Status)
			return nil
		}
		writeError(w, f.Status, f.ErrorCode)
		return nil
	}
	return w
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
