package ibkr

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

// The answers moved from encoding/json to jsonlite (the wasm build has no
// encoding/json). This differential test keeps the encoding/json code they
// replaced as the reference: for any body, the new code must accept,
// refuse and read exactly what the old one did.

// oldDecodeObject is decodeObject as it was.
func oldDecodeObject(b []byte, out any) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return errNotObject
	}
	return json.Unmarshal(b, out)
}

type oldTokenAnswer struct {
	AccessToken string   `json:"access_token"`
	ExpiresIn   *float64 `json:"expires_in"`
}

type oldAuthStatus struct {
	Authenticated bool   `json:"authenticated"`
	Competing     bool   `json:"competing"`
	Connected     bool   `json:"connected"`
	Message       string `json:"message"`
}

type oldTickle struct {
	Session string `json:"session"`
	Iserver *struct {
		AuthStatus *oldAuthStatus `json:"authStatus"`
	} `json:"iserver"`
}

// oldErrorBody is statusError's reading of the body as it was.
func oldErrorBody(data []byte) errorBody {
	var body struct {
		Error       any    `json:"error"`
		Description string `json:"error_description"`
		Message     string `json:"message"`
	}
	_ = json.Unmarshal(data, &body)
	text, _ := body.Error.(string)
	return errorBody{Error: text, Description: body.Description, Message: body.Message}
}

var ibkrBodies = []string{
	`{"access_token":"a-0123456789","token_type":"Bearer","expires_in":600}`, `{"access_token":""}`, `{"access_token":"a\r\nb"}`,
	`{"access_token":"b","expires_in":1e308}`, `{"access_token":"b","expires_in":1e400}`, `{"access_token":"b","expires_in":-1}`,
	`{"access_token":"b","expires_in":"600"}`, `{"access_token":"b","expires_in":null}`, `{"expires_in":1,"expires_in":null}`,
	`{"access_token":"b\u0000"}`, `{"ACCESS_TOKEN":"b","Expires_In":5}`, `{"access_token":5}`,
	`{"error":"invalid_client","error_description":"bad kid 0123456789abcdefABCDEF0123"}`, `{"error":{"x":1}}`, `"x"`, `[]`,
	`{"error":"access_denied"}`, `{"error":"Init session first"}`, `{"error":"x","error":null}`, `{"error":"x","error":1e400}`,
	`{"error":"x","error":1}`, `{"error":"x","error":[1e400]}`, `{"error":"x","message":5,"error_description":"d"}`,
	`{"message":"no bridge"}`, `{"message":"m","message":null}`, `{"ERROR":"invalid_grant","Error_Description":{}}`,
	`{"error":123,"error_description":{"a":1}}`, `{"error":"x"} x`, `{"error":"x",}`,
	`{"RESULT":true}`, `{"RESULT":false}`, `{"RESULT":"false"}`, `{}`, `<html/>`,
	`{"USER_NAME":"demouser1","RESULT":true,"EXPIRES":86000000,"IP":"203.0.113.7","x":[1,{"y":null}],"RESULT":false}`,
	`{"EXPIRES":1e400}`, `{"a":{"b":1e400}}`, ` {"a":1} `, "\u00a0{\"a\":1}\u0085", "\v{\"a\":1}", `{"a":"\ud800"}`,
	`{"authenticated":true,"connected":true}`, `{"authenticated":false}`, `{"authenticated":"yes"}`, `null`,
	`{"authenticated":true,"authenticated":null}`, `{"message":1}`, `{"competing":0}`,
	`{"error":"failed to generate sso dh token","statusCode":500}`,
	`{"session":"abc123","ssoExpires":86000000,"collission":false,"userId":1,` +
		`"iserver":{"authStatus":{"authenticated":true,"competing":false,"connected":true,"message":""}}}`,
	`{"session":""}`, `{"session":"s","iserver":null}`, `{"session":"s","iserver":{"authStatus":null}}`,
	`{"session":"s","iserver":{"authStatus":{"authenticated":false}}}`, `{"session":1}`, `{"session":"s","iserver":[]}`,
	`{"session":"s","iserver":{"authStatus":{"connected":true}},"iserver":{"authStatus":{"competing":true}}}`,
	`{"session":"s","iserver":{"authStatus":{"connected":true}},"iserver":{}}`, `{"session":"s","iserver":{"authStatus":"x"}}`,
}

func checkIBKRAgainstEncodingJSON(t *testing.T, body []byte) {
	t.Helper()
	agree := func(what string, err, wantErr error, got, want any) {
		t.Helper()
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%s %q: error %v, was %v", what, body, err, wantErr)
		}
		if err == nil {
			assert.Equal(t, want, got, "%s %q", what, body)
		}
	}

	var oldTok oldTokenAnswer
	var tok tokenAnswer
	agree("token answer", decodeObject(body, tok.field), oldDecodeObject(body, &oldTok),
		tok, tokenAnswer{AccessToken: oldTok.AccessToken, ExpiresIn: oldTok.ExpiresIn})

	var oldSt oldAuthStatus
	var st authStatus
	agree("auth status", decodeObject(body, st.field), oldDecodeObject(body, &oldSt), st, authStatus(oldSt))

	var oldTk oldTickle
	var tk tickleAnswer
	err := decodeObject(body, tk.field)
	wantErr := oldDecodeObject(body, &oldTk)
	want := tickleAnswer{Session: oldTk.Session}
	if oldTk.Iserver != nil {
		want.Iserver = &tickleIserver{}
		if oldTk.Iserver.AuthStatus != nil {
			a := authStatus(*oldTk.Iserver.AuthStatus)
			want.Iserver.AuthStatus = &a
		}
	}
	agree("tickle answer", err, wantErr, tk, want)

	var oldMap map[string]any
	m := map[string]any{}
	agree("validate answer", decodeObject(body, func(key []byte, v jsonlite.Value) error {
		x, err := v.Any()
		m[string(key)] = x
		return err
	}), oldDecodeObject(body, &oldMap), m, oldMap)

	// statusError is as it was but for this read.
	assert.Equal(t, oldErrorBody(body), readErrorBody(body), "error body %q", body)
}

func TestAnswersAgreeWithEncodingJSON(t *testing.T) {
	for _, b := range ibkrBodies {
		checkIBKRAgainstEncodingJSON(t, []byte(b))
	}
}

// FuzzAnswersAgreeWithEncodingJSON: every IBKR answer (token, init,
// status, tickle, validate, error bodies) reads as it did with
// encoding/json, whatever the body.
func FuzzAnswersAgreeWithEncodingJSON(f *testing.F) {
	for _, b := range ibkrBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkIBKRAgainstEncodingJSON(t, body)
	})
}
