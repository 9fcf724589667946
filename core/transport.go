package core

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// HTTPDoer sends one HTTP request. *http.Client satisfies it natively; in
// WebAssembly the wasm package passes a fetch-based client
// (github.com/syumai/tinyutil/httputil), since Go's own net/http turns fetch
// off under Node.
type HTTPDoer interface {
	Do(req *http.Request) (*http.Response, error)
}

// NoHTTPClientMessage is the configuration error for a Config without an
// HTTPClient where DefaultHTTPClient has none to offer (GOOS=js).
const NoHTTPClientMessage = "HTTPClient is required under GOOS=js: pass a fetch-based client such as github.com/syumai/tinyutil/httputil.DefaultClient"

// HTTPClientOrDefault is the HTTP client a flow of broker uses: c, else
// DefaultHTTPClient, else (under GOOS=js) an invalid_argument error
// carrying NoHTTPClientMessage.
func HTTPClientOrDefault(broker string, c HTTPDoer) (HTTPDoer, error) {
	if c == nil {
		c = DefaultHTTPClient()
	}
	if c == nil {
		return nil, &Error{Code: CodeInvalidArgument, Broker: broker, Message: NoHTTPClientMessage}
	}
	return c, nil
}

// Codes for failures of a session flow that are not the broker's own
// errorCode.
const (
	CodeNetwork     Code = "network"       // no response: refused, reset, DNS, CORS
	CodeTimeout     Code = "timeout"       // the call's deadline passed
	CodeBadResponse Code = "bad_response"  // a response we cannot use: not JSON, fields or headers missing
	CodeInsecureURL Code = "insecure_url"  // a base URL that is not https (loopback excepted)
	CodeCanceled    Code = "canceled"      // the caller's context was canceled
	CodeNotLoggedIn Code = "not_logged_in" // the call needs a session: call Login first
)

// allowanceCodes are broker codes that say "too many requests, later" under
// another status than 429 (IG answers 403): they are retryable.
var allowanceCodes = map[string]bool{
	"error.public-api.exceeded-api-key-allowance":         true,
	"error.public-api.exceeded-account-allowance":         true,
	"error.public-api.exceeded-account-trading-allowance": true,
	"error.too-many.requests":                             true,
}

// maxErrorBody bounds how much of an error response is read to find the
// broker's error code.
const maxErrorBody = 64 << 10

// HTTPStatusCode is the code for an HTTP error without a broker error code:
// "http_503" and so on.
func HTTPStatusCode(status int) Code {
	return Code("http_" + strconv.Itoa(status))
}

// StatusError builds the error for a broker answer with a non-2xx status.
// brokerCode is the broker's own code (IG/Capital.com errorCode, OAuth
// error) when the body had one. Retryable follows the status: 5xx and 429.
func StatusError(broker, step string, status int, brokerCode string) *Error {
	code := Code(brokerCode)
	if brokerCode == "" {
		code = HTTPStatusCode(status)
	}
	msg := hintFor(brokerCode)
	if msg == "" {
		msg = "the broker answered HTTP " + strconv.Itoa(status)
		if t := http.StatusText(status); t != "" {
			msg += " " + t
		}
		switch {
		case status == http.StatusTooManyRequests:
			msg += ": too many requests; slow down and try again"
		case status >= 500:
			msg += ": a failure on the broker's side (or a proxy's); try again later"
		}
	}
	return &Error{
		Code:      code,
		Broker:    broker,
		Step:      step,
		Status:    status,
		Retryable: status >= 500 || status == http.StatusTooManyRequests || allowanceCodes[brokerCode],
		Message:   msg,
	}
}

// What TransportError's messages advise; a caller that knows better (the
// IBKR client's IP lookup) trims them off.
const (
	AdviceNetwork = ": check the network connection and the base URL"
	AdviceTimeout = " (Timeout, or timeoutMs in JavaScript, sets it); try again"
)

// TransportError builds the error for a request that got no response. The
// message names the host and the kind of failure, never the full URL (a
// query could carry something private) nor any header.
//
// A typed *Error from the HTTPDoer (the wasm fetch client refusing a header
// value, say) passes through with broker and step filled in.
func TransportError(ctx context.Context, broker, step string, err error) *Error {
	var typed *Error
	if errors.As(err, &typed) {
		c := *typed
		if c.Broker == "" {
			c.Broker = broker
		}
		if c.Step == "" {
			c.Step = step
		}
		return &c
	}
	e := &Error{Broker: broker, Step: step}
	host := ""
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
	}
	where := "the broker"
	if host != "" {
		where = host
	}
	switch {
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		e.Code, e.Message = CodeCanceled, "the call was canceled"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		e.Code, e.Retryable, e.Message = CodeTimeout, true, "no answer from "+where+" before the timeout"+AdviceTimeout
	default:
		e.Code, e.Retryable = CodeNetwork, true
		e.Message = "could not reach " + where + describeNetErr(err) + AdviceNetwork
	}
	return e
}

// ReadBody reads a response body for a flow: at most limit+1 bytes, so the
// caller can tell an answer past its limit. A body already read in full
// (the wasm's fetch helper reads bodies in JS) hands its bytes over through
// a Bytes method instead of being copied again.
func ReadBody(body io.Reader, limit int64) ([]byte, error) {
	if m, ok := body.(interface{ Bytes() []byte }); ok {
		return m.Bytes(), nil
	}
	return io.ReadAll(io.LimitReader(body, limit+1))
}

// BadResponse builds the error for a 2xx answer that cannot be used.
func BadResponse(broker, step string, status int, what string) *Error {
	return &Error{Code: CodeBadResponse, Broker: broker, Step: step, Status: status, Message: what}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func describeNetErr(err error) string {
	s := err.Error()
	for _, kind := range []string{"connection refused", "connection reset", "no such host", "EOF", "fetch() failed", "network is unreachable"} {
		if strings.Contains(s, kind) {
			return " (" + kind + ")"
		}
	}
	return ""
}

// CheckBaseURL parses a base URL and refuses anything but https, except
// for loopback hosts (the simulators, local proxies).
func CheckBaseURL(broker, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, &Error{Code: CodeInvalidArgument, Broker: broker, Message: "baseURL must be an absolute http(s) URL"}
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, &Error{Code: CodeInvalidArgument, Broker: broker, Message: "baseURL must not carry credentials, a query or a fragment"}
	}
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		return nil, &Error{Code: CodeInsecureURL, Broker: broker, Message: "baseURL must use https unless the host is loopback (127.0.0.1, ::1, localhost)"}
	}
	return u, nil
}

// IsLoopbackHost reports whether host names this machine.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
