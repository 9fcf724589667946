package ibkr

import (
	"strings"
	"unicode"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

// oauthHints explain the RFC 6749 error codes IBKR's OAuth endpoints send,
// in words that say what to check.
var oauthHints = map[string]string{
	"invalid_client": "IBKR rejected the client: check ClientID and ClientKeyID, that PrivateKey is the key whose " +
		"public half IBKR registered, and that this machine's clock is right",
	"invalid_grant":          "IBKR rejected the signed assertion (expired or not yet valid? check the clock)",
	"invalid_request":        "IBKR refused the request as malformed",
	"invalid_scope":          "IBKR refused the scope sso-sessions.write for this client",
	"unauthorized_client":    "this client is not allowed this grant; ask IBKR to enable OAuth 2.0 for it",
	"unsupported_grant_type": "IBKR does not accept client_credentials for this client",
	"invalid_token":          "IBKR refused the access token (expired or revoked)",
	"access_denied":          "IBKR denied access: is Credential the user this client was registered for?",
}

// oauthCode is what an RFC 6749 error code looks like; IBKR's other errors
// are free text ("Init session first").
// (No regexp package: it would be a large part of the wasm for three
// patterns.)
func isOAuthCode(s string) bool {
	if len(s) < 3 || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// statusError maps a non-2xx answer. An OAuth body {error,
// error_description} gives the Code (from the OAuth endpoints, or with a
// description, or a code we know); IBKR's other {"error":"…"} strings,
// even one-word ones like "gone", keep the http_NNN code and become the
// message, redacted.
func statusError(step string, r *core.Response) *core.Error {
	body := readErrorBody(r.Body)
	text := body.Error
	_, known := oauthHints[text]
	if known || (body.Description != "" || step == "token" || step == "bearer") && isOAuthCode(text) {
		e := core.StatusError(core.BrokerIBKR, step, r.Status, text)
		msg := oauthHints[text]
		if msg == "" {
			msg = e.Message
		}
		if d := redact(body.Description); d != "" {
			msg += " (IBKR: " + d + ")"
		}
		e.Message = msg
		return e
	}
	e := core.StatusError(core.BrokerIBKR, step, r.Status, "")
	if text == "" {
		text = body.Message
	}
	if d := redact(text); d != "" {
		e.Message += ": IBKR says " + d
	}
	if noBrokerageSession(r) {
		e.Message += " (no brokerage session: ssodh/init has not run, or another session for this user took over; Login opens a new one)"
	}
	return e
}

// errorBody is what statusError reads of an error answer.
type errorBody struct {
	Error       string // "error", when it is a string
	Description string // "error_description"
	Message     string // "message"
}

// readErrorBody reads an error answer as encoding/json read it into
// {Error any; Description, Message string} with its error ignored: a body
// that is not JSON, or not an object, reads as nothing; a member of the
// wrong type is skipped and the others still read; "error" may be of any
// type but counts only as a string (null, a bool, a number, an object
// replace an earlier string; a number out of float64's range, which
// encoding/json could not store, does not).
func readErrorBody(data []byte) errorBody {
	var b errorBody
	err := jsonlite.Parse(data, func(v jsonlite.Value) error {
		if v.Kind() != jsonlite.Object {
			return nil
		}
		return v.Object(func(key []byte, v jsonlite.Value) error {
			switch {
			case jsonlite.Match(key, "error"):
				if _, ok := v.Float64(); v.Kind() != jsonlite.Number || ok {
					b.Error, _ = v.String()
				}
			case jsonlite.Match(key, "error_description"):
				_ = v.ReadString(&b.Description)
			case jsonlite.Match(key, "message"):
				_ = v.ReadString(&b.Message)
			}
			return nil
		})
	})
	if err != nil {
		return errorBody{}
	}
	return b
}

// tokenish is any run long enough to be a token, a JWS or key material:
// such runs are cut from IBKR's text before it reaches a message, in case
// an error echoes what was sent.
const tokenishMinRun = 24

func isTokenChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("+/=_.~-", c) >= 0
}

// replaceTokenish calls fn on every maximal run of at least
// tokenishMinRun token characters (the regexp [A-Za-z0-9+/=_.~-]{24,}).
func replaceTokenish(s string, fn func(string) string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if !isTokenChar(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && isTokenChar(s[j]) {
			j++
		}
		if j-i >= tokenishMinRun {
			b.WriteString(fn(s[i:j]))
		} else {
			b.WriteString(s[i:j])
		}
		i = j
	}
	return b.String()
}

// redact makes server text safe to show: token-like runs removed, control
// characters dropped, length bounded.
func redact(s string) string {
	s = replaceTokenish(s, func(run string) string {
		// Random tokens mix cases or carry digits; plain words such as
		// "application/x-www-form-urlencoded" do not, and stay readable.
		if strings.ContainsAny(run, "0123456789") || (strings.ToLower(run) != run && strings.ToUpper(run) != run) {
			return "[redacted]"
		}
		return run
	})
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
