package jsonlite

import (
	"encoding/json"
	"testing"
)

// igLoginV2 is an IG v2 POST /session answer as IG sends it (demo account,
// pretty much verbatim shape; ~1.5 KB): what every IG login parses.
const igLoginV2 = `{"accountType":"CFD","accountInfo":{"balance":10000.0,"deposit":0.0,"profitLoss":0.0,"available":10000.0},` +
	`"currencyIsoCode":"GBP","currencySymbol":"\u00a3","currentAccountId":"Z3ABCD","lightstreamerEndpoint":"https://demo-apd.marketdatasystems.com",` +
	`"accounts":[` +
	`{"accountId":"Z3ABCD","accountName":"CFD","preferred":true,"accountType":"CFD"},` +
	`{"accountId":"Z3ABCE","accountName":"Spread bet","preferred":false,"accountType":"SPREADBET"},` +
	`{"accountId":"Z3ABCF","accountName":"Options (CFD)","preferred":false,"accountType":"CFD"},` +
	`{"accountId":"Z3ABCG","accountName":"Options (spread bet)","preferred":false,"accountType":"SPREADBET"},` +
	`{"accountId":"Z3ABCH","accountName":"Share dealing","preferred":false,"accountType":"PHYSICAL"},` +
	`{"accountId":"Z3ABCI","accountName":"ISA","preferred":false,"accountType":"PHYSICAL"},` +
	`{"accountId":"Z3ABCJ","accountName":"SIPP","preferred":false,"accountType":"PHYSICAL"},` +
	`{"accountId":"Z3ABCK","accountName":"Turbo24","preferred":false,"accountType":"CFD"},` +
	`{"accountId":"Z3ABCL","accountName":"Demo CFD EUR","preferred":false,"accountType":"CFD"},` +
	`{"accountId":"Z3ABCM","accountName":"Demo CFD USD","preferred":false,"accountType":"CFD"}],` +
	`"clientId":"104567890","timezoneOffset":1,"hasActiveDemoAccounts":true,"hasActiveLiveAccounts":true,` +
	`"trailingStopsEnabled":false,"reroutingEnvironment":null,"dealingEnabled":true,` +
	`"formDetails":[{"formType":"BASIC_CLIENT_QUESTIONNAIRE","formUrl":"https://www.ig.com/uk/application-form"}],` +
	`"authenticationStatus":"AUTHENTICATED","igCompany":"IG Markets Ltd","reroutingMessage":null}`

// The part of the answer a session needs, as cstsession reads it: the
// encoding/json way (before) and the jsonlite way (now).
type benchLogin struct {
	CurrentAccountID      string         `json:"currentAccountId"`
	LightstreamerEndpoint string         `json:"lightstreamerEndpoint"`
	StreamingHost         string         `json:"streamingHost"`
	Accounts              []benchAccount `json:"accounts"`
}

type benchAccount struct {
	AccountID   string `json:"accountId"`
	AccountName string `json:"accountName"`
	AccountType string `json:"accountType"`
	Preferred   bool   `json:"preferred"`
}

func (b *benchLogin) field(key []byte, v Value) error {
	switch {
	case Match(key, "currentAccountId"):
		return v.ReadString(&b.CurrentAccountID)
	case Match(key, "lightstreamerEndpoint"):
		return v.ReadString(&b.LightstreamerEndpoint)
	case Match(key, "streamingHost"):
		return v.ReadString(&b.StreamingHost)
	case Match(key, "accounts"):
		return Slice(v, &b.Accounts, func(a *benchAccount, v Value) error { return v.Struct(a.field) })
	}
	return nil
}

func (a *benchAccount) field(key []byte, v Value) error {
	switch {
	case Match(key, "accountId"):
		return v.ReadString(&a.AccountID)
	case Match(key, "accountName"):
		return v.ReadString(&a.AccountName)
	case Match(key, "accountType"):
		return v.ReadString(&a.AccountType)
	case Match(key, "preferred"):
		return v.ReadBool(&a.Preferred)
	}
	return nil
}

func TestBenchAnswerDecodesTheSameBothWays(t *testing.T) {
	var old, now benchLogin
	if err := json.Unmarshal([]byte(igLoginV2), &old); err != nil {
		t.Fatal(err)
	}
	if err := Unmarshal([]byte(igLoginV2), now.field); err != nil {
		t.Fatal(err)
	}
	if len(now.Accounts) != 10 || now.CurrentAccountID != "Z3ABCD" {
		t.Fatalf("decoded %+v", now)
	}
	if len(old.Accounts) != len(now.Accounts) || old.CurrentAccountID != now.CurrentAccountID || old.Accounts[9] != now.Accounts[9] {
		t.Fatalf("encoding/json %+v, jsonlite %+v", old, now)
	}
}

// BenchmarkIGLoginV2: the login answer parsed the old way and the new.
// Under wasm: GOOS=js GOARCH=wasm PATH="$(go env GOROOT)/lib/wasm:$PATH"
// go test -run XXX -bench . ./core/internal/jsonlite
func BenchmarkIGLoginV2(b *testing.B) {
	data := []byte(igLoginV2)
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var out benchLogin
			if err := json.Unmarshal(data, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsonlite", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var out benchLogin
			if err := Unmarshal(data, out.field); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("valid/encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if !json.Valid(data) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("valid/jsonlite", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if !Valid(data) {
				b.Fatal("invalid")
			}
		}
	})
}
