package cst

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/brokerauth/brokerauth/core"
	"github.com/brokerauth/brokerauth/internal/fuzzcheck"
)

// The parsers of IG's and Capital.com's answers, fuzzed where the bytes
// come in. The seed corpora run in every `go test`; `make fuzz` runs each
// target for a while.

// FuzzErrorCode: ErrorCode never panics and only lets through what looks
// like a broker code, so a hostile body cannot put text in our errors.
func FuzzErrorCode(f *testing.F) {
	for _, s := range []string{
		`{"errorCode":"error.security.invalid-details"}`,
		`{"errorCode":"error.too-many.requests"}`,
		`{"errorCode":""}`,
		`{"errorCode":null}`,
		`{"errorCode":42}`,
		`{"errorCode":"has space"}`,
		`{"errorCode":"a\u0000b"}`,
		`{"errorCode":"error.x","errorCode":"error.y"}`,
		`[{"errorCode":"error.x"}]`,
		`<html>502</html>`,
		``,
		`{"errorCode":"` + string(make([]byte, 130)) + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		code := ErrorCode(body)
		if len(code) > 120 {
			t.Fatalf("code longer than 120 bytes: %d", len(code))
		}
		for i := 0; i < len(code); i++ {
			ch := code[i]
			if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '-' || ch == '_') {
				t.Fatalf("code with byte %q let through: %q", ch, code)
			}
		}
		r := &core.Response{Status: http.StatusUnauthorized, Body: body}
		if Expired(r) != core.IsTokenCode(code) {
			t.Fatalf("Expired disagrees with ErrorCode for %q", code)
		}
		for _, status := range []int{400, 401, 403, 429, 500, 503} {
			r.Status = status
			e := Error(core.BrokerIG, "login", r)
			if e.Code == "" || e.Status != status {
				t.Fatalf("StatusError: %#v", e)
			}
			if want := status >= 500 || status == 429; want && !e.Retryable {
				t.Fatalf("status %d not retryable", status)
			}
			if core.IsSessionError(e) != ((status == 401 || status == 403) && core.IsTokenCode(code)) {
				t.Fatalf("IsSessionError(%v) wrong", e)
			}
		}
	})
}

// FuzzParseCSTLogin: a CST login answer (IG v2, Capital.com) either makes a
// complete session, with the broker's two tokens and an account, or fails
// with bad_response; never a session with a token missing.
func FuzzParseCSTLogin(f *testing.F) {
	good := `{"accountType":"CFD","currentAccountId":"ABC12","lightstreamerEndpoint":"https://ls.example",` +
		`"accounts":[{"accountId":"ABC12","accountName":"Demo","accountType":"CFD","preferred":true}]}`
	f.Add("cst-0123456789abcdef", "xst-0123456789abcdef", []byte(good))
	f.Add("cst", "xst", []byte(`{"currentAccountId":"X","streamingHost":"wss://s.example","accounts":null}`))
	f.Add("", "xst", []byte(good))
	f.Add("cst", "", []byte(good))
	f.Add("cst", "xst", []byte(`{"currentAccountId":""}`))
	f.Add("cst", "xst", []byte(`{"currentAccountId":12}`))
	f.Add("cst", "xst", []byte(`{"currentAccountId":"A","accounts":{}}`))
	f.Add("cst", "xst", []byte(`{"accountType":"CFD","currentAccountId":"ABC`))
	f.Add("cst", "xst", []byte(`null`))
	f.Add("cst", "xst", []byte(``))
	f.Add("cst-a, cst-b", " xst ", []byte(good))
	f.Fuzz(func(t *testing.T, rawCST, rawXST string, body []byte) {
		h := core.Header{}
		if rawCST != "" {
			h["Cst"] = []string{rawCST}
		}
		if rawXST != "" {
			h["X-Security-Token"] = []string{rawXST}
		}
		// What the session must hold: the first comma-separated part.
		cst, xst := TokenHeader(h, "Cst"), TokenHeader(h, "X-Security-Token")
		r := &core.Response{Status: http.StatusOK, Header: h, Body: body}
		s, err := ParseLogin(core.BrokerCapital, "login", r, "X-CAP-API-KEY", "the-api-key")
		if err != nil {
			if s != nil {
				t.Fatal("a session with an error")
			}
			e := fuzzcheck.Error(t, err, core.BrokerCapital, cst, xst)
			if e.Code != core.CodeBadResponse || e.Step != "login" {
				t.Fatalf("want bad_response at login, got %v", e)
			}
			return
		}
		if s.AccountID == "" || s.Broker != core.BrokerCapital {
			t.Fatalf("incomplete session %+v", s)
		}
		if s.Headers["CST"] != cst || s.Headers["X-SECURITY-TOKEN"] != xst || s.Headers["X-CAP-API-KEY"] != "the-api-key" || len(s.Headers) != 3 {
			t.Fatalf("session headers %v", s.Headers)
		}
		// A switch answer's X-SECURITY-TOKEN replaces the old one only
		// when there is one, and never touches the original.
		sw := AfterSwitch(s, "OTHER", &core.Response{Header: core.Header{"X-Security-Token": {xst + "2"}}})
		if want := TokenHeader(core.Header{"X": {xst + "2"}}, "X"); core.ValidHeaderValue(want) && sw.Headers["X-SECURITY-TOKEN"] != want ||
			s.Headers["X-SECURITY-TOKEN"] != xst || sw.AccountID != "OTHER" {
			t.Fatal("AfterSwitch changed the wrong session")
		}
		if kept := AfterSwitch(s, "OTHER", &core.Response{Header: core.Header{}}); kept.Headers["X-SECURITY-TOKEN"] != xst {
			t.Fatal("AfterSwitch dropped the token of an answer without one")
		}
	})
}

var (
	keyOnce sync.Once
	keyB64  string
)

// encKey is a 1024-bit public key in base64 DER (small keeps the fuzzer
// fast; the parsers do not care).
func encKey(f *testing.F) string {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			panic(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		keyB64 = base64.StdEncoding.EncodeToString(der)
	})
	return keyB64
}

// FuzzEncryptionKeyAnswer: whatever GET /session/encryptionKey answers,
// EncryptPassword returns a ciphertext or a typed error for the
// encryptionKey step that does not echo the password.
func FuzzEncryptionKeyAnswer(f *testing.F) {
	key := encKey(f)
	f.Add(200, []byte(`{"encryptionKey":"`+key+`","timeStamp":1647440528194}`))
	f.Add(200, []byte(`{"encryptionKey":"`+key+`","timeStamp":"1647440528194"}`))
	f.Add(200, []byte(`{"encryptionKey":"`+key+`","timeStamp":-1}`))
	f.Add(200, []byte(`{"encryptionKey":"`+key+`","timeStamp":1.5e3}`))
	f.Add(200, []byte(`{"encryptionKey":"`+key+`","timeStamp":{}}`))
	f.Add(200, []byte(`{"encryptionKey":"`+key[:40]+`","timeStamp":1}`))
	f.Add(200, []byte(`{"encryptionKey":"-----BEGIN PUBLIC KEY-----\n`+key+`\n-----END PUBLIC KEY-----","timeStamp":1}`))
	f.Add(200, []byte(`{"encryptionKey":"","timeStamp":1}`))
	f.Add(200, []byte(`{"timeStamp":1}`))
	f.Add(200, []byte(`not json`))
	f.Add(401, []byte(`{"errorCode":"error.security.api-key-invalid"}`))
	f.Add(503, []byte(`<html>503</html>`))
	const password = "Secret-Passw0rd-xyz"
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		d := &fuzzcheck.Doer{Route: func(*fuzzcheck.Request) *fuzzcheck.Answer {
			return &fuzzcheck.Answer{Status: status, Body: body}
		}}
		c := core.NewCaller(&core.Settings{Broker: core.BrokerIG, HTTP: d, Timeout: time.Second, Clock: core.SystemClock},
			func(step string, r *core.Response) *core.Error { return Error(core.BrokerIG, step, r) })
		enc, err := EncryptedPassword(context.Background(), c, &core.Request{Method: "GET", URL: "https://broker.test/session/encryptionKey"}, password)
		if err != nil {
			e := fuzzcheck.Error(t, err, core.BrokerIG, password)
			if e.Step != StepEncryptionKey {
				t.Fatalf("step %q", e.Step)
			}
			return
		}
		if status < 200 || status > 299 {
			t.Fatalf("success on HTTP %d", status)
		}
		if _, err := base64.StdEncoding.DecodeString(enc); err != nil || enc == "" {
			t.Fatalf("ciphertext is not base64: %q", enc)
		}
	})
}
