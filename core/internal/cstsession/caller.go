package cstsession

import (
	"bytes"
	"context"
	"io"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/jsonlite"
)

// Read limits. Login and session answers are a few kilobytes; data calls
// made through Request (price history) can be larger.
const (
	AuthLimit = 1 << 20
	DataLimit = 16 << 20
)

// Caller sends one HTTP request at a time with a per-call timeout and turns
// every failure into a *core.Error.
type Caller struct {
	Broker  string
	HTTP    core.HTTPDoer
	Timeout time.Duration
}

// Reply is a broker's answer, body read in full (up to the limit).
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// OK reports a 2xx status.
func (r *Reply) OK() bool { return r.Status >= 200 && r.Status <= 299 }

// Do sends the request and reads the answer, whatever its status. It fails
// only when there is no usable answer: no response (network, timeout,
// canceled) or a body over limit bytes.
func (c *Caller) Do(ctx context.Context, step, method, url string, header http.Header, body []byte, limit int64) (*Reply, error) {
	callCtx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(callCtx, method, url, rd)
	if err != nil {
		// Only a malformed path gets here; the message does not echo it.
		return nil, &core.Error{Code: core.CodeInvalidArgument, Broker: c.Broker, Step: step, Message: "cannot build the request URL"}
	}
	if header != nil {
		req.Header = header.Clone()
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, core.TransportError(ctx, c.Broker, step, err)
	}
	defer resp.Body.Close()
	data, err := core.ReadBody(resp.Body, limit)
	if err != nil {
		return nil, core.TransportError(ctx, c.Broker, step, err)
	}
	if int64(len(data)) > limit {
		return nil, core.BadResponse(c.Broker, step, resp.StatusCode, "the answer is larger than "+strconv.FormatInt(limit, 10)+" bytes")
	}
	return &Reply{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// Expect is Do that also turns a non-2xx answer into core.StatusError.
func (c *Caller) Expect(ctx context.Context, step, method, url string, header http.Header, body []byte) (*Reply, error) {
	r, err := c.Do(ctx, step, method, url, header, body, AuthLimit)
	if err != nil {
		return nil, err
	}
	if !r.OK() {
		return r, c.StatusError(step, r)
	}
	return r, nil
}

// StatusError is the *core.Error for a non-2xx reply.
func (c *Caller) StatusError(step string, r *Reply) *core.Error {
	return core.StatusError(c.Broker, step, r.Status, ErrorCode(r.Body))
}

// ErrorCode extracts {"errorCode": "…"} from an error body. Anything that
// does not look like a broker code (too long, odd characters) is dropped,
// so a hostile or broken server cannot put arbitrary text in our errors.
func ErrorCode(body []byte) string {
	var code string
	err := jsonlite.Unmarshal(body, func(key []byte, v jsonlite.Value) error {
		if jsonlite.Match(key, "errorCode") {
			return v.ReadString(&code)
		}
		return nil
	})
	if err != nil || len(code) > 120 {
		return ""
	}
	for i := 0; i < len(code); i++ {
		ch := code[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '-' || ch == '_') {
			return ""
		}
	}
	return code
}

// tokenErrors are the 401 codes that mean "this session is gone; a new
// login will fix it".
var tokenErrors = map[string]bool{
	"error.security.client-token-invalid":  true,
	"error.security.account-token-invalid": true,
	"error.security.oauth-token-invalid":   true,
	"error.invalid.session.token":          true,
}

// IsTokenError reports whether a reply says the session's tokens are dead:
// one of the token codes with 401, as the brokers document, or 403, which
// clients' tests of the same codes use (docs/PROTOCOLS.md §6).
func IsTokenError(r *Reply) bool {
	return r != nil && tokenStatus(r.Status) && tokenErrors[ErrorCode(r.Body)]
}

// IsTokenErr is IsTokenError for an error already built.
func IsTokenErr(err error) bool {
	e, ok := err.(*core.Error)
	return ok && tokenStatus(e.Status) && tokenErrors[string(e.Code)]
}

func tokenStatus(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden
}

// TokenHeader reads a token header (CST, X-SECURITY-TOKEN) of an answer:
// the first value, and of that the part before a comma. IG has been seen
// to send X-SECURITY-TOKEN twice, which fetch joins into "a, b"; IG's own
// sample app keeps the first (docs/PROTOCOLS.md §6). Tokens hold no commas.
func TokenHeader(h http.Header, name string) string {
	v, _, _ := strings.Cut(h.Get(name), ",")
	return strings.TrimSpace(v)
}

// URL joins base and a caller's path ("/accounts", "/api/v1/ping?x=1"). The
// path must start with "/", and the result must stay on base's host: the
// session's tokens go with the request.
func (c *Caller) URL(base, path, step string) (string, error) {
	bad := &core.Error{Code: core.CodeInvalidArgument, Broker: c.Broker, Step: step, Message: `path must start with "/" and stay on the broker's host`}
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "\r\n\x00") {
		return "", bad
	}
	b, err1 := neturl.Parse(base)
	u, err2 := neturl.Parse(base + path)
	if err1 != nil || err2 != nil || u.Host != b.Host || u.Scheme != b.Scheme || u.User != nil {
		return "", bad
	}
	return base + path, nil
}
