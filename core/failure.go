package core

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/brokerauth/brokerauth/core/encrypt"
)

// Codes for failures of a session flow that are not the broker's own
// errorCode.
const (
	CodeNetwork     Code = "network"            // no response: refused, reset, DNS, CORS
	CodeTimeout     Code = "timeout"            // the call's deadline passed
	CodeBadResponse Code = "bad_response"       // a response we cannot use: not JSON, fields or headers missing
	CodeInsecureURL Code = "insecure_url"       // a base URL that is not https (loopback excepted)
	CodeCanceled    Code = "canceled"           // the caller's context was canceled
	CodeNotLoggedIn Code = "not_logged_in"      // the call needs a session: call Login first
	CodeInternal         = encrypt.CodeInternal // a bug in brokerauth, recovered
)

// allowanceCodes are broker codes that say "too many requests, later" under
// another status than 429 (IG answers 403): they are retryable.
var allowanceCodes = map[string]bool{
	"error.public-api.exceeded-api-key-allowance":         true,
	"error.public-api.exceeded-account-allowance":         true,
	"error.public-api.exceeded-account-trading-allowance": true,
	"error.too-many.requests":                             true,
}

// HTTPStatusCode is the code for an HTTP error without a broker error code:
// "http_503" and so on.
func HTTPStatusCode(status int) Code {
	return Code("http_" + strconv.Itoa(status))
}

// statusText names the statuses brokers answer; net/http's table is not
// linked into core.
var statusText = map[int]string{
	400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
	408: "Request Timeout", 409: "Conflict", 410: "Gone", 412: "Precondition Failed", 415: "Unsupported Media Type",
	429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Unavailable", 504: "Gateway Timeout",
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
		if t := statusText[status]; t != "" {
			msg += " " + t
		}
		switch {
		case status == 429:
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
		Retryable: status >= 500 || status == 429 || allowanceCodes[brokerCode],
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
// A typed *Error from the HTTP (the fetch transport refusing a header
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
	var tooLarge *TooLarge
	if errors.As(err, &tooLarge) {
		e.Status = tooLarge.Status
	}
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		e.Code, e.Message = CodeBadResponse, "the answer is larger than brokerauth reads"
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

// BadResponse builds the error for a 2xx answer that cannot be used.
func BadResponse(broker, step string, status int, what string) *Error {
	return &Error{Code: CodeBadResponse, Broker: broker, Step: step, Status: status, Message: what}
}

// isTimeout: net.Error's Timeout, without importing net.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// failureKinds are the network failures a message names; the wasm's fetch
// transport reports the same phrases.
var failureKinds = []string{"connection refused", "connection reset", "no such host", "EOF", "fetch() failed", "network is unreachable"}

func describeNetErr(err error) string {
	s := err.Error()
	for _, kind := range failureKinds {
		if strings.Contains(s, kind) {
			return " (" + kind + ")"
		}
	}
	return ""
}
