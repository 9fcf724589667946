// Package cst is the login protocol IG and Capital.com share: IG's v2 login
// and Capital.com's login are the same exchange with other paths and
// header names (an API key header, an optional RSA-encrypted password,
// CST and X-SECURITY-TOKEN answered as headers), errors as
// {"errorCode": "…"}, and the same account switch. The ig and capital
// flows are built from it.
//
// Nothing here puts a password, token or key into an error: errors come
// from core.StatusError, core.TransportError and core.BadResponse, whose
// messages are fixed text plus a host name.
package cst

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

// StepEncryptionKey is the step name of the key fetch.
const StepEncryptionKey = "encryptionKey"

// ErrorCode extracts {"errorCode": "…"} from an error body. Anything that
// does not look like a broker code (too long, odd characters) is dropped,
// so that a hostile or broken server cannot put arbitrary text in errors.
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

// Error is the *core.Error for a non-2xx answer.
func Error(broker, step string, r *core.Response) *core.Error {
	return core.StatusError(broker, step, r.Status, ErrorCode(r.Body))
}

// Expired reports an answer that says the session's tokens are dead: a
// token code with 401, as the brokers document, or 403, which clients'
// tests of the same codes use (docs/PROTOCOLS.md §6.1).
func Expired(r *core.Response) bool {
	return (r.Status == 401 || r.Status == 403) && core.IsTokenCode(ErrorCode(r.Body))
}

// Gone reports an answer that says the session is gone: any 401, or a
// token error. A keepalive logs in again after one.
func Gone(r *core.Response) bool { return r.Status == 401 || Expired(r) }

// Authorize puts session headers h on a caller's request: they override
// the caller's own, except a Content-Type or Accept the caller set.
func Authorize(req *core.Request, h core.Header) {
	for k, v := range h {
		if (k == "Content-Type" || k == "Accept") && req.Header.Get(k) != "" {
			continue
		}
		req.Header[k] = v
	}
}

// TokenHeader reads a token header (CST, X-SECURITY-TOKEN) of an answer:
// the first value, and of that the part before a comma. IG has been seen
// to send X-SECURITY-TOKEN twice, which fetch joins into "a, b"; IG's own
// sample app keeps the first (docs/PROTOCOLS.md §6.1). Tokens hold no
// commas.
func TokenHeader(h core.Header, name string) string {
	v, _, _ := strings.Cut(h.Get(name), ",")
	return strings.TrimSpace(v)
}

// EncryptedPassword fetches the broker's key with keyReq and returns the
// password encrypted with it, ready for {"password": …,
// "encryptedPassword": true}.
func EncryptedPassword(ctx context.Context, c *core.Caller, keyReq *core.Request, password string) (string, error) {
	r, err := c.Expect(ctx, StepEncryptionKey, keyReq)
	if err != nil {
		return "", err
	}
	key, ts, ok := readEncryptionKey(r.Body)
	if !ok {
		return "", core.BadResponse(c.Broker(), StepEncryptionKey, r.Status, "the encryptionKey answer is not JSON")
	}
	if key == "" || ts == "" {
		return "", core.BadResponse(c.Broker(), StepEncryptionKey, r.Status, "the encryptionKey answer lacks encryptionKey or timeStamp")
	}
	enc, err := core.EncryptPassword(key, ts, password)
	if err != nil {
		var ce *core.Error
		if errors.As(err, &ce) {
			out := *ce // a copy: the error names this broker and step
			out.Broker, out.Step, out.Status = c.Broker(), StepEncryptionKey, r.Status
			if out.Code == core.CodeInvalidArgument { // a bad timeStamp is the broker's fault
				out.Code = core.CodeBadResponse
			}
			return "", &out
		}
		return "", core.BadResponse(c.Broker(), StepEncryptionKey, r.Status, "cannot encrypt with the broker's key")
	}
	return enc, nil
}

// readEncryptionKey reads {"encryptionKey": "…", "timeStamp": …}; ok is
// false for a body that is not JSON or has a key that is not a string.
func readEncryptionKey(body []byte) (key, timeStamp string, ok bool) {
	// timeStamp is kept as the JSON text it is (any type, null included).
	var stamp []byte
	err := jsonlite.Unmarshal(body, func(k []byte, v jsonlite.Value) error {
		switch {
		case jsonlite.Match(k, "encryptionKey"):
			return v.ReadString(&key)
		case jsonlite.Match(k, "timeStamp"):
			stamp = v.Raw()
		}
		return nil
	})
	if err != nil {
		return "", "", false
	}
	// The brokers send timeStamp as a JSON number; accept a quoted one too.
	return key, strings.Trim(string(stamp), `"`), true
}

// PasswordLogin is the body of a password login (POST /session): with
// encrypt, the password encrypted with the key keyReq fetches; else the
// password as it is.
func PasswordLogin(ctx context.Context, c *core.Caller, keyReq *core.Request, identifier, password string, encrypt bool) ([]byte, error) {
	if !encrypt {
		return LoginBody(identifier, password, false, true), nil
	}
	enc, err := EncryptedPassword(ctx, c, keyReq, password)
	if err != nil {
		return nil, err
	}
	return LoginBody(identifier, enc, true, true), nil
}

// WithSession is h with the session's own headers set on it.
func WithSession(h core.Header, s *core.Session) core.Header {
	for k, v := range s.Headers {
		h.Set(k, v)
	}
	return h
}

// LoginBody is the JSON body of POST /session at both brokers, keys
// sorted.
func LoginBody(identifier, password string, encrypted bool, withFlag bool) []byte {
	var w jsonlite.ObjectWriter
	if withFlag {
		w.Bool("encryptedPassword", encrypted)
	}
	w.String("identifier", identifier)
	w.String("password", password)
	return w.Bytes()
}

// loginBody is the part of IG's v2 and Capital.com's login answer that a
// session needs; the rest is the caller's business. Its fields are read as
// encoding/json reads them (see jsonlite): each must have its type or be
// null, whatever else the answer holds.
type loginBody struct {
	CurrentAccountID      string
	LightstreamerEndpoint string // IG
	StreamingHost         string // Capital.com
	Accounts              []account
}

func (b *loginBody) field(key []byte, v jsonlite.Value) error {
	switch {
	case jsonlite.Match(key, "currentAccountId"):
		return v.ReadString(&b.CurrentAccountID)
	case jsonlite.Match(key, "lightstreamerEndpoint"):
		return v.ReadString(&b.LightstreamerEndpoint)
	case jsonlite.Match(key, "streamingHost"):
		return v.ReadString(&b.StreamingHost)
	case jsonlite.Match(key, "accounts"):
		return jsonlite.Slice(v, &b.Accounts, (*account).read)
	}
	return nil
}

type account struct {
	AccountID   string
	AccountName string
	AccountType string
	Preferred   bool
}

func (a *account) read(v jsonlite.Value) error { return v.Struct(a.field) }

func (a *account) field(key []byte, v jsonlite.Value) error {
	switch {
	case jsonlite.Match(key, "accountId"):
		return v.ReadString(&a.AccountID)
	case jsonlite.Match(key, "accountName"):
		return v.ReadString(&a.AccountName)
	case jsonlite.Match(key, "accountType"):
		return v.ReadString(&a.AccountType)
	case jsonlite.Match(key, "preferred"):
		return v.ReadBool(&a.Preferred)
	}
	return nil
}

// ParseLogin builds a session from a 2xx login answer: the CST and
// X-SECURITY-TOKEN headers plus the body. Missing tokens, a body that is
// not JSON or one without currentAccountId are bad_response.
func ParseLogin(broker, step string, r *core.Response, apiKeyHeader, apiKey string) (*core.Session, error) {
	cst, xst := TokenHeader(r.Header, "CST"), TokenHeader(r.Header, "X-SECURITY-TOKEN")
	if cst == "" || xst == "" {
		return nil, core.BadResponse(broker, step, r.Status, "the login answer lacks the CST or X-SECURITY-TOKEN header (if in a browser, the broker must expose them via CORS)")
	}
	if !core.ValidHeaderValue(cst) || !core.ValidHeaderValue(xst) {
		return nil, core.BadResponse(broker, step, r.Status, "the login answer's CST or X-SECURITY-TOKEN holds characters no HTTP header can carry")
	}
	var b loginBody
	if err := jsonlite.Unmarshal(r.Body, b.field); err != nil {
		return nil, core.BadResponse(broker, step, r.Status, "the login answer is not valid JSON")
	}
	if b.CurrentAccountID == "" {
		return nil, core.BadResponse(broker, step, r.Status, "the login answer lacks currentAccountId")
	}
	accounts := make([]core.Account, 0, len(b.Accounts))
	for _, a := range b.Accounts {
		accounts = append(accounts, core.Account{ID: a.AccountID, Name: a.AccountName, Type: a.AccountType, Preferred: a.Preferred})
	}
	s := &core.Session{
		Broker:            broker,
		AccountID:         b.CurrentAccountID,
		Accounts:          accounts,
		Headers:           map[string]string{apiKeyHeader: apiKey, "CST": cst, "X-SECURITY-TOKEN": xst},
		StreamingEndpoint: b.LightstreamerEndpoint,
	}
	if s.StreamingEndpoint == "" {
		s.StreamingEndpoint = b.StreamingHost
	}
	return s, nil
}

// CheckSwitchAnswer vets a 2xx answer to PUT /session before the session
// changes: a body, if any, must be a JSON object without an errorCode.
// Otherwise the answer is bad_response and the session stays as it was:
// naming an account the broker never switched to would send later calls
// to the wrong account.
func CheckSwitchAnswer(broker string, r *core.Response) error {
	if len(bytes.TrimSpace(r.Body)) == 0 {
		return nil
	}
	hasCode := false
	err := jsonlite.Parse(r.Body, func(v jsonlite.Value) error {
		return v.Object(func(key []byte, _ jsonlite.Value) error {
			hasCode = hasCode || string(key) == "errorCode"
			return nil
		})
	})
	if err != nil {
		return core.BadResponse(broker, "switch", r.Status, "the account switch answer is not a JSON object")
	}
	if hasCode {
		return core.BadResponse(broker, "switch", r.Status, "the account switch answer carries an errorCode")
	}
	return nil
}

// AfterSwitch returns a copy of s on accountID, adopting the new
// X-SECURITY-TOKEN of the switch answer r when it has one. IG sends one
// (and the old one dies), but has been seen not to (docs/PROTOCOLS.md
// §6.1); without one the old token is kept, and should the broker refuse
// it, the next call's re-login puts the session back on accountID.
func AfterSwitch(s *core.Session, accountID string, r *core.Response) *core.Session {
	c := s.Clone()
	c.AccountID = accountID
	if xst := TokenHeader(r.Header, "X-SECURITY-TOKEN"); xst != "" && core.ValidHeaderValue(xst) {
		c.Headers["X-SECURITY-TOKEN"] = xst
	}
	return c
}

// PutSession is the switch request: PUT path {accountId, defaultAccount?}
// with header (the session's own CST and X-SECURITY-TOKEN), its answer
// vetted by CheckSwitchAnswer.
func PutSession(ctx context.Context, c *core.Caller, url string, header core.Header, accountID string, setDefault bool) (*core.Response, error) {
	var w jsonlite.ObjectWriter
	w.String("accountId", accountID)
	if setDefault {
		w.Bool("defaultAccount", true)
	}
	r, err := c.Expect(ctx, "switch", &core.Request{Method: "PUT", URL: url, Header: header, Body: w.Bytes()})
	if err != nil {
		return nil, err
	}
	if err := CheckSwitchAnswer(c.Broker(), r); err != nil {
		return nil, err
	}
	return r, nil
}

// Logout is DELETE path with the session's headers. An answer that says
// the session was gone already (a token error, 401) is success.
func Logout(ctx context.Context, c *core.Caller, url string, header core.Header) error {
	r, err := c.Do(ctx, "logout", &core.Request{Method: "DELETE", URL: url, Header: header})
	switch {
	case err != nil:
		return err
	case !r.OK() && !Gone(r):
		return Error(c.Broker(), "logout", r)
	}
	return nil
}

// Ping is one keepalive call (GET url with the session's headers): gone
// when the broker says the session is.
func Ping(ctx context.Context, c *core.Caller, url string, header core.Header) (gone bool, err error) {
	r, err := c.Do(ctx, "ping", &core.Request{Method: "GET", URL: url, Header: header})
	switch {
	case err != nil:
		return false, err
	case Gone(r):
		return true, nil
	case !r.OK():
		return false, Error(c.Broker(), "ping", r)
	}
	return false, nil
}
