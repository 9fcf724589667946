package ibkr

import (
	"strings"
	"testing"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/internal/fuzzcheck"
)

// FuzzStatusError fuzzes the mapping of IBKR's error bodies (OAuth
// {error, error_description}, IBKR's {"error": "…"} free text, {"message":
// …}, HTML) to a *core.Error: a code that is either an OAuth code or
// http_NNN, and a message with no token-shaped run, no control character,
// and bounded length, whatever the body says.
func FuzzStatusError(f *testing.F) {
	f.Add("token", 401, []byte(`{"error":"invalid_client","error_description":"Client assertion is invalid"}`))
	f.Add("bearer", 400, []byte(`{"error":"invalid_grant","error_description":"jwt eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln expired"}`))
	f.Add("init", 500, []byte(`{"error":"failed to generate sso dh token","statusCode":500}`))
	f.Add("tickle", 410, []byte(`{"error":"gone"}`))
	f.Add("tickle", 401, []byte(`{"message":"Bearer 0123456789abcdefABCDEF0123456789 is invalid"}`))
	f.Add("token", 400, []byte(`{"error":"x_0123456789abcdef0123456789"}`))
	f.Add("validate", 400, []byte(`{"error":"line\nbreak\u0000and\u202eRTL"}`))
	f.Add("status", 503, []byte(`<html>503</html>`))
	f.Add("token", 401, []byte(`{"error":"`+strings.Repeat("é", 300)+`"}`))
	f.Add("init", 400, []byte(`{"error":123,"error_description":{"a":1}}`))
	f.Fuzz(func(t *testing.T, step string, status int, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		e := statusError(step, &core.Response{Status: status, Header: core.Header{}, Body: body})
		if e.Code == "" || e.Status != status || e.Broker != core.BrokerIBKR || e.Step != step {
			t.Fatalf("bad error %#v", e)
		}
		if e.Code != core.HTTPStatusCode(status) && !isOAuthCode(string(e.Code)) {
			t.Fatalf("code %q is neither http_%d nor an OAuth code", e.Code, status)
		}
		if runs := fuzzcheck.TokenShaped(e.Message); len(runs) > 0 {
			t.Fatalf("message carries token-shaped text %q", runs)
		}
		for _, r := range e.Message {
			if r < ' ' || r == 0x7f {
				t.Fatalf("message carries control character %U", r)
			}
		}
		// Fixed text (≤ ~200 bytes of hint) plus at most 200 redacted runes.
		if n := len([]rune(e.Message)); n > 600 {
			t.Fatalf("message of %d runes", n)
		}
	})
}
