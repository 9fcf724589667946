package ig

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/brokerauth/brokerauth/internal/jsonlite"
)

// The v3 answers moved from encoding/json to jsonlite (the wasm build has
// no encoding/json). This differential test keeps the encoding/json
// structs they replaced as the reference: for any body, the new code must
// accept, refuse and read exactly what the old one did.

type oldOAuthToken struct {
	AccessToken  string          `json:"access_token"`
	RefreshToken string          `json:"refresh_token"`
	TokenType    string          `json:"token_type"`
	ExpiresIn    json.RawMessage `json:"expires_in"`
}

type oldV3Login struct {
	AccountID             string         `json:"accountId"`
	LightstreamerEndpoint string         `json:"lightstreamerEndpoint"`
	OAuthToken            *oldOAuthToken `json:"oauthToken"`
}

func (t *oldOAuthToken) converted() *oauthToken {
	if t == nil {
		return nil
	}
	return &oauthToken{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType, ExpiresIn: t.ExpiresIn}
}

// sameRaw makes the absent expires_in (nil or empty) compare equal.
func sameRaw(t *oauthToken) {
	if t != nil && len(t.ExpiresIn) == 0 {
		t.ExpiresIn = nil
	}
}

var v3Bodies = []string{
	`{"clientId":"101","accountId":"ACC1","timezoneOffset":0,"lightstreamerEndpoint":"https://ls.example",` +
		`"oauthToken":{"access_token":"a","refresh_token":"r","scope":"profile","token_type":"Bearer","expires_in":"60"}}`,
	`{"accountId":"ACC1","oauthToken":null}`, `{"accountId":"","oauthToken":{}}`, `{"accountId":"ACC1","oauthToken":"x"}`,
	`{"accountId":"A","oauthToken":{"access_token":"a"},"oauthToken":{"refresh_token":"r"}}`,
	`{"accountId":"A","oauthToken":{"access_token":"a"},"oauthToken":null}`,
	`{"accountId":"A","oauthToken":{"expires_in":60}}`, `{"accountId":"A","oauthToken":{"expires_in":null}}`,
	`{"accountId":"A","oauthToken":{"expires_in":{"x":[1, 2]}}}`, `{"accountId":"A","oauthToken":{"expires_in":"6","expires_in":7}}`,
	`{"accountId":"A","oauthToken":{"token_type":1}}`, `{"accountId":"A","oauthToken":{"scope":1}}`,
	`{"ACCOUNTID":"A","OAUTHTOKEN":{"ACCESS_TOKEN":"a"}}`, `{"accountId":1}`, `{"accountId":null}`,
	`{"access_token":"a-0123456789","refresh_token":"r-0123456789","scope":"profile","token_type":"Bearer","expires_in":"60"}`,
	`{"access_token":1}`, `{"access_token":"a\u0000b"}`, `{"expires_in":" 60"}`, `{}`, `null`, `[]`, `""`, ``, `{`,
	`{"access_token":"a"}x`, `<html/>`,
}

func checkV3AgainstEncodingJSON(t *testing.T, body []byte) {
	t.Helper()
	var old oldV3Login
	wantErr := json.Unmarshal(body, &old)
	var got v3Login
	err := jsonlite.Unmarshal(body, got.field)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("v3 login %q: error %v, was %v", body, err, wantErr)
	}
	if err == nil {
		want := v3Login{AccountID: old.AccountID, LightstreamerEndpoint: old.LightstreamerEndpoint, OAuthToken: old.OAuthToken.converted()}
		sameRaw(want.OAuthToken)
		sameRaw(got.OAuthToken)
		assert.Equal(t, want, got, "v3 login %q", body)
	}

	var oldTok oldOAuthToken
	wantErr = json.Unmarshal(body, &oldTok)
	var tok oauthToken
	err = jsonlite.Unmarshal(body, tok.field)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("token %q: error %v, was %v", body, err, wantErr)
	}
	if err == nil {
		want := oldTok.converted()
		sameRaw(want)
		sameRaw(&tok)
		assert.Equal(t, *want, tok, "token %q", body)
	}
}

func TestV3AnswersAgreeWithEncodingJSON(t *testing.T) {
	for _, b := range v3Bodies {
		checkV3AgainstEncodingJSON(t, []byte(b))
	}
}

// FuzzV3AnswersAgreeWithEncodingJSON: the v3 login answer and the token
// block read as they did with encoding/json, whatever the body.
func FuzzV3AnswersAgreeWithEncodingJSON(f *testing.F) {
	for _, b := range v3Bodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkV3AgainstEncodingJSON(t, body)
	})
}

// The request bodies are byte for byte what encoding/json wrote.
func TestRequestBodiesAsBefore(t *testing.T) {
	for _, s := range []string{"ACC1", "", "a\"<b>&\xff\u2028", strings.Repeat("x", 300)} {
		for _, key := range []string{"accountId", "refresh_token"} {
			want, _ := json.Marshal(map[string]string{key: s})
			var w jsonlite.ObjectWriter
			w.String(key, s)
			assert.Equal(t, string(want), string(w.Bytes()))
		}
	}
}
