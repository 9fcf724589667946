package ibkrsim

import (
	"fmt"
	"net/http"
	"time"
)

// FaultKind is what an injected fault does to a matching request.
type FaultKind string

const (
	// FaultDrop closes the connection without an answer (a network error).
	FaultDrop FaultKind = "drop"
	// FaultHang never answers, until the client gives up or Close.
	FaultHang FaultKind = "hang"
	// FaultHTML500 answers 500 with an HTML page, as a proxy in front of
	// IBKR would.
	FaultHTML500 FaultKind = "html500"
	// FaultMalformed answers 200 with a body that is not JSON.
	FaultMalformed FaultKind = "malformed"
	// FaultStatus answers Status with Body (default {"error":<status text>}).
	FaultStatus FaultKind = "status"
)

// maxHang bounds a hang when nobody gives up, so a forgotten fault cannot
// hold a test server open forever.
const maxHang = 2 * time.Minute

// Fault makes the next Times requests to Path (and Method, if set) fail.
type Fault struct {
	Path   string    `json:"path"`
	Method string    `json:"method,omitempty"`
	Kind   FaultKind `json:"kind"`
	Status int       `json:"status,omitempty"` // FaultStatus only
	Body   string    `json:"body,omitempty"`   // FaultStatus only
	// Times is how many requests fail: 0 means 1, -1 means until Reset.
	Times int `json:"times,omitempty"`
}

// AddFault queues a fault. Faults are matched in the order added.
func (s *Sim) AddFault(f Fault) error {
	switch f.Kind {
	case FaultDrop, FaultHang, FaultHTML500, FaultMalformed:
	case FaultStatus:
		if f.Status < 100 || f.Status > 599 {
			return fmt.Errorf("ibkrsim: fault status %d is not an HTTP status", f.Status)
		}
	default:
		return fmt.Errorf("ibkrsim: unknown fault kind %q", f.Kind)
	}
	if f.Path == "" || f.Path[0] != '/' {
		return fmt.Errorf("ibkrsim: fault path must start with /")
	}
	if f.Times == 0 {
		f.Times = 1
	}
	if f.Times < -1 {
		return fmt.Errorf("ibkrsim: fault times must be -1 or more")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
	return nil
}

// takeFault consumes one use of the first fault that matches r.
func (s *Sim) takeFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Path != r.URL.Path || (f.Method != "" && f.Method != r.Method) {
			continue
		}
		got := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return &got
	}
	return nil
}

// injectFault applies a matching fault and reports whether it answered.
func (s *Sim) injectFault(w http.ResponseWriter, r *http.Request) bool {
	f := s.takeFault(r)
	if f == nil {
		return false
	}
	switch f.Kind {
	case FaultDrop:
		// ErrAbortHandler makes net/http close the connection mid-way
		// (HTTP/1) or reset the stream (HTTP/2), without logging.
		panic(http.ErrAbortHandler)
	case FaultHang:
		select {
		case <-r.Context().Done():
		case <-s.closed:
		case <-time.After(maxHang):
		}
		panic(http.ErrAbortHandler)
	case FaultHTML500:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>\n"))
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"access_token": "tru`))
	case FaultStatus:
		if f.Body != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.Status)
			_, _ = w.Write([]byte(f.Body))
			return true
		}
		writeJSON(w, f.Status, map[string]any{"error": http.StatusText(f.Status), "statusCode": f.Status})
	}
	return true
}
