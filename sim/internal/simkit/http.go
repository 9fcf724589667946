package simkit

import (
	"bufio"
	"cmp"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
)

// maxBody bounds what a simulator reads from a request body.
const maxBody = 64 << 10

// JSON is how a broker writes JSON answers.
type JSON struct {
	Type    string // the Content-Type
	Newline bool   // a newline ends the body
}

// CSTJSON is how the IG and Capital.com simulators write JSON.
var CSTJSON = JSON{Type: "application/json; charset=UTF-8", Newline: true}

// Write answers status with v as JSON.
func (j JSON) Write(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	if j.Newline {
		b = append(b, '\n')
	}
	w.Header().Set("Content-Type", j.Type)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// WriteJSON answers status with v as JSON, the IG and Capital.com way.
func WriteJSON(w http.ResponseWriter, status int, v any) { CSTJSON.Write(w, status, v) }

// ReadBody reads a bounded request body; ok is false when it is too large
// or unreadable.
func ReadBody(r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	return b, err == nil && len(b) <= maxBody
}

// ReadJSON decodes a bounded request body; ok is false when it is not one
// JSON value of the right shape.
func ReadJSON(r *http.Request, v any) bool {
	body, ok := ReadBody(r)
	return ok && jsonUnmarshal(body, v)
}

// readOptionalJSON is ReadJSON that also accepts an empty body.
func readOptionalJSON(r *http.Request, v any) bool {
	body, ok := ReadBody(r)
	return ok && (len(body) == 0 || jsonUnmarshal(body, v))
}

func jsonUnmarshal(body []byte, v any) bool { return json.Unmarshal(body, v) == nil }

// CORS returns the headers that make a simulator callable from any web
// page: the brokers' browser clients call the APIs cross-origin and read
// the headers listed in expose.
func CORS(methods, headers, expose string) map[string]string {
	h := map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Methods": methods,
		"Access-Control-Allow-Headers": headers,
		"Access-Control-Max-Age":       "600",
	}
	if expose != "" {
		h["Access-Control-Expose-Headers"] = expose
	}
	return h
}

// NewToken returns n random bytes in hex, like IG's CST and XST.
func NewToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// SecretEqual compares without leaking the length of the common prefix.
func SecretEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Default sets *v to def when *v is empty, zero or negative: an option
// left unset.
func Default[T cmp.Ordered](v *T, def T) {
	var zero T
	if *v <= zero {
		*v = def
	}
}

// Count returns how many values of m pass keep.
func Count[K comparable, V any](m map[K]V, keep func(V) bool) int {
	n := 0
	for _, v := range m {
		if keep(v) {
			n++
		}
	}
	return n
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
