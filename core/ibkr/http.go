package ibkr

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/core/internal/jsonlite"
)

// Bounds on what is read from IBKR. Login answers are small; Request may
// fetch portfolio data, so it gets more room.
const (
	maxFlowBody    = 1 << 20
	maxRequestBody = 32 << 20
)

// reply is a read response.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// send makes one HTTP call with the per-call timeout and reads the body,
// bounded. It fails only when there is no complete answer; the caller
// judges the status.
func (c *Client) send(ctx context.Context, step, method, url string, header http.Header, body []byte, limit int64) (*reply, error) {
	if ctx.Err() != nil {
		return nil, core.TransportError(ctx, core.BrokerIBKR, step, ctx.Err())
	}
	cctx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(cctx, method, url, rd)
	if err != nil {
		return nil, &core.Error{Code: core.CodeInvalidArgument, Broker: core.BrokerIBKR, Step: step, Message: "the request cannot be built (bad method or path)"}
	}
	for k, vs := range header {
		req.Header[k] = append([]string(nil), vs...)
	}
	resp, err := c.cfg.http.Do(req)
	if err != nil {
		return nil, core.TransportError(ctx, core.BrokerIBKR, step, err)
	}
	defer resp.Body.Close()
	b, err := core.ReadBody(resp.Body, limit)
	if err != nil {
		return nil, core.TransportError(ctx, core.BrokerIBKR, step, err)
	}
	if int64(len(b)) > limit {
		return nil, core.BadResponse(core.BrokerIBKR, step, resp.StatusCode, "the answer is larger than brokerauth reads")
	}
	return &reply{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// call is send for the flow's own JSON endpoints: a non-2xx status becomes
// a *core.Error and the body must be a JSON object, whose members go to
// field (see decodeObject). A nil field reads nothing.
func (c *Client) call(ctx context.Context, step, method, path string, header http.Header, body []byte, field fieldFunc) (*reply, error) {
	r, err := c.send(ctx, step, method, c.cfg.base+path, header, body, maxFlowBody)
	if err != nil {
		return nil, err
	}
	if r.status < 200 || r.status > 299 {
		return r, statusError(step, r)
	}
	if field != nil {
		if err := decodeObject(r.body, field); err != nil {
			return r, core.BadResponse(core.BrokerIBKR, step, r.status, "the answer is not the JSON object expected")
		}
	}
	return r, nil
}

// fieldFunc stores one member of an answer, by encoding/json's rules (see
// jsonlite): every answer type has one, so that a member the client reads
// must have its type (or be null) while the others may hold anything.
type fieldFunc func(key []byte, v jsonlite.Value) error

// decodeObject insists on a JSON object: IBKR answers every flow call with
// one, and a proxy's HTML page or a bare string must not pass as success.
// (The trim is bytes.TrimSpace's, Unicode spaces included, as it always
// was: only what is inside it must be valid JSON.)
func decodeObject(b []byte, field fieldFunc) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return errNotObject
	}
	return jsonlite.Unmarshal(b, field)
}

var errNotObject = &core.Error{Code: core.CodeBadResponse, Message: "not a JSON object"}

func bearerHeader(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}, "Accept": {"application/json"}}
}

// validHeaderValue is what Go's transport and fetch accept as a header
// value: no control characters but tab. Both tokens of the flow come in a
// JSON body, which can carry any character, and go out in an
// Authorization header: a token with a line break used to fail the next
// call in the transport as a retryable "network" error (so KeepAlive
// retried the same broken login for ever) instead of bad_response. Found
// by FuzzLoginAnswers.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}
