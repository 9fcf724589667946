package cst

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

// The parsers moved from encoding/json to jsonlite (the wasm build has no
// encoding/json). These differential tests keep the encoding/json code they
// replaced as the reference: for any body, the new code must accept,
// refuse and read exactly what the old one did.

// oldErrorCode is ErrorCode as it was.
func oldErrorCode(body []byte) string {
	var e struct {
		ErrorCode string `json:"errorCode"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.ErrorCode) > 120 {
		return ""
	}
	for i := 0; i < len(e.ErrorCode); i++ {
		ch := e.ErrorCode[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '-' || ch == '_') {
			return ""
		}
	}
	return e.ErrorCode
}

type oldLoginBody struct {
	CurrentAccountID      string       `json:"currentAccountId"`
	LightstreamerEndpoint string       `json:"lightstreamerEndpoint"`
	StreamingHost         string       `json:"streamingHost"`
	Accounts              []oldAccount `json:"accounts"`
}

type oldAccount struct {
	AccountID   string `json:"accountId"`
	AccountName string `json:"accountName"`
	AccountType string `json:"accountType"`
	Preferred   bool   `json:"preferred"`
}

// oldParseCSTLoginBody is ParseCSTLogin's reading of the body as it was,
// converted to the new types for comparison.
func oldParseCSTLoginBody(body []byte) (loginBody, error) {
	var b oldLoginBody
	err := json.Unmarshal(body, &b)
	out := loginBody{CurrentAccountID: b.CurrentAccountID, LightstreamerEndpoint: b.LightstreamerEndpoint, StreamingHost: b.StreamingHost}
	if b.Accounts != nil {
		out.Accounts = []account{}
	}
	for _, a := range b.Accounts {
		out.Accounts = append(out.Accounts, account(a))
	}
	return out, err
}

// oldCheckSwitchBody is CheckSwitchAnswer's reading of the body as it was.
func oldCheckSwitchBody(broker string, r *core.Response) error {
	if len(bytes.TrimSpace(r.Body)) > 0 {
		var body map[string]json.RawMessage
		if json.Unmarshal(r.Body, &body) != nil || body == nil {
			return core.BadResponse(broker, "switch", r.Status, "the account switch answer is not a JSON object")
		}
		if _, has := body["errorCode"]; has {
			return core.BadResponse(broker, "switch", r.Status, "the account switch answer carries an errorCode")
		}
	}
	return nil
}

// oldReadEncryptionKey is EncryptPassword's reading of the body as it was.
func oldReadEncryptionKey(body []byte) (key, ts string, ok bool) {
	var kb struct {
		EncryptionKey string          `json:"encryptionKey"`
		TimeStamp     json.RawMessage `json:"timeStamp"`
	}
	if json.Unmarshal(body, &kb) != nil {
		return "", "", false
	}
	return kb.EncryptionKey, strings.Trim(string(kb.TimeStamp), `"`), true
}

// oldLoginBody is LoginBody as it was.
func oldLoginBodyBytes(identifier, password string, encrypted bool, withFlag bool) []byte {
	body := map[string]any{"identifier": identifier, "password": password}
	if withFlag {
		body["encryptedPassword"] = encrypted
	}
	b, _ := json.Marshal(body)
	return b
}

// cstBodies are answers of every shape the parsers meet, and then some.
var cstBodies = []string{
	`{"accountType":"CFD","currentAccountId":"ABC12","lightstreamerEndpoint":"https://ls.example",` +
		`"accounts":[{"accountId":"ABC12","accountName":"Demo","accountType":"CFD","preferred":true}]}`,
	`{"currentAccountId":"X","streamingHost":"wss://s.example","accounts":null}`,
	`{"currentAccountId":"X","accounts":[]}`, `{"currentAccountId":"X","accounts":{}}`, `{"currentAccountId":"X","accounts":[1]}`,
	`{"currentAccountId":"X","accounts":[null,{"accountId":"A"}]}`, `{"currentAccountId":"X","accounts":[{"preferred":"true"}]}`,
	`{"currentAccountId":"X","accounts":[{"accountId":"A","accountName":"N"}],"accounts":[{"accountId":"B"}]}`,
	`{"currentAccountId":"X","accounts":[{"accountId":"A"},{"accountId":"B"}],"accounts":[],"accounts":[{},{}]}`,
	`{"currentAccountId":12}`, `{"currentAccountId":null}`, `{"currentAccountId":"A","currentAccountId":null}`,
	`{"CURRENTACCOUNTID":"upper"}`, `{"currentaccountid":"a","currentAccountId":"b"}`, `{"currentAccountId":"\u0041\ud800"}`,
	`{"lightstreamerEndpoint":5,"currentAccountId":"A"}`, `{"reroutingEnvironment":null,"currentAccountId":"A","x":[{}]}`,
	`{"accountType":"CFD","currentAccountId":"ABC`, `null`, ``, ` `, `[]`, `"x"`, `{}`, `{"currentAccountId":"A"} x`,
	`{"errorCode":"error.security.invalid-details"}`, `{"errorCode":""}`, `{"errorCode":null}`, `{"errorCode":42}`,
	`{"errorCode":"has space"}`, `{"errorCode":"a\u0000b"}`, `{"errorCode":"error.x","errorCode":"error.y"}`,
	`{"ERRORCODE":"error.x"}`, `{"errorcode":"error.x","errorCode":"error.y"}`, `{"error\u0043ode":"error.x"}`,
	`[{"errorCode":"error.x"}]`, `<html>502</html>`, `{"errorCode":"error.x",}`,
	`{"trailingStopsEnabled":false,"dealingEnabled":true}`, `{"errorcode":"x"}`, `{"errorCode":null}`,
	`{"encryptionKey":"k","timeStamp":1647440528194}`, `{"encryptionKey":"k","timeStamp":"1647440528194"}`,
	`{"encryptionKey":"k","timeStamp":null}`, `{"encryptionKey":"k","timeStamp":{}}`, `{"encryptionKey":"k","timeStamp":""}`,
	`{"encryptionKey":"k","timeStamp":"\"1\""}`, `{"encryptionKey":"k","timeStamp":1,"timeStamp":2}`,
	`{"encryptionKey":1,"timeStamp":1}`, `{"ENCRYPTIONKEY":"k","TIMESTAMP":-1.5e3}`, `{"timeStamp":1}`,
}

func TestParsersAgreeWithEncodingJSON(t *testing.T) {
	for _, b := range cstBodies {
		checkAgainstEncodingJSON(t, []byte(b))
	}
}

func checkAgainstEncodingJSON(t *testing.T, body []byte) {
	t.Helper()
	if got, want := ErrorCode(body), oldErrorCode(body); got != want {
		t.Fatalf("ErrorCode(%q) = %q, was %q", body, got, want)
	}

	var got loginBody
	err := jsonlite.Unmarshal(body, got.field)
	want, wantErr := oldParseCSTLoginBody(body)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("login body %q: error %v, was %v", body, err, wantErr)
	}
	if err == nil {
		assert.Equal(t, want, got, "login body %q", body)
	}
	// And the whole of ParseCSTLogin, error messages included.
	r := &core.Response{Status: http.StatusOK, Header: core.Header{"Cst": {"c"}, "X-Security-Token": {"x"}}, Body: body}
	s, err := ParseLogin(core.BrokerIG, "login", r, "K", "k")
	if wantErr != nil || want.CurrentAccountID == "" {
		if err == nil {
			t.Fatalf("ParseLogin(%q) succeeds, used to fail", body)
		}
	} else {
		require.NoError(t, err, "%q", body)
		assert.Equal(t, want.CurrentAccountID, s.AccountID)
		assert.Len(t, s.Accounts, len(want.Accounts))
	}
	if wantErr != nil {
		assert.Contains(t, err.Error(), "not valid JSON", "%q", body)
	}

	r = &core.Response{Status: http.StatusOK, Header: core.Header{}, Body: body}
	assert.Equal(t, errText(oldCheckSwitchBody(core.BrokerIG, r)), errText(CheckSwitchAnswer(core.BrokerIG, r)), "switch answer %q", body)

	k, ts, ok := readEncryptionKey(body)
	wk, wts, wok := oldReadEncryptionKey(body)
	assert.Equal(t, []any{wk, wts, wok}, []any{k, ts, ok}, "encryptionKey answer %q", body)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// FuzzParsersAgreeWithEncodingJSON: for any body, ErrorCode, the CST login
// body, the switch answer and the encryptionKey answer read as they did
// with encoding/json.
func FuzzParsersAgreeWithEncodingJSON(f *testing.F) {
	for _, b := range cstBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAgainstEncodingJSON(t, body)
	})
}

// FuzzLoginBody: the login body is byte for byte what encoding/json wrote.
func FuzzLoginBody(f *testing.F) {
	f.Add("user", "pass", false, true)
	f.Add("us<er>&", "pa\"ss\\", true, true)
	f.Add("\xff\x00\u2028", "é😀\x7f", false, false)
	f.Fuzz(func(t *testing.T, identifier, password string, encrypted, withFlag bool) {
		got := LoginBody(identifier, password, encrypted, withFlag)
		if want := oldLoginBodyBytes(identifier, password, encrypted, withFlag); string(got) != string(want) {
			t.Fatalf("LoginBody = %s, was %s", got, want)
		}
	})
}
